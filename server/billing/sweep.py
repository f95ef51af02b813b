"""The billing sweep: renewal orders for subscriptions about to end, expiry of lapsed ones.

With auto-renew on, an order for the next period (the pending downgrade's plan, if any) is made
``RENEWAL_LEAD`` before the period ends, once per period; the gateway charges it and its
``payment.captured`` webhook extends the subscription. Past ``end_date`` a subscription is
expired and the account falls back to the free tier.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import asyncpg
from aiohttp import web

from server import keys
from server.billing.plans import PLANS
from server.billing.service import new_order_id
from server.periodic import periodic

log = logging.getLogger(__name__)
RENEWAL_LEAD = timedelta(days=3)


async def create_renewal_orders(pool: asyncpg.Pool, *, lead: timedelta = RENEWAL_LEAD) -> list[str]:
    """Make the renewal order of every auto-renewing subscription ending within ``lead``; their ids."""
    rows = await pool.fetch(
        "SELECT id::text AS id, user_id::text AS user_id, coalesce(pending_plan_type, plan_type) AS plan,"
        " end_date FROM subscriptions WHERE status = 'active' AND auto_renew AND end_date <= now() + $1::interval",
        lead)
    made: list[str] = []
    for row in rows:
        plan = PLANS[row["plan"]]
        order_id = await pool.fetchval(
            "INSERT INTO payment_orders (id, user_id, plan_type, purpose, amount_paise, subscription_id, period_key)"
            " VALUES ($1, $2::uuid, $3, 'renewal', $4, $5::uuid, $6) ON CONFLICT DO NOTHING RETURNING id",
            new_order_id(), row["user_id"], plan.id, plan.price_paise, row["id"],
            f"{row['id']}:{row['end_date'].isoformat()}")
        if order_id:
            made.append(order_id)
    return made


async def expire_lapsed(pool: asyncpg.Pool) -> int:
    """Mark subscriptions past their end as expired and drop their accounts to free; how many."""
    async with pool.acquire() as conn, conn.transaction():
        users = await conn.fetch(
            "UPDATE subscriptions SET status = 'expired', updated_at = now()"
            " WHERE status IN ('active', 'cancelled') AND end_date <= now() RETURNING user_id")
        ids = list({r["user_id"] for r in users})
        if ids:
            await conn.execute(
                "UPDATE users u SET subscription_tier = 'free', subscription_expires_at = NULL, updated_at = now()"
                " WHERE u.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.id"
                " AND s.status IN ('active', 'cancelled') AND s.end_date > now())", ids)
    return len(users)


async def sweep(pool: asyncpg.Pool) -> dict[str, int]:
    """One round: renewal orders, then expiry."""
    made = await create_renewal_orders(pool)
    expired = await expire_lapsed(pool)
    return {"renewal_orders": len(made), "expired": expired}


async def _sweep_app(app: web.Application) -> dict[str, int]:
    return await sweep(app[keys.DB])


#: Cleanup context: renewals and expiry on a schedule (interval 0 disables it).
billing_sweeper = periodic(name="billing-sweep", interval_s=lambda s: s.billing_sweep_interval_s,
                           work=_sweep_app, sleep_first=True)
