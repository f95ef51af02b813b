"""Subscription lifecycle in PostgreSQL: orders, plan changes, cancellation, history, invoices.

A subscription is *current* while its status is ``active`` or ``cancelled`` and ``end_date`` is in
the future; a cancelled one keeps access until ``end_date`` and is not renewed. ``users``'
``subscription_tier``/``subscription_expires_at`` mirror the current subscription, so the tier
that playback reads (``server.auth.viewer``) changes the moment a payment is captured.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import asyncpg

from server.billing.plans import PLANS, is_upgrade
from server.errors import Conflict, NotFound

log = logging.getLogger(__name__)

SUB_COLUMNS = ("id::text AS id, plan_type, status, amount_paise, currency, start_date, end_date, auto_renew,"
               " cancelled_at, pending_plan_type, payment_method")
CURRENT = "status IN ('active', 'cancelled') AND end_date > now()"


def new_order_id() -> str:
    """A gateway-style order id (``order_`` + 14 random characters)."""
    return f"order_{secrets.token_hex(7)}"


async def current_subscription(db: asyncpg.Pool | asyncpg.Connection, *, user_id: str,
                               for_update: bool = False) -> asyncpg.Record | None:
    """The account's current subscription row, or None."""
    lock = " FOR UPDATE" if for_update else ""
    return await db.fetchrow(
        f"SELECT {SUB_COLUMNS} FROM subscriptions WHERE user_id = $1::uuid AND {CURRENT}{lock}",  # noqa: S608
        user_id)


async def _insert_order(conn: asyncpg.Connection, *, user_id: str, plan_id: str, purpose: str, amount: int,
                        auto_renew: bool, subscription_id: str | None,
                        period_key: str | None = None) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO payment_orders (id, user_id, plan_type, purpose, amount_paise, auto_renew, subscription_id,"
        " period_key) VALUES ($1, $2::uuid, $3, $4, $5, $6, $7::uuid, $8)"
        " RETURNING id, plan_type, purpose, amount_paise, currency, status, created_at",
        new_order_id(), user_id, plan_id, purpose, amount, auto_renew, subscription_id, period_key)


async def create_subscribe_order(pool: asyncpg.Pool, *, user_id: str, plan_id: str,
                                 auto_renew: bool) -> dict[str, Any]:
    """An order for a new subscription; Conflict when one is already current."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT 1 FROM users WHERE id = $1::uuid FOR UPDATE", user_id)
        if await current_subscription(conn, user_id=user_id) is not None:
            raise Conflict("this account already has a subscription: change its plan instead",
                           extra={"change_plan": "/api/v1/subscriptions/change-plan"})
        price = PLANS[plan_id].price_paise
        row = await _insert_order(conn, user_id=user_id, plan_id=plan_id, purpose="new", amount=price,
                                  auto_renew=auto_renew, subscription_id=None)
    return {**dict(row), "list_price_paise": price, "credit_paise": 0}


async def change_plan(pool: asyncpg.Pool, *, user_id: str, plan_id: str) -> tuple[str, dict[str, Any]]:
    """Upgrade → ("upgrade", order to pay, prorated); downgrade → ("downgrade", subscription row).

    The credit of an upgrade is the unused share of the current period's price.
    """
    async with pool.acquire() as conn, conn.transaction():
        sub = await current_subscription(conn, user_id=user_id, for_update=True)
        if sub is None:
            raise Conflict("there is no subscription to change: subscribe first")
        if sub["plan_type"] == plan_id and sub["pending_plan_type"] is None:
            raise Conflict(f"the subscription is already on the {plan_id} plan")
        if is_upgrade(current=sub["plan_type"], target=plan_id):
            credit = int(await conn.fetchval(
                "SELECT floor(amount_paise * greatest(0, extract(epoch FROM end_date - now()))"
                " / extract(epoch FROM end_date - start_date))::bigint FROM subscriptions WHERE id = $1::uuid",
                sub["id"]))
            price = PLANS[plan_id].price_paise
            row = await _insert_order(conn, user_id=user_id, plan_id=plan_id, purpose="upgrade",
                                      amount=max(0, price - credit), auto_renew=True, subscription_id=sub["id"])
            return "upgrade", {**dict(row), "list_price_paise": price, "credit_paise": price - row["amount_paise"]}
        if sub["status"] != "active":
            raise Conflict("a cancelled subscription is not renewed: turn auto-renew on before changing plans")
        pending = None if plan_id == sub["plan_type"] else plan_id
        updated = await conn.fetchrow(
            f"UPDATE subscriptions SET pending_plan_type = $2, updated_at = now() WHERE id = $1::uuid"  # noqa: S608
            f" RETURNING {SUB_COLUMNS}", sub["id"], pending)
        return "downgrade", dict(updated)


async def cancel(pool: asyncpg.Pool, *, user_id: str) -> asyncpg.Record:
    """Stop renewal; access continues until the period ends. Conflict when nothing to cancel."""
    async with pool.acquire() as conn, conn.transaction():
        sub = await current_subscription(conn, user_id=user_id, for_update=True)
        if sub is None:
            raise Conflict("there is no subscription to cancel")
        if sub["status"] == "cancelled":
            raise Conflict("the subscription is already cancelled", extra={"access_until": str(sub["end_date"])})
        return await conn.fetchrow(
            f"UPDATE subscriptions SET status = 'cancelled', auto_renew = FALSE, cancelled_at = now(),"  # noqa: S608
            f" pending_plan_type = NULL, updated_at = now() WHERE id = $1::uuid RETURNING {SUB_COLUMNS}", sub["id"])


async def set_auto_renew(pool: asyncpg.Pool, *, user_id: str, auto_renew: bool) -> asyncpg.Record:
    """Set the flag; turning it on un-cancels a cancelled (still running) subscription."""
    async with pool.acquire() as conn, conn.transaction():
        sub = await current_subscription(conn, user_id=user_id, for_update=True)
        if sub is None:
            raise NotFound("there is no current subscription")
        if auto_renew:
            sql = ("UPDATE subscriptions SET auto_renew = TRUE, status = 'active', cancelled_at = NULL,"
                   " updated_at = now() WHERE id = $1::uuid")
        else:
            sql = "UPDATE subscriptions SET auto_renew = FALSE, updated_at = now() WHERE id = $1::uuid"
        return await conn.fetchrow(f"{sql} RETURNING {SUB_COLUMNS}", sub["id"])


async def effective_tier(db: asyncpg.Pool, *, user_id: str) -> tuple[str, Any]:
    """(tier, expires_at) as playback sees it: premium past its expiry is free."""
    row = await db.fetchrow(
        "SELECT CASE WHEN subscription_tier = 'premium' AND subscription_expires_at IS NOT NULL"
        " AND subscription_expires_at <= now() THEN 'free' ELSE subscription_tier END AS tier,"
        " subscription_expires_at FROM users WHERE id = $1::uuid", user_id)
    if row is None:
        raise NotFound("account not found")
    return row["tier"], row["subscription_expires_at"] if row["tier"] == "premium" else None


async def payments(db: asyncpg.Pool, *, user_id: str, limit: int, offset: int) -> tuple[list[asyncpg.Record], int]:
    """One page of the account's payment attempts, newest first, and how many there are."""
    total = await db.fetchval("SELECT count(*) FROM payments WHERE user_id = $1::uuid", user_id)
    return await db.fetch(
        "SELECT p.id::text AS id, p.gateway_payment_id, p.order_id, o.plan_type, o.purpose, p.amount_paise,"
        " p.currency, p.status, p.method, p.error_description, p.created_at"
        " FROM payments p JOIN payment_orders o ON o.id = p.order_id WHERE p.user_id = $1::uuid"
        " ORDER BY p.created_at DESC, p.id LIMIT $2 OFFSET $3", user_id, limit, offset), int(total)


INVOICE_COLUMNS = ("id::text AS id, number, plan_type, description, list_price_paise, credit_paise, amount_paise,"
                   " currency, period_start, period_end, issued_at, payment_id::text AS payment_id,"
                   " subscription_id::text AS subscription_id")


async def invoices(db: asyncpg.Pool, *, user_id: str, limit: int, offset: int) -> tuple[list[asyncpg.Record], int]:
    """One page of the account's invoices, newest first, and how many there are."""
    total = await db.fetchval("SELECT count(*) FROM invoices WHERE user_id = $1::uuid", user_id)
    return await db.fetch(
        f"SELECT {INVOICE_COLUMNS} FROM invoices WHERE user_id = $1::uuid"  # noqa: S608
        " ORDER BY issued_at DESC, number DESC LIMIT $2 OFFSET $3", user_id, limit, offset), int(total)


async def invoice(db: asyncpg.Pool, *, user_id: str, invoice_id: str) -> asyncpg.Record:
    """One invoice of the account; NotFound for anyone else's."""
    row = await db.fetchrow(f"SELECT {INVOICE_COLUMNS} FROM invoices"  # noqa: S608
                            " WHERE id = $1::uuid AND user_id = $2::uuid", invoice_id, user_id)
    if row is None:
        raise NotFound(f"no invoice {invoice_id}")
    return row
