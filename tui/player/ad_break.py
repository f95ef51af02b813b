"""Ad break playback (spec FR-AD-004) in the player's mpv: pods, the countdown, skipping, tracking beacons.

The pre-roll plays before the content, mid-rolls when the playhead reaches their offset (the content
then resumes where it was), the post-roll before the title is marked complete. Any ad failure (no
master playlist, no frame within :data:`AD_FIRST_FRAME_TIMEOUT_S`, an mpv error) skips that ad: an ad
never blocks the content. The screen stays in charge of the UI through the small :class:`AdHost`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, Literal, Protocol

from media import AdBreak, AdCreative, PlaylistError, parse_master
from tui.api import ApiClient
from tui.errors import ApiError
from tui.player.ads import AdProgress, AdSchedule
from tui.player.controller import MpvController, Snapshot

log = logging.getLogger(__name__)

AD_FIRST_FRAME_TIMEOUT_S = 10.0
Then = tuple[Literal["content", "complete"], float]


class AdHost(Protocol):
    """What an ad break needs from the player screen."""

    @property
    def player(self) -> MpvController | None:
        """The mpv playing (None once the screen is closing)."""

    def spawn(self, work: Coroutine[Any, Any, None], *, group: str, exclusive: bool = False) -> None:
        """Run ``work`` in the background (on the screen: it ends with the screen)."""

    def show_ad(self, text: str) -> None:
        """Show the ad overlay with ``text``."""

    def hide_ad(self) -> None:
        """Hide the ad overlay."""

    def break_over(self, then: Then) -> None:
        """The pod is done: resume the content at ``then[1]`` or complete the title."""


class AdBreakPlayer:
    """The ads of one play: which break is due, the ad playing now, what was played and beaconed."""

    def __init__(self, *, host: AdHost, api: ApiClient, rewrite: Callable[[str], str]) -> None:
        """Play ads through ``host``'s mpv; media and beacons go through ``rewrite`` (the shaping proxy)."""
        self.host = host
        self.api = api
        self.rewrite = rewrite
        self.schedule = AdSchedule([])
        self.ad: AdProgress | None = None
        self.queue: list[AdCreative] = []
        self.then: Then = ("content", 0.0)
        self.loaded_at = 0.0
        self.pod_size = 0
        self.played: list[str] = []
        self.beacons: list[tuple[str, str]] = []

    def set_breaks(self, breaks: list[AdBreak], *, resume_s: float) -> None:
        """The session's breaks; mid-rolls before ``resume_s`` count as played (resuming replays none)."""
        self.schedule = AdSchedule(breaks)
        self.schedule.skip_before(resume_s)

    @property
    def active(self) -> bool:
        """An ad (or its loading) is on screen."""
        return self.ad is not None

    # ------------------------------------------------------------------ breaks
    def start(self, brk: AdBreak, *, then: Then) -> None:
        """Play the pod of ``brk``; afterwards ``then``: (``content``, resume at) or (``complete``, _)."""
        log.info("%s of %d ad(s) at %.0f s", brk.kind, len(brk.creatives), brk.offset_s)
        self.queue = list(brk.creatives)
        self.then = then
        self.ad = None
        self.pod_size = len(brk.creatives)
        self.next_ad()

    def start_pre_roll(self, *, resume_s: float) -> bool:
        """Start the pre-roll if there is one (the content then starts at ``resume_s``)."""
        brk = self.schedule.pre_roll()
        if brk is None:
            return False
        self.start(brk, then=("content", resume_s))
        return True

    def start_mid_roll(self, position_s: float) -> bool:
        """Start the mid-roll due at ``position_s``, if any."""
        brk = self.schedule.due(position_s)
        if brk is None:
            return False
        self.start(brk, then=("content", position_s))
        return True

    def start_post_roll(self, position_s: float) -> bool:
        """Start the post-roll, if any (the title completes after it)."""
        brk = self.schedule.post_roll()
        if brk is None:
            return False
        self.start(brk, then=("complete", position_s))
        return True

    def next_ad(self) -> None:
        """Play the next ad of the pod, or leave the break."""
        if self.host.player is None:
            return
        if not self.queue:
            self.ad = None
            self.host.break_over(self.then)
            return
        creative = self.queue.pop(0)
        self.ad = AdProgress(creative, index=self.pod_size - len(self.queue), count=self.pod_size)
        self.loaded_at = time.monotonic()
        self.played.append(creative.ad_id)
        self._show()
        self.host.spawn(self._resolve(creative), group="ad-media", exclusive=True)

    async def _resolve(self, creative: AdCreative) -> None:
        """Hand mpv one rendition of the creative (never the whole ladder); the master when that fails."""
        url = creative.media_url
        try:
            master, _ = await self.api.fetch_bytes(self.rewrite(creative.media_url))
            url = parse_master(master.decode("utf-8", "replace"), base=creative.media_url)[0].url
        except (ApiError, PlaylistError) as err:
            log.info("ad %s: master playlist unavailable (%s); handing mpv the master URL", creative.ad_id, err)
        player = self.host.player
        if player is None or self.ad is None or self.ad.creative.ad_id != creative.ad_id:
            return
        self.loaded_at = time.monotonic()
        player.load(self.rewrite(url))

    # ------------------------------------------------------------------ mpv news
    def first_frame(self) -> None:
        """The ad's first frame is up: impression and start."""
        if self.ad is not None and not self.ad.started:
            self.beacon(self.ad.creative, self.ad.first_frame())
            self._show()

    def ended(self, reason: str, error: str) -> None:
        """mpv finished the ad's file: to its end, or with an error (the ad is skipped)."""
        if self.ad is None:
            return
        if reason == "eof":
            self.beacon(self.ad.creative, self.ad.finished())
            self.next_ad()
        elif reason == "error":
            log.warning("ad %s failed in mpv: %s", self.ad.creative.ad_id, error)
            self.beacon(self.ad.creative, ["error"])
            self.next_ad()

    def tick(self, snap: Snapshot, *, now: float) -> None:
        """Quartile beacons, the countdown; an ad that never shows a frame is given up."""
        ad = self.ad
        if ad is None:
            return
        if not ad.started:
            if now - self.loaded_at > AD_FIRST_FRAME_TIMEOUT_S:
                log.warning("ad %s showed no frame in %.0f s: skipped", ad.creative.ad_id, AD_FIRST_FRAME_TIMEOUT_S)
                self.beacon(ad.creative, ["error"])
                self.next_ad()
            return
        self.beacon(ad.creative, ad.advance(snap.time_pos))
        self._show()

    def _show(self) -> None:
        if self.ad is not None:
            self.host.show_ad(self.ad.overlay() if self.ad.started
                              else f"Ad {self.ad.index} of {self.ad.count} · loading …")

    # ------------------------------------------------------------------ viewer keys
    def skip(self) -> str | None:
        """Skip the ad if it may be skipped; otherwise the reason it cannot be (to show)."""
        ad = self.ad
        if ad is None:
            return None
        if not ad.can_skip:
            wait = ad.skip_in_s()
            return "This ad cannot be skipped." if wait is None else f"You can skip in {wait:.0f} s."
        self.beacon(ad.creative, ["skip"])
        self.next_ad()
        return None

    def click(self) -> str | None:
        """The viewer visits the advertiser: the click is tracked; returns the address (None without an ad)."""
        if self.ad is None:
            return None
        self.beacon(self.ad.creative, ["click"])
        return self.ad.creative.click_through or "This ad has no link."

    # ------------------------------------------------------------------ tracking
    def beacon(self, creative: AdCreative, events: list[str]) -> None:
        """Fire the tracking URLs of ``events`` in the background (failures are only logged)."""
        for event in events:
            self.beacons.append((creative.ad_id, event))
            for url in creative.urls(event):
                self.host.spawn(self._send_beacon(url), group="ad-beacons")

    async def _send_beacon(self, url: str) -> None:
        try:
            await self.api.beacon(url)
        except ApiError as err:
            log.info("ad beacon failed: %s", err)
