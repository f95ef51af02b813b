"""Log in with email and password; links to register and forgot-password."""

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


class LoginScreen(OttScreen[None]):
    """Email + password form."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "register", "Register", id="login.register"),
        Binding("ctrl+f", "forgot", "Forgot password", id="login.forgot"),
    ]

    @dataclass
    class LoginFailed(Message):
        """The server refused the login."""

        error: ApiError

    @dataclass
    class LoginSucceeded(Message):
        """Tokens received."""

        session: dict[str, Any]

    def compose(self) -> ComposeResult:
        """The form."""
        with Vertical(classes="centered"), Vertical(classes="form"):
            yield Label("Log in", classes="heading")
            yield Label("Email", classes="field")
            yield Input(placeholder="you@example.com", id="email")
            yield Label("Password", classes="field")
            yield Input(password=True, id="password")
            yield Static("", id="login-error", classes="error-text")
            with Horizontal(classes="buttons"):
                yield Button("Log in", id="login", variant="primary")
                yield Button("Register", id="register")
                yield Button("Forgot password", id="forgot")
        yield Footer()

    def on_mount(self) -> None:
        """Focus the email field."""
        self.query_one("#email", Input).focus()

    @on(Input.Submitted, "#email")
    def _next(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Button.Pressed, "#login")
    @on(Input.Submitted, "#password")
    def _submit(self) -> None:
        email = self.query_one("#email", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not email or not password:
            self.query_one("#login-error", Static).update("Enter your email and password.")
            return
        self.query_one("#login-error", Static).update("Logging in …")
        self._login(email, password)

    @work(exclusive=True, exit_on_error=False)
    async def _login(self, email: str, password: str) -> None:
        try:
            session = await self.ott.api.login(email=email, password=password)
        except ApiError as err:
            self.post_message(self.LoginFailed(err))
            return
        self.post_message(self.LoginSucceeded(session))

    def on_login_screen_login_failed(self, message: LoginFailed) -> None:
        """Show why."""
        self.query_one("#login-error", Static).update(message.error.user_message())

    def on_login_screen_login_succeeded(self, message: LoginSucceeded) -> None:
        """On to the profile picker."""
        self.ott.logged_in(message.session)

    @on(Button.Pressed, "#register")
    def action_register(self) -> None:
        """Open the registration form."""
        from tui.screens.register import RegisterScreen

        self.app.push_screen(RegisterScreen())

    @on(Button.Pressed, "#forgot")
    def action_forgot(self) -> None:
        """Open the password-reset form."""
        from tui.screens.forgot_password import ForgotPasswordScreen

        self.app.push_screen(ForgotPasswordScreen(email=self.query_one("#email", Input).value.strip()))
