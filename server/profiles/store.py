"""The ``profiles`` table: every statement the profile endpoints run."""

from __future__ import annotations

from typing import Any, TypeAlias

import asyncpg

from server.errors import NotFound
from server.profiles.models import ProfileOut

Db: TypeAlias = asyncpg.Pool | asyncpg.Connection
_COLUMNS = ("id::text, name, avatar_url, maturity_rating, language_preference, is_kids_profile,"
            " preferred_quality, created_at")


def _out(row: asyncpg.Record) -> ProfileOut:
    return ProfileOut(id=row["id"], name=row["name"], avatar_url=row["avatar_url"],
                      maturity_rating=row["maturity_rating"], language_preference=row["language_preference"],
                      is_kids_profile=row["is_kids_profile"], preferred_quality=row["preferred_quality"],
                      created_at=row["created_at"].isoformat())


async def list_for(db: Db, *, user_id: str) -> list[ProfileOut]:
    """Every profile of the account, oldest first."""
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM profiles WHERE user_id = $1::uuid ORDER BY created_at, id",  # noqa: S608
        user_id)
    return [_out(r) for r in rows]


async def lock_account(conn: asyncpg.Connection, *, user_id: str) -> None:
    """Lock the account row so concurrent creates/deletes count profiles one at a time."""
    await conn.execute("SELECT 1 FROM users WHERE id = $1::uuid FOR UPDATE", user_id)


async def count(conn: Db, *, user_id: str) -> int:
    """How many profiles the account has."""
    n: int = await conn.fetchval("SELECT count(*) FROM profiles WHERE user_id = $1::uuid", user_id)
    return n


async def insert(conn: Db, *, user_id: str, name: str, avatar_url: str | None, maturity_rating: str,
                 language_preference: str, is_kids_profile: bool, preferred_quality: str | None) -> ProfileOut:
    """Add one profile to the account; returns it."""
    sql = ("INSERT INTO profiles (user_id, name, avatar_url, maturity_rating, language_preference,"
           " is_kids_profile, preferred_quality) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7) RETURNING ")
    row = await conn.fetchrow(sql + _COLUMNS, user_id, name, avatar_url, maturity_rating, language_preference,
                              is_kids_profile, preferred_quality)
    return _out(row)


async def fetch_owned(conn: Db, *, profile_id: str, user_id: str, lock: bool = False) -> ProfileOut:
    """The account's profile ``profile_id`` (row-locked with ``lock``); 404 when it is not the account's."""
    sql = f"SELECT {_COLUMNS} FROM profiles WHERE id = $1::uuid AND user_id = $2::uuid"  # noqa: S608
    row = await conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), profile_id, user_id)
    if row is None:
        raise NotFound(f"no profile {profile_id} on this account")
    return _out(row)


async def update(conn: Db, *, profile_id: str, user_id: str, fields: dict[str, Any]) -> ProfileOut:
    """Set ``fields`` (names of ProfilePatch fields only; values are bound) on the profile; returns it."""
    columns = sorted(fields)
    assignments = ", ".join(f"{col} = ${i}" for i, col in enumerate(columns, start=3))
    row = await conn.fetchrow(
        f"UPDATE profiles SET {assignments}, updated_at = now() WHERE id = $1::uuid AND user_id = $2::uuid"  # noqa: S608
        f" RETURNING {_COLUMNS}", profile_id, user_id, *(fields[c] for c in columns))
    return _out(row)


async def delete(conn: Db, *, profile_id: str) -> None:
    """Remove one profile."""
    await conn.execute("DELETE FROM profiles WHERE id = $1::uuid", profile_id)


async def insert_default(conn: Db, *, user_id: str, name: str, maturity_rating: str, language: str) -> None:
    """The first profile of a new account."""
    await conn.execute(
        "INSERT INTO profiles (user_id, name, maturity_rating, language_preference) VALUES ($1::uuid, $2, $3, $4)",
        user_id, name, maturity_rating, language)
