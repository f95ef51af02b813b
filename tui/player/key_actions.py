"""What the player's keys do (the key table is :data:`tui.player.keys.PLAYER_BINDINGS`).

Seeking and speed changes are refused during ads; ``k`` skips an ad (when allowed) and ``o`` visits
the advertiser. ``n`` (next episode) and Esc live in :mod:`tui.player.episode_flow` and the screen.
"""

from __future__ import annotations

from textual import work

from tui.player.keys import AD_ONLY_ACTIONS
from tui.player.screen_base import PlayerScreenBase
from tui.widgets.stats_panel import StatsPanel


class PlayerKeyActions(PlayerScreenBase):
    """The player's key actions: playback, volume, tracks, quality, stats panel, network, ad keys."""

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
        if action in AD_ONLY_ACTIONS:
            return self.ad is not None
        return True

    def _refuse_during_ad(self, what: str) -> bool:
        if self.ad is None:
            return False
        self.app.notify(f"{what} is not available during ads.", timeout=2)
        return True

    # ------------------------------------------------------------------ playback keys
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

    # ------------------------------------------------------------------ quality, stats, network
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
