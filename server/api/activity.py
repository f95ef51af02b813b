"""Viewing activity of a profile: continue watching, history, watchlist and engagement events."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from aiohttp import web

from server import keys
from server.activity import catalog_info
from server.activity.events import make_event
from server.activity.models import (
    ClearedOut,
    ContinueWatchingItem,
    ContinueWatchingOut,
    ContinueWatchingQuery,
    EventsIn,
    EventsOut,
    HistoryItem,
    HistoryOut,
    HistoryQuery,
    Pagination,
    ProfileQuery,
    WatchlistAddOut,
    WatchlistIn,
    WatchlistItem,
    WatchlistOut,
)
from server.auth.viewer import Viewer, load_viewer
from server.catalog.availability import visible_content
from server.errors import NotFound, ValidationFailed
from server.http_cache import cached_json
from server.keys import ACTIVITY_STORE, TRACKER
from server.listing import pagination
from server.routing import ApiRouter, json_response

log = logging.getLogger(__name__)
router = ApiRouter(tag="activity")


def _path_content_id(request: web.Request) -> str:
    raw = request.match_info["content_id"]
    try:
        return str(uuid.UUID(raw))
    except ValueError as err:
        raise NotFound(f"no content {raw[:64]}") from err


async def _viewer(request: web.Request, profile_id: uuid.UUID) -> tuple[Viewer, str]:
    viewer = await load_viewer(request, str(profile_id))
    assert viewer.profile is not None
    return viewer, viewer.profile.id


@router.route("GET", "/api/v1/activity/continue-watching", summary="Unfinished titles, most recent first",
              query=ContinueWatchingQuery, response=ContinueWatchingOut, errors=(401, 404, 422),
              headers=("If-None-Match",))
async def continue_watching(request: web.Request, *, query: ContinueWatchingQuery) -> web.Response:
    """200: titles under 90 % and not dismissed, with progress (at most 20)."""
    _, profile_id = await _viewer(request, query.profile_id)
    items = await request.app[ACTIVITY_STORE].continue_watching(profile_id=profile_id, limit=query.limit)
    db = request.app[keys.DB]
    names = await catalog_info.titles(db, content_ids=[i.content_id for i in items])
    eps = await catalog_info.episodes(db, episode_ids=[i.episode_id for i in items])
    out = []
    for i in items:
        info = names.get(i.content_id)
        if info is None:
            continue  # the title left the catalog
        ep = eps.get(i.episode_id) if i.episode_id else None
        out.append(ContinueWatchingItem(
            content_id=i.content_id, episode_id=i.episode_id, title=info.title,
            episode_title=ep.title if ep else None, season_number=ep.season_number if ep else None,
            episode_number=ep.episode_number if ep else None,
            thumbnail_url=(ep.thumbnail_url if ep and ep.thumbnail_url else info.thumbnail_url),
            position_seconds=i.position_seconds, duration_seconds=i.duration_seconds,
            progress_percentage=i.completion_rate, last_watched=i.last_watched_at))
    return cached_json(request, ContinueWatchingOut(items=out), no_cache=True)


@router.route("DELETE", "/api/v1/activity/continue-watching/{content_id}", summary="Dismiss a title",
              query=ProfileQuery, status=204, errors=(401, 404, 422))
async def dismiss(request: web.Request, *, query: ProfileQuery) -> web.Response:
    """204 (idempotent): the title leaves continue watching until it is watched again."""
    _, profile_id = await _viewer(request, query.profile_id)
    await request.app[ACTIVITY_STORE].dismiss(profile_id=profile_id, content_id=_path_content_id(request))
    return web.Response(status=204)


@router.route("GET", "/api/v1/activity/history", summary="Watch history, paged, optionally by date range",
              query=HistoryQuery, response=HistoryOut, errors=(401, 404, 422))
async def history(request: web.Request, *, query: HistoryQuery) -> web.Response:
    """200 with one page, most recent first, and the total in the range."""
    _, profile_id = await _viewer(request, query.profile_id)
    items, total = await request.app[ACTIVITY_STORE].history(
        profile_id=profile_id, since=query.since, until=query.until, offset=(query.page - 1) * query.limit,
        limit=query.limit)
    db = request.app[keys.DB]
    names = await catalog_info.titles(db, content_ids=[i.content_id for i in items])
    eps = await catalog_info.episodes(db, episode_ids=[i.episode_id for i in items])
    out = []
    for i in items:
        info = names.get(i.content_id)
        ep = eps.get(i.episode_id) if i.episode_id else None
        out.append(HistoryItem(
            content_id=i.content_id, episode_id=i.episode_id, title=info.title if info else None,
            episode_title=ep.title if ep else None, thumbnail_url=info.thumbnail_url if info else None,
            watched_at=i.last_watched_at, completed=i.completed, completion_rate=i.completion_rate,
            position_seconds=i.position_seconds, duration_seconds=i.duration_seconds,
            watch_duration_seconds=i.watch_duration_seconds))
    return json_response(HistoryOut(history=out, pagination=Pagination(
        **pagination(page=query.page, limit=query.limit, total=total))))


@router.route("DELETE", "/api/v1/activity/history", summary="Clear the profile's watch history",
              query=ProfileQuery, response=ClearedOut, errors=(401, 404, 422), headers=("country",))
async def clear_history(request: web.Request, *, query: ProfileQuery) -> web.Response:
    """200 with how many items were removed (resume positions are forgotten too)."""
    viewer, profile_id = await _viewer(request, query.profile_id)
    removed = await request.app[TRACKER].clear_history(user_id=viewer.user_id, profile_id=profile_id)
    return json_response(ClearedOut(success=True, removed=removed))


@router.route("POST", "/api/v1/activity/watchlist", summary="Add a title to the watchlist (idempotent)",
              body=WatchlistIn, response=WatchlistAddOut, status=201, errors=(401, 404, 422),
              also={200: WatchlistAddOut}, headers=("country",))
async def watchlist_add(request: web.Request, *, body: WatchlistIn) -> web.Response:
    """201 when added, 200 when already there; 404 for a title this profile cannot see."""
    viewer, profile_id = await _viewer(request, body.profile_id)
    row = await visible_content(request.app[keys.DB], viewer=viewer, content_id=str(body.content_id))
    content_id = str(row["id"])
    added = await request.app[ACTIVITY_STORE].watchlist_add(profile_id=profile_id, content_id=content_id,
                                                            at=datetime.now(UTC))
    message = "Added to watchlist" if added else "Already on the watchlist"
    return json_response(WatchlistAddOut(success=True, message=message, content_id=content_id),
                         status=201 if added else 200)


@router.route("GET", "/api/v1/activity/watchlist", summary="The profile's watchlist", query=ProfileQuery,
              response=WatchlistOut, errors=(401, 404, 422), headers=("If-None-Match",))
async def watchlist(request: web.Request, *, query: ProfileQuery) -> web.Response:
    """200, most recently added first."""
    _, profile_id = await _viewer(request, query.profile_id)
    entries = await request.app[ACTIVITY_STORE].watchlist(profile_id=profile_id)
    names = await catalog_info.titles(request.app[keys.DB], content_ids=[e.content_id for e in entries])
    out = []
    for e in entries:
        info = names.get(e.content_id)
        out.append(WatchlistItem(content_id=e.content_id, title=info.title if info else None,
                                 type=info.type if info else None, poster_url=info.poster_url if info else None,
                                 added_at=e.added_at))
    return cached_json(request, WatchlistOut(watchlist=out), no_cache=True)


@router.route("DELETE", "/api/v1/activity/watchlist/{content_id}", summary="Remove a title from the watchlist",
              query=ProfileQuery, status=204, errors=(401, 404, 422))
async def watchlist_remove(request: web.Request, *, query: ProfileQuery) -> web.Response:
    """204 whether or not the title was on the list (idempotent)."""
    _, profile_id = await _viewer(request, query.profile_id)
    await request.app[ACTIVITY_STORE].watchlist_remove(profile_id=profile_id, content_id=_path_content_id(request))
    return web.Response(status=204)


@router.route("POST", "/api/v1/activity/events", summary="Ingest a batch of engagement events (at most 500)",
              body=EventsIn, response=EventsOut, status=202, errors=(401, 404, 413, 422),
              headers=("country",))
async def events(request: web.Request, *, body: EventsIn) -> web.Response:
    """202 with the number accepted; 422 naming the index of an invalid event (or of a foreign session)."""
    _, profile_id = await _viewer(request, body.profile_id)
    store = request.app[ACTIVITY_STORE]
    sessions: dict[str, bool] = {}
    errors = []
    for index, ev in enumerate(body.events):
        if ev.session_id is None:
            continue
        sid = str(ev.session_id)
        if sid not in sessions:
            found = await store.get_session(session_id=sid)
            sessions[sid] = found is not None and found.profile_id == profile_id
        if not sessions[sid]:
            errors.append({"field": f"events.{index}.session_id", "message": "no such session for this profile",
                           "type": "unknown_session"})
    if errors:
        raise ValidationFailed("some events name a session this profile does not have", errors=errors)
    batch = [make_event(type=ev.type, profile_id=profile_id, content_id=str(ev.content_id),
                        session_id=str(ev.session_id) if ev.session_id else None,
                        episode_id=str(ev.episode_id) if ev.episode_id else None,
                        position_seconds=ev.position_seconds, client_ts=ev.client_ts, payload=ev.payload)
             for ev in body.events]
    accepted = await store.add_events(batch)
    return json_response(EventsOut(accepted=accepted), status=202)
