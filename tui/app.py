"""The Textual application: owns the config, the API client, the shaping proxy and the login state."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from tui.api import ApiClient
from tui.cache import HttpCache
from tui.config import ConfigError, TuiConfig, cache_dir, save_config
from tui.errors import ApiError, SessionExpired
from tui.netshaper import NetworkShaper, ShaperError

log = logging.getLogger(__name__)


def is_headless(*, forced: bool = False) -> bool:
    """True when asked to, or when there is no display (no DISPLAY / WAYLAND_DISPLAY)."""
    return forced or not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class OttApp(App[None]):
    """OTT Lowband in a terminal: connect, log in, pick a profile, browse and play through mpv."""

    CSS_PATH = "app.tcss"
    TITLE = "OTT Lowband"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("f2", "open_settings", "Settings", id="app.settings"),
    ]

    def __init__(self, *, config: TuiConfig | None = None, config_path: Path | None = None,
                 headless: bool = False, vo: str | None = None, persist_config: bool = True,
                 http_cache_dir: Path | None = None) -> None:
        """Build the app; nothing touches the network until it is mounted."""
        super().__init__()
        self.config = config or TuiConfig()
        self.config_path = config_path
        self.persist_config = persist_config
        self.headless = is_headless(forced=headless)
        self.vo = vo or self.config.vo
        self.shaper = NetworkShaper(server_url=self.config.server_url)
        self.api = ApiClient(base_url=self.config.server_url, timeout_s=self.config.request_timeout_s,
                             cache=HttpCache(directory=http_cache_dir or cache_dir()))
        self.account: dict[str, Any] = {}
        self.profile: dict[str, Any] | None = None

    # ------------------------------------------------------------------ lifecycle
    async def on_mount(self) -> None:
        """Apply the keymap and network profile, then show the connect screen."""
        from tui.screens.connect import ConnectScreen

        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        await self.apply_network_profile(self.config.network_profile, save=False)
        await self.push_screen(ConnectScreen())

    async def on_unmount(self) -> None:
        """Close connections and the proxy."""
        await self.api.close()
        await self.shaper.stop()

    # ------------------------------------------------------------------ shared services
    def remember(self) -> None:
        """Save the config file (unless this app was told not to)."""
        if not self.persist_config:
            return
        try:
            save_config(self.config, path=self.config_path)
        except (OSError, ConfigError) as err:
            self.notify(f"could not save settings: {err}", severity="warning")

    async def apply_network_profile(self, name: str, *, save: bool = True) -> bool:
        """Shape the player's (and, if configured, the API's) traffic with profile ``name``."""
        try:
            await self.shaper.apply(name)
        except ShaperError as err:
            self.notify(f"network profile {name!r}: {err}. Next: pick another profile in Settings.",
                        severity="error", title="Network")
            return False
        self.api.base_url = self.shaper.base_url() if self.config.shape_api else self.config.server_url
        if save:
            self.config.network_profile = name
            self.remember()
        return True

    def set_server(self, url: str) -> None:
        """Use another server (remembered in the config)."""
        self.config.server_url = url
        self.shaper.server_url = self.config.server_url
        self.api.set_base_url(self.config.server_url)
        self.remember()

    def report(self, err: Exception, *, doing: str, next_step: str | None = None) -> None:
        """Show a failed action as a notification with the next step (``next_step``: the screen's own hint,
        naming an action that works there); never raises."""
        if isinstance(err, ApiError):
            message = err.user_message(next_step=next_step)
        else:
            log.exception("unexpected error while %s", doing, exc_info=err)
            message = f"{err}. Next: retry."
        self.notify(message, title=f"Could not {doing}", severity="error", timeout=8)
        if isinstance(err, SessionExpired) and self.api.tokens is None:
            self.call_later(self.show_login)

    # ------------------------------------------------------------------ navigation
    def show_login(self) -> None:
        """Go to the login screen, leaving everything else."""
        from tui.screens.login import LoginScreen

        self.profile = None
        self._reset_to(LoginScreen())

    def logged_in(self, session: dict[str, Any]) -> None:
        """After login or registration: pick who is watching."""
        from tui.screens.profiles import ProfilesScreen

        self.account = dict(session)
        self._reset_to(ProfilesScreen())

    def profile_chosen(self, profile: dict[str, Any]) -> None:
        """After the profile picker: the home screen."""
        from tui.screens.home import HomeScreen

        self.profile = dict(profile)
        self._reset_to(HomeScreen())

    def _reset_to(self, screen: Any) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) == 2:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def action_open_settings(self) -> None:
        """Open the settings screen."""
        from tui.screens.settings import SettingsScreen

        if not isinstance(self.screen, SettingsScreen):
            self.push_screen(SettingsScreen())

    @property
    def profile_id(self) -> str | None:
        """The id of who is watching."""
        return str(self.profile["id"]) if self.profile else None

    @property
    def language(self) -> str:
        """The watching profile's language (titles and descriptions)."""
        return str((self.profile or {}).get("language_preference") or "en")
