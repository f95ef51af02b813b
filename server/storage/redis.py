"""The Redis client and key naming."""

from __future__ import annotations

import redis.asyncio as aioredis


def create_redis(url: str) -> aioredis.Redis:
    """A decoded-string client on ``url`` (redis://, rediss:// or unix://)."""
    return aioredis.Redis.from_url(url, decode_responses=True, socket_timeout=5,
                                   socket_connect_timeout=5, health_check_interval=30)


def key(namespace: str, *parts: object) -> str:
    """Build a namespaced key: ``key("ott", "rl", uid)`` → ``ott:rl:<uid>``."""
    return ":".join([namespace, *(str(p) for p in parts)])


async def ping(client: aioredis.Redis) -> bool:
    """True when Redis answers PING."""
    try:
        return bool(await client.ping())
    except (aioredis.RedisError, OSError):
        return False
