"""The ``users`` table as the auth endpoints read and write it (sessions live in ``server.auth.sessions``)."""

from __future__ import annotations

from typing import NamedTuple, TypeAlias

import asyncpg

from server.auth.models import MeOut

Db: TypeAlias = asyncpg.Pool | asyncpg.Connection


class Credentials(NamedTuple):
    """What a login checks: the account id and its bcrypt hash."""

    user_id: str
    password_hash: str


class Address(NamedTuple):
    """An active account's id and email as stored."""

    user_id: str
    email: str


async def create_user(conn: Db, *, email: str, password_hash: str, language: str) -> str | None:
    """Insert an account; its id, or None when the email (any case) is taken."""
    user_id: str | None = await conn.fetchval(
        "INSERT INTO users (email, password_hash, language) VALUES ($1, $2, $3)"
        " ON CONFLICT ((lower(email))) DO NOTHING RETURNING id::text", email, password_hash, language)
    return user_id


async def credentials(db: Db, *, email: str) -> Credentials | None:
    """The account with this email (any case) and its password hash, or None."""
    row = await db.fetchrow("SELECT id::text, password_hash FROM users WHERE lower(email) = lower($1)", email)
    return Credentials(row["id"], row["password_hash"]) if row else None


async def touch_login(conn: Db, *, user_id: str) -> None:
    """Record the time of a successful login."""
    await conn.execute("UPDATE users SET last_login_at = now() WHERE id = $1::uuid", user_id)


async def me(db: Db, *, user_id: str) -> MeOut | None:
    """The account as ``GET /auth/me`` shows it, or None when it no longer exists."""
    row = await db.fetchrow(
        "SELECT email, roles, subscription_tier, subscription_expires_at, email_verified_at IS NOT NULL AS verified,"
        " language, created_at FROM users WHERE id = $1::uuid", user_id)
    if row is None:
        return None
    expires = row["subscription_expires_at"]
    return MeOut(
        user_id=user_id, email=row["email"], roles=sorted(row["roles"]), subscription_tier=row["subscription_tier"],
        subscription_expires_at=expires.isoformat() if expires else None, email_verified=row["verified"],
        language=row["language"], created_at=row["created_at"].isoformat())


async def mark_email_verified(conn: Db, *, user_id: str) -> None:
    """Set the verification time (kept when already set)."""
    await conn.execute("UPDATE users SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now()"
                       " WHERE id = $1::uuid", user_id)


async def active_address(conn: Db, *, email: str) -> Address | None:
    """The active account with this email (any case), or None."""
    row = await conn.fetchrow("SELECT id::text, email FROM users WHERE lower(email) = lower($1)"
                              " AND status = 'active'", email)
    return Address(row["id"], row["email"]) if row else None


async def set_password(conn: Db, *, user_id: str, password_hash: str) -> str:
    """Store a new password hash; returns the account's email."""
    email: str = await conn.fetchval("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1::uuid"
                                     " RETURNING email", user_id, password_hash)
    return email
