"""The player: mpv plays one server-steered rendition; the ABR loop and the stats panel run here.

Keys (spec FR-VP-003, table in :mod:`tui.player.keys`, actions in :mod:`tui.player.key_actions`): space,
←/→ ±10 s, ↑/↓ volume, m, f, c, a, q quality, s speed, i stats, t network profile, n next episode, Esc back;
during ads k skips (when allowed) and o visits the advertiser. All have ids for remapping.

Ad breaks are played by :mod:`tui.player.ad_break` (seeking and speed changes are refused during
ads); position reports, events and completion are sent by :mod:`tui.player.reporting`; outages are
recovered by :mod:`tui.player.outage`; episodes and completion by :mod:`tui.player.episode_flow`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Label, ProgressBar, Static

from media import AdBreak, PlaylistError, parse_media, segment_timing
from tui.errors import ApiError
from tui.format import clock
from tui.payloads import Manifest, PlaybackSession
from tui.player.abr_loop import AbrLoop
from tui.player.ad_break import AdBreakPlayer, Then
from tui.player.controller import (
    FULL_BUFFER_S,
    CacheStallChanged,
    MpvController,
    PlaybackEnded,
    Snapshot,
    VideoParamsChanged,
)
from tui.player.episode_flow import EpisodeFlow
from tui.player.key_actions import PlayerKeyActions
from tui.player.keys import PLAYER_BINDINGS
from tui.player.link_probe import LinkProbe
from tui.player.opening import fetch_ad_breaks, known_link_kbps
from tui.player.outage import OutageRecovery
from tui.player.recovery import stream_lost
from tui.player.reporting import PlaybackReporter
from tui.player.tracks import add_tracks
from tui.widgets.ad_overlay import AdOverlay
from tui.widgets.stats_panel import StatsPanel

log = logging.getLogger(__name__)

TICK_S = 1.0


class PlayerScreen(PlayerKeyActions, OutageRecovery, EpisodeFlow):
    """Controls mpv and shows what it is doing."""

    BINDINGS: ClassVar[list[BindingType]] = PLAYER_BINDINGS
    DEFAULT_CSS = """
    PlayerScreen #now-playing { text-style: bold; }
    PlayerScreen #position-row { height: 1; }
    PlayerScreen #status { color: $text-muted; height: auto; }
    PlayerScreen ProgressBar { width: 100%; }
    PlayerScreen ProgressBar Bar { width: 1fr; }
    """

    @dataclass
    class PlaybackOpened(Message):
        """The session and manifest are ready: what to hand mpv."""

        url: str
        manifest: Manifest
        session: PlaybackSession
        start_s: float
        from_prefetch: bool
        breaks: list[AdBreak]

    @dataclass
    class OpenFailed(Message):
        """Could not start (the error is already reported)."""

    def compose(self) -> ComposeResult:
        """Title, position bar, status, stats panel."""
        with Vertical():
            yield Label(self.play_title or "Playing", id="now-playing")
            yield AdOverlay(id="ad-overlay")
            yield ProgressBar(total=100, show_eta=False, show_percentage=False, id="position")
            yield Static("Starting …", id="position-row")
            yield Static("", id="status")
            yield StatsPanel(id="stats")
        yield Footer()

    # ------------------------------------------------------------------ open
    def on_mount(self) -> None:
        """Open the playback session (the Play press is the stream-start clock's zero)."""
        ott = self.ott
        self.play_started = time.monotonic()
        self.stats.network_profile = ott.shaper.profile_name
        self.stats.network_step = ott.shaper.schedule_position()
        self.stats.quality_mode = ott.config.preferred_quality
        self._open()

    @work(exclusive=True, exit_on_error=False, group="open")
    async def _open(self) -> None:
        ott = self.ott
        pid = ott.profile_id or ""
        try:
            session = await ott.api.playback_start(profile_id=pid, content_id=self.content_id,
                                                   episode_id=self.episode_id)
            resume = 0.0 if self.start_over else session.resume_position
            ready = self.prefetched
            if ready is not None and resume == 0 and ready.local_playlist is not None:
                manifest, url, from_prefetch = ready.manifest, str(ready.local_playlist), True
            else:
                manifest = await ott.api.manifest(self.content_id, profile_id=pid, episode_id=self.episode_id,
                                                  session_id=session.session_id,
                                                  net=ott.shaper.profile_name if ott.shaper.active else None)
                url, from_prefetch = ott.shaper.rewrite(manifest.steered_url), False
        except ApiError as err:
            ott.report(err, doing="start playback")
            self.post_message(self.OpenFailed())
            return
        breaks = await fetch_ad_breaks(ott.api, session) if session.ads else []
        self.post_message(self.PlaybackOpened(url, manifest, session, resume, from_prefetch, breaks))


    def on_player_screen_open_failed(self) -> None:
        """Go back to where Play was pressed."""
        self.dismiss_player()

    def on_player_screen_playback_opened(self, message: PlaybackOpened) -> None:
        """Create mpv and hand it the one steered rendition (after the pre-roll, if any)."""
        ott = self.ott
        manifest, session = message.manifest, message.session
        self.stream_session_id = manifest.session_id
        self.manifest = manifest
        self.playback_session_id = session.session_id
        self.steered_url = ott.shaper.rewrite(manifest.steered_url)
        self.position_s = message.start_s
        self.resume_at = message.start_s
        self.duration_s = session.duration_s
        self.reporter = PlaybackReporter(api=ott.api, profile_id=ott.profile_id or "", session=session,
                                         content_id=self.content_id, episode_id=self.episode_id,
                                         spawn=self._spawn_exclusive, notify=self._server_note)
        start = manifest.start_rendition()
        self.abr = AbrLoop(qualities=manifest.qualities, start=start, known_kbps=known_link_kbps(
            self.prefetched, from_prefetch=message.from_prefetch, shaper=ott.shaper),
            timing=self.prefetched.timing if self.prefetched else None)
        self.probe = LinkProbe(fetch_text=self._fetch_text, fetch_timed=ott.api.fetch_timed)
        self.stats.rendition = start
        self.stats.rendition_kbps = self.abr.kbps_of(start)
        self.query_one("#status", Static).update(
            f"Server start {start}: {manifest.reason}"
            + (" · from prefetch" if message.from_prefetch else "")
            + (f" · resuming at {clock(message.start_s)}" if message.start_s else ""))
        self.content_url = message.url
        self.ads = AdBreakPlayer(host=self, api=ott.api, rewrite=ott.shaper.rewrite)
        self.ads.set_breaks(message.breaks, resume_s=message.start_s)
        try:
            self.mpv = MpvController(target=self, headless=ott.headless, vo=ott.vo)
            if self.ads.start_pre_roll(resume_s=message.start_s):
                self.break_started = time.monotonic()
            else:
                self._load_content(message.url, start_s=message.start_s)
        except Exception as err:  # libmpv failing to start must not take the app down
            log.exception("mpv failed")
            ott.notify(f"mpv could not start: {err}. Next: check that libmpv is installed.", severity="error")
            self.dismiss_player()
            return
        self.reporter.event("play", position_s=message.start_s)
        preferred = ott.config.preferred_quality
        if preferred != "auto" and preferred in self.abr.names:
            self._apply_choice(self.abr.pin(preferred), by="viewer")
        self.last_tick = time.monotonic()
        self.set_interval(TICK_S, self._tick)
        self._render_stats()
        if self.episode_id or session.episode_id:
            self.episode_id = self.episode_id or session.episode_id
            self._learn_episodes()


    # ------------------------------------------------------------------ AdHost (for tui.player.ad_break)
    def show_ad(self, text: str) -> None:
        """The ad overlay shows ``text``; seeking is off."""
        overlay = self.query_one(AdOverlay)
        was_active = overlay.active
        overlay.show_ad(text)
        self.query_one("#position-row", Static).update("Advertisement: seeking is off until the content")
        if not was_active:
            self.refresh_bindings()

    def hide_ad(self) -> None:
        """Hide the ad overlay."""
        self.query_one(AdOverlay).hide_ad()
        self.refresh_bindings()

    def break_over(self, then: Then) -> None:
        """Back to the content (at the break's position) or on to completion."""
        self.hide_ad()
        if self.break_started is not None:
            self.stats.ad_time_s += time.monotonic() - self.break_started
            self.break_started = None
        what, resume_s = then
        if what == "complete":
            self.ended = True
            self._complete()
        elif self.mpv is not None:
            self.resume_at = resume_s
            self._load_content(self.content_url, start_s=resume_s)
        self._render_stats()

    # ------------------------------------------------------------------ mpv messages
    def on_video_params_changed(self, message: VideoParamsChanged) -> None:
        """First frame → stream start; later changes show the rendition actually playing."""
        if self.ads is not None and self.ads.active:
            self.ads.first_frame()
            return
        now = time.monotonic()
        if self.tracks_pending:
            self.tracks_pending = False
            if self.mpv is not None and self.manifest is not None:
                add_tracks(self.mpv, self.manifest, subtitle_language=self.ott.config.subtitle_language,
                           rewrite=self.ott.shaper.rewrite)
        if self.first_frame_at is None:
            self.first_frame_at = now
            # Play press → first content frame, without the ads played before it (shown apart)
            self.stats.stream_start_ms = max(0.0, now - self.play_started - self.stats.ad_time_s) * 1000
            if self.reporter:
                self.reporter.event("stream_start", position_s=self.position_s,
                                    stream_start_ms=round(self.stats.stream_start_ms, 1))
        self.stats.resolution = f"{message.width}x{message.height}"
        if self.abr:
            name = self.abr.name_for_height(message.height)
            if name:
                self.stats.rendition = name
                self.stats.rendition_kbps = self.abr.kbps_of(name)
                if self.switch_pending is not None and self.switch_pending[0] == name:
                    self.stats.shown(name, after_s=now - self.switch_pending[1])
                    self.switch_pending = None
        self._render_stats()

    def on_cache_stall_changed(self, message: CacheStallChanged) -> None:
        """Count stalls (only after the first frame: before it, waiting is stream start)."""
        if self.first_frame_at is None or self.ad is not None:
            return
        if message.stalled:
            self.stats.stall_began()
        else:
            length = self.stats.stall_ended()
            if self.reporter and length > 0:
                self.reporter.event("stall", position_s=self.position_s, duration_ms=round(length * 1000, 1))
        self._render_stats()

    def on_playback_ended(self, message: PlaybackEnded) -> None:
        """End of file → complete (and offer the next episode); an error → notify."""
        if self.closing or self.ended:
            return
        if self.ads is not None and self.ads.active:
            self.ads.ended(message.reason, message.error)
            return
        if self.recovering:
            return
        if self.first_frame_at is not None and stream_lost(reason=message.reason, read_to_s=message.read_to_s,
                                                           position_s=self.position_s, duration_s=self.duration_s):
            self._stream_lost(message.error or "the stream ended early")
            return
        if message.reason == "eof":
            if self.ads is not None and self.ads.start_post_roll(self.position_s):
                self.break_started = time.monotonic()
                return
            self.ended = True
            self._complete()
        elif message.reason == "error":
            self.ended = True
            self.ott.notify(
                f"Playback stopped: {message.error or 'the stream failed'}. Next: press Esc and try again.",
                severity="error", title="Playback")

    # ------------------------------------------------------------------ the tick
    def _tick(self) -> None:
        if self.mpv is None or self.abr is None or self.closing:
            return
        now = time.monotonic()
        dt, self.last_tick = now - self.last_tick, now
        snap = self.mpv.snapshot()
        if self.ads is not None and self.ads.active:
            self.ads.tick(snap, now=now)
            return
        self._follow(snap, dt=dt)
        if self.first_frame_at is not None and not self.recovering:
            full = snap.buffer_s >= FULL_BUFFER_S
            # rounding can take it a hair under 0 at the very end: that is "nothing left", not "unknown"
            left = max(self.duration_s - self.position_s - snap.buffer_s, 0.0) if self.duration_s else None
            choice = self.abr.tick(now=now, dt=dt, cache_speed_bps=snap.cache_speed, buffer_s=snap.buffer_s,
                                   full=full, remaining_s=left)
            self._apply_choice(choice, by="abr")
            if full:
                self._probe_link(now)
                self._learn_segments()
            if self.ads is not None and self.ads.start_mid_roll(self.position_s):
                self.break_started = time.monotonic()
        self.stats.estimate_kbps = self.abr.estimate_kbps
        self._render_stats()
        if self.reporter:
            self.reporter.tick(now=now, position_s=self.position_s, duration_s=self.duration_s,
                               quality=self.abr.current)

    def _probe_link(self, now: float) -> None:
        """With a full buffer, measure the link now and then with a piece of the rung above (the ABR's
        up-switch evidence: see :mod:`tui.player.link_probe`)."""
        abr, manifest, probe = self.abr, self.manifest, self.probe
        if abr is None or abr.mode != "auto" or manifest is None or probe is None or not probe.due(now):
            return
        target = abr.probe_target()
        if target is None:
            return
        url = next((q.url for q in manifest.qualities if q.quality == target and q.url), "")
        if not url:
            return

        async def run() -> None:
            result = await probe.measure(playlist_url=self.ott.shaper.rewrite(url), position_s=self.position_s)
            if result is not None and self.abr is abr and not self.closing:
                abr.probed(result, now=time.monotonic())

        self.spawn(run(), group="link-probe")

    def _learn_segments(self) -> None:
        """Without a prefetch the ABR loop does not know the title's segment lengths (mpv does not tell
        them): read them from the steered playlist once, while the buffer is full (the link is idle)."""
        abr, url = self.abr, self.steered_url
        if abr is None or abr.timing is not None or not url or self._timing_asked:
            return
        self._timing_asked = True

        async def run() -> None:
            try:
                timing = segment_timing(parse_media(await self._fetch_text(url), base=url))
            except (PlaylistError, ApiError) as err:
                log.info("segment lengths unknown: %s", err)
                return
            if self.abr is abr:
                abr.learn_segments(timing)

        self.spawn(run(), group="segment-timing")

    async def _fetch_text(self, url: str) -> str:
        data, _ = await self.ott.api.fetch_bytes(url)
        return data.decode("utf-8", "replace")

    def _follow(self, snap: Snapshot, *, dt: float) -> None:
        """Take mpv's numbers into the screen's state and the stats.

        The position only follows a playhead mpv really has: not while the stream is being recovered,
        and after a (re)load not before mpv reached the position it was loaded at.
        """
        if snap.has_position and not self.recovering and \
                (self.resume_at is None or snap.time_pos >= self.resume_at - 0.5):
            self.position_s = snap.time_pos
            self.resume_at = None
        self.duration_s = snap.duration or self.duration_s
        self.paused = snap.paused
        if not snap.paused and self.first_frame_at is not None and self.stats.stall_started is None:
            self.watched_s += dt
        self.stats.add_throughput(snap.cache_speed * 8 / 1000)
        self.stats.buffer_s = snap.buffer_s
        self.stats.video_bitrate_kbps = snap.video_bitrate / 1000
        self.stats.dropped_frames = snap.dropped
        ott = self.ott
        self.stats.bytes_downloaded = ott.shaper.down_bytes() if ott.shaper.active else \
            self.stats.bytes_downloaded + int(snap.cache_speed * dt)
        self.stats.network_profile = ott.shaper.profile_name
        self.stats.network_step = ott.shaper.schedule_position()

