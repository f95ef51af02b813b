"""The asyncpg pool: JSON codecs, sizes, and a readiness probe."""

from __future__ import annotations

import json

import asyncpg

from server.settings import Settings


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(typ, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(url: str, settings: Settings) -> asyncpg.Pool:
    """Open a pool on ``url`` with JSON/JSONB decoded to Python objects."""
    pool = await asyncpg.create_pool(
        dsn=url, min_size=settings.db_pool_min, max_size=settings.db_pool_max,
        init=_init_connection, command_timeout=30,
    )
    assert pool is not None
    return pool


async def ping(pool: asyncpg.Pool) -> bool:
    """True when the database answers ``SELECT 1``."""
    try:
        async with pool.acquire(timeout=2) as conn:
            return bool(await conn.fetchval("SELECT 1", timeout=2) == 1)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
