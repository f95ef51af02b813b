"""Scheduled publishing: a background task publishes approved titles whose ``publish_at`` has come.

Safe with many server processes: each due row is claimed with ``FOR UPDATE SKIP LOCKED`` and
published in its own transaction, so a title is published (and versioned) exactly once.
"""

from __future__ import annotations

import logging

import asyncpg
from aiohttp import web

from server import keys
from server.cms import service
from server.periodic import periodic

log = logging.getLogger(__name__)


async def publish_due(pool: asyncpg.Pool) -> list[str]:
    """Publish every approved title whose ``publish_at`` is past; the ids published now."""
    done: list[str] = []
    while True:
        async with pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "SELECT id::text AS id, publish_at FROM content WHERE workflow_state = 'approved'"
                " AND publish_at IS NOT NULL AND publish_at <= now() ORDER BY publish_at LIMIT 1"
                " FOR UPDATE SKIP LOCKED")
            if row is None:
                return done
            await service.transition(conn, content_id=row["id"], action="publish", who=None,
                                     publish_at=row["publish_at"])
            done.append(row["id"])
            log.info("scheduled publish", extra={"content_id": row["id"]})


async def _publish_due_app(app: web.Application) -> list[str]:
    return await publish_due(app[keys.DB])


#: Cleanup context: the scheduled-publish check, first round at start (interval 0 disables it).
publish_ctx = periodic(name="cms-scheduled-publish", interval_s=lambda s: s.cms_publish_interval_s,
                       work=_publish_due_app, sleep_first=False)
