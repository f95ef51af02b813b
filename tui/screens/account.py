"""Account: email, verification, subscription tier and expiry; plans (upgrade arrives with the payments issue)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static

from tui.errors import ApiError
from tui.format import human_bytes

if TYPE_CHECKING:
    from tui.app import OttApp

PLANS = ("Free: up to 720p, with ads when the ads service is on", "Premium: up to 1080p, every title, no ads")


class AccountScreen(Screen[None]):
    """What the account is and what this client has cost in bytes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="account.back"),
        Binding("r", "refresh", "Refresh", id="account.refresh"),
    ]

    @dataclass
    class AccountLoaded(Message):
        """GET /auth/me answered."""

        me: dict[str, Any]

    def compose(self) -> ComposeResult:
        """Rows."""
        yield Header()
        with Vertical(classes="form"):
            yield Label("Account", classes="heading")
            yield Static("Loading …", id="account-info")
            yield Label("Plans", classes="heading")
            yield Static("\n".join(f"• {p}" for p in PLANS), id="plans")
            yield Static("Upgrading in the app arrives with the subscriptions service.", classes="muted")
            yield Static("", id="traffic", classes="muted")
        yield Footer()

    def on_mount(self) -> None:
        """Load."""
        self.title = "Account"
        self.action_refresh()

    @work(exclusive=True, exit_on_error=False)
    async def action_refresh(self) -> None:
        """Reload the account."""
        ott = cast("OttApp", self.app)
        try:
            me = await ott.api.me()
        except ApiError as err:
            ott.report(err, doing="load the account")
            return
        self.post_message(self.AccountLoaded(me))

    def on_account_screen_account_loaded(self, message: AccountLoaded) -> None:
        """Show it."""
        me = message.me
        tier = str(me.get("subscription_tier", "free"))
        expires = me.get("subscription_expires_at")
        rows = [
            f"Email      {me.get('email')} ({'verified' if me.get('email_verified') else 'not verified'})",
            f"Plan       {tier.upper()}" + (f" until {str(expires)[:10]}" if expires else ""),
            f"Member since {str(me.get('created_at', ''))[:10]}",
        ]
        self.query_one("#account-info", Static).update("\n".join(rows))
        stats = cast("OttApp", self.app).api.stats
        self.query_one("#traffic", Static).update(
            f"This session: {stats.requests} requests, {human_bytes(stats.bytes_received)} received, "
            f"{stats.not_modified} revalidated (304), {stats.served_from_cache} served offline")
