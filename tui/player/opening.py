"""What playback starts from, besides the session and manifest: the ad breaks and the link's speed."""

from __future__ import annotations

import asyncio
import logging

from media import AdBreak, AdFormatError, parse_vmap
from netem_profiles import ProfileError, load_profile
from tui.api import ApiClient
from tui.errors import ApiError
from tui.netshaper import NetworkShaper
from tui.payloads import PlaybackSession
from tui.player.ads import from_playback_start
from tui.player.prefetch import Prefetched

log = logging.getLogger(__name__)

VMAP_TIMEOUT_S = 3.0


async def fetch_ad_breaks(api: ApiClient, session: PlaybackSession) -> list[AdBreak]:
    """The session's ad breaks from VMAP (with tracking); playback/start's ``ads`` if VMAP fails."""
    try:
        async with asyncio.timeout(VMAP_TIMEOUT_S):
            data = await api.vmap(session_id=session.session_id)
        breaks = parse_vmap(data, content_s=session.duration_s)
    except (ApiError, AdFormatError, TimeoutError) as err:
        log.warning("VMAP unavailable (%s); playing the ads without tracking", err)
        return from_playback_start(session.ads)
    return breaks


def known_link_kbps(prefetched: Prefetched | None, *, from_prefetch: bool, shaper: NetworkShaper) -> float | None:
    """The link before mpv measures it: the prefetch's first segment, else the shaper's profile."""
    measured = prefetched.measured_kbps if from_prefetch and prefetched else None
    if measured is not None:
        return measured
    if not shaper.active:
        return None
    try:
        return float(load_profile(shaper.profile_name).down_kbps)
    except ProfileError:
        return None
