"""The asyncpg pool: JSON codecs, sizes, one connection per request, and a readiness probe.

Every pooled connection is reset when it goes back (asyncpg's reset: one more round trip), so a
request that acquired once per statement paid two round trips a statement. Inside
:func:`request_connection` the request's task takes one connection on its first statement and
keeps it until the scope ends: its autocommit statements (``pool.fetch``/``execute``/...,
``async with pool.acquire()``) all run on it and it is reset once. What changes nothing else:

- a statement issued while that connection is inside a transaction gets a connection of its own,
  as before (it must not join, or be aborted with, someone else's transaction);
- other tasks (spawned by the request, or ``gather``-ed) and ``await pool.acquire()`` /
  ``pool.release()`` pairs use the pool as before;
- outside a scope the pool is asyncpg's.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from server.settings import Settings

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Scope:
    """One request's connection: taken on first use by ``task``, given back when the scope ends."""

    pool: Pool
    task: asyncio.Task[Any] | None
    conn: PoolConnectionProxy | None = None


_SCOPE: ContextVar[_Scope | None] = ContextVar("ott_db_scope", default=None)


class _SharedAcquire:
    """``async with pool.acquire()`` inside a scope: the scope's connection, never released here."""

    __slots__ = ("_scope", "_timeout")

    def __init__(self, scope: _Scope, timeout: float | None) -> None:
        self._scope, self._timeout = scope, timeout

    async def __aenter__(self) -> PoolConnectionProxy:
        scope = self._scope
        if scope.conn is None:
            scope.conn = await asyncpg.Pool.acquire(scope.pool, timeout=self._timeout)
        return scope.conn

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        return None


class Pool(asyncpg.Pool):
    """asyncpg's pool; ``async with acquire()`` hands out the request's connection inside a scope."""

    def acquire(self, *, timeout: float | None = None) -> Any:
        """The scope's connection for the scope's task when it is not inside a transaction; else asyncpg's."""
        scope = _SCOPE.get()
        if (scope is None or scope.pool is not self or scope.task is not asyncio.current_task()
                or (scope.conn is not None and scope.conn.is_in_transaction())):
            return super().acquire(timeout=timeout)
        return _SharedAcquire(scope, timeout)


@asynccontextmanager
async def request_connection(pool: asyncpg.Pool | None) -> AsyncIterator[None]:
    """Share one connection of ``pool`` between the current task's statements until the block ends.

    The connection is taken lazily (a block that never touches the database costs nothing) and
    given back (reset) at the end; a failing reset is raised unless the block itself raised.
    """
    if not isinstance(pool, Pool) or _SCOPE.get() is not None:
        yield
        return
    scope = _Scope(pool=pool, task=asyncio.current_task())
    token = _SCOPE.set(scope)
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        _SCOPE.reset(token)
        if scope.conn is not None:
            conn, scope.conn = scope.conn, None
            try:
                await pool.release(conn)
            except Exception as err:
                if not failed:
                    raise
                log.warning("a request's connection failed its reset after an error (the pool closes it): %r", err)


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(typ, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(url: str, settings: Settings) -> asyncpg.Pool:
    """Open a pool on ``url`` with JSON/JSONB decoded to Python objects (a :class:`Pool`)."""
    pool = Pool(url, min_size=settings.db_pool_min, max_size=settings.db_pool_max, init=_init_connection,
                command_timeout=30, max_queries=50000, max_inactive_connection_lifetime=300.0, loop=None,
                connect=None, setup=None, reset=None, connection_class=asyncpg.Connection,
                record_class=asyncpg.Record)
    await pool
    return pool


async def ping(pool: asyncpg.Pool) -> bool:
    """True when the database answers ``SELECT 1``."""
    try:
        async with pool.acquire(timeout=2) as conn:
            return bool(await conn.fetchval("SELECT 1", timeout=2) == 1)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
