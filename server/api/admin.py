"""User management for admins: list accounts, set an account's roles."""

from __future__ import annotations

import uuid

from aiohttp import web

from server import keys
from server.admin import service, store
from server.admin.models import AdminUserOut, RolesIn, UsersOut, UsersQuery
from server.errors import NotFound
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
