"""Ad creatives are packaged media assets played like content: a signed HLS URL per (session, ad).

Each creative gets its own streaming session (the same machinery as a title's manifest), with
the free-tier variant plan and a deterministic id per playback session and ad, so repeated VAST
requests hand out the same stream.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

from aiohttp import web

from server import keys
from server.keys import STREAMING
from server.streaming import hints as client_hints
from server.streaming.assets import AssetMissing, rungs_of
from server.streaming.policy import plan_variants
from server.streaming.sessions import StreamSession
from server.streaming.state import session_store
from server.streaming.urls import MediaUrls

log = logging.getLogger(__name__)
AD_STREAM_NS = uuid.UUID("5f0c4d1e-8a57-4c1a-9a34-0f1b2c3d4e5f")


@dataclass(frozen=True, slots=True)
class AdMedia:
    """Where the creative streams from and its top rendition."""

    url: str
    width: int
    height: int
    bitrate_kbps: int | None


def packaged(app: web.Application, *, asset_id: str) -> bool:
    """True when the creative's asset is packaged in the media dir."""
    try:
        app[STREAMING].assets.load(media_dir=app[keys.SETTINGS].resolved_media_dir, asset_id=asset_id)
    except AssetMissing:
        return False
    return True


async def ad_media(app: web.Application, *, base_url: str, user_id: str, playback_session: str, ad_id: str,
                   asset_id: str) -> AdMedia | None:
    """A signed master-playlist URL for the creative within this playback session (None if not packaged)."""
    settings = app[keys.SETTINGS]
    try:
        asset = app[STREAMING].assets.load(media_dir=settings.resolved_media_dir, asset_id=asset_id)
    except AssetMissing:
        log.warning("ad %s: creative asset %s is not packaged", ad_id, asset_id)
        return None
    rungs = rungs_of(asset)
    plan = plan_variants(ladder=rungs, tier="free", preferred_quality=None, hints=client_hints.from_headers({}),
                         estimate=None, first_segment_s=asset.first_segment_duration,
                         next_segment_s=asset.segment_duration)
    stream_id = str(uuid.uuid5(AD_STREAM_NS, f"{playback_session}:{ad_id}"))
    expires = int(time.time()) + settings.signed_url_ttl_s
    await session_store(app).create(session=StreamSession(
        session_id=stream_id, user_id=user_id, profile_id="", content_id=f"ad:{ad_id}", episode_id=None,
        asset_id=asset.asset_id, variants=plan.variants, start=plan.start, mode="auto", current=plan.start,
        expires=expires, steer_started_at=None, delivered_end_s=0.0, switch_count=0, estimate_kbps=None),
        ttl_s=settings.signed_url_ttl_s + 60)
    urls = MediaUrls(signer=app[STREAMING].signer, session_id=stream_id, user_id=user_id, asset_id=asset.asset_id,
                     expires=expires, base=base_url)
    top = asset.rendition(plan.variants[0])
    by_name = {r.name: r for r in rungs}
    return AdMedia(url=urls.url(asset.master), width=top.width, height=top.height,
                   bitrate_kbps=round(by_name[plan.variants[0]].average_kbps) if plan.variants[0] in by_name else None)
