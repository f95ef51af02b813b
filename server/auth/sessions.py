"""Login sessions: a refresh-token family per login, rotated on refresh, with reuse detection.

Every refresh token ever issued has a row in ``refresh_tokens``. Refreshing marks the presented
token used and issues its successor in the same family. Presenting a token that was already
used means it was stolen (or replayed): the whole family is revoked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from server.auth.tokens import TokenService


@dataclass(frozen=True, slots=True)
class Account:
    """The account fields that go into tokens and login answers."""

    user_id: str
    email: str
    roles: tuple[str, ...]
    email_verified: bool
    subscription_tier: str
    status: str


@dataclass(frozen=True, slots=True)
class TokenPair:
    """An access and a refresh token of one family."""

    access_token: str
    refresh_token: str
    access_expires_at: int
    family_id: str


class RefreshRejected(Exception):
    """The refresh token is unknown, revoked or expired."""


class RefreshReused(RefreshRejected):
    """An already rotated refresh token was presented again; its family has been revoked."""

    def __init__(self, *, user_id: str, family_id: str) -> None:
        super().__init__("refresh token reuse detected")
        self.user_id = user_id
        self.family_id = family_id


ACCOUNT_SQL = ("SELECT id::text AS user_id, email, roles, email_verified_at IS NOT NULL AS email_verified,"
               " subscription_tier, status FROM users")


def account_from_row(row: asyncpg.Record) -> Account:
    """Build an :class:`Account` from a row selected with ``ACCOUNT_SQL``."""
    return Account(user_id=row["user_id"], email=row["email"], roles=tuple(row["roles"]),
                   email_verified=row["email_verified"], subscription_tier=row["subscription_tier"],
                   status=row["status"])


async def load_account(conn: asyncpg.Pool | asyncpg.Connection, *, user_id: str) -> Account | None:
    """The account with id ``user_id``, or None."""
    row = await conn.fetchrow(ACCOUNT_SQL + " WHERE id = $1::uuid", user_id)
    return account_from_row(row) if row else None


async def _issue_pair(conn: asyncpg.Connection, tokens: TokenService, *, account: Account,
                      family_id: str) -> tuple[TokenPair, str]:
    refresh = tokens.issue_refresh(user_id=account.user_id, family_id=family_id)
    await conn.execute(
        "INSERT INTO refresh_tokens (jti, family_id, user_id, expires_at) VALUES ($1::uuid, $2::uuid, $3::uuid, $4)",
        refresh.jti, family_id, account.user_id, datetime.fromtimestamp(refresh.expires_at, UTC))
    access = tokens.issue_access(user_id=account.user_id, email=account.email, roles=account.roles,
                                 email_verified=account.email_verified, family_id=family_id)
    pair = TokenPair(access_token=access.token, refresh_token=refresh.token,
                     access_expires_at=access.expires_at, family_id=family_id)
    return pair, refresh.jti


async def start_session(conn: asyncpg.Connection, tokens: TokenService, *, account: Account) -> TokenPair:
    """Open a new refresh family for ``account`` and return its first token pair."""
    pair, _ = await _issue_pair(conn, tokens, account=account, family_id=str(uuid.uuid4()))
    return pair


async def rotate(pool: asyncpg.Pool, tokens: TokenService, *, claims: dict[str, object]) -> tuple[TokenPair, Account]:
    """Exchange a verified refresh token (its claims) for a new pair; detects reuse."""
    jti = str(claims["jti"])
    try:
        uuid.UUID(jti)
    except ValueError as err:
        raise RefreshRejected("malformed token id") from err
    reused: RefreshReused | None = None
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            "SELECT family_id::text, user_id::text, used_at, revoked_at, expires_at < now() AS expired"
            " FROM refresh_tokens WHERE jti = $1::uuid FOR UPDATE", jti)
        if row is None or row["revoked_at"] is not None or row["expired"]:
            raise RefreshRejected("the refresh token is not valid")
        if row["used_at"] is not None:
            # commit the revocation (leave the transaction normally), then report the reuse
            await revoke_family(conn, family_id=row["family_id"])
            reused = RefreshReused(user_id=row["user_id"], family_id=row["family_id"])
        else:
            pair, account = await _rotate_row(conn, tokens, jti=jti, row=row)
    if reused is not None:
        raise reused
    return pair, account


async def _rotate_row(conn: asyncpg.Connection, tokens: TokenService, *, jti: str,
                      row: asyncpg.Record) -> tuple[TokenPair, Account]:
    """Issue the successor of refresh token ``jti`` (row locked by the caller) and mark it used."""
    account = await load_account(conn, user_id=row["user_id"])
    if account is None or account.status != "active":
        raise RefreshRejected("the account is not active")
    pair, new_jti = await _issue_pair(conn, tokens, account=account, family_id=row["family_id"])
    await conn.execute("UPDATE refresh_tokens SET used_at = now(), replaced_by = $2::uuid WHERE jti = $1::uuid",
                       jti, new_jti)
    return pair, account


async def revoke_family(conn: asyncpg.Pool | asyncpg.Connection, *, family_id: str) -> None:
    """Revoke every refresh token of one login family."""
    await conn.execute("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1::uuid"
                       " AND revoked_at IS NULL", family_id)


async def revoke_all(conn: asyncpg.Pool | asyncpg.Connection, *, user_id: str) -> list[str]:
    """Revoke every live refresh family of a user; returns the family ids."""
    rows = await conn.fetch(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1::uuid AND revoked_at IS NULL"
        " RETURNING family_id::text", user_id)
    return sorted({r["family_id"] for r in rows})
