"""User management for admins: list accounts, set an account's roles."""

from __future__ import annotations

import uuid
from typing import Literal

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from server import keys
from server.auth import audit
from server.errors import Conflict, NotFound
from server.routing import ApiRouter, Role, json_response, principal

router = ApiRouter(tag="admin")


class UsersQuery(BaseModel):
    """GET /admin/users filters and paging."""

    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(default=None, max_length=255, description="case-insensitive substring")
    role: Role | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class AdminUserOut(BaseModel):
    """One account as admins see it."""

    user_id: str
    email: str
    roles: list[str]
    subscription_tier: Literal["free", "premium"]
    status: str
    email_verified: bool
    created_at: str
    last_login_at: str | None


class UsersOut(BaseModel):
    """A page of accounts."""

    users: list[AdminUserOut]
    total: int


class RolesIn(BaseModel):
    """PUT /admin/users/{id}/roles: the complete role set ("user" is always kept)."""

    model_config = ConfigDict(extra="forbid")
    roles: list[Role] = Field(max_length=6)


_COLUMNS = ("id::text AS user_id, email, roles, subscription_tier, status, email_verified_at IS NOT NULL AS verified,"
            " created_at, last_login_at")


def _out(row: asyncpg.Record) -> AdminUserOut:
    return AdminUserOut(user_id=row["user_id"], email=row["email"], roles=sorted(row["roles"]),
                        subscription_tier=row["subscription_tier"], status=row["status"],
                        email_verified=row["verified"], created_at=row["created_at"].isoformat(),
                        last_login_at=row["last_login_at"].isoformat() if row["last_login_at"] else None)


@router.route("GET", "/api/v1/admin/users", summary="List accounts (admin)", query=UsersQuery, response=UsersOut,
              roles=("admin",), errors=(401, 403, 422))
async def list_users(request: web.Request, *, query: UsersQuery) -> web.Response:
    """200 with a page of accounts, newest first, filtered by email substring and role."""
    pattern = None
    if query.email:
        pattern = "%" + query.email.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    where = "($1::text IS NULL OR lower(email) LIKE $1) AND ($2::text IS NULL OR $2 = ANY(roles))"
    db = request.app[keys.DB]
    # Only constant SQL fragments are interpolated; every value is a bind parameter.
    total = await db.fetchval(f"SELECT count(*) FROM users WHERE {where}", pattern, query.role)  # noqa: S608
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM users WHERE {where} ORDER BY created_at DESC, id LIMIT $3 OFFSET $4",  # noqa: S608
        pattern, query.role, query.limit, query.offset)
    return json_response(UsersOut(users=[_out(r) for r in rows], total=total))


@router.route("PUT", "/api/v1/admin/users/{user_id}/roles", summary="Set an account's roles (admin)", body=RolesIn,
              response=AdminUserOut, roles=("admin",), errors=(401, 403, 404, 409, 422))
async def set_roles(request: web.Request, *, body: RolesIn) -> web.Response:
    """200 with the account; 404 unknown account; 409 when an admin would drop their own admin role."""
    who = principal(request)
    raw = request.match_info["user_id"]
    try:
        user_id = str(uuid.UUID(raw))
    except ValueError as err:
        raise NotFound(f"no user {raw[:64]}") from err
    roles = sorted({"user", *body.roles})
    if user_id == who.user_id and "admin" not in roles:
        raise Conflict("you cannot remove your own admin role")
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        before = await conn.fetchval("SELECT roles FROM users WHERE id = $1::uuid FOR UPDATE", user_id)
        if before is None:
            raise NotFound(f"no user {user_id}")
        row = await conn.fetchrow(
            f"UPDATE users SET roles = $2::text[], updated_at = now() WHERE id = $1::uuid RETURNING {_COLUMNS}",  # noqa: S608
            user_id, roles)
        await audit.record(conn, action="auth.roles_set", actor_id=who.user_id, target_type="user",
                           target_id=user_id, details={"before": sorted(before), "after": roles},
                           request_id=request.get("request_id"))
    return json_response(_out(row))
