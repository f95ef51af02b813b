"""Streaming API (spec §6.3): the per-viewer manifest, steered-session control, and signed media serving."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from media import Asset
from netem_profiles import ProfileError
from server import keys
from server.auth.authenticator import require_verified_if_configured
from server.auth.viewer import load_viewer
from server.catalog.availability import playable_item
from server.errors import NotFound, ValidationFailed
from server.keys import ACTIVITY_STORE, STREAMING
from server.routing import ApiRouter, json_response, principal
from server.streaming import hints as client_hints
from server.streaming import manifests, throughput
from server.streaming.assets import AssetMissing, played_audio, rungs_of
from server.streaming.models import (
    AudioOut,
    ManifestOut,
    ManifestQuery,
    QualityOut,
    RenditionIn,
    StreamSessionOut,
    SubtitleOut,
    SwitchOut,
)
from server.streaming.paths import CONTENT_TYPES
from server.streaming.policy import header_value, plan_variants
from server.streaming.serve import record_switch, serve_media
from server.streaming.sessions import StreamSession
from server.streaming.state import batcher, session_store
from server.streaming.urls import STEERED_PLAYLIST, MediaUrls

log = logging.getLogger(__name__)
router = ApiRouter(tag="stream")

#: Extra seconds a session outlives its URLs, so a late segment still finds its state.
SESSION_GRACE_S = 300


def _base_url(request: web.Request) -> str:
    configured = request.app[keys.SETTINGS].public_base_url
    return (configured or str(request.url.origin())).rstrip("/")


async def _check_activity_session(request: web.Request, *, session_id: str, user_id: str, profile_id: str,
                                  content_id: str) -> None:
    store = request.app.get(ACTIVITY_STORE)
    if store is None:
        return
    found = await store.get_session(session_id=session_id)
    if found is None or str(found.user_id) != user_id or str(found.profile_id) != profile_id \
            or str(found.content_id) != content_id:
        raise NotFound(f"no playback session {session_id} for this profile and title")


@router.route("GET", "/api/v1/stream/{content_id}/manifest", summary="Manifest for a title, chosen for this viewer",
              query=ManifestQuery, response=ManifestOut, errors=(403, 404),
              headers=("country", "client-hints"))
async def manifest(request: web.Request, *, query: ManifestQuery) -> web.Response:
    """Signed manifest URL, variants in start-first order, audio/subtitle tracks and the steered URL."""
    app = request.app
    settings = app[keys.SETTINGS]
    who = principal(request)
    require_verified_if_configured(request, who)
    viewer = await load_viewer(request, str(query.profile_id))
    item = await playable_item(app[keys.DB], viewer=viewer, content_id=request.match_info["content_id"],
                               episode_id=str(query.episode_id) if query.episode_id else None)
    try:
        asset = app[STREAMING].assets.load(media_dir=settings.resolved_media_dir, asset_id=item.asset_id)
    except AssetMissing as err:
        raise NotFound(f"{item.title} is not packaged yet") from err
    if query.format == "dash" and asset.dash is None:
        raise NotFound(f"{item.title} has no DASH packaging")
    net = None
    if query.net is not None:
        try:
            net = client_hints.net_hint(query.net)
        except ProfileError as err:
            raise ValidationFailed(errors=[{"field": "net", "message": str(err), "type": "value_error"}]) from err
    hints = client_hints.from_headers(request.headers, max_kbps=query.max_kbps, net=net)
    estimate = await throughput.estimate(  # the viewer's last session counts when nothing better is known
        app[keys.REDIS], namespace=settings.redis_namespace, user_id=who.user_id,
        pending=batcher(app).pending(throughput.log_key(settings.redis_namespace, who.user_id)))
    audio_lang, subtitle_lang = default_languages(asset, viewer.profile.language if viewer.profile else None)
    # what this viewer downloads per rung: the TS and the audio it plays (not the master's worst case)
    rungs = rungs_of(asset, audio=played_audio(asset, audio_lang))
    plan = plan_variants(ladder=rungs, tier=viewer.tier,
                         preferred_quality=viewer.profile.preferred_quality if viewer.profile else None,
                         hints=hints, estimate=estimate, first_segment_s=asset.first_segment_duration,
                         next_segment_s=asset.segment_duration)
    if query.session_id is not None:
        session_id = str(query.session_id)
        await _check_activity_session(request, session_id=session_id, user_id=who.user_id,
                                      profile_id=str(query.profile_id), content_id=item.content_id)
    else:
        session_id = str(uuid.uuid4())
    expires = int(time.time()) + settings.signed_url_ttl_s
    await session_store(app).create(session=StreamSession(
        session_id=session_id, user_id=who.user_id, profile_id=str(query.profile_id), content_id=item.content_id,
        episode_id=item.episode_id, asset_id=asset.asset_id, variants=plan.variants, start=plan.start, mode="auto",
        current=plan.start, expires=expires, steer_started_at=None, delivered_end_s=0.0, switch_count=0,
        estimate_kbps=estimate.kbps if estimate else None), ttl_s=settings.signed_url_ttl_s + SESSION_GRACE_S)
    urls = MediaUrls(signer=app[STREAMING].signer, session_id=session_id, user_id=who.user_id,
                     asset_id=asset.asset_id, expires=expires, base=_base_url(request))
    by_name = {r.name: r for r in rungs}
    top = asset.master if query.format == "hls" else asset.dash.mpd  # type: ignore[union-attr]
    body = ManifestOut(
        manifest_url=urls.url(top),
        format=query.format,
        qualities=[QualityOut(quality=name, bitrate_kbps=round(by_name[name].average_kbps),
                              peak_kbps=round(by_name[name].peak_kbps), width=asset.rendition(name).width,
                              height=asset.rendition(name).height,
                              url=manifests.child_url(asset, urls, "video", name)) for name in plan.variants],
        audio_tracks=[AudioOut(language=a.language, label=a.name, is_default=a.language == audio_lang,
                               url=manifests.child_url(asset, urls, "audio", a.language)) for a in asset.audio],
        subtitles=[SubtitleOut(language=s.language, label=s.name,
                               url=manifests.child_url(asset, urls, "subtitles", s.language),
                               vtt_url=urls.url(s.uri, scope=manifests.subtitle_scope(asset, s.language)),
                               is_default=s.language == subtitle_lang)
                   for s in asset.subtitles],
        session_id=session_id,
        expires_at=datetime.fromtimestamp(expires, UTC),
        start=plan.start,
        reason=plan.reason,
        steered_url=urls.url(STEERED_PLAYLIST, scope="video/auto/"),
    )
    log.info("manifest", extra={"session_id": session_id, "start": plan.start, "variants": list(plan.variants)})
    return json_response(body, headers={"X-OTT-ABR": header_value(plan), "Cache-Control": "no-store"})


def default_languages(asset: Asset, language: str | None) -> tuple[str | None, str | None]:
    """(default audio, default subtitles) for a profile's language: audio in that language when the
    asset has it (else the asset's default) and, only when it has not, subtitles in that language."""
    audio = [a.language for a in asset.audio]
    fallback = next((a.language for a in asset.audio if a.default), audio[0] if audio else None)
    if language is None or language in audio:
        return (language or fallback), None
    subtitles = {s.language for s in asset.subtitles}
    return fallback, language if language in subtitles else None


async def _owned_session(request: web.Request) -> StreamSession:
    raw = request.match_info["session_id"]
    try:
        session_id = str(uuid.UUID(raw))
    except ValueError as err:
        raise NotFound(f"no stream session {raw}") from err
    session = await session_store(request.app).get(session_id)
    if session is None or session.user_id != principal(request).user_id:
        raise NotFound(f"no stream session {raw}")
    return session


async def _session_out(request: web.Request, session: StreamSession) -> StreamSessionOut:
    switches = await session_store(request.app).switches(session.session_id)
    return StreamSessionOut(
        session_id=session.session_id, content_id=session.content_id, episode_id=session.episode_id,
        asset_id=session.asset_id, variants=list(session.variants), start=session.start,
        mode="fixed" if session.mode == "fixed" else "auto", current=session.current,
        estimate_kbps=session.estimate_kbps, buffer_s=round(session.buffer_s(now=time.time()), 3),
        delivered_s=session.delivered_end_s, switch_count=session.switch_count,
        switches=[SwitchOut.model_validate({**s, "at": datetime.fromtimestamp(s["at"], UTC)}) for s in switches],
        expires_at=datetime.fromtimestamp(session.expires, UTC),
    )


@router.route("GET", "/api/v1/stream/sessions/{session_id}", summary="State of a steered playback session",
              response=StreamSessionOut, errors=(404,))
async def get_session(request: web.Request) -> web.Response:
    """Current rendition, mode, throughput estimate, buffer estimate and every switch so far."""
    session = await _owned_session(request)
    return json_response(await _session_out(request, session), headers={"Cache-Control": "no-store"})


@router.route("PUT", "/api/v1/stream/sessions/{session_id}/rendition", summary="Pin or release the steered rendition",
              body=RenditionIn, response=StreamSessionOut, errors=(404,))
async def put_rendition(request: web.Request, *, body: RenditionIn) -> web.Response:
    """``{"rendition": "720p"}`` pins the steered stream from its next segment; ``"auto"`` lets the server choose."""
    session = await _owned_session(request)
    store = session_store(request.app)
    wanted = body.rendition
    if wanted == "auto":
        await store.set_mode(session_id=session.session_id, mode="auto")
    elif wanted not in session.variants:
        raise ValidationFailed(errors=[{"field": "rendition", "type": "value_error",
                                        "message": f"not offered in this session; choose one of "
                                                   f"{', '.join(session.variants)} or auto"}])
    elif wanted == session.current:
        await store.set_mode(session_id=session.session_id, mode="fixed")
    else:
        record: dict[str, Any] = {"at": time.time(), "from": session.current, "to": wanted,
                                  "reason": "viewer's choice", "by": "client", "segment": None}
        moved = await store.switch(session_id=session.session_id, expected=session.current, to=wanted,
                                   mode="fixed", record=record)
        if not moved:  # the server steered in between: apply the choice on top of the new state
            fresh = await store.get(session.session_id)
            if fresh is None:
                raise NotFound(f"no stream session {session.session_id}")
            record["from"] = fresh.current
            await store.switch(session_id=session.session_id, expected=fresh.current, to=wanted, mode="fixed",
                               record=record)
        await record_switch(request.app, session=session, switch=record, position_s=None)
    fresh = await store.get(session.session_id)
    if fresh is None:
        raise NotFound(f"no stream session {session.session_id}")
    return json_response(await _session_out(request, fresh), headers={"Cache-Control": "no-store"})


@router.route("GET", "/media/s/{session_id}/{token}/{path:.+}", summary="Signed media: playlists and segments",
              auth="optional", errors=(403, 404), media_type=tuple(dict.fromkeys(CONTENT_TYPES.values())))
async def media(request: web.Request) -> web.StreamResponse:
    """A playlist built for the session, a steered segment, or a file of the asset (403 when the URL is not valid)."""
    return await serve_media(request)
