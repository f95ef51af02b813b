"""The player: mpv plays one server-steered rendition; the ABR loop, tracking and stats run here.

Keys (spec FR-VP-003): space, ←/→ ±10 s, ↑/↓ volume, m, f, c, a, q quality, s speed, i stats,
t network profile, n next episode, Esc back; during ads k skips (when allowed) and o visits the
advertiser. All have ids for remapping.

Ads (spec FR-AD-004) play in the same mpv: the pre-roll before the content, mid-rolls when the
playhead reaches their offset (the content then resumes where it was), the post-roll before the
title is marked complete. Seeking and speed changes are refused during ads. Any ad failure (VMAP,
creative, mpv) skips that ad: it never blocks the content.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Label, ProgressBar, Static

from media import AdBreak, AdCreative, AdFormatError, PlaylistError, parse_master, parse_vmap
from tui.app import OttApp
from tui.errors import ApiError
from tui.format import clock
from tui.netshaper import available_profiles
from tui.player.abr_loop import AbrLoop, RenditionChoice
from tui.player.ads import AdProgress, AdSchedule, from_playback_start
from tui.player.controller import CacheStallChanged, MpvController, PlaybackEnded, VideoParamsChanged
from tui.player.prefetch import Prefetched
from tui.player.stats import PlaybackStats, Switch
from tui.player.tracking import PlaybackTracker
from tui.screens.base import OttScreen
from tui.widgets.ad_overlay import AdOverlay
from tui.widgets.stats_panel import StatsPanel

log = logging.getLogger(__name__)

TICK_S = 1.0
POSITION_EVERY_S = 10.0
EVENTS_EVERY_S = 10.0
VMAP_TIMEOUT_S = 3.0
AD_FIRST_FRAME_TIMEOUT_S = 10.0


class PlayerScreen(OttScreen[None]):
    """Controls mpv and shows what it is doing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "pause", "Play/Pause", id="player.pause"),
        Binding("left", "seek(-10)", "-10 s", id="player.back10"),
        Binding("right", "seek(10)", "+10 s", id="player.fwd10"),
        Binding("up", "volume(10)", "Vol +", id="player.vol_up", show=False),
        Binding("down", "volume(-10)", "Vol -", id="player.vol_down", show=False),
        Binding("m", "mute", "Mute", id="player.mute", show=False),
        Binding("f", "fullscreen", "Full", id="player.fullscreen", show=False),
        Binding("c", "subtitles", "Subs", id="player.subtitles", show=False),
        Binding("a", "audio", "Audio", id="player.audio", show=False),
        Binding("q", "quality", "Quality", id="player.quality"),
        Binding("s", "speed", "Speed", id="player.speed", show=False),
        Binding("i", "stats", "Stats", id="player.stats"),
        Binding("t", "network", "Network", id="player.network"),
        Binding("n", "next_episode", "Next", id="player.next", show=False),
        Binding("k", "skip_ad", "Skip ad", id="player.skip_ad"),
        Binding("o", "ad_click", "Visit advertiser", id="player.ad_click", show=False),
        Binding("escape", "stop", "Back", id="player.stop"),
    ]
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
        manifest: dict[str, Any]
        session: dict[str, Any]
        start_s: float
        from_prefetch: bool
        breaks: list[AdBreak]

    @dataclass
    class AdMediaResolved(Message):
        """The creative's single rendition to hand mpv."""

        ad_id: str
        url: str

    @dataclass
    class OpenFailed(Message):
        """Could not start (the error is already reported)."""

    def __init__(self, *, content_id: str, episode_id: str | None = None, title: str = "",
                 start_over: bool = False, prefetched: Prefetched | None = None) -> None:
        """Play ``content_id`` (``episode_id`` for a show)."""
        super().__init__()
        self.content_id = content_id
        self.episode_id = episode_id
        self.play_title = title
        self.start_over = start_over
        self.prefetched = prefetched
        self.stats = PlaybackStats()
        self.mpv: MpvController | None = None
        self.abr: AbrLoop | None = None
        self.tracker: PlaybackTracker | None = None
        self.manifest: dict[str, Any] = {}
        self.stream_session_id = ""
        self.play_started = time.monotonic()
        self.first_frame_at: float | None = None
        self.last_tick = time.monotonic()
        self.last_position_report = 0.0
        self.last_events_flush = 0.0
        self.position_s = 0.0
        self.duration_s = 0.0
        self.watched_s = 0.0
        self.next_episode: dict[str, Any] | None = None
        self.server_ok = True
        self.ended = False
        self.closing = False
        self.content_url = ""
        self.schedule = AdSchedule([])
        self.ad: AdProgress | None = None
        self.ad_queue: list[AdCreative] = []
        self.ad_then: tuple[str, float] = ("content", 0.0)
        self.ad_loaded_at = 0.0
        self._pod_size = 0
        self.ads_played: list[str] = []
        self.ad_beacons: list[tuple[str, str]] = []

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
        self.stats.quality_mode = ott.config.preferred_quality
        self._open()

    @work(exclusive=True, exit_on_error=False, group="open")
    async def _open(self) -> None:
        ott = self.ott
        pid = ott.profile_id or ""
        try:
            session = await ott.api.playback_start(profile_id=pid, content_id=self.content_id,
                                                   episode_id=self.episode_id)
            resume = 0.0 if self.start_over else float(session.get("resume_position") or 0)
            ready = self.prefetched
            if ready is not None and resume == 0 and ready.local_playlist is not None:
                manifest, url, from_prefetch = ready.manifest, str(ready.local_playlist), True
            else:
                manifest = await ott.api.manifest(self.content_id, profile_id=pid, episode_id=self.episode_id,
                                                  session_id=session["session_id"],
                                                  net=ott.shaper.profile_name if ott.shaper.active else None)
                url, from_prefetch = ott.shaper.rewrite(str(manifest["steered_url"])), False
        except ApiError as err:
            ott.report(err, doing="start playback")
            self.post_message(self.OpenFailed())
            return
        breaks = await self._ad_breaks(session) if session.get("ads") else []
        self.post_message(self.PlaybackOpened(url, manifest, session, resume, from_prefetch, breaks))

    async def _ad_breaks(self, session: dict[str, Any]) -> list[AdBreak]:
        """The session's ad breaks from VMAP (with tracking); playback/start's ``ads`` if VMAP fails."""
        ott = self.ott
        try:
            async with asyncio.timeout(VMAP_TIMEOUT_S):
                data = await ott.api.vmap(session_id=str(session["session_id"]))
            breaks = parse_vmap(data, content_s=float(session.get("duration_s") or 0))
        except (ApiError, AdFormatError, TimeoutError) as err:
            log.warning("VMAP unavailable (%s); playing the ads without tracking", err)
            return from_playback_start(list(session.get("ads") or []))
        return breaks

    def on_player_screen_open_failed(self) -> None:
        """Go back to where Play was pressed."""
        self.dismiss_player()

    def on_player_screen_playback_opened(self, message: PlaybackOpened) -> None:
        """Create mpv and hand it the one steered rendition."""
        ott = self.ott
        self.manifest = message.manifest
        self.stream_session_id = str(message.manifest.get("session_id") or "")
        session = message.session
        self.duration_s = float(session.get("duration_s") or 0)
        self.tracker = PlaybackTracker(api=ott.api, profile_id=ott.profile_id or "", session_id=session["session_id"],
                                       content_id=self.content_id, episode_id=self.episode_id)
        qualities = list(message.manifest.get("qualities") or [])
        start = str(message.manifest.get("start") or (qualities[0]["quality"] if qualities else ""))
        self.abr = AbrLoop(qualities=qualities, start=start)
        self.stats.rendition = start
        self.stats.rendition_kbps = self.abr.kbps_of(start)
        self.query_one("#status", Static).update(
            f"Server start {start}: {message.manifest.get('reason', '')}"
            + (" · from prefetch" if message.from_prefetch else "")
            + (f" · resuming at {clock(message.start_s)}" if message.start_s else ""))
        self.content_url = message.url
        self.schedule = AdSchedule(message.breaks)
        self.schedule.skip_before(message.start_s)
        try:
            self.mpv = MpvController(target=self, headless=ott.headless, vo=ott.vo)
            pre_roll = self.schedule.pre_roll()
            if pre_roll is not None:
                self._start_break(pre_roll, then=("content", message.start_s))
            else:
                self.mpv.load(message.url, start_s=message.start_s)
        except Exception as err:  # libmpv failing to start must not take the app down
            log.exception("mpv failed")
            ott.notify(f"mpv could not start: {err}. Next: check that libmpv is installed.", severity="error")
            self.dismiss_player()
            return
        self.tracker.event("play", position_s=message.start_s)
        preferred = ott.config.preferred_quality
        if preferred != "auto" and preferred in self.abr.names:
            self._apply_choice(self.abr.pin(preferred), by="viewer")
        self.last_tick = time.monotonic()
        self.set_interval(TICK_S, self._tick)
        self._render_stats()

    # ------------------------------------------------------------------ mpv messages
    def on_video_params_changed(self, message: VideoParamsChanged) -> None:
        """First frame → stream start; later changes show the rendition actually playing."""
        if self.ad is not None:
            if not self.ad.started:
                self._beacon(self.ad.creative, self.ad.first_frame())
                self._show_ad()
            return
        now = time.monotonic()
        if self.first_frame_at is None:
            self.first_frame_at = now
            self.stats.stream_start_ms = (now - self.play_started) * 1000
            if self.tracker:
                self.tracker.event("stream_start", position_s=self.position_s,
                                   stream_start_ms=round(self.stats.stream_start_ms, 1))
        self.stats.resolution = f"{message.width}x{message.height}"
        if self.abr:
            name = self.abr.name_for_height(message.height, list(self.manifest.get("qualities") or []))
            if name:
                self.stats.rendition = name
                self.stats.rendition_kbps = self.abr.kbps_of(name)
        self._render_stats()

    def on_cache_stall_changed(self, message: CacheStallChanged) -> None:
        """Count stalls (only after the first frame: before it, waiting is stream start)."""
        if self.first_frame_at is None or self.ad is not None:
            return
        if message.stalled:
            self.stats.stall_began()
        else:
            length = self.stats.stall_ended()
            if self.tracker and length > 0:
                self.tracker.event("stall", position_s=self.position_s, duration_ms=round(length * 1000, 1))
        self._render_stats()

    def on_playback_ended(self, message: PlaybackEnded) -> None:
        """End of file → complete (and offer the next episode); an error → notify."""
        if self.closing or self.ended:
            return
        if self.ad is not None:
            if message.reason == "eof":
                self._ad_finished()
            elif message.reason == "error":
                log.warning("ad %s failed in mpv: %s", self.ad.creative.ad_id, message.error)
                self._beacon(self.ad.creative, ["error"])
                self._next_ad()
            return
        if message.reason == "eof":
            post_roll = self.schedule.post_roll()
            if post_roll is not None:
                self._start_break(post_roll, then=("complete", self.position_s))
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
        if self.ad is not None:
            self._ad_tick(snap, now=now)
            return
        self.position_s = snap["time_pos"]
        self.duration_s = snap["duration"] or self.duration_s
        if not snap["paused"] and self.first_frame_at is not None and self.stats.stall_started is None:
            self.watched_s += dt
        speed_bps = snap["cache_speed"]
        self.stats.add_throughput(speed_bps * 8 / 1000)
        self.stats.buffer_s = snap["buffer_s"]
        self.stats.video_bitrate_kbps = snap["video_bitrate"] / 1000
        self.stats.dropped_frames = snap["dropped"]
        ott = self.ott
        self.stats.bytes_downloaded = ott.shaper.down_bytes() if ott.shaper.active else \
            self.stats.bytes_downloaded + int(speed_bps * dt)
        self.stats.network_profile = ott.shaper.profile_name
        if self.first_frame_at is not None:
            choice = self.abr.tick(now=now, dt=dt, cache_speed_bps=speed_bps, buffer_s=snap["buffer_s"])
            self._apply_choice(choice, by="abr")
            mid_roll = self.schedule.due(self.position_s)
            if mid_roll is not None:
                self._start_break(mid_roll, then=("content", self.position_s))
        self.stats.estimate_kbps = self.abr.estimate_kbps
        self._render_stats()
        if self.tracker and self.duration_s > 0 and now - self.last_position_report >= POSITION_EVERY_S:
            self.last_position_report = now
            self._report_position()
        if self.tracker and self.tracker.pending and now - self.last_events_flush >= EVENTS_EVERY_S:
            self.last_events_flush = now
            self._flush_events()

    def _render_stats(self) -> None:
        self.stats.quality_mode = self.abr.mode if self.abr else self.stats.quality_mode
        self.query_one(StatsPanel).show(self.stats)
        pct = 100 * self.position_s / self.duration_s if self.duration_s else 0
        self.query_one("#position", ProgressBar).update(progress=pct)
        started = "" if self.first_frame_at is not None else " · waiting for the first frame"
        self.query_one("#position-row", Static).update(
            f"{clock(self.position_s)} / {clock(self.duration_s)}{started}")

    # ------------------------------------------------------------------ server calls
    def _apply_choice(self, choice: RenditionChoice | None, *, by: str) -> None:
        if choice is None:
            return
        self.stats.switches.append(Switch(at=time.time(), frm=choice.previous, to=choice.rendition,
                                          reason=choice.reason, by=by))
        if self.tracker:
            self.tracker.event("quality_change", position_s=self.position_s, **{
                "from": choice.previous, "to": choice.rendition, "reason": choice.reason[:200]})
        self._steer(choice.rendition)

    @work(exclusive=True, exit_on_error=False, group="steer")
    async def _steer(self, rendition: str) -> None:
        ott = self.ott
        if not self.stream_session_id:
            return
        try:
            await ott.api.set_rendition(self.stream_session_id, rendition)
        except ApiError as err:
            self._server_failed(err, doing="switch quality")
            return
        self._server_back()

    @work(exclusive=True, exit_on_error=False, group="position")
    async def _report_position(self) -> None:
        if self.tracker is None or self.duration_s <= 0:
            return
        try:
            await self.tracker.position(position_s=self.position_s, duration_s=self.duration_s,
                                        quality=self.abr.current if self.abr else None)
        except ApiError as err:
            self._server_failed(err, doing="save your position")
            return
        self._server_back()

    @work(exclusive=True, exit_on_error=False, group="events")
    async def _flush_events(self) -> None:
        if self.tracker is None:
            return
        try:
            await self.tracker.flush()
        except ApiError as err:
            self._server_failed(err, doing="send playback events")

    def _server_failed(self, err: ApiError, *, doing: str) -> None:
        """Notify once per outage; playback continues from what mpv has."""
        if self.server_ok:
            self.server_ok = False
            self.app.notify(f"Could not {doing}: {err.user_message()} Playback continues from the buffer.",
                            title="Server problem", severity="warning", timeout=8)

    def _server_back(self) -> None:
        if not self.server_ok:
            self.server_ok = True
            self.app.notify("Server reachable again.")

    @work(exclusive=True, exit_on_error=False, group="complete")
    async def _complete(self) -> None:
        ott = self.ott
        if self.tracker is None:
            return
        try:
            await self.tracker.flush()
            answer = await self.tracker.complete(watched_s=self.watched_s, completion_rate=100.0)
        except ApiError as err:
            self._server_failed(err, doing="mark the title watched")
            return
        self.next_episode = answer.get("next_episode")
        if self.next_episode:
            from tui.screens.next_episode import NextEpisodeScreen

            ott.push_screen(NextEpisodeScreen(episode=self.next_episode), self._next_answered)
        else:
            ott.notify("Finished.")

    def _next_answered(self, play: bool | None) -> None:
        if play and self.next_episode:
            self.action_next_episode()

    # ------------------------------------------------------------------ ads
    def _start_break(self, brk: AdBreak, *, then: tuple[str, float]) -> None:
        """Play the pod of ``brk``; afterwards ``then``: (``content``, resume at) or (``complete``, _)."""
        log.info("%s of %d ad(s) at %.0f s", brk.kind, len(brk.creatives), brk.offset_s)
        self.ad_queue = list(brk.creatives)
        self.ad_then = then
        self.ad = None
        self._pod_size = len(brk.creatives)
        self._next_ad()

    def _next_ad(self) -> None:
        """Play the next ad of the pod, or leave the break."""
        if self.closing or self.mpv is None:
            return
        if not self.ad_queue:
            self._end_break()
            return
        creative = self.ad_queue.pop(0)
        self.ad = AdProgress(creative, index=self._pod_size - len(self.ad_queue), count=self._pod_size)
        self.ad_loaded_at = time.monotonic()
        self.ads_played.append(creative.ad_id)
        self._show_ad()
        self.refresh_bindings()
        self._resolve_ad(creative)

    @work(exclusive=True, exit_on_error=False, group="ad-media")
    async def _resolve_ad(self, creative: AdCreative) -> None:
        """Pick one rendition of the creative (never the whole ladder); the master when that fails."""
        ott = self.ott
        url = creative.media_url
        try:
            master, _ = await ott.api.fetch_bytes(ott.shaper.rewrite(creative.media_url))
            url = parse_master(master.decode("utf-8", "replace"), base=creative.media_url)[0].url
        except (ApiError, PlaylistError) as err:
            log.info("ad %s: master playlist unavailable (%s); handing mpv the master URL", creative.ad_id, err)
        self.post_message(self.AdMediaResolved(creative.ad_id, url))

    def on_player_screen_ad_media_resolved(self, message: AdMediaResolved) -> None:
        """Hand mpv the ad's rendition."""
        if self.mpv is None or self.ad is None or self.ad.creative.ad_id != message.ad_id:
            return
        ott = self.ott
        self.ad_loaded_at = time.monotonic()
        self.mpv.load(ott.shaper.rewrite(message.url))

    def _ad_tick(self, snap: dict[str, Any], *, now: float) -> None:
        """Quartile beacons, the countdown; an ad that never shows a frame is given up."""
        ad = self.ad
        assert ad is not None
        if not ad.started:
            if now - self.ad_loaded_at > AD_FIRST_FRAME_TIMEOUT_S:
                log.warning("ad %s showed no frame in %.0f s: skipped", ad.creative.ad_id, AD_FIRST_FRAME_TIMEOUT_S)
                self._beacon(ad.creative, ["error"])
                self._next_ad()
            return
        self._beacon(ad.creative, ad.advance(float(snap["time_pos"])))
        self._show_ad()

    def _show_ad(self) -> None:
        if self.ad is not None:
            self.query_one(AdOverlay).show_ad(self.ad.overlay() if self.ad.started
                                              else f"Ad {self.ad.index} of {self.ad.count} · loading …")
            self.query_one("#position-row", Static).update("Advertisement: seeking is off until the content")

    def _ad_finished(self) -> None:
        """The ad played to its end."""
        if self.ad is not None:
            self._beacon(self.ad.creative, self.ad.finished())
        self._next_ad()

    def _end_break(self) -> None:
        """Back to the content (at the break's position) or on to completion."""
        self.ad = None
        self.query_one(AdOverlay).hide_ad()
        self.refresh_bindings()
        what, resume_s = self.ad_then
        if what == "complete":
            self.ended = True
            self._complete()
        elif self.mpv is not None:
            self.mpv.load(self.content_url, start_s=resume_s)
        self._render_stats()

    def _beacon(self, creative: AdCreative, events: list[str]) -> None:
        """Fire the tracking URLs of ``events`` in the background (failures are only logged)."""
        ott = self.ott
        for event in events:
            self.ad_beacons.append((creative.ad_id, event))
            for url in creative.urls(event):
                self.run_worker(self._send_beacon(ott, url), group="ad-beacons", exit_on_error=False)

    @staticmethod
    async def _send_beacon(ott: OttApp, url: str) -> None:
        try:
            await ott.api.beacon(url)
        except ApiError as err:
            log.info("ad beacon failed: %s", err)

    def action_skip_ad(self) -> None:
        """Skip the ad once it may be skipped."""
        ad = self.ad
        if ad is None:
            return
        if not ad.can_skip:
            wait = ad.skip_in_s()
            self.app.notify("This ad cannot be skipped." if wait is None else f"You can skip in {wait:.0f} s.",
                            timeout=2)
            return
        self._beacon(ad.creative, ["skip"])
        self._next_ad()

    def action_ad_click(self) -> None:
        """Visit the advertiser: the click is tracked and its address shown."""
        if self.ad is None:
            return
        self._beacon(self.ad.creative, ["click"])
        self.app.notify(self.ad.creative.click_through or "This ad has no link.", title="Advertiser", timeout=6)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The ad keys exist only while an ad plays."""
        if action in ("skip_ad", "ad_click"):
            return self.ad is not None
        return True

    def _refuse_during_ad(self, what: str) -> bool:
        if self.ad is None:
            return False
        self.app.notify(f"{what} is not available during ads.", timeout=2)
        return True

    # ------------------------------------------------------------------ keys
    def action_pause(self) -> None:
        """Play/pause."""
        if self.mpv:
            paused = self.mpv.toggle_pause()
            if self.tracker:
                self.tracker.event("pause" if paused else "resume", position_s=self.position_s)

    def action_seek(self, seconds: float) -> None:
        """Seek ±seconds (not during ads)."""
        if self._refuse_during_ad("Seeking"):
            return
        if self.mpv:
            self.mpv.seek(seconds)
            if self.tracker:
                self.tracker.event("seek", position_s=self.position_s, by_s=seconds)

    def action_volume(self, step: float) -> None:
        """Volume ±step %."""
        if self.mpv:
            self.app.notify(f"Volume {self.mpv.change_volume(step):.0f} %", timeout=1)

    def action_mute(self) -> None:
        """Mute/unmute."""
        if self.mpv:
            self.app.notify("Muted" if self.mpv.toggle_mute() else "Unmuted", timeout=1)

    def action_fullscreen(self) -> None:
        """Fullscreen (window only)."""
        if self.mpv:
            self.mpv.toggle_fullscreen()

    def action_subtitles(self) -> None:
        """Next subtitle track (or off)."""
        if self.mpv:
            self.app.notify(f"Subtitles: {self.mpv.cycle('sid')}", timeout=1)

    def action_audio(self) -> None:
        """Next audio track."""
        if self.mpv:
            self.app.notify(f"Audio track: {self.mpv.cycle('aid')}", timeout=1)

    def action_speed(self) -> None:
        """Next playback speed (not during ads)."""
        if self._refuse_during_ad("Changing the speed"):
            return
        if self.mpv:
            self.app.notify(f"Speed {self.mpv.next_speed():g}×", timeout=1)

    def action_quality(self) -> None:
        """Next quality mode: auto, then each rendition lowest first."""
        if self.abr is None:
            return
        modes = self.abr.modes()
        mode = modes[(modes.index(self.abr.mode) + 1) % len(modes)]
        self._apply_choice(self.abr.pin(mode), by="viewer")
        self.app.notify(f"Quality: {mode}", timeout=2)
        self._render_stats()

    def action_stats(self) -> None:
        """Show/hide the stats panel."""
        panel = self.query_one(StatsPanel)
        panel.display = not panel.display

    @work(exclusive=True, exit_on_error=False, group="network")
    async def action_network(self) -> None:
        """Next network profile (the shaping proxy switches live)."""
        ott = self.ott
        names = available_profiles()
        current = ott.shaper.profile_name
        name = names[(names.index(current) + 1) % len(names)] if current in names else names[0]
        if ott.shaper.active != (name != "off"):
            ott.notify("Turning shaping on or off applies from the next play. Next: press Esc and Play again.",
                       severity="warning")
        if await ott.apply_network_profile(name):
            self.stats.network_profile = name
            ott.notify(f"Network profile: {name}", timeout=2)

    def action_next_episode(self) -> None:
        """Play the next episode (when there is one)."""
        if not self.next_episode:
            self.app.notify("No next episode known yet.", timeout=2)
            return
        nxt = self.next_episode
        screen = PlayerScreen(content_id=self.content_id, episode_id=str(nxt["id"]), title=str(nxt.get("title", "")))
        self._shutdown()
        self.app.switch_screen(screen)

    def action_stop(self) -> None:
        """Stop: save the position, send events, close mpv, go back."""
        self._shutdown()
        self.dismiss_player()

    def dismiss_player(self) -> None:
        """Leave the player screen."""
        if self.app.screen is self:
            self.app.pop_screen()

    def _shutdown(self) -> None:
        if self.closing:
            return
        self.closing = True
        ott = self.ott
        player, tracker = self.mpv, self.tracker
        self.mpv = None
        position, duration = self.position_s, self.duration_s
        quality = self.abr.current if self.abr else None
        if tracker is not None and not self.ended:
            tracker.event("pause", position_s=position, reason="stop")

        async def finish() -> None:
            if player is not None:
                await asyncio.to_thread(player.close)
            if tracker is None:
                return
            try:
                if duration > 0 and not self.ended:
                    await tracker.position(position_s=position, duration_s=duration, quality=quality)
                await tracker.flush()
            except ApiError as err:
                log.info("final reports failed: %s", err)

        ott.run_worker(finish(), group="player-shutdown", exit_on_error=False)
