"""Per-account login lockout in Redis: N failures within the window lock the account for a while."""

from __future__ import annotations

import redis.asyncio as aioredis

from server.auth.counters import hit
from server.storage.redis import key


class Lockout:
    """Counts failed logins per (lower-cased) email and locks after ``attempts`` of them."""

    def __init__(self, *, redis: aioredis.Redis, namespace: str, attempts: int, lockout_s: int) -> None:
        self.redis = redis
        self.namespace = namespace
        self.attempts = attempts
        self.lockout_s = lockout_s

    def _keys(self, email: str) -> tuple[str, str]:
        ident = email.strip().lower()
        return key(self.namespace, "auth", "fail", ident), key(self.namespace, "auth", "lock", ident)

    async def locked_for(self, *, email: str) -> int:
        """Seconds the account stays locked (0 when it is not locked)."""
        ttl = await self.redis.ttl(self._keys(email)[1])
        return max(int(ttl), 0)

    async def record_failure(self, *, email: str) -> int:
        """Count a failed login; returns the lock duration when this failure locks the account, else 0."""
        fail_key, lock_key = self._keys(email)
        count, _ = await hit(self.redis, name=fail_key, window_s=self.lockout_s)
        if count < self.attempts:
            return 0
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(lock_key, "1", ex=self.lockout_s)
            pipe.delete(fail_key)
            await pipe.execute()
        return self.lockout_s

    async def reset(self, *, email: str) -> None:
        """Forget failures and any lock (after a successful login or a password reset)."""
        await self.redis.delete(*self._keys(email))
