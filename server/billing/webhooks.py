"""Apply verified gateway webhook events, exactly once per event id.

The event id is recorded in the same transaction that applies the event, so a replay (or two
deliveries racing) finds the row and changes nothing; a captured payment is also unique by the
gateway's payment id. Handled: ``payment.captured`` (activates, upgrades or renews) and
``payment.failed`` (recorded in the history); other events are acknowledged and ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from server import mail
from server.billing.plans import PLANS, format_inr
from server.errors import BadRequest

log = logging.getLogger(__name__)
Status = Literal["processed", "duplicate", "ignored", "rejected"]


class PaymentEntity(BaseModel):
    """The fields of a gateway payment that we use."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=64)
    order_id: str = Field(min_length=1, max_length=40)
    amount: int = Field(ge=0)
    currency: str = Field(min_length=3, max_length=3)
    status: str | None = None
    method: str | None = Field(default=None, max_length=30)
    error_description: str | None = Field(default=None, max_length=500)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What applying an event did."""

    status: Status
    detail: str | None = None


def payment_entity(payload: dict[str, Any]) -> PaymentEntity:
    """``payload.payment.entity`` of a payment event, validated; BadRequest when malformed."""
    try:
        entity = payload["payload"]["payment"]["entity"]
        return PaymentEntity.model_validate(entity)
    except (KeyError, TypeError) as err:
        raise BadRequest("a payment event needs payload.payment.entity") from err
    except ValidationError as err:
        raise BadRequest(f"malformed payment entity: {err.errors()[0]['msg']}") from err


async def process_event(pool: asyncpg.Pool, *, event_id: str, payload: dict[str, Any]) -> Outcome:
    """Apply one verified event once; a repeated ``event_id`` is a ``duplicate`` and changes nothing."""
    event_type = str(payload.get("event") or "")
    if not event_type or len(event_type) > 60:
        raise BadRequest("the event has no 'event' type")
    entity = payment_entity(payload) if event_type in ("payment.captured", "payment.failed") else None
    async with pool.acquire() as conn, conn.transaction():
        fresh = await conn.fetchval(
            "INSERT INTO payment_webhook_events (event_id, event_type, outcome) VALUES ($1, $2, 'pending')"
            " ON CONFLICT (event_id) DO NOTHING RETURNING 1", event_id, event_type)
        if not fresh:
            return Outcome("duplicate", "this event was already processed")
        if entity is not None and event_type == "payment.captured":
            outcome = await _captured(conn, entity)
        elif entity is not None:
            outcome = await _failed(conn, entity)
        else:
            outcome = Outcome("ignored", f"event {event_type} is not used")
        await conn.execute("UPDATE payment_webhook_events SET outcome = $2 WHERE event_id = $1",
                           event_id, outcome.status)
    log.info("payment webhook %s: %s", event_type, outcome.status, extra={"event_id": event_id})
    return outcome


async def _failed(conn: asyncpg.Connection, p: PaymentEntity) -> Outcome:
    order = await conn.fetchrow("SELECT id, user_id FROM payment_orders WHERE id = $1 FOR UPDATE", p.order_id)
    if order is None:
        return Outcome("ignored", f"unknown order {p.order_id}")
    await conn.execute(
        "INSERT INTO payments (gateway_payment_id, order_id, user_id, amount_paise, currency, status, method,"
        " error_description) VALUES ($1, $2, $3, $4, $5, 'failed', $6, $7) ON CONFLICT DO NOTHING",
        p.id, order["id"], order["user_id"], p.amount, p.currency.upper(), p.method, p.error_description)
    await conn.execute("UPDATE payment_orders SET status = 'failed' WHERE id = $1 AND status = 'created'", order["id"])
    return Outcome("processed", "payment failure recorded")


async def _captured(conn: asyncpg.Connection, p: PaymentEntity) -> Outcome:
    order = await conn.fetchrow("SELECT * FROM payment_orders WHERE id = $1 FOR UPDATE", p.order_id)
    if order is None:
        return Outcome("ignored", f"unknown order {p.order_id}")
    if await conn.fetchval("SELECT 1 FROM payments WHERE gateway_payment_id = $1 AND status = 'captured'", p.id):
        return Outcome("duplicate", f"payment {p.id} was already applied")
    if order["status"] == "paid":
        return Outcome("ignored", f"order {order['id']} is already paid")
    if p.amount != order["amount_paise"] or p.currency.upper() != order["currency"]:
        await conn.execute("UPDATE payment_orders SET status = 'rejected' WHERE id = $1", order["id"])
        log.warning("payment %s for order %s does not match its amount", p.id, order["id"])
        return Outcome("rejected", f"paid {p.amount} {p.currency}, the order is for {order['amount_paise']} "
                                   f"{order['currency']}")
    payment_id = await conn.fetchval(
        "INSERT INTO payments (gateway_payment_id, order_id, user_id, amount_paise, currency, status, method)"
        " VALUES ($1, $2, $3, $4, $5, 'captured', $6) RETURNING id",
        p.id, order["id"], order["user_id"], p.amount, order["currency"], p.method)
    await conn.execute("UPDATE payment_orders SET status = 'paid', paid_at = now() WHERE id = $1", order["id"])
    if order["purpose"] == "renewal":
        sub, start = await _renew(conn, order=order, method=p.method, payment_ref=p.id)
    else:
        sub, start = await _activate(conn, order=order, method=p.method, payment_ref=p.id)
    number = await _invoice(conn, order=order, payment_id=payment_id, sub=sub, period_start=start)
    email = await conn.fetchval(
        "UPDATE users SET subscription_tier = 'premium', subscription_expires_at = $2,"
        " payment_method = coalesce($3, payment_method), updated_at = now() WHERE id = $1 RETURNING email",
        order["user_id"], sub["end_date"], p.method)
    if email:
        subject, body = payment_mail(plan=PLANS[order["plan_type"]].name, amount=format_inr(p.amount),
                                     invoice=number, until=sub["end_date"], payment_id=p.id)
        await mail.enqueue(conn, to=email, subject=subject, body=body, kind="payment_confirmation")
    return Outcome("processed", f"subscription {sub['id']} {order['purpose']} paid")


async def _activate(conn: asyncpg.Connection, *, order: asyncpg.Record, method: str | None,
                    payment_ref: str) -> tuple[asyncpg.Record, Any]:
    """A new subscription from now (an upgrade supersedes the current one at once)."""
    user_id = order["user_id"]
    await conn.execute("UPDATE subscriptions SET status = 'expired', updated_at = now()"
                       " WHERE user_id = $1 AND status IN ('active', 'cancelled') AND end_date <= now()", user_id)
    await conn.execute(
        "UPDATE subscriptions SET status = 'superseded', end_date = greatest(now(), start_date + interval '1 second'),"
        " auto_renew = FALSE, updated_at = now() WHERE user_id = $1 AND status IN ('active', 'cancelled')", user_id)
    plan = PLANS[order["plan_type"]]
    sub = await conn.fetchrow(
        "INSERT INTO subscriptions (user_id, plan_type, amount_paise, status, start_date, end_date, auto_renew,"
        " payment_method, transaction_id) VALUES ($1, $2, $3, 'active', now(), now() + make_interval(months => $4),"
        " $5, $6, $7) RETURNING id, plan_type, start_date, end_date",
        user_id, plan.id, plan.price_paise, plan.months, order["auto_renew"], method, payment_ref)
    return sub, sub["start_date"]


async def _renew(conn: asyncpg.Connection, *, order: asyncpg.Record, method: str | None,
                 payment_ref: str) -> tuple[asyncpg.Record, Any]:
    """Extend the renewed subscription by its (possibly downgraded) plan's length."""
    old = await conn.fetchrow("SELECT end_date FROM subscriptions WHERE id = $1 FOR UPDATE", order["subscription_id"])
    if old is None:
        return await _activate(conn, order=order, method=method, payment_ref=payment_ref)
    plan = PLANS[order["plan_type"]]
    start = await conn.fetchval("SELECT greatest($1::timestamptz, now())", old["end_date"])
    sub = await conn.fetchrow(
        "UPDATE subscriptions SET plan_type = $2, amount_paise = $3, status = 'active', pending_plan_type = NULL,"
        " end_date = $4::timestamptz + make_interval(months => $5), payment_method = coalesce($6, payment_method),"
        " transaction_id = $7, updated_at = now() WHERE id = $1 RETURNING id, plan_type, start_date, end_date",
        order["subscription_id"], plan.id, plan.price_paise, start, plan.months, method, payment_ref)
    return sub, start


async def _invoice(conn: asyncpg.Connection, *, order: asyncpg.Record, payment_id: Any, sub: asyncpg.Record,
                   period_start: Any) -> str:
    plan = PLANS[order["plan_type"]]
    number = await conn.fetchval("SELECT 'INV-' || to_char(now(), 'YYYY') || '-' || lpad(nextval('invoice_number_seq')"
                                 "::text, 6, '0')")
    what = {"new": "subscription", "upgrade": "upgrade", "renewal": "renewal"}[order["purpose"]]
    await conn.execute(
        "INSERT INTO invoices (number, user_id, subscription_id, payment_id, plan_type, description, list_price_paise,"
        " credit_paise, amount_paise, currency, period_start, period_end)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        number, order["user_id"], sub["id"], payment_id, plan.id, f"{plan.name} ({what})", plan.price_paise,
        plan.price_paise - order["amount_paise"], order["amount_paise"], order["currency"], period_start,
        sub["end_date"])
    return str(number)


def payment_mail(*, plan: str, amount: str, invoice: str, until: Any, payment_id: str) -> tuple[str, str]:
    """(subject, body) of the payment confirmation mail."""
    day = until.date().isoformat() if hasattr(until, "date") else str(until)
    return (f"Payment received: {plan}",
            f"Thank you. We received {amount} for {plan} (payment {payment_id}).\n\n"
            f"Invoice {invoice} is in your account (GET /api/v1/subscriptions/invoices).\n"
            f"Premium is active until {day}.\n")
