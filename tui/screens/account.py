"""Account: email and verification, subscription status, plans, upgrade through the payments flow,
cancel and auto-renew, recent invoices.

Upgrading creates a gateway order on the server; the TUI shows it with the command that pays it
(locally the gateway is simulated by ``ott-server payments simulate``) and polls
``/subscriptions/me`` until the account is premium.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.errors import ApiError
from tui.format import human_bytes
from tui.screens.base import OttScreen
from tui.widgets.first_row_list import FirstRowList

log = logging.getLogger(__name__)
POLL_EVERY_S = 2.0
POLL_FOR_S = 900.0


def rupees(paise: Any) -> str:
    """``19900`` → ``₹199.00``."""
    try:
        return f"₹{int(paise) / 100:,.2f}"
    except (TypeError, ValueError):
        return "–"


def plan_line(plan: dict[str, Any], *, current: str | None) -> str:
    """One plan in the list: name, price, length, discount, and whether it is the current one."""
    months = int(plan.get("months") or 1)
    line = (f"{plan.get('name', plan.get('id'))}  {plan.get('price_display') or rupees(plan.get('price_paise'))}"
            f" / {months} month{'s' if months != 1 else ''} · {str(plan.get('tier', '')).upper()}")
    if plan.get("discount_percent"):
        line += f" · save {plan['discount_percent']} %"
    if current and plan.get("id") == current:
        line += "  ← current"
    return line


def subscription_lines(*, me: dict[str, Any], mine: dict[str, Any]) -> list[str]:
    """The account rows: email, tier and access end, the subscription's plan, status and renewal."""
    tier = str(mine.get("tier") or me.get("subscription_tier") or "free")
    until = str(mine.get("access_until") or "")[:10]
    rows = [f"Email      {me.get('email', '')} ({'verified' if me.get('email_verified') else 'not verified'})",
            f"Tier       {tier.upper()}" + (f" until {until}" if until else "")]
    sub = mine.get("subscription")
    if sub:
        renew = "on" if sub.get("auto_renew") else "off"
        rows.append(f"Plan       {sub.get('plan_id')} · {sub.get('status')} · {rupees(sub.get('amount_paise'))}"
                    f" · auto-renew {renew}")
        rows.append(f"Period     {str(sub.get('start_date', ''))[:10]} → {str(sub.get('end_date', ''))[:10]}"
                    + (" (cancelled: no renewal)" if sub.get("cancelled_at") else ""))
        if sub.get("pending_plan_id"):
            rows.append(f"Next plan  {sub['pending_plan_id']} from the next renewal")
    else:
        rows.append("Plan       none (free tier: up to 720p, with ads)")
    return rows


def pay_command(*, server_url: str, order: dict[str, Any]) -> str:
    """The shell command that pays ``order`` with the simulated gateway (local servers)."""
    return (f"ott-server payments simulate --url {server_url} --order-id {order['order_id']}"
            f" --amount {order['amount_paise']}")


@dataclass
class AccountData:
    """What the account screen shows."""

    me: dict[str, Any] = field(default_factory=dict)
    mine: dict[str, Any] = field(default_factory=dict)
    plans: list[dict[str, Any]] = field(default_factory=list)
    invoices: list[dict[str, Any]] = field(default_factory=list)


class AccountScreen(OttScreen[None]):
    """Subscription status and plans; u upgrades to the highlighted plan, x cancels, t toggles auto-renew."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="account.back"),
        Binding("r", "refresh", "Refresh", id="account.refresh"),
        Binding("u", "upgrade", "Upgrade", id="account.upgrade"),
        Binding("t", "toggle_renew", "Auto-renew", id="account.auto_renew"),
        Binding("x", "cancel_subscription", "Cancel plan", id="account.cancel"),
    ]
    DEFAULT_CSS = """
    AccountScreen #account-body { padding: 0 1; }
    AccountScreen #plans { height: auto; max-height: 5; border: none; padding: 0; }
    AccountScreen #order { height: auto; color: $warning; }
    AccountScreen .heading { text-style: bold; color: $accent; margin-top: 1; }
    """

    @dataclass
    class AccountLoaded(Message):
        """The account, subscription, plans and invoices arrived."""

        data: AccountData

    @dataclass
    class OrderCreated(Message):
        """An order to pay was created."""

        order: dict[str, Any]

    @dataclass
    class TierChanged(Message):
        """Polling saw the account become ``tier``."""

        tier: str

    def __init__(self) -> None:
        """Nothing loaded yet."""
        super().__init__()
        self.data = AccountData()
        self.order: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        """Rows, plans, order, invoices, traffic."""
        yield Header()
        with VerticalScroll(id="account-body"):
            yield Static("Loading …", id="account-info")
            yield Label("Plans (Enter or u: upgrade)", classes="heading")
            yield FirstRowList(id="plans")
            yield Static("", id="order")
            yield Label("Invoices", classes="heading")
            yield Static("", id="invoices", classes="muted")
            yield Static("", id="traffic", classes="muted")
        yield Footer()

    def on_mount(self) -> None:
        """Load."""
        self.title = "Account"
        self.action_refresh()

    @property
    def tier(self) -> str:
        """The effective tier as last loaded."""
        return str(self.data.mine.get("tier") or self.data.me.get("subscription_tier") or "free")

    @work(exclusive=True, exit_on_error=False, group="load")
    async def action_refresh(self) -> None:
        """Reload the account, subscription, plans and invoices."""
        ott = self.ott
        try:
            me, mine, plans, invoices = await asyncio.gather(
                ott.api.me(), ott.api.my_subscription(), ott.api.plans(), ott.api.invoices(limit=5))
        except ApiError as err:
            ott.report(err, doing="load the account")
            return
        self.post_message(self.AccountLoaded(AccountData(me=me, mine=mine, plans=plans, invoices=invoices)))

    def on_account_screen_account_loaded(self, message: AccountLoaded) -> None:
        """Show it."""
        self.data = data = message.data
        self.query_one("#account-info", Static).update("\n".join(subscription_lines(me=data.me, mine=data.mine)))
        sub = data.mine.get("subscription") or {}
        current = str(sub.get("plan_id")) if sub else None
        plans = self.query_one("#plans", OptionList)
        highlighted = plans.highlighted
        plans.clear_options()
        plans.add_options([Option(plan_line(p, current=current), id=f"plan-{p.get('id')}") for p in data.plans])
        if data.plans:
            plans.highlighted = highlighted if highlighted is not None and highlighted < len(data.plans) else 0
        self.query_one("#invoices", Static).update("\n".join(
            f"{str(i.get('issued_at', ''))[:10]}  {i.get('number')}  "
            f"{i.get('amount_display') or rupees(i.get('amount_paise'))}  {i.get('description', '')}"
            for i in data.invoices) or "No invoices yet.")
        stats = self.ott.api.stats
        self.query_one("#traffic", Static).update(
            f"This session: {stats.requests} requests, {human_bytes(stats.bytes_received)} received, "
            f"{stats.not_modified} revalidated (304), {stats.served_from_cache} served offline")
        if self.focused is None:
            plans.focus()

    # ------------------------------------------------------------------ upgrade
    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a plan: upgrade to it."""
        event.stop()
        self.action_upgrade()

    def selected_plan(self) -> dict[str, Any] | None:
        """The highlighted plan."""
        index = self.query_one("#plans", OptionList).highlighted
        return self.data.plans[index] if index is not None and 0 <= index < len(self.data.plans) else None

    def action_upgrade(self) -> None:
        """Create the order for the highlighted plan (a new subscription, or an upgrade of the current one)."""
        plan = self.selected_plan()
        if plan is None:
            self.app.notify("Pick a plan first (↑/↓).", timeout=3)
            return
        self._order(str(plan["id"]), upgrade=bool(self.data.mine.get("subscription")))

    @work(exclusive=True, exit_on_error=False, group="order")
    async def _order(self, plan_id: str, *, upgrade: bool) -> None:
        ott = self.ott
        try:
            if upgrade:
                answer = await ott.api.change_plan(plan_id=plan_id)
                if answer.get("kind") != "upgrade" or not answer.get("order"):
                    ott.notify(f"{plan_id} applies from your next renewal (a downgrade: nothing to pay now).")
                    self.action_refresh()
                    return
                order = dict(answer["order"])
            else:
                order = await ott.api.subscribe(plan_id=plan_id)
        except ApiError as err:
            ott.report(err, doing=f"order the {plan_id} plan")
            return
        self.post_message(self.OrderCreated(order))

    def on_account_screen_order_created(self, message: OrderCreated) -> None:
        """Show the order and how to pay it, then wait for the payment."""
        self.order = order = message.order
        ott = self.ott
        self.query_one("#order", Static).update(
            f"Order {order['order_id']}: {rupees(order['amount_paise'])} for {order['plan_id']} ({order['status']}).\n"
            f"Pay it (local gateway simulator):\n  {pay_command(server_url=ott.config.server_url, order=order)}\n"
            "Waiting for the payment …")
        self._poll_until_premium(str(order["order_id"]))

    @work(exclusive=True, exit_on_error=False, group="poll")
    async def _poll_until_premium(self, order_id: str) -> None:
        """Poll ``/subscriptions/me`` until the paid plan is active (or the wait gives up)."""
        ott = self.ott
        deadline = time.monotonic() + POLL_FOR_S
        start_plan = (self.data.mine.get("subscription") or {}).get("plan_id")
        while time.monotonic() < deadline:
            await asyncio.sleep(POLL_EVERY_S)
            try:
                mine = await ott.api.my_subscription()
            except ApiError as err:
                log.info("polling the subscription: %s", err)
                continue
            sub = mine.get("subscription") or {}
            if mine.get("tier") == "premium" and (start_plan is None or sub.get("plan_id") != start_plan
                                                  or self.order is None):
                self.post_message(self.TierChanged("premium"))
                return
        log.info("stopped waiting for the payment of %s", order_id)

    def on_account_screen_tier_changed(self, message: TierChanged) -> None:
        """The payment landed: the tier is new everywhere."""
        self.order = None
        self.query_one("#order", Static).update(f"Payment received: you are on {message.tier.upper()} (1080p, no ads).")
        self.app.notify(f"Payment received: you are on {message.tier.upper()}.", title="Subscription")
        self.action_refresh()

    # ------------------------------------------------------------------ cancel / auto-renew
    def action_cancel_subscription(self) -> None:
        """Cancel after confirmation (access lasts until the period ends)."""
        if not self.data.mine.get("subscription"):
            self.app.notify("There is no subscription to cancel.", timeout=3)
            return
        from tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._change(cancel=True)

        self.app.push_screen(ConfirmScreen("Cancel the subscription? You keep premium until the period ends."),
                             answered)

    def action_toggle_renew(self) -> None:
        """Turn auto-renewal off, or on again (which also undoes a cancellation)."""
        sub = self.data.mine.get("subscription")
        if not sub:
            self.app.notify("There is no subscription to renew.", timeout=3)
            return
        self._change(auto_renew=not bool(sub.get("auto_renew")))

    @work(exclusive=True, exit_on_error=False, group="change")
    async def _change(self, *, cancel: bool = False, auto_renew: bool | None = None) -> None:
        ott = self.ott
        try:
            if cancel:
                await ott.api.cancel_subscription()
                ott.notify("Cancelled: no renewal; premium lasts until the period ends.")
            elif auto_renew is not None:
                await ott.api.set_auto_renew(auto_renew=auto_renew)
                ott.notify(f"Auto-renew {'on' if auto_renew else 'off'}.")
        except ApiError as err:
            ott.report(err, doing="change the subscription")
            return
        self.action_refresh()
