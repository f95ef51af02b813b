"""The player screen's state and the few steps every part of it uses (stats, steering, loading, closing).

:class:`tui.screens.player.PlayerScreen` is built from this base and the parts in
:mod:`tui.player.key_actions`, :mod:`tui.player.outage` and :mod:`tui.player.episode_flow`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any

from textual import work
from textual.widgets import ProgressBar, Static

from tui.errors import ApiError
from tui.format import clock
from tui.payloads import Manifest, NextEpisode
from tui.player.abr_loop import AbrLoop, RenditionChoice
from tui.player.ad_break import AdBreakPlayer
from tui.player.ads import AdProgress
from tui.player.controller import MpvController, picture_note
from tui.player.link_probe import LinkProbe
from tui.player.prefetch import Prefetched
from tui.player.reporting import PlaybackReporter
from tui.player.stats import PlaybackStats, Switch
from tui.player.tracking import PlaybackTracker
from tui.screens.base import OttScreen
from tui.widgets.stats_panel import StatsPanel


class PlayerScreenBase(OttScreen[None]):
    """What the player knows about the playback, and the steps shared by its keys, outages and episodes."""

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
        self.probe: LinkProbe | None = None
        self._timing_asked = False  # the steered playlist was fetched for its segment lengths
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

    @property
    def player(self) -> MpvController | None:
        """The mpv playing (None once closing)."""
        return None if self.closing else self.mpv

    # ------------------------------------------------------------------ workers and server notes
    def spawn(self, work: Coroutine[Any, Any, None], *, group: str, exclusive: bool = False) -> None:
        """Run ``work`` as a worker of this screen (errors are logged, never fatal)."""
        self.run_worker(work, group=group, exclusive=exclusive, exit_on_error=False)

    def _spawn_exclusive(self, work: Coroutine[Any, Any, None], group: str) -> None:
        self.spawn(work, group=group, exclusive=True)

    def _server_note(self, text: str, severity: str) -> None:
        if severity == "warning":
            self.app.notify(text, title="Server problem", severity="warning", timeout=8)
        else:
            self.app.notify(text)

    # ------------------------------------------------------------------ shared steps
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

    def _load_content(self, url: str, *, start_s: float) -> None:
        """Hand mpv the content (its subtitle and audio tracks are added once it shows a frame)."""
        if self.mpv is not None:
            self.tracks_pending = True
            self.mpv.load(url, start_s=start_s)

    # ------------------------------------------------------------------ leaving
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
