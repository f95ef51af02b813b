"""The profile rules: at most 5 per account, at least 1, a kids profile is always rated U."""

from __future__ import annotations

from typing import Any

import asyncpg

from server.errors import Conflict, ValidationFailed
from server.profiles import store
from server.profiles.models import ProfileIn, ProfileOut, ProfilePatch

MAX_PROFILES = 5


def _kids_rating_error() -> ValidationFailed:
    return ValidationFailed("a kids profile can only be rated U", errors=[
        {"field": "maturity_rating", "message": "a kids profile must be rated U", "type": "kids_rating"}])


async def create(pool: asyncpg.Pool, *, user_id: str, body: ProfileIn) -> ProfileOut:
    """Add a profile; 409 when the account already has 5; 422 for a kids profile not rated U."""
    rating = body.maturity_rating
    if body.is_kids_profile:
        if rating not in (None, "U"):
            raise _kids_rating_error()
        rating = "U"
    async with pool.acquire() as conn, conn.transaction():
        await store.lock_account(conn, user_id=user_id)
        if await store.count(conn, user_id=user_id) >= MAX_PROFILES:
            raise Conflict(f"an account can have at most {MAX_PROFILES} profiles")
        return await store.insert(conn, user_id=user_id, name=body.name, avatar_url=body.avatar_url,
                                  maturity_rating=rating or "U/A", language_preference=body.language_preference,
                                  is_kids_profile=body.is_kids_profile, preferred_quality=body.preferred_quality)


async def update(pool: asyncpg.Pool, *, profile_id: str, user_id: str, body: ProfilePatch) -> ProfileOut:
    """Apply the fields sent; turning a profile into a kids profile rates it U; kids rated above U → 422."""
    sent = body.model_fields_set
    for name in ("name", "maturity_rating", "language_preference", "is_kids_profile"):
        if name in sent and getattr(body, name) is None:
            raise ValidationFailed(errors=[{"field": name, "message": "may not be null", "type": "not_null"}])
    async with pool.acquire() as conn, conn.transaction():
        current = await store.fetch_owned(conn, profile_id=profile_id, user_id=user_id, lock=True)
        merged: dict[str, Any] = {name: getattr(body, name) for name in sent}
        kids = merged.get("is_kids_profile", current.is_kids_profile)
        if kids:
            if merged.get("maturity_rating", "U") != "U":
                raise _kids_rating_error()
            merged["maturity_rating"] = "U"
        if not merged:
            return current
        return await store.update(conn, profile_id=profile_id, user_id=user_id, fields=merged)


async def delete(pool: asyncpg.Pool, *, profile_id: str, user_id: str) -> None:
    """Remove a profile of the account; 404 when not the account's; 409 for its last profile."""
    async with pool.acquire() as conn, conn.transaction():
        await store.lock_account(conn, user_id=user_id)
        await store.fetch_owned(conn, profile_id=profile_id, user_id=user_id)
        if await store.count(conn, user_id=user_id) <= 1:
            raise Conflict("an account keeps at least one profile")
        await store.delete(conn, profile_id=profile_id)
