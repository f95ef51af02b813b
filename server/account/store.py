"""SQL of the account area: export every row of one account, schedule/cancel/complete its erasure."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeAlias
from uuid import UUID

import asyncpg

from server.account.models import GRACE_DAYS

Db: TypeAlias = asyncpg.Pool | asyncpg.Connection

_EXPORTS: dict[str, str] = {
    "profiles": "SELECT id, name, avatar_url, maturity_rating, language_preference, is_kids_profile,"
                " preferred_quality, created_at FROM profiles WHERE user_id = $1::uuid ORDER BY created_at",
    "watch_history": "SELECT w.* FROM watch_history w JOIN profiles p ON p.id = w.profile_id"
                     " WHERE p.user_id = $1::uuid ORDER BY w.last_watched_at DESC",
    "watchlist": "SELECT w.* FROM watchlist w JOIN profiles p ON p.id = w.profile_id"
                 " WHERE p.user_id = $1::uuid ORDER BY w.added_at DESC",
    "recommendation_feedback": "SELECT f.* FROM recs_feedback f JOIN profiles p ON p.id = f.profile_id"
                               " WHERE p.user_id = $1::uuid",
    "subscriptions": "SELECT * FROM subscriptions WHERE user_id = $1::uuid ORDER BY created_at",
    "payments": "SELECT * FROM payments WHERE user_id = $1::uuid ORDER BY created_at",
    "invoices": "SELECT * FROM invoices WHERE user_id = $1::uuid ORDER BY issued_at",
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _row(record: asyncpg.Record, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: _plain(v) for k, v in dict(record).items() if k not in drop}


async def export(db: Db, *, user_id: str) -> dict[str, Any]:
    """Every stored row about the account (the password hash excepted), JSON-ready."""
    account = await db.fetchrow("SELECT * FROM users WHERE id = $1::uuid", user_id)
    out: dict[str, Any] = {"account": _row(account, drop=("password_hash",)) if account else {}}
    for name, sql in _EXPORTS.items():
        out[name] = [_row(r) for r in await db.fetch(sql, user_id)]
    return out


async def schedule_deletion(conn: asyncpg.Connection, *, user_id: str) -> datetime:
    """Mark the account for erasure (it can no longer log in); when that was asked."""
    at: datetime = await conn.fetchval(
        "UPDATE users SET status = 'deleting', deletion_requested_at = now(), updated_at = now()"
        " WHERE id = $1::uuid RETURNING deletion_requested_at", user_id)
    return at


async def cancel_deletion(conn: asyncpg.Connection, *, user_id: str) -> bool:
    """Bring an account scheduled for erasure back (inside the grace period); False when there was none."""
    status = await conn.execute(
        "UPDATE users SET status = 'active', deletion_requested_at = NULL, updated_at = now()"
        " WHERE id = $1::uuid AND status = 'deleting' AND deletion_requested_at > now() - make_interval(days => $2)",
        user_id, GRACE_DAYS)
    return status == "UPDATE 1"


async def purge_expired(db: Db) -> int:
    """Erase accounts whose grace period is over (their rows cascade); how many."""
    status = await db.execute(
        "DELETE FROM users WHERE status = 'deleting' AND deletion_requested_at <= now() - make_interval(days => $1)",
        GRACE_DAYS)
    return int(status.split()[-1])


async def erase(db: Db, *, user_id: str) -> bool:
    """Erase an account now (admin); False when unknown."""
    status = await db.execute("DELETE FROM users WHERE id = $1::uuid", user_id)
    return status == "DELETE 1"


async def recs_opt_out(db: Db, *, user_id: str) -> bool:
    """True when the account objected to personalised recommendations."""
    return bool(await db.fetchval("SELECT recs_opt_out FROM users WHERE id = $1::uuid", user_id))


async def set_recs_opt_out(db: Db, *, user_id: str, opt_out: bool) -> None:
    """Record the account's choice about personalised recommendations."""
    await db.execute("UPDATE users SET recs_opt_out = $2, updated_at = now() WHERE id = $1::uuid", user_id, opt_out)


async def set_status(db: Db, *, user_id: str, status: str) -> bool:
    """Suspend or reactivate an account (admin); False when unknown."""
    result = await db.execute("UPDATE users SET status = $2, updated_at = now() WHERE id = $1::uuid"
                              " AND status <> 'deleting'", user_id, status)
    return result == "UPDATE 1"
