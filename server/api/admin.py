"""User management for admins: list accounts, set roles, suspend/reactivate and erase accounts."""

from __future__ import annotations

import uuid

from aiohttp import web

from server import keys
from server.account import store as account_store
from server.admin import service, store
from server.admin.models import AdminUserOut, RolesIn, StatusIn, StatusOut, UsersOut, UsersQuery
from server.auth import audit, sessions
from server.errors import Conflict, NotFound
from server.routing import ApiRouter, json_response, principal

router = ApiRouter(tag="admin")


@router.route("GET", "/api/v1/admin/users", summary="List accounts (admin)", query=UsersQuery, response=UsersOut,
              roles=("admin",), errors=(401, 403, 422))
async def list_users(request: web.Request, *, query: UsersQuery) -> web.Response:
    """200 with a page of accounts, newest first, filtered by email substring and role."""
    out = await store.page(request.app[keys.DB], email=query.email, role=query.role, page=query.page,
                           limit=query.limit)
    return json_response(out)


@router.route("PUT", "/api/v1/admin/users/{user_id}/roles", summary="Set an account's roles (admin)", body=RolesIn,
              response=AdminUserOut, roles=("admin",), errors=(401, 403, 404, 409, 422))
async def set_roles(request: web.Request, *, body: RolesIn) -> web.Response:
    """200 with the account; 404 unknown account; 409 when an admin would drop their own admin role."""
    raw = request.match_info["user_id"]
    try:
        user_id = str(uuid.UUID(raw))
    except ValueError as err:
        raise NotFound(f"no user {raw[:64]}") from err
    out = await service.set_roles(request.app[keys.DB], user_id=user_id, roles=list(body.roles),
                                  actor_id=principal(request).user_id, request_id=request.get("request_id"))
    return json_response(out)


def _user_id(request: web.Request) -> str:
    raw = request.match_info["user_id"]
    try:
        return str(uuid.UUID(raw))
    except ValueError as err:
        raise NotFound(f"no user {raw[:64]}") from err


@router.route("PUT", "/api/v1/admin/users/{user_id}/status", summary="Suspend or reactivate an account (admin)",
              body=StatusIn, response=StatusOut, roles=("admin",), errors=(401, 403, 404, 409, 422))
async def set_status(request: web.Request, *, body: StatusIn) -> web.Response:
    """200; a suspended account's tokens stop working at once and it cannot log in. 404 unknown (or being
    deleted); 409 for the caller's own account."""
    user_id = _user_id(request)
    who = principal(request)
    if user_id == who.user_id:
        raise Conflict("admins cannot suspend themselves")
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        if not await account_store.set_status(conn, user_id=user_id, status=body.status):
            raise NotFound(f"no user {user_id}")
        if body.status == "suspended":
            await sessions.revoke_all(conn, user_id=user_id)
        await audit.record(conn, action=f"admin.user_{body.status}", actor_id=who.user_id, target_type="user",
                           target_id=user_id, request_id=request.get("request_id"))
    return json_response(StatusOut(user_id=user_id, status=body.status))


@router.route("DELETE", "/api/v1/admin/users/{user_id}", summary="Erase an account now (admin)", status=204,
              roles=("admin",), errors=(401, 403, 404, 409))
async def delete_user(request: web.Request) -> web.Response:
    """204: the account and everything of it (profiles, history, subscriptions) are erased at once; 404
    unknown; 409 for the caller's own account."""
    user_id = _user_id(request)
    who = principal(request)
    if user_id == who.user_id:
        raise Conflict("admins cannot delete themselves")
    if not await account_store.erase(request.app[keys.DB], user_id=user_id):
        raise NotFound(f"no user {user_id}")
    await audit.record(request.app[keys.DB], action="admin.user_erased", actor_id=who.user_id, target_type="user",
                       target_id=user_id, request_id=request.get("request_id"))
    return web.Response(status=204)
