"""``GET /media/s/<session>/<token>/<path>``: signed playlists (built per request) and media files.

Order of checks: path safety (404), token (403), session ownership (403), the session's allowed
variants (403), then the file (404). Built playlists are short-lived (``max-age=2``); segments
are immutable for a year, except steered ones (``no-store``: the same URL answers different
renditions).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import weakref
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from media import Asset, VideoRendition, segment_files
from server import keys
from server.activity.events import record_event
from server.errors import Forbidden, NotFound
from server.routing import optional_principal
from server.streaming import manifests, steering, throughput
from server.streaming.assets import AssetMissing, played_audio, rungs_of
from server.streaming.delivery import Request, session_rtt
from server.streaming.files import PLAYLIST_CACHE, SEGMENT_CACHE, STEERED_CACHE, MeasuredFileResponse
from server.streaming.paths import UnsafePath, check_raw, clean_relative, content_type, resolve_inside
from server.streaming.playerbuffer import PlayerBuffer
from server.streaming.players import lacks_abr
from server.streaming.playlist_cache import PlaylistCache
from server.streaming.policy import Rung
from server.streaming.sessions import StreamSession
from server.streaming.signing import Grant, SignatureError
from server.streaming.state import STREAMING, batcher, session_store
from server.streaming.urls import STEERED_PLAYLIST, MediaUrls

log = logging.getLogger(__name__)

_STEERED_SEGMENT = re.compile(r"^video/auto/seg_(\d{5})\.ts$")
MEDIA_SEGMENT_SUFFIXES = (".ts", ".m4s", ".mp4", ".aac")
#: Seconds nginx (deploy/nginx.conf) may answer a built playlist from its cache: the same as max-age.
PLAYLIST_FRONT_CACHE_S = 2


def _playlist(body: bytes, *, ctype: str = "application/vnd.apple.mpegurl") -> web.Response:
    return web.Response(body=body, content_type=ctype, headers={"Cache-Control": PLAYLIST_CACHE})


def _blocked_dash_files(asset: Asset, allowed: tuple[str, ...]) -> set[str]:
    """DASH files of video representations outside ``allowed``."""
    if asset.dash is None:
        return set()
    out: set[str] = set()
    for rep in asset.dash.representations:
        if rep.kind == "video" and rep.name not in allowed:
            out.add(rep.init)
            out.update(segment_files(rep))
    return out


def _grant(request: web.Request, *, session_id: str, token: str, path: str) -> Grant:
    """The URL's grant (signature, expiry, scope) for the viewer asking, if any (403 otherwise)."""
    app = request.app
    try:
        grant = app[STREAMING].signer.verify(session_id=session_id, token=token, path=path, now=time.time())
    except SignatureError as err:
        raise Forbidden(f"media URL refused: {err}") from err
    who = optional_principal(request)
    if who is not None and who.user_id != grant.user_id:
        raise Forbidden("this media URL was issued to another viewer")
    return grant


async def _session(request: web.Request, grant: Grant, *, session_id: str, fresh: bool) -> StreamSession:
    """The grant's session (``fresh``: read from Redis now, else possibly cached for a second); 403 when it
    ended or does not match."""
    app = request.app
    store = session_store(app)
    session = await (store.get(session_id) if fresh else app[STREAMING].sessions.get(session_id, store.get))
    if session is None or session.user_id != grant.user_id or session.asset_id != grant.asset_id:
        raise Forbidden("the playback session has ended or does not match this URL")
    return session


async def serve_media(request: web.Request) -> web.StreamResponse:
    """Answer one signed media request (see module docstring)."""
    arrived = Arrival(at=time.time(), new_connection=first_on_connection(request))
    session_id = request.match_info["session_id"]
    token = request.match_info["token"]
    path = request.match_info["path"]
    try:
        check_raw(request.raw_path)
        clean_relative(path)
    except UnsafePath as err:
        raise NotFound(f"no such media file: {err}") from err
    steered = _STEERED_SEGMENT.match(path) is not None  # decides and writes: read the session fresh
    grant = _grant(request, session_id=session_id, token=token, path=path)
    app = request.app
    log: list[Request] = []
    if steered:  # the session and the viewer's request log in one wait (both on the first frame's path)
        session, log = await asyncio.gather(_session(request, grant, session_id=session_id, fresh=True),
                                            _request_log(app, grant.user_id))
    else:
        session = await _session(request, grant, session_id=session_id, fresh=False)
    settings = app[keys.SETTINGS]
    try:
        asset = app[STREAMING].assets.load(media_dir=settings.resolved_media_dir, asset_id=grant.asset_id)
    except AssetMissing as err:
        raise NotFound(str(err)) from err
    urls = MediaUrls(signer=app[STREAMING].signer, session_id=session_id, user_id=grant.user_id,
                     asset_id=grant.asset_id, expires=grant.expires)
    adaptive = not lacks_abr(user_agent=request.headers.get("User-Agent"), player=request.query.get("player"))
    built = _built_playlist(app[STREAMING].playlists, asset, urls, session=session, path=path, adaptive=adaptive,
                            extra_audio=request.query.getall("audio", []))
    if built is not None:
        log_request(app, user_id=grant.user_id, arrived=arrived, nbytes=built.content_length or 0,
                    session_id=session_id)
        if settings.media_accel_redirect is not None:  # behind nginx: it may reuse this answer briefly
            built.headers["X-Accel-Expires"] = str(PLAYLIST_FRONT_CACHE_S)
        return built
    if path.endswith((".m3u8", ".mpd")):
        raise NotFound("no such playlist")
    if m := _STEERED_SEGMENT.match(path):
        return await _steered_segment(request, asset=asset, session=session, index=int(m[1]), arrived=arrived,
                                      log=log)
    parts = path.split("/")
    if parts[0] == "video" and len(parts) > 2 and parts[1] not in session.variants:
        raise Forbidden(f"rendition {parts[1]} is not offered in this session")
    if path in _blocked_dash_files(asset, session.variants):
        raise Forbidden("this representation is not offered in this session")
    return _file(request, asset=asset, path=path, user_id=grant.user_id, arrived=arrived, session_id=session_id)


def _built_playlist(cache: PlaylistCache, asset: Asset, urls: MediaUrls, *, session: StreamSession,
                    path: str, adaptive: bool = True, extra_audio: Sequence[str] = ()) -> web.Response | None:
    """The playlist at ``path`` for this session (from the cache), or None when ``path`` is not one.

    Media playlists are the same bytes for every viewer (relative segment URIs); the master and the
    MPD carry this session's signed URLs, so they are cached per session, variants and expiry.

    A player without ABR (``adaptive`` False: mpv, ffmpeg) asking for the master gets one variant,
    the steered playlist, described as the session's current rung, with the default audio, the
    ``extra_audio`` languages and the subtitles (see :mod:`server.streaming.players`).
    """
    per_session = (session.session_id, urls.user_id, urls.expires, tuple(session.variants))
    if path == asset.master:
        if not adaptive:
            langs = tuple(a.language for a in asset.audio if a.default or a.language in extra_audio)
            if all(lang == r.muxed_audio for lang in langs for r in asset.renditions):
                # nothing beyond the steered variant and its muxed audio that ffmpeg would play (its HLS
                # demuxer ignores subtitle renditions): the steered playlist itself, one document less
                return _playlist(cache.get(asset, ("steered-direct", *per_session), lambda: (
                    manifests.direct_steered_playlist(asset, urls, timing_from=session.variants[0])),
                    per_session=True))
            return _playlist(cache.get(asset, ("steered-master", *per_session, session.current, langs),
                                       lambda: manifests.steered_master(asset, urls, rendition=session.current,
                                                                        audio=langs), per_session=True))
        return _playlist(cache.get(asset, ("master", *per_session), lambda: manifests.master_playlist(
            asset, urls, variants=session.variants), per_session=True))
    if asset.dash is not None and path == asset.dash.mpd:
        return _playlist(cache.get(asset, ("mpd", *per_session), lambda: manifests.dash_manifest(
            asset, urls, variants=session.variants), per_session=True), ctype="application/dash+xml")
    if path == STEERED_PLAYLIST:
        first = session.variants[0]
        return _playlist(cache.get(asset, ("steered", first), lambda: manifests.steered_playlist(
            asset, timing_from=first)))
    for r in asset.renditions:
        if path == r.playlist:
            if r.name not in session.variants:
                raise Forbidden(f"rendition {r.name} is not offered in this session")
            return _playlist(cache.get(asset, ("video", r.name), partial(manifests.rendition_playlist, asset,
                                                                         name=r.name)))
    for a in asset.audio:
        if path == a.playlist:
            return _playlist(cache.get(asset, ("audio", a.language), partial(manifests.audio_playlist, asset,
                                                                             language=a.language)))
    for s in asset.subtitles:
        if path == s.playlist:
            return _playlist(cache.get(asset, ("subs", s.language), partial(manifests.subtitle_playlist, asset,
                                                                            language=s.language)))
    return None


def _resolve(request: web.Request, *, asset_id: str, path: str) -> Any:
    media_dir = request.app[keys.SETTINGS].resolved_media_dir
    try:
        return request.app[STREAMING].paths.get(media_dir, asset_id, path, partial(
            resolve_inside, media_dir=media_dir, asset_id=asset_id, relative=path))
    except UnsafePath as err:
        raise NotFound(f"no such media file: {err}") from err


def _accel_response(request: web.Request, *, target: Path, headers: dict[str, str]) -> web.Response | None:
    """With ``media_accel_redirect`` set: an empty response telling nginx which file to send."""
    settings = request.app[keys.SETTINGS]
    prefix = settings.media_accel_redirect
    if prefix is None:
        return None
    relative = target.relative_to(settings.resolved_media_dir.resolve()).as_posix()
    return web.Response(headers={**headers, "X-Accel-Redirect": prefix + quote(relative)})


def _file(request: web.Request, *, asset: Asset, path: str, user_id: str, arrived: Arrival,
          session_id: str) -> web.StreamResponse:
    """A static file of the asset: segments are immutable, other files (images, VTT) too."""
    target = _resolve(request, asset_id=asset.asset_id, path=path)
    headers = {"Cache-Control": SEGMENT_CACHE, "Content-Type": content_type(path)}
    media_s = _media_seconds(asset, path)
    if (accel := _accel_response(request, target=target, headers=headers)) is not None:
        if media_s is not None:
            log_request(request.app, user_id=user_id, arrived=arrived, nbytes=_size(target), media_s=media_s,
                        session_id=session_id)
        return accel
    on_sent = None
    if media_s is not None:
        app = request.app

        async def on_sent(nbytes: int, _seconds: float) -> None:
            log_request(app, user_id=user_id, arrived=arrived, nbytes=nbytes, media_s=media_s or 0.0,
                        session_id=session_id)

    return MeasuredFileResponse(target, on_sent=on_sent, headers=headers)


def _size(target: Path) -> int:
    try:
        return target.stat().st_size
    except OSError:
        return 0


def _media_seconds(asset: Asset, path: str) -> float | None:
    """Media seconds in the segment at ``path`` (0 for a subtitle file), None when it is not media."""
    if path.endswith(".vtt"):
        return 0.0
    if not path.endswith(MEDIA_SEGMENT_SUFFIXES):
        return None
    directory, _, name = path.rpartition("/")
    tracks = [(r.directory, r.segments) for r in asset.renditions] + [(a.directory, a.segments) for a in asset.audio]
    for track_dir, segments in tracks:
        if track_dir.rstrip("/") == directory:
            return next((seg.duration for seg in segments if seg.uri == name), 0.0)
    return 0.0


@dataclass(frozen=True, slots=True)
class Arrival:
    """When a media request arrived and whether it was the first on its TCP connection."""

    at: float
    new_connection: bool


_CONNECTIONS: weakref.WeakSet[Any] = weakref.WeakSet()


def first_on_connection(request: web.Request) -> bool:
    """Whether ``request`` is the first one on its connection (a new connection cost the client a handshake)."""
    transport = request.transport
    if transport is None:
        return False
    try:
        if transport in _CONNECTIONS:
            return False
        _CONNECTIONS.add(transport)
    except TypeError:  # a transport that cannot be weakly referenced
        return False
    return True


def log_request(app: web.Application, *, user_id: str, arrived: Arrival, nbytes: int, session_id: str,
                media_s: float = 0.0, buffer_s: float | None = None) -> None:
    """Queue an answered media request of playback session ``session_id`` for the viewer's request log (the
    estimate's input) through the batcher (``buffer_s``: a steered player's modelled buffer when the request
    arrived)."""
    key = throughput.log_key(app[keys.SETTINGS].redis_namespace, user_id)
    entry = throughput.request_entry(at=arrived.at, nbytes=nbytes, media_s=media_s,
                                     new_connection=arrived.new_connection, buffer_s=buffer_s, session=session_id)
    batcher(app).push(key, entry, keep=throughput.MAX_REQUESTS, ttl_s=throughput.LOG_TTL_S)


def _request_log(app: web.Application, user_id: str) -> Awaitable[list[Request]]:
    """The viewer's request log over Redis plus this process's unwritten entries."""
    ns = app[keys.SETTINGS].redis_namespace
    return throughput.request_log(app[keys.REDIS], namespace=ns, user_id=user_id,
                                  pending=batcher(app).pending(throughput.log_key(ns, user_id)))


def _size_above(request: web.Request, asset: Asset, allowed: Sequence[Rung], current: str, index: int) -> int | None:
    """Bytes of segment ``index`` one allowed rung above ``current`` (None at the top or when unknown)."""
    names = [r.name for r in allowed]
    if current not in names or names.index(current) + 1 >= len(names):
        return None
    up = asset.rendition(names[names.index(current) + 1])
    seg = next((s for s in up.segments if s.index == index), None)
    if seg is None:
        return None
    try:
        target = _resolve(request, asset_id=asset.asset_id, path=f"{up.directory.rstrip('/')}/{seg.uri}")
    except NotFound:
        return None
    return _size(target) or None


def _timeline(asset: Asset, session: StreamSession) -> VideoRendition:
    """The rendition whose segment times the steered playlist carries (its first allowed variant)."""
    try:
        return asset.rendition(session.variants[0])
    except (KeyError, IndexError):
        return asset.renditions[0]


async def _steered_segment(request: web.Request, *, asset: Asset, session: StreamSession,
                           index: int, arrived: Arrival, log: Sequence[Request]) -> web.StreamResponse:
    """Segment INDEX of the rendition the session is steered to (deciding it first in ``auto``); ``log``: the
    viewer's request log (read beside the session)."""
    app = request.app
    store = session_store(app)
    # the steered playlist carries the TS alone (video + the muxed default audio): steer on what it costs
    allowed = [r for r in rungs_of(asset, audio=played_audio(asset)) if r.name in session.variants]
    rendition = session.current
    switch: dict[str, Any] | None = None
    # the player's buffer: this request says the previous segment is in (server.streaming.playerbuffer)
    timing = next((s for s in _timeline(asset, session).segments if s.index == index), None)
    player = session.player or PlayerBuffer()
    via_nginx = app[keys.SETTINGS].media_accel_redirect is not None
    arrived_player: PlayerBuffer | None = None
    if timing is not None:
        player = arrived_player = player.arrive(index=index, start=timing.start, end=timing.start + timing.duration,
                                                now=arrived.at)
    buffer_s = player.level(arrived.at)
    # this request's arrival closes the gap after the previous one: the newest delivery counts
    window = [*log, Request(at=arrived.at, nbytes=0, new_connection=arrived.new_connection, buffer_s=buffer_s,
                            session=session.session_id)]
    rtt_s = session_rtt(window, kept=session.rtt_s)  # kept with the session: it outlives the log's window
    if arrived_player is not None and not via_nginx:
        # sent from here: stored before the body goes out (behind nginx: with the delivery, below)
        await store.note_player(session_id=session.session_id, player=arrived_player, rtt_s=rtt_s)
    est = throughput.estimate_of(window, rtt_s=rtt_s, now=arrived.at)
    now = time.time()
    if session.mode == "auto":
        decision = steering.steer(rungs=allowed, current=session.current, estimate_kbps=est.kbps if est else None,
                                  buffer_s=player.level(now), playing=player.started,
                                  segment_s=asset.segment_duration, rates=est.rates if est else (),
                                  floor_kbps=est.floor_kbps if est else None,
                                  fill_age_s=est.fill_age_s if est else None, keeps_up=bool(est and est.keeps_up),
                                  up_bytes=_size_above(request, asset, allowed, session.current, index))
        if decision.rendition != session.current:
            record = {"at": now, "from": session.current, "to": decision.rendition, "reason": decision.reason,
                      "by": "server", "segment": index}
            if await store.switch(session_id=session.session_id, expected=session.current, to=decision.rendition,
                                  mode=None, record=record):
                rendition, switch = decision.rendition, record
            else:
                fresh = await store.get(session.session_id)
                rendition = fresh.current if fresh is not None else session.current
    try:
        segment = next(s for s in asset.rendition(rendition).segments if s.index == index)
    except (StopIteration, KeyError) as err:
        raise NotFound(f"no segment {index}") from err
    directory = asset.rendition(rendition).directory.rstrip("/")
    target = _resolve(request, asset_id=asset.asset_id, path=f"{directory}/{segment.uri}")

    async def after(nbytes: int, _seconds: float) -> None:
        log_request(app, user_id=session.user_id, arrived=arrived, nbytes=nbytes, media_s=segment.duration,
                    buffer_s=buffer_s, session_id=session.session_id)
        await store.note_delivery(session_id=session.session_id, now=time.time(),
                                  segment_end_s=segment.start + segment.duration,
                                  estimate_kbps=est.kbps if est else None)
        if switch is not None:
            await record_switch(app, session=session, switch=switch, position_s=segment.start)

    headers = {"Cache-Control": STEERED_CACHE, "Content-Type": "video/mp2t", "X-OTT-Rendition": rendition}
    if (accel := _accel_response(request, target=target, headers=headers)) is not None:
        # nginx sends the bytes; the estimate only needs when this request arrived and how big it was.
        log_request(app, user_id=session.user_id, arrived=arrived, nbytes=_size(target), media_s=segment.duration,
                    buffer_s=buffer_s, session_id=session.session_id)
        await store.note_player_and_delivery(session_id=session.session_id, player=arrived_player, now=time.time(),
                                             segment_end_s=segment.start + segment.duration,
                                             estimate_kbps=est.kbps if est else None, rtt_s=rtt_s)
        if switch is not None:
            await record_switch(app, session=session, switch=switch, position_s=segment.start)
        return accel
    return MeasuredFileResponse(target, on_sent=after, headers=headers)


async def record_switch(app: web.Application, *, session: StreamSession, switch: dict[str, Any],
                        position_s: float | None) -> None:
    """Store a rendition switch as a ``quality_change`` engagement event."""
    payload = {k: switch[k] for k in ("from", "to", "reason", "by")}
    await record_event(app, session_id=session.session_id, profile_id=session.profile_id,
                       content_id=session.content_id, episode_id=session.episode_id, type="quality_change",
                       payload=payload, position_seconds=position_s)

