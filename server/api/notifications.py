"""Notifications API: a profile's in-app notifications (a new episode of a show on its watchlist)."""

from __future__ import annotations

import uuid

from aiohttp import web

from server import keys
from server.auth.viewer import load_viewer
from server.errors import NotFound
from server.listing import Pagination, pagination
from server.notifications import store
from server.notifications.models import (
    NotificationOut,
    NotificationsOut,
    NotificationsQuery,
    ProfileQuery,
    ReadOut,
)
from server.routing import ApiRouter, json_response

router = ApiRouter(tag="notifications")


@router.route("GET", "/api/v1/notifications", summary="A profile's notifications, newest first",
              query=NotificationsQuery, response=NotificationsOut, errors=(401, 404, 422))
async def list_notifications(request: web.Request, *, query: NotificationsQuery) -> web.Response:
    """200 with a page of notifications (``unread=true``: only unread); 404 for another account's profile."""
    viewer = await load_viewer(request, str(query.profile_id))
    assert viewer.profile is not None
    items, total = await store.page(request.app[keys.DB], profile_id=viewer.profile.id, unread=query.unread,
                                    limit=query.limit, offset=query.offset)
    return json_response(NotificationsOut(notifications=[NotificationOut(**i) for i in items], pagination=Pagination(
        **pagination(page=query.page, limit=query.limit, total=total))))


@router.route("POST", "/api/v1/notifications/{notification_id}/read", summary="Mark a notification read",
              query=ProfileQuery, response=ReadOut, errors=(401, 404, 422))
async def mark_read(request: web.Request, *, query: ProfileQuery) -> web.Response:
    """200 (idempotent); 404 when the notification is not this profile's."""
    viewer = await load_viewer(request, str(query.profile_id))
    assert viewer.profile is not None
    raw = request.match_info["notification_id"]
    try:
        notification_id = str(uuid.UUID(raw))
    except ValueError as err:
        raise NotFound(f"no notification {raw[:64]}") from err
    if not await store.mark_read(request.app[keys.DB], profile_id=viewer.profile.id, notification_id=notification_id):
        raise NotFound(f"no notification {notification_id}")
    return json_response(ReadOut(id=notification_id, read=True))
