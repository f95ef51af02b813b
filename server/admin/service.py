"""Role changes: "user" is always kept, an admin cannot drop their own admin role, every change is audited."""

from __future__ import annotations

import asyncpg

from server.admin import store
from server.admin.models import AdminUserOut
from server.auth import audit
from server.errors import Conflict, NotFound


async def set_roles(pool: asyncpg.Pool, *, user_id: str, roles: list[str], actor_id: str,
                    request_id: str | None) -> AdminUserOut:
    """Give ``user_id`` exactly ``roles`` plus "user"; 404 unknown account; 409 on dropping one's own admin."""
    wanted = sorted({"user", *roles})
    if user_id == actor_id and "admin" not in wanted:
        raise Conflict("you cannot remove your own admin role")
    async with pool.acquire() as conn, conn.transaction():
        before = await store.lock_roles(conn, user_id=user_id)
        if before is None:
            raise NotFound(f"no user {user_id}")
        out = await store.set_roles(conn, user_id=user_id, roles=wanted)
        await audit.record(conn, action="auth.roles_set", actor_id=actor_id, target_type="user",
                           target_id=user_id, details={"before": sorted(before), "after": wanted},
                           request_id=request_id)
    return out
