"""The player: mpv plays one server-steered rendition; the ABR loop and the stats panel run here.

Keys (spec FR-VP-003): space, ←/→ ±10 s, ↑/↓ volume, m, f, c, a, q quality, s speed, i stats,
t network profile, n next episode, Esc back; during ads k skips (when allowed) and o visits the
advertiser. All have ids for remapping.

Ad breaks are played by :mod:`tui.player.ad_break` (seeking and speed changes are refused during
ads); position reports, events and completion are sent by :mod:`tui.player.reporting`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Label, ProgressBar, Static

from media import AdBreak, AdFormatError, parse_vmap
from netem_profiles import ProfileError, load_profile
from tui.errors import ApiError
from tui.format import clock
from tui.payloads import Manifest, NextEpisode, PlaybackSession
from tui.player.abr_loop import AbrLoop, RenditionChoice
from tui.player.ad_break import AdBreakPlayer, Then
from tui.player.ads import AdProgress, from_playback_start
from tui.player.controller import (
    CacheStallChanged,
    MpvController,
    PlaybackEnded,
    Snapshot,
    VideoParamsChanged,
    picture_note,
)
from tui.player.episodes import episode_place
from tui.player.prefetch import Prefetched
from tui.player.recovery import ended_early, reachable_stream
from tui.player.reporting import PlaybackReporter
from tui.player.stats import PlaybackStats, Switch
from tui.player.tracking import PlaybackTracker
from tui.screens.base import OttScreen
from tui.widgets.ad_overlay import AdOverlay
from tui.widgets.stats_panel import StatsPanel

log = logging.getLogger(__name__)

TICK_S = 1.0
VMAP_TIMEOUT_S = 3.0
MAX_STUCK_LOSSES = 5  # losses in a row without progress before the player gives up


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
        manifest: Manifest
        session: PlaybackSession
        start_s: float
        from_prefetch: bool
        breaks: list[AdBreak]

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
        self.reporter: PlaybackReporter | None = None
        self.ads: AdBreakPlayer | None = None
        self.stream_session_id = ""
        self.playback_session_id = ""
        self.steered_url = ""
        self.resume_at: float | None = None
        self.recovering = False
        self.recoveries = 0
        self.stuck_losses = 0
        self.last_loss_at: float | None = None
        self.paused = False
        self.manifest: Manifest | None = None
        self.tracks_pending = False
        self.switch_pending: tuple[str, float] | None = None
        self.break_started: float | None = None
        self.play_started = time.monotonic()
        self.first_frame_at: float | None = None
        self.last_tick = time.monotonic()
        self.position_s = 0.0
        self.duration_s = 0.0
        self.watched_s = 0.0
        self.next_episode: NextEpisode | None = None
        self.ended = False
        self.closing = False
        self.content_url = ""

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

    # ------------------------------------------------------------------ what tests and keys look at
    @property
    def ad(self) -> AdProgress | None:
        """The ad playing now (None during the content)."""
        return self.ads.ad if self.ads is not None else None

    @property
    def tracker(self) -> PlaybackTracker | None:
        """The session's event queue and position reports (None before the session opens)."""
        return self.reporter.tracker if self.reporter is not None else None

    @property
    def server_ok(self) -> bool:
        """False from a failed server call until the next successful one."""
        return self.reporter.server_ok if self.reporter is not None else True

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
        breaks = await self._ad_breaks(session) if session.ads else []
        self.post_message(self.PlaybackOpened(url, manifest, session, resume, from_prefetch, breaks))

    async def _ad_breaks(self, session: PlaybackSession) -> list[AdBreak]:
        """The session's ad breaks from VMAP (with tracking); playback/start's ``ads`` if VMAP fails."""
        ott = self.ott
        try:
            async with asyncio.timeout(VMAP_TIMEOUT_S):
                data = await ott.api.vmap(session_id=session.session_id)
            breaks = parse_vmap(data, content_s=session.duration_s)
        except (ApiError, AdFormatError, TimeoutError) as err:
            log.warning("VMAP unavailable (%s); playing the ads without tracking", err)
            return from_playback_start(session.ads)
        return breaks

    def on_player_screen_open_failed(self) -> None:
        """Go back to where Play was pressed."""
        self.dismiss_player()

    def _known_kbps(self, message: PlaybackOpened) -> float | None:
        """The link before mpv measures it: the prefetch's first segment, else the shaper's profile."""
        measured = self.prefetched.measured_kbps if message.from_prefetch and self.prefetched else None
        if measured is not None:
            return measured
        shaper = self.ott.shaper
        if not shaper.active:
            return None
        try:
            return float(load_profile(shaper.profile_name).down_kbps)
        except ProfileError:
            return None

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
        self.abr = AbrLoop(qualities=manifest.qualities, start=start, known_kbps=self._known_kbps(message))
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

    @work(exclusive=True, exit_on_error=False, group="episodes")
    async def _learn_episodes(self) -> None:
        """The episode playing (header) and the next one (``n`` works at any time)."""
        ott = self.ott
        if not self.episode_id:
            return
        try:
            place = await episode_place(ott.api, content_id=self.content_id, episode_id=self.episode_id,
                                        profile_id=ott.profile_id)
        except ApiError as err:
            log.info("episode list unavailable: %s", err)
            return
        self.next_episode = place.next or self.next_episode
        if place.current is not None:
            show = self.play_title.split(" · ")[0] if self.play_title else ""
            self.play_title = f"{show} · {place.current.label()}" if show else place.current.label()
            self.query_one("#now-playing", Label).update(self.play_title)

    # ------------------------------------------------------------------ AdHost (for tui.player.ad_break)
    @property
    def player(self) -> MpvController | None:
        """The mpv playing (None once closing)."""
        return None if self.closing else self.mpv

    def spawn(self, work: Coroutine[Any, Any, None], *, group: str, exclusive: bool = False) -> None:
        """Run ``work`` as a worker of this screen (errors are logged, never fatal)."""
        self.run_worker(work, group=group, exclusive=exclusive, exit_on_error=False)

    def _spawn_exclusive(self, work: Coroutine[Any, Any, None], group: str) -> None:
        self.spawn(work, group=group, exclusive=True)

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

    def _load_content(self, url: str, *, start_s: float) -> None:
        """Hand mpv the content (its subtitle and audio tracks are added once it shows a frame)."""
        if self.mpv is not None:
            self.tracks_pending = True
            self.mpv.load(url, start_s=start_s)

    def _add_tracks(self) -> None:
        """Subtitles (WebVTT) and the other audio languages as external mpv tracks: the steered stream
        carries one rendition with its own audio only. Defaults: the server's (``is_default``, from the
        profile's language) unless Settings names a subtitle language. An external audio track is selected
        by default only when the stream's own audio is known to be another language: a second audio
        download must not eat a slow link for the same language."""
        mpv = self.mpv
        if mpv is None or self.manifest is None:
            return
        ott = self.ott
        want_sub = ott.config.subtitle_language
        add = mpv.add_track  # asynchronous in mpv: never blocks this loop (the shaping proxy runs on it)
        for sub in self.manifest.subtitles:
            url = sub.vtt_url or sub.url
            if url:
                pick = sub.language == want_sub if want_sub != "off" else sub.is_default
                add("sub", ott.shaper.rewrite(url), lang=sub.language, title=sub.label or sub.language, select=pick)
        muxed = set(mpv.track_languages("audio"))  # what the stream itself carries
        known = muxed <= {a.language for a in self.manifest.audio_tracks}
        for audio in self.manifest.audio_tracks:
            if audio.url and audio.language not in muxed:
                add("audio", ott.shaper.rewrite(audio.url), lang=audio.language,
                    title=audio.label or audio.language, select=audio.is_default and known)

    # ------------------------------------------------------------------ mpv messages
    def on_video_params_changed(self, message: VideoParamsChanged) -> None:
        """First frame → stream start; later changes show the rendition actually playing."""
        if self.ads is not None and self.ads.active:
            self.ads.first_frame()
            return
        now = time.monotonic()
        if self.tracks_pending:
            self.tracks_pending = False
            self._add_tracks()
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
        if message.reason in ("eof", "error") and self.first_frame_at is not None and \
                (message.reason == "error" or ended_early(position_s=self.position_s, duration_s=self.duration_s)):
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

    # ------------------------------------------------------------------ outages
    def _stream_lost(self, why: str) -> None:
        """mpv lost the stream mid-title: keep the position, get the stream back, resume by itself."""
        log.warning("stream lost at %.1f s: %s", self.position_s, why)
        stuck = self.last_loss_at is not None and self.position_s <= self.last_loss_at + 0.5
        self.stuck_losses = self.stuck_losses + 1 if stuck else 0
        self.last_loss_at = self.position_s
        if self.stuck_losses >= MAX_STUCK_LOSSES:  # the stream answers but never plays: not an outage
            self.ended = True
            self.ott.notify(f"Playback stopped: {why}. Next: press Esc and try again.", severity="error",
                            title="Playback")
            return
        self.recovering = True
        self.recoveries += 1
        self.query_one("#status", Static).update(
            f"Stream interrupted at {clock(self.position_s)} ({why}). Resuming by itself when the server answers"
            " (position kept); Esc leaves.")
        self._recover()

    @work(exclusive=True, exit_on_error=False, group="recover")
    async def _recover(self) -> None:
        ott = self.ott
        try:
            url = await reachable_stream(api=ott.api, url=self.steered_url, renew=self._renew_stream)
        except ApiError as err:
            self.recovering = False
            self.ended = True
            ott.report(err, doing="resume playback")
            return
        if self.closing or self.mpv is None:
            return
        self.steered_url = self.content_url = url
        self.resume_at = self.position_s
        self.recovering = False
        self._load_content(url, start_s=self.position_s)
        self.query_one("#status", Static).update(f"Resumed at {clock(self.position_s)} after an interruption.")
        if self.reporter:
            self.reporter.event("resume", position_s=self.position_s, reason="stream recovered")
            self.reporter.back()

    async def _renew_stream(self) -> str:
        """Ask for the manifest again (the steered link was refused) and return the new steered URL."""
        ott = self.ott
        manifest = await ott.api.manifest(self.content_id, profile_id=ott.profile_id or "", episode_id=self.episode_id,
                                          session_id=self.playback_session_id or None,
                                          net=ott.shaper.profile_name if ott.shaper.active else None)
        self.stream_session_id = manifest.session_id or self.stream_session_id
        return ott.shaper.rewrite(manifest.steered_url)

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
            choice = self.abr.tick(now=now, dt=dt, cache_speed_bps=snap.cache_speed, buffer_s=snap.buffer_s)
            self._apply_choice(choice, by="abr")
            if self.ads is not None and self.ads.start_mid_roll(self.position_s):
                self.break_started = time.monotonic()
        self.stats.estimate_kbps = self.abr.estimate_kbps
        self._render_stats()
        if self.reporter:
            self.reporter.tick(now=now, position_s=self.position_s, duration_s=self.duration_s,
                               quality=self.abr.current)

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

    def _render_stats(self) -> None:
        self.stats.quality_mode = self.abr.mode if self.abr else self.stats.quality_mode
        self.query_one(StatsPanel).show(self.stats)
        pct = 100 * self.position_s / self.duration_s if self.duration_s else 0
        self.query_one("#position", ProgressBar).update(progress=pct)
        started = "" if self.first_frame_at is not None else " · waiting for the first frame"
        if self.paused:
            started += " · ⏸ Paused"
        started += f" · {picture_note(headless=self.ott.headless, vo=self.ott.vo)}"
        self.query_one("#position-row", Static).update(
            f"{clock(self.position_s)} / {clock(self.duration_s)}{started}")

    # ------------------------------------------------------------------ server calls
    def _server_note(self, text: str, severity: str) -> None:
        if severity == "warning":
            self.app.notify(text, title="Server problem", severity="warning", timeout=8)
        else:
            self.app.notify(text)

    def _apply_choice(self, choice: RenditionChoice | None, *, by: str) -> None:
        if choice is None:
            return
        self.stats.switches.append(Switch(at=time.time(), frm=choice.previous, to=choice.rendition,
                                          reason=choice.reason, by=by))
        self.switch_pending = (choice.rendition, time.monotonic())
        if self.reporter:
            self.reporter.event("quality_change", position_s=self.position_s, **{
                "from": choice.previous, "to": choice.rendition, "reason": choice.reason[:200]})
        self._steer(choice.rendition)

    @work(exclusive=True, exit_on_error=False, group="steer")
    async def _steer(self, rendition: str) -> None:
        if not self.stream_session_id or self.reporter is None:
            return
        try:
            await self.ott.api.set_rendition(self.stream_session_id, rendition)
        except ApiError as err:
            self.reporter.failed(err, doing="switch quality")
            return
        self.reporter.back()

    @work(exclusive=True, exit_on_error=False, group="complete")
    async def _complete(self) -> None:
        if self.reporter is None:
            return
        answer = await self.reporter.complete(watched_s=self.watched_s)
        if answer is None:
            return
        self.next_episode = answer.next_episode or self.next_episode
        if self.next_episode:
            from tui.screens.next_episode import NextEpisodeScreen

            self.ott.push_screen(NextEpisodeScreen(episode=self.next_episode), self._next_answered)
        else:
            self.ott.notify("Finished.")

    def _next_answered(self, play: bool | None) -> None:
        if play and self.next_episode:
            self.action_next_episode()

    # ------------------------------------------------------------------ ad keys
    def action_skip_ad(self) -> None:
        """Skip the ad once it may be skipped."""
        refusal = self.ads.skip() if self.ads is not None else None
        if refusal:
            self.app.notify(refusal, timeout=2)

    def action_ad_click(self) -> None:
        """Visit the advertiser: the click is tracked and its address shown."""
        address = self.ads.click() if self.ads is not None else None
        if address is not None:
            self.app.notify(address, title="Advertiser", timeout=6)

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
            paused = self.paused = self.mpv.toggle_pause()
            self._render_stats()
            if self.reporter:
                self.reporter.event("pause" if paused else "resume", position_s=self.position_s)

    def action_seek(self, seconds: float) -> None:
        """Seek ±seconds (not during ads)."""
        if self._refuse_during_ad("Seeking"):
            return
        if self.mpv:
            self.mpv.seek(seconds)
            if self.reporter:
                self.reporter.event("seek", position_s=self.position_s, by_s=seconds)

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
            self.mpv.cycle("sid")
            self.app.notify(f"Subtitles: {self.mpv.selected_track('sub')}", timeout=1)

    def action_audio(self) -> None:
        """Next audio track."""
        if self.mpv:
            self.mpv.cycle("aid")
            self.app.notify(f"Audio: {self.mpv.selected_track('audio')}", timeout=1)

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

    def action_network(self) -> None:
        """Open the network picker (profiles and schedules); the choice applies live."""
        from tui.screens.network_picker import NetworkPickerScreen

        self.app.push_screen(NetworkPickerScreen(current=self.ott.shaper.profile_name), self._network_chosen)

    def _network_chosen(self, name: str | None) -> None:
        if name is not None and name != self.ott.shaper.profile_name:
            self._apply_network(name)

    @work(exclusive=True, exit_on_error=False, group="network")
    async def _apply_network(self, name: str) -> None:
        ott = self.ott
        if ott.shaper.active != (name != "off"):
            ott.notify("Turning shaping on or off applies from the next play. Next: press Esc and Play again.",
                       severity="warning")
        if await ott.apply_network_profile(name):
            self.stats.network_profile = name
            ott.notify(f"Network: {name}", timeout=2)
            self._render_stats()

    def action_next_episode(self) -> None:
        """Play the next episode (when there is one)."""
        if not self.next_episode:
            self.app.notify("This is the last episode (or not a show)." if self.episode_id
                            else "Not a show: there is no next episode.", timeout=2)
            return
        nxt = self.next_episode
        show = self.play_title.split(" · ")[0]
        screen = PlayerScreen(content_id=self.content_id, episode_id=nxt.id, title=f"{show} · {nxt.label()}")
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
        player, reporter = self.mpv, self.reporter
        self.mpv = None
        position, duration, ended = self.position_s, self.duration_s, self.ended
        quality = self.abr.current if self.abr else None
        if reporter is not None and not ended:
            reporter.event("pause", position_s=position, reason="stop")

        async def finish() -> None:
            if player is not None:
                await asyncio.to_thread(player.close)
            if reporter is not None:
                await reporter.finish(position_s=position, duration_s=duration, quality=quality, ended=ended)

        self.ott.run_worker(finish(), group="player-shutdown", exit_on_error=False)
