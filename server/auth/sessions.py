"""Login sessions: a refresh-token family per login, rotated on refresh, with reuse detection.

Every refresh token ever issued has a row in ``refresh_tokens``. Refreshing marks the presented
token used and issues its successor in the same family. Presenting a token that was already
used means it was stolen (or replayed): the whole family is revoked — unless it comes again within
the grace window (``refresh_grace_s``, 10 s), the benign race of two parallel refreshes from one
client: that answer is the very pair the first presentation got. The pair is kept sealed with a key
derived from the presented refresh token, which the server never stores.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import asyncpg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

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


def _sealing_key(token: str) -> bytes:
    return hashlib.sha256(b"ott-refresh-grace\x00" + token.encode()).digest()


def seal_pair(token: str, pair: TokenPair) -> bytes:
    """``pair`` encrypted (AES-GCM, random nonce) under a key only the holder of ``token`` can derive."""
    nonce = os.urandom(12)
    return nonce + AESGCM(_sealing_key(token)).encrypt(nonce, json.dumps(asdict(pair)).encode(), None)


def unseal_pair(token: str, sealed: bytes) -> TokenPair | None:
    """The pair :func:`seal_pair` sealed for ``token``, or None if it was sealed for another token."""
    try:
        plain = AESGCM(_sealing_key(token)).decrypt(sealed[:12], sealed[12:], None)
    except (InvalidTag, ValueError):
        return None
    return TokenPair(**json.loads(plain))


async def rotate(pool: asyncpg.Pool, tokens: TokenService, *, claims: dict[str, object], token: str,
                 grace_s: float = 10.0) -> tuple[TokenPair, Account]:
    """Exchange a verified refresh token (``token``, its ``claims``) for a new pair; detects reuse.

    A token already used less than ``grace_s`` seconds ago gets the pair its first use got; used
    earlier than that, its whole family is revoked (RefreshReused).
    """
    jti = str(claims["jti"])
    try:
        uuid.UUID(jti)
    except ValueError as err:
        raise RefreshRejected("malformed token id") from err
    reused: RefreshReused | None = None
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            "SELECT family_id::text, user_id::text, used_at, revoked_at, expires_at < now() AS expired,"
            " used_at > now() - make_interval(secs => $2) AS in_grace, successor_sealed"
            " FROM refresh_tokens WHERE jti = $1::uuid FOR UPDATE", jti, float(grace_s))
        if row is None or row["revoked_at"] is not None or row["expired"]:
            raise RefreshRejected("the refresh token is not valid")
        if row["used_at"] is not None:
            again = unseal_pair(token, row["successor_sealed"]) if row["in_grace"] and row["successor_sealed"] else None
            if again is not None:
                known = await load_account(conn, user_id=row["user_id"])
                if known is not None and known.status == "active":
                    return again, known
            # commit the revocation (leave the transaction normally), then report the reuse
            await revoke_family(conn, family_id=row["family_id"])
            reused = RefreshReused(user_id=row["user_id"], family_id=row["family_id"])
        else:
            pair, account = await _rotate_row(conn, tokens, jti=jti, row=row, token=token)
    if reused is not None:
        raise reused
    return pair, account


async def _rotate_row(conn: asyncpg.Connection, tokens: TokenService, *, jti: str, row: asyncpg.Record,
                      token: str) -> tuple[TokenPair, Account]:
    """Issue the successor of refresh token ``jti`` (row locked by the caller), mark it used, keep the pair sealed."""
    account = await load_account(conn, user_id=row["user_id"])
    if account is None or account.status != "active":
        raise RefreshRejected("the account is not active")
    pair, new_jti = await _issue_pair(conn, tokens, account=account, family_id=row["family_id"])
    await conn.execute("UPDATE refresh_tokens SET used_at = now(), replaced_by = $2::uuid, successor_sealed = $3"
                       " WHERE jti = $1::uuid", jti, new_jti, seal_pair(token, pair))
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
