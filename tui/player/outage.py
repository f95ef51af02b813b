"""The player's side of an outage: keep the position, wait for the stream (see :mod:`tui.player.recovery`),
resume by itself; give up only when the stream answers but never plays."""

from __future__ import annotations

import logging

from textual import work
from textual.widgets import Static

from tui.errors import ApiError
from tui.format import clock
from tui.player.recovery import reachable_stream
from tui.player.screen_base import PlayerScreenBase

log = logging.getLogger(__name__)

MAX_STUCK_LOSSES = 5  # losses in a row without progress before the player gives up


class OutageRecovery(PlayerScreenBase):
    """Gets a lost stream back and reloads it at the position it was lost at."""

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
