"""The ``users`` table as admins page through it and change roles."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

from server.admin.models import AdminUserOut, UsersOut
from server.listing import Pagination, pagination

Db: TypeAlias = asyncpg.Pool | asyncpg.Connection
_COLUMNS = ("id::text AS user_id, email, roles, subscription_tier, status, email_verified_at IS NOT NULL AS verified,"
            " created_at, last_login_at")


def _out(row: asyncpg.Record) -> AdminUserOut:
    return AdminUserOut(user_id=row["user_id"], email=row["email"], roles=sorted(row["roles"]),
                        subscription_tier=row["subscription_tier"], status=row["status"],
                        email_verified=row["verified"], created_at=row["created_at"].isoformat(),
                        last_login_at=row["last_login_at"].isoformat() if row["last_login_at"] else None)


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def page(db: Db, *, email: str | None, role: str | None, page: int, limit: int) -> UsersOut:
    """A page of accounts, newest first, filtered by email substring (any case) and role."""
    pattern = _like(email) if email else None
    where = "($1::text IS NULL OR lower(email) LIKE $1) AND ($2::text IS NULL OR $2 = ANY(roles))"
    # Only constant SQL fragments are interpolated; every value is a bind parameter.
    total = await db.fetchval(f"SELECT count(*) FROM users WHERE {where}", pattern, role)  # noqa: S608
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM users WHERE {where} ORDER BY created_at DESC, id LIMIT $3 OFFSET $4",  # noqa: S608
        pattern, role, limit, (page - 1) * limit)
    return UsersOut(users=[_out(r) for r in rows],
                    pagination=Pagination(**pagination(page=page, limit=limit, total=total)))


async def lock_roles(conn: asyncpg.Connection, *, user_id: str) -> list[str] | None:
    """The account's roles, row-locked for an update; None for an unknown account."""
    roles: list[str] | None = await conn.fetchval("SELECT roles FROM users WHERE id = $1::uuid FOR UPDATE", user_id)
    return roles


async def set_roles(conn: asyncpg.Connection, *, user_id: str, roles: list[str]) -> AdminUserOut:
    """Replace the account's roles; returns the account."""
    row = await conn.fetchrow(
        f"UPDATE users SET roles = $2::text[], updated_at = now() WHERE id = $1::uuid RETURNING {_COLUMNS}",  # noqa: S608
        user_id, roles)
    return _out(row)


async def grant_role(db: Db, *, email: str, role: str) -> list[str] | None:
    """Add ``role`` to the account with ``email`` (any case); its roles, or None for an unknown email."""
    roles: list[str] | None = await db.fetchval(
        "UPDATE users SET roles = ARRAY(SELECT DISTINCT unnest(roles || ARRAY[$2::text])), updated_at = now()"
        " WHERE lower(email) = lower($1) RETURNING roles", email, role)
    return roles


async def upsert_admin(db: Db, *, email: str, password_hash: str) -> bool:
    """Create a verified admin account, or add the admin role to an existing one (password kept); True if created."""
    created: bool = await db.fetchval(
        "INSERT INTO users (email, password_hash, roles, email_verified_at)"
        " VALUES ($1, $2, ARRAY['user','admin'], now())"
        " ON CONFLICT (lower(email)) DO UPDATE SET roles ="
        "  ARRAY(SELECT DISTINCT unnest(users.roles || ARRAY['admin'])), updated_at = now()"
        " RETURNING (xmax = 0) AS created", email, password_hash)
    return created
