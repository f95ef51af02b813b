"""Open every store the server needs, the same way for the app and for CLI commands."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import redis.asyncio as aioredis

from server.migrations import migrate
from server.settings import Settings
from server.storage import postgres, redis
from server.storage.embedded import EmbeddedServices


@dataclass(slots=True)
class Stores:
    """Open connections: the PostgreSQL pool, the Redis client and any embedded servers."""

    db: asyncpg.Pool
    redis: aioredis.Redis
    embedded: EmbeddedServices
    database_url: str
    redis_url: str


@asynccontextmanager
async def open_stores(settings: Settings, *, run_migrations: bool = True) -> AsyncIterator[Stores]:
    """Start embedded servers when no URL is set, connect, migrate; undo it all on exit."""
    embedded = EmbeddedServices(settings.data_dir)
    pg_url, redis_url = await embedded.start(need_postgres=settings.uses_embedded_postgres,
                                             need_redis=settings.uses_embedded_redis)
    try:
        db_url = settings.database_url or pg_url or ""
        r_url = settings.redis_url or redis_url or ""
        pool = await postgres.create_pool(db_url, settings)
        client = redis.create_redis(r_url)
        try:
            if run_migrations:
                await migrate(pool)
            yield Stores(db=pool, redis=client, embedded=embedded, database_url=db_url, redis_url=r_url)
        finally:
            await client.aclose()
            await pool.close()
    finally:
        await embedded.stop()
