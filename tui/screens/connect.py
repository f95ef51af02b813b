"""First screen: the server URL (remembered), a health check, and retry on failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Footer, Input, Label, Static

from tui.errors import ApiError
from tui.screens.base import OttScreen


class ConnectScreen(OttScreen[None]):
    """Checks the server; shows the error and a Retry button when it is not there."""

    # ctrl+r, not r: the URL field has the focus and a plain letter would be typed into it
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+r", "retry", "Retry", id="connect.retry")]
    RETRY_HINT = "check the server URL, then press ctrl+r or Retry"

    @dataclass
    class CheckFailed(Message):
        """The health check failed."""

        text: str

    @dataclass
    class CheckSucceeded(Message):
        """The health check answered."""

        url: str

    def compose(self) -> ComposeResult:
        """URL field, status line, buttons."""
        ott = self.ott
        with Vertical(classes="centered"), Vertical(classes="form"):
            yield Label("OTT Lowband", classes="heading")
            yield Label("Server URL", classes="field")
            yield Input(ott.config.server_url, id="server-url")
            yield Static("", id="connect-status", classes="muted")
            with Horizontal(classes="buttons"):
                yield Button("Connect", id="connect", variant="primary")
                yield Button("Retry", id="retry")
        yield Footer()

    def on_mount(self) -> None:
        """Check the remembered server straight away."""
        self.check()

    def action_retry(self) -> None:
        """Check again."""
        self.check()

    @on(Button.Pressed, "#connect")
    @on(Button.Pressed, "#retry")
    @on(Input.Submitted, "#server-url")
    def _connect(self) -> None:
        self.check()

    def check(self) -> None:
        """Start a health check of the URL in the field."""
        ott = self.ott
        url = self.query_one("#server-url", Input).value.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            self.query_one("#connect-status", Static).update("The URL must start with http:// or https://")
            return
        if url != ott.config.server_url:
            ott.set_server(url)
        self.query_one("#connect-status", Static).update(f"Connecting to {url} …")
        self._health()

    @work(exclusive=True, exit_on_error=False)
    async def _health(self) -> None:
        ott = self.ott
        try:
            await ott.api.health()
        except ApiError as err:
            self.post_message(self.CheckFailed(err.user_message(next_step=self.RETRY_HINT)))
            return
        self.post_message(self.CheckSucceeded(ott.api.base_url))

    def on_connect_screen_check_failed(self, message: CheckFailed) -> None:
        """Show the error with the retry hint."""
        self.query_one("#connect-status", Static).update(f"[red]Not connected.[/] {message.text}")
        self.app.notify(message.text, title="Server unreachable", severity="error", timeout=6)

    def on_connect_screen_check_succeeded(self, message: CheckSucceeded) -> None:
        """Continue to the login screen."""
        self.query_one("#connect-status", Static).update(f"Connected to {message.url}")
        self.ott.show_login()
