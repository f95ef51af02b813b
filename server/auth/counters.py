"""An atomic fixed-window counter in Redis (works on Redis 6.2, so no ``EXPIRE ... NX``)."""

from __future__ import annotations

import redis.asyncio as aioredis

_HIT = """
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
"""


async def hit(redis: aioredis.Redis, *, name: str, window_s: int) -> tuple[int, int]:
    """Count one event in the window that started with the first event; returns (count, seconds left)."""
    count, ttl = await redis.eval(_HIT, 1, name, window_s)
    return int(count), max(int(ttl), 1)
