"""Single-use tokens for email verification and password reset; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from typing import Literal

import asyncpg

from server.errors import BadRequest, Gone

Purpose = Literal["verify_email", "password_reset"]


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


async def issue(conn: asyncpg.Pool | asyncpg.Connection, *, user_id: str, purpose: Purpose, ttl_s: int) -> str:
    """Create a token for ``purpose`` valid ``ttl_s`` seconds; returns the clear token."""
    token = secrets.token_urlsafe(32)
    await conn.execute(
        "INSERT INTO one_time_tokens (token_hash, user_id, purpose, expires_at)"
        " VALUES ($1, $2::uuid, $3, now() + make_interval(secs => $4))",
        _digest(token), user_id, purpose, float(ttl_s))
    return token


async def consume(conn: asyncpg.Connection, *, token: str, purpose: Purpose) -> str:
    """Mark the token used and return its user id: unknown → 400, expired or used → 410.

    Call inside a transaction so that the use and what it unlocks commit together.
    """
    row = await conn.fetchrow(
        "SELECT user_id::text, used_at, expires_at < now() AS expired FROM one_time_tokens"
        " WHERE token_hash = $1 AND purpose = $2 FOR UPDATE", _digest(token), purpose)
    if row is None:
        raise BadRequest("the token is not valid")
    if row["used_at"] is not None:
        raise Gone("the token has already been used")
    if row["expired"]:
        raise Gone("the token has expired")
    await conn.execute("UPDATE one_time_tokens SET used_at = now() WHERE token_hash = $1", _digest(token))
    return str(row["user_id"])
