"""Scheduled publishing: a background task publishes approved titles whose ``publish_at`` has come.

Safe with many server processes: each due row is claimed with ``FOR UPDATE SKIP LOCKED`` and
published in its own transaction, so a title is published (and versioned) exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from server import keys
from server.cms import service

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


async def _loop(app: web.Application, interval: float) -> None:
    while True:
        try:
            await publish_due(app[keys.DB])
        except (asyncpg.PostgresError, OSError) as err:
            log.warning("scheduled publish check failed: %s", err)
        await asyncio.sleep(interval)


async def publish_ctx(app: web.Application) -> AsyncIterator[None]:
    """Run the scheduled-publish loop for the app's lifetime (off when the interval is 0)."""
    interval = app[keys.SETTINGS].cms_publish_interval_s
    task = asyncio.create_task(_loop(app, interval)) if interval > 0 else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
