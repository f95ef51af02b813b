"""Audit log rows for security-relevant events (table ``audit_log``)."""

from __future__ import annotations

import logging
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Executor(Protocol):
    """Anything with asyncpg's ``execute`` (a pool or a connection)."""

    async def execute(self, query: str, *args: Any) -> str:
        """Run one statement."""


async def record(db: Executor, *, action: str, actor_id: str | None = None, target_type: str | None = None,
                 target_id: str | None = None, details: dict[str, Any] | None = None,
                 request_id: str | None = None) -> None:
    """Append one audit row: who did ``action`` to which target, with details."""
    await db.execute(
        "INSERT INTO audit_log (actor_id, action, target_type, target_id, details, request_id)"
        " VALUES ($1::uuid, $2, $3, $4, $5::jsonb, $6)",
        actor_id, action, target_type, target_id, details or {}, request_id)
    log.info("audit %s", action, extra={"actor_id": actor_id, "target_id": target_id})
