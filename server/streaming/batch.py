"""Per-request bookkeeping without a Redis round trip per request: list appends buffered, flushed in batches.

A media request appends one entry to a short per-viewer Redis list (``LPUSH`` + ``LTRIM`` +
``EXPIRE``). :class:`ListBatcher` keeps those appends in memory and writes everything pending in
one pipeline every ``FLUSH_S`` seconds (sooner when ``MAX_PENDING`` entries wait), so a busy process
pays one round trip per second, not one per segment. Readers of such a list add
:meth:`ListBatcher.pending` (what this process has not written yet, newest first) in front of what
Redis holds, so a process always reads its own appends. Entries pending in *another* process reach
Redis within ``FLUSH_S``.

Bookkeeping is best effort: a failed flush is logged and its entries are dropped; entries still
pending when the process stops are flushed on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

FLUSH_S = 1.0
MAX_PENDING = 5000


@dataclass(slots=True)
class _List:
    keep: int
    ttl_s: int
    values: list[str] = field(default_factory=list)  # oldest first


class ListBatcher:
    """Buffered ``LPUSH key value; LTRIM key 0 keep-1; EXPIRE key ttl`` for many keys."""

    def __init__(self, redis: aioredis.Redis, *, flush_s: float = FLUSH_S, max_pending: int = MAX_PENDING) -> None:
        """Write through ``redis`` every ``flush_s`` seconds or when ``max_pending`` entries wait."""
        self._redis = redis
        self._flush_s = flush_s
        self._max_pending = max_pending
        self._pending: dict[str, _List] = {}
        self._inflight: dict[str, _List] = {}
        self._count = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def push(self, key: str, value: str, *, keep: int, ttl_s: int) -> None:
        """Append ``value`` to the list ``key`` (kept to its newest ``keep`` entries, expiring after ``ttl_s``)."""
        entry = self._pending.get(key)
        if entry is None:
            entry = self._pending[key] = _List(keep=keep, ttl_s=ttl_s)
        entry.values.append(value)
        del entry.values[:-keep]
        self._count += 1
        if self._count >= self._max_pending:
            self._wake.set()

    def pending(self, key: str) -> list[str]:
        """Entries of ``key`` not yet in Redis (including a flush in flight), newest first."""
        out: list[str] = []
        for source in (self._pending, self._inflight):
            entry = source.get(key)
            if entry is not None:
                out.extend(reversed(entry.values))
        return out

    async def flush(self) -> int:
        """Write everything pending in one pipeline; the number of entries written (0 on failure)."""
        async with self._lock:
            if not self._pending:
                return 0
            self._inflight, self._pending, self._count = self._pending, {}, 0
            written = sum(len(e.values) for e in self._inflight.values())
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for k, entry in self._inflight.items():
                        pipe.lpush(k, *entry.values)
                        pipe.ltrim(k, 0, entry.keep - 1)
                        pipe.expire(k, entry.ttl_s)
                    await pipe.execute()
            except (RedisError, OSError) as err:
                log.warning("dropping %d bookkeeping entries: %s", written, err)
                written = 0
            finally:
                self._inflight = {}
            return written

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._flush_s)
            self._wake.clear()
            await self.flush()

    def start(self) -> None:
        """Start flushing in the background (call inside the running loop)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ott-bookkeeping-flush")

    async def close(self) -> None:
        """Stop the background flush and write what is left."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()


def merged(pending: list[str], stored: list[str], *, keep: int) -> list[str]:
    """A list as a reader should see it: this process's pending entries, then Redis's, newest first."""
    return (pending + stored)[:keep]
