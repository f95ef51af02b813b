"""Profiles of the caller's account: list, create (max 5), read, update, delete."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from aiohttp import web

from server import keys
from server.auth.profile_models import ProfileIn, ProfileListOut, ProfileOut, ProfilePatch
from server.errors import Conflict, NotFound, ValidationFailed
from server.routing import ApiRouter, json_response, principal

router = ApiRouter(tag="profiles")
MAX_PROFILES = 5
_COLUMNS = ("id::text, name, avatar_url, maturity_rating, language_preference, is_kids_profile,"
            " preferred_quality, created_at")


def _out(row: asyncpg.Record) -> ProfileOut:
    return ProfileOut(id=row["id"], name=row["name"], avatar_url=row["avatar_url"],
                      maturity_rating=row["maturity_rating"], language_preference=row["language_preference"],
                      is_kids_profile=row["is_kids_profile"], preferred_quality=row["preferred_quality"],
                      created_at=row["created_at"].isoformat())


def _kids_rating_error() -> ValidationFailed:
    return ValidationFailed("a kids profile can only be rated U", errors=[
        {"field": "maturity_rating", "message": "a kids profile must be rated U", "type": "kids_rating"}])


def _profile_id(request: web.Request) -> str:
    """The path's profile id; a malformed one is a 404 like any profile that is not the caller's."""
    raw = request.match_info["profile_id"]
    try:
        return str(uuid.UUID(raw))
    except ValueError as err:
        raise NotFound(f"no profile {raw[:64]} on this account") from err


@router.route("GET", "/api/v1/auth/profiles", summary="The account's profiles", response=ProfileListOut,
              errors=(401,))
async def list_profiles(request: web.Request) -> web.Response:
    """200 with every profile of the caller's account, oldest first."""
    who = principal(request)
    rows = await request.app[keys.DB].fetch(
        f"SELECT {_COLUMNS} FROM profiles WHERE user_id = $1::uuid ORDER BY created_at, id",  # noqa: S608
        who.user_id)
    return json_response(ProfileListOut(profiles=[_out(r) for r in rows]))


@router.route("POST", "/api/v1/auth/profiles", summary="Create a profile (at most 5 per account)", body=ProfileIn,
              response=ProfileOut, status=201, errors=(401, 409, 422))
async def create_profile(request: web.Request, *, body: ProfileIn) -> web.Response:
    """201; 409 when the account already has 5 profiles; 422 for a kids profile not rated U."""
    who = principal(request)
    rating = body.maturity_rating
    if body.is_kids_profile:
        if rating not in (None, "U"):
            raise _kids_rating_error()
        rating = "U"
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        await conn.execute("SELECT 1 FROM users WHERE id = $1::uuid FOR UPDATE", who.user_id)
        count = await conn.fetchval("SELECT count(*) FROM profiles WHERE user_id = $1::uuid", who.user_id)
        if count >= MAX_PROFILES:
            raise Conflict(f"an account can have at most {MAX_PROFILES} profiles")
        sql = ("INSERT INTO profiles (user_id, name, avatar_url, maturity_rating, language_preference,"
               " is_kids_profile, preferred_quality) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7) RETURNING ")
        row = await conn.fetchrow(
            sql + _COLUMNS,
            who.user_id, body.name, body.avatar_url, rating or "U/A", body.language_preference,
            body.is_kids_profile, body.preferred_quality)
    return json_response(_out(row), status=201)


async def _owned(conn: asyncpg.Pool | asyncpg.Connection, *, profile_id: str, user_id: str,
                 lock: bool = False) -> asyncpg.Record:
    sql = f"SELECT {_COLUMNS} FROM profiles WHERE id = $1::uuid AND user_id = $2::uuid"  # noqa: S608
    row = await conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), profile_id, user_id)
    if row is None:
        raise NotFound(f"no profile {profile_id} on this account")
    return row


@router.route("GET", "/api/v1/auth/profiles/{profile_id}", summary="One profile of the account",
              response=ProfileOut, errors=(401, 404))
async def get_profile(request: web.Request) -> web.Response:
    """200; 404 for a profile of another account or a malformed id."""
    who = principal(request)
    row = await _owned(request.app[keys.DB], profile_id=_profile_id(request), user_id=who.user_id)
    return json_response(_out(row))


@router.route("PATCH", "/api/v1/auth/profiles/{profile_id}", summary="Change a profile", body=ProfilePatch,
              response=ProfileOut, errors=(401, 404, 422))
async def update_profile(request: web.Request, *, body: ProfilePatch) -> web.Response:
    """200 with the new state; turning a profile into a kids profile rates it U; kids rated above U → 422."""
    who = principal(request)
    profile_id = _profile_id(request)
    sent = body.model_fields_set
    for name in ("name", "maturity_rating", "language_preference", "is_kids_profile"):
        if name in sent and getattr(body, name) is None:
            raise ValidationFailed(errors=[{"field": name, "message": "may not be null", "type": "not_null"}])
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        current = await _owned(conn, profile_id=profile_id, user_id=who.user_id, lock=True)
        merged: dict[str, Any] = {name: getattr(body, name) for name in sent}
        kids = merged.get("is_kids_profile", current["is_kids_profile"])
        if kids:
            if merged.get("maturity_rating", "U") != "U":
                raise _kids_rating_error()
            merged["maturity_rating"] = "U"
        if not merged:
            return json_response(_out(current))
        columns = sorted(merged)  # names of ProfilePatch fields only (extra="forbid"); values are bound
        assignments = ", ".join(f"{col} = ${i}" for i, col in enumerate(columns, start=3))
        row = await conn.fetchrow(
            f"UPDATE profiles SET {assignments}, updated_at = now() WHERE id = $1::uuid AND user_id = $2::uuid"  # noqa: S608
            f" RETURNING {_COLUMNS}", profile_id, who.user_id, *(merged[c] for c in columns))
    return json_response(_out(row))


@router.route("DELETE", "/api/v1/auth/profiles/{profile_id}", summary="Delete a profile (not the last one)",
              status=204, errors=(401, 404, 409))
async def delete_profile(request: web.Request) -> web.Response:
    """204; 404 for a foreign or malformed id; 409 for the account's last profile."""
    who = principal(request)
    profile_id = _profile_id(request)
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        await conn.execute("SELECT 1 FROM users WHERE id = $1::uuid FOR UPDATE", who.user_id)
        await _owned(conn, profile_id=profile_id, user_id=who.user_id)
        count = await conn.fetchval("SELECT count(*) FROM profiles WHERE user_id = $1::uuid", who.user_id)
        if count <= 1:
            raise Conflict("an account keeps at least one profile")
        await conn.execute("DELETE FROM profiles WHERE id = $1::uuid", profile_id)
    return web.Response(status=204)
