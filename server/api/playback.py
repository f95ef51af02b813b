"""Playback sessions: start (availability, tier, resume point), position reports, completion."""

from __future__ import annotations

import logging
from dataclasses import replace

from aiohttp import web

from server import keys
from server.activity import catalog_info
from server.activity.events import make_event
from server.activity.models import (
    CompleteIn,
    CompleteOut,
    NextEpisode,
    PlaybackStartIn,
    PlaybackStartOut,
    PositionIn,
    PositionOut,
)
from server.activity.store import ViewingSession
from server.ads.service import playback_ads
from server.auth.viewer import Viewer, load_viewer
from server.catalog.availability import playable_item
from server.errors import NotFound
from server.keys import ACTIVITY_STORE, TRACKER
from server.routing import ApiRouter, json_response
from server.streaming.assets import AssetMissing

log = logging.getLogger(__name__)
router = ApiRouter(tag="stream-playback")


def _opt(value: object | None) -> str | None:
    return str(value) if value is not None else None


async def _session(request: web.Request, *, viewer: Viewer, session_id: str, content_id: str,
                   episode_id: str | None) -> ViewingSession:
    """The caller's session for this profile and item; anything else is a 404."""
    session = await request.app[ACTIVITY_STORE].get_session(session_id=session_id)
    profile_id = viewer.profile.id if viewer.profile else None
    if (session is None or session.user_id != viewer.user_id or session.profile_id != profile_id
            or session.content_id != content_id or session.episode_id != episode_id):
        raise NotFound(f"no playback session {session_id} for this profile and title")
    return session


@router.route("POST", "/api/v1/stream/playback/start", summary="Start a playback session", body=PlaybackStartIn,
              response=PlaybackStartOut, errors=(401, 403, 404, 422), headers=("country",))
async def start(request: web.Request, *, body: PlaybackStartIn) -> web.Response:
    """200 with the session id, resume position and ads; 403 when the tier is too low; 404 if not playable
    (unknown, not visible, or not packaged yet)."""
    viewer = await load_viewer(request, str(body.profile_id))
    item = await playable_item(request.app[keys.DB], viewer=viewer, content_id=str(body.content_id),
                               episode_id=_opt(body.episode_id))
    if item.duration_s <= 0:  # the catalog does not know the length: only a packaged asset does
        try:
            asset = request.app[keys.STREAMING].assets.load(
                media_dir=request.app[keys.SETTINGS].resolved_media_dir, asset_id=item.asset_id)
        except AssetMissing as err:
            raise NotFound(f"{item.title} is not packaged yet") from err
        item = replace(item, duration_s=asset.duration)
    assert viewer.profile is not None
    session, resume = await request.app[TRACKER].start(
        user_id=viewer.user_id, profile_id=viewer.profile.id, content_id=item.content_id,
        episode_id=item.episode_id, device_type=body.device_type)
    base_url = (request.app[keys.SETTINGS].public_base_url or str(request.url.origin())).rstrip("/")
    ads = await playback_ads(request.app, viewer=viewer, item=item, session_id=session.id, base_url=base_url)
    return json_response(PlaybackStartOut(session_id=session.id, content_id=item.content_id,
                                          episode_id=item.episode_id, title=item.title, duration_s=item.duration_s,
                                          resume_position=resume, ads=ads))


@router.route("PUT", "/api/v1/stream/playback/position", summary="Report the playback position (idempotent)",
              body=PositionIn, response=PositionOut, errors=(401, 404, 422), headers=("country",))
async def position(request: web.Request, *, body: PositionIn) -> web.Response:
    """200; a report older than the last applied one (by ``seq``) is ignored (``applied: false``)."""
    viewer = await load_viewer(request, str(body.profile_id))
    session = await _session(request, viewer=viewer, session_id=str(body.session_id),
                             content_id=str(body.content_id), episode_id=_opt(body.episode_id))
    result = await request.app[TRACKER].report(
        user_id=viewer.user_id, session=session, position_seconds=min(body.position_seconds, body.duration_seconds),
        duration_seconds=body.duration_seconds, quality=body.quality, seq=body.seq)
    return json_response(PositionOut(success=True, applied=result.applied, completed=result.completed,
                                     completed_percentage=result.completed_percentage,
                                     position_seconds=result.position_seconds))


@router.route("POST", "/api/v1/stream/playback/complete", summary="Mark the session's title completed",
              body=CompleteIn, response=CompleteOut, errors=(401, 404, 422), headers=("country",))
async def complete(request: web.Request, *, body: CompleteIn) -> web.Response:
    """200 with the next episode of a show (null for movies and after the last episode)."""
    viewer = await load_viewer(request, str(body.profile_id))
    session = await _session(request, viewer=viewer, session_id=str(body.session_id),
                             content_id=str(body.content_id), episode_id=_opt(body.episode_id))
    db = request.app[keys.DB]
    tracker = request.app[TRACKER]
    duration = await catalog_info.item_duration(db, content_id=session.content_id, episode_id=session.episode_id)
    if duration <= 0:
        cached = await tracker.cache.get(user_id=viewer.user_id, profile_id=session.profile_id,
                                         content_id=session.content_id, episode_id=session.episode_id)
        duration = cached.duration_seconds if cached else session.duration_seconds
    await tracker.complete(user_id=viewer.user_id, session=session, duration_seconds=duration,
                           watch_duration_seconds=body.watch_duration_seconds, seq=body.seq)
    await request.app[ACTIVITY_STORE].add_events([make_event(
        type="complete", profile_id=session.profile_id, content_id=session.content_id, session_id=session.id,
        episode_id=session.episode_id, position_seconds=duration,
        payload={"completion_rate": body.completion_rate, "watch_duration_seconds": body.watch_duration_seconds})])
    nxt = None
    if session.episode_id:
        info = await catalog_info.next_episode(db, content_id=session.content_id, episode_id=session.episode_id)
        if info is not None:
            nxt = NextEpisode(id=info.id, title=info.title, season_number=info.season_number,
                              episode_number=info.episode_number, thumbnail_url=info.thumbnail_url)
    return json_response(CompleteOut(success=True, next_episode=nxt))
