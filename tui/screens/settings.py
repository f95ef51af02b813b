"""Settings: server, network profile (live), preferred quality, languages, keymap overrides."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, Select, Static

from tui.config import QUALITIES, TuiConfig
from tui.netshaper import available_profiles
from tui.screens.base import OttScreen


def parse_keymap(text: str) -> dict[str, str]:
    """``id=keys`` pairs separated by ``;`` or new lines (e.g. ``player.stats=I; player.quality=Q``)."""
    out: dict[str, str] = {}
    for part in text.replace("\n", ";").split(";"):
        name, sep, keys = part.partition("=")
        if sep and name.strip() and keys.strip():
            out[name.strip()] = keys.strip()
    return out


class SettingsScreen(OttScreen[None]):
    """Saved to the config file on Save; the network profile applies at once."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back", id="settings.back")]
    DEFAULT_CSS = """
    SettingsScreen Horizontal { height: auto; }
    SettingsScreen Label { width: 18; padding-top: 0; }
    SettingsScreen Select, SettingsScreen Input { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        """One row per setting."""
        c = self.ott.config
        yield Header()
        with VerticalScroll():
            with Horizontal():
                yield Label("Server URL")
                yield Input(c.server_url, id="s-server", compact=True)
            with Horizontal():
                yield Label("Network profile")
                yield Select([(n, n) for n in available_profiles()], value=c.network_profile
                             if c.network_profile in available_profiles() else "off", allow_blank=False,
                             id="s-net", compact=True)
            yield Checkbox("Shape the API traffic too (not only video)", c.shape_api, id="s-shape-api")
            with Horizontal():
                yield Label("Preferred quality")
                yield Select([(q, q) for q in QUALITIES], value=c.preferred_quality, allow_blank=False,
                             id="s-quality", compact=True)
            with Horizontal():
                yield Label("Audio language")
                yield Select([("English", "en"), ("Hindi", "hi")], value=c.audio_language, allow_blank=False,
                             id="s-audio", compact=True)
            with Horizontal():
                yield Label("Subtitles")
                yield Select([("Off", "off"), ("English", "en"), ("Hindi", "hi")], value=c.subtitle_language,
                             allow_blank=False, id="s-subs", compact=True)
            with Horizontal():
                yield Label("Keymap")
                yield Input("; ".join(f"{k}={v}" for k, v in sorted(c.keymap.items())),
                            placeholder="player.stats=I; player.quality=Q", id="s-keymap", compact=True)
            yield Static("", id="s-error", classes="error-text")
            yield Button("Save", id="s-save", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        """Title."""
        self.title = "Settings"

    @on(Button.Pressed, "#s-save")
    @work(exclusive=True, exit_on_error=False)
    async def save(self) -> None:
        """Validate, apply and save."""
        ott = self.ott
        values = ott.config.model_dump()
        values.update(
            server_url=self.query_one("#s-server", Input).value,
            network_profile=str(self.query_one("#s-net", Select).value),
            shape_api=self.query_one("#s-shape-api", Checkbox).value,
            preferred_quality=str(self.query_one("#s-quality", Select).value),
            audio_language=str(self.query_one("#s-audio", Select).value),
            subtitle_language=str(self.query_one("#s-subs", Select).value),
            keymap=parse_keymap(self.query_one("#s-keymap", Input).value),
        )
        try:
            fresh = TuiConfig(**values)
        except ValueError as err:
            self.query_one("#s-error", Static).update(str(err).splitlines()[0] + " … Next: fix the field.")
            return
        server_changed = fresh.server_url != ott.config.server_url
        ott.config = fresh
        ott.set_keymap(fresh.keymap)
        if server_changed:
            ott.set_server(fresh.server_url)
        await ott.apply_network_profile(fresh.network_profile)
        ott.remember()
        ott.notify("Settings saved." + (" Log in on the new server." if server_changed else ""))
        if server_changed:
            ott.show_login()
