"""The bookkeeping batcher: appends wait in memory, readers see them, one pipeline writes them all."""

from __future__ import annotations

import uuid

from aiohttp.test_utils import TestClient

from server import keys
from server.streaming.batch import ListBatcher, merged


async def test_appends_are_visible_before_and_written_by_one_flush(api: TestClient) -> None:
    redis = api.app[keys.REDIS]
    batch = ListBatcher(redis, flush_s=3600)  # no background flush: the test flushes
    a, b = f"test:batch:{uuid.uuid4()}", f"test:batch:{uuid.uuid4()}"
    await redis.lpush(a, "old")
    for i in range(5):
        batch.push(a, f"a{i}", keep=3, ttl_s=60)
    batch.push(b, "b0", keep=3, ttl_s=60)
    assert batch.pending(a) == ["a4", "a3", "a2"]  # newest first, trimmed to keep
    assert await redis.lrange(a, 0, -1) == ["old"]  # nothing written yet
    assert merged(batch.pending(a), await redis.lrange(a, 0, -1), keep=3) == ["a4", "a3", "a2"]
    assert await batch.flush() == 4
    assert batch.pending(a) == [] and await batch.flush() == 0
    assert await redis.lrange(a, 0, -1) == ["a4", "a3", "a2"]  # the list as one LPUSH per value would leave it
    assert await redis.lrange(b, 0, -1) == ["b0"]
    assert 0 < await redis.ttl(a) <= 60
    await redis.delete(a, b)


async def test_close_writes_what_is_left(api: TestClient) -> None:
    redis = api.app[keys.REDIS]
    batch = ListBatcher(redis, flush_s=3600)
    batch.start()
    k = f"test:batch:{uuid.uuid4()}"
    batch.push(k, "x", keep=10, ttl_s=60)
    await batch.close()
    assert await redis.lrange(k, 0, -1) == ["x"]
    await redis.delete(k)


async def test_a_full_buffer_is_flushed_without_waiting_for_the_interval(api: TestClient) -> None:
    import asyncio

    redis = api.app[keys.REDIS]
    batch = ListBatcher(redis, flush_s=3600, max_pending=10)
    batch.start()
    k = f"test:batch:{uuid.uuid4()}"
    try:
        for i in range(10):
            batch.push(k, str(i), keep=20, ttl_s=60)
        for _ in range(200):
            if await redis.llen(k) == 10:
                break
            await asyncio.sleep(0.02)
        assert await redis.llen(k) == 10
    finally:
        await batch.close()
        await redis.delete(k)
