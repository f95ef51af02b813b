"""Confirm the email address with the mailed token (may be skipped unless the server requires it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Footer, Input, Label, Static

from tui.errors import ApiError
from tui.screens.base import OttScreen


class VerifyEmailScreen(OttScreen[None]):
    """Token field, resend, skip."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "skip", "Later", id="verify.skip")]

    @dataclass
    class VerificationAnswered(Message):
        """The server answered the verification (error None on success)."""

        error: ApiError | None

    def __init__(self, *, session: dict[str, Any]) -> None:
        """After registering as ``session``."""
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        """The form."""
        with Vertical(classes="centered"), Vertical(classes="form"):
            yield Label("Verify your email", classes="heading")
            yield Static(f"We sent a code to {self.session.get('email', 'your address')}. Paste it here.",
                         classes="muted")
            yield Input(placeholder="verification token", id="verify-token")
            yield Static("", id="verify-status", classes="error-text")
            with Horizontal(classes="buttons"):
                yield Button("Verify", id="verify", variant="primary")
                yield Button("Resend", id="resend")
                yield Button("Later", id="later")
        yield Footer()

    @on(Button.Pressed, "#verify")
    @on(Input.Submitted, "#verify-token")
    def _verify(self) -> None:
        token = self.query_one("#verify-token", Input).value.strip()
        if token:
            self._send(token)

    @work(exclusive=True, exit_on_error=False)
    async def _send(self, token: str) -> None:
        try:
            await self.ott.api.verify_email(token=token)
        except ApiError as err:
            self.post_message(self.VerificationAnswered(err))
            return
        self.post_message(self.VerificationAnswered(None))

    def on_verify_email_screen_verification_answered(self, message: VerificationAnswered) -> None:
        """Continue on success, else explain."""
        if message.error is None:
            self.app.notify("Email verified.")
            self.action_skip()
            return
        err = message.error
        hint = "the code is wrong" if err.status == 400 else "the code has expired or was used; press Resend"
        self.query_one("#verify-status", Static).update(f"{err.detail or err.title} ({hint}).")

    @on(Button.Pressed, "#resend")
    @work(exclusive=True, exit_on_error=False, group="resend")
    async def _resend(self) -> None:
        try:
            await self.ott.api.resend_verification()
        except ApiError as err:
            self.ott.report(err, doing="resend the code")
            return
        self.app.notify("A new code is on its way.")

    @on(Button.Pressed, "#later")
    def action_skip(self) -> None:
        """Go on to the profiles without verifying."""
        self.ott.logged_in(self.session)
