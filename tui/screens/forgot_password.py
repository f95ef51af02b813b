"""Password reset: request a mailed token, then set a new password with it."""

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
from tui.widgets.password_policy import PasswordPolicy


class ForgotPasswordScreen(OttScreen[None]):
    """Two steps on one form: request the token, then confirm with a new password."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back", id="forgot.back")]

    @dataclass
    class ResetAnswered(Message):
        """A reset call finished (error None on success)."""

        step: str
        error: ApiError | None

    def __init__(self, *, email: str = "") -> None:
        """Prefill ``email``."""
        super().__init__()
        self.email = email

    def compose(self) -> ComposeResult:
        """The form."""
        with Vertical(classes="centered"), Vertical(classes="form"):
            yield Label("Reset your password", classes="heading")
            yield Input(self.email, placeholder="you@example.com", id="reset-email")
            yield Button("Send reset code", id="send-code")
            yield Input(placeholder="code from the mail", id="reset-token")
            yield Input(password=True, placeholder="new password", id="reset-password")
            yield PasswordPolicy()
            yield Static("", id="reset-status", classes="error-text")
            with Horizontal(classes="buttons"):
                yield Button("Set password", id="confirm", variant="primary")
                yield Button("Back", id="back")
        yield Footer()

    @on(Input.Changed, "#reset-password")
    def _policy(self, event: Input.Changed) -> None:
        self.query_one(PasswordPolicy).check(event.value)

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#send-code")
    def _request(self) -> None:
        email = self.query_one("#reset-email", Input).value.strip()
        if email:
            self._call("request", email, "", "")

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        token = self.query_one("#reset-token", Input).value.strip()
        password = self.query_one("#reset-password", Input).value
        if not token or not self.query_one(PasswordPolicy).check(password):
            self.query_one("#reset-status", Static).update("Enter the code and a password meeting every rule.")
            return
        self._call("confirm", "", token, password)

    @work(exclusive=True, exit_on_error=False)
    async def _call(self, step: str, email: str, token: str, password: str) -> None:
        api = self.ott.api
        try:
            if step == "request":
                await api.password_reset_request(email=email)
            else:
                await api.password_reset_confirm(token=token, password=password)
        except ApiError as err:
            self.post_message(self.ResetAnswered(step, err))
            return
        self.post_message(self.ResetAnswered(step, None))

    def on_forgot_password_screen_reset_answered(self, message: ResetAnswered) -> None:
        """Tell what happened and what next."""
        status = self.query_one("#reset-status", Static)
        if message.error is not None:
            status.update(message.error.user_message())
        elif message.step == "request":
            status.update("If the address has an account, a code is on its way. Enter it below.")
        else:
            self.app.notify("Password changed. Log in with the new password.")
            self.app.pop_screen()
