"""Create an account; the password policy is shown and ticked as the user types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Footer, Input, Label, Select, Static

from tui.errors import ApiError
from tui.screens.base import OttScreen
from tui.widgets.password_policy import PasswordPolicy


class RegisterScreen(OttScreen[None]):
    """Email, password (with live policy), language."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back", id="register.back")]

    @dataclass
    class RegistrationFailed(Message):
        """The server refused."""

        error: ApiError

    @dataclass
    class Registered(Message):
        """The account exists and we are logged in."""

        session: dict[str, Any]

    def compose(self) -> ComposeResult:
        """The form."""
        with Vertical(classes="centered"), Vertical(classes="form"):
            yield Label("Create an account", classes="heading")
            yield Label("Email", classes="field")
            yield Input(placeholder="you@example.com", id="reg-email")
            yield Label("Password", classes="field")
            yield Input(password=True, id="reg-password")
            yield PasswordPolicy(id="policy")
            yield Label("Language", classes="field")
            yield Select([("English", "en"), ("हिन्दी (Hindi)", "hi")], value="en", allow_blank=False, id="reg-lang")
            yield Static("", id="reg-error", classes="error-text")
            with Horizontal(classes="buttons"):
                yield Button("Register", id="do-register", variant="primary")
                yield Button("Back", id="back")
        yield Footer()

    def on_mount(self) -> None:
        """Focus the email field."""
        self.query_one("#reg-email", Input).focus()

    @on(Input.Changed, "#reg-password")
    def _policy(self, event: Input.Changed) -> None:
        self.query_one(PasswordPolicy).check(event.value)

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#do-register")
    @on(Input.Submitted, "#reg-password")
    def _submit(self) -> None:
        email = self.query_one("#reg-email", Input).value.strip()
        password = self.query_one("#reg-password", Input).value
        error = self.query_one("#reg-error", Static)
        if "@" not in email:
            error.update("Enter a valid email address.")
            return
        if not self.query_one(PasswordPolicy).check(password):
            error.update("The password does not meet every rule above.")
            return
        language = str(self.query_one("#reg-lang", Select).value)
        error.update("Creating your account …")
        self._register(email, password, language)

    @work(exclusive=True, exit_on_error=False)
    async def _register(self, email: str, password: str, language: str) -> None:
        try:
            session = await self.ott.api.register(email=email, password=password, language=language)
        except ApiError as err:
            self.post_message(self.RegistrationFailed(err))
            return
        self.post_message(self.Registered(session))

    def on_register_screen_registration_failed(self, message: RegistrationFailed) -> None:
        """Explain (409: exists; 422: policy)."""
        err = message.error
        text = "An account with this email already exists. Next: log in or reset the password." \
            if err.status == 409 else err.user_message()
        self.query_one("#reg-error", Static).update(text)

    def on_register_screen_registered(self, message: Registered) -> None:
        """Ask for the verification code, then go on to the profiles."""
        from tui.screens.verify_email import VerifyEmailScreen

        ott = self.ott
        ott.account = dict(message.session)
        ott.switch_screen(VerifyEmailScreen(session=message.session))
