"""Per-account login lockout: N failures within the window lock the account for a while.

Failures are counted in Redis; the lock is kept in PostgreSQL (``login_lockouts``), so a Redis
restart or flush cannot unlock a locked account.
"""

from __future__ import annotations

import asyncpg
import redis.asyncio as aioredis

from server.auth.counters import hit
from server.storage.redis import key


class Lockout:
    """Counts failed logins per (lower-cased) email and locks after ``attempts`` of them."""

    def __init__(self, *, db: asyncpg.Pool, redis: aioredis.Redis, namespace: str, attempts: int,
                 lockout_s: int) -> None:
        self.db = db
        self.redis = redis
        self.namespace = namespace
        self.attempts = attempts
        self.lockout_s = lockout_s

    def _keys(self, email: str) -> tuple[str, str]:
        ident = email.strip().lower()
        return key(self.namespace, "auth", "fail", ident), key(self.namespace, "auth", "lock", ident)

    async def locked_for(self, *, email: str) -> int:
        """Seconds the account stays locked (0 when it is not locked), from PostgreSQL."""
        left = await self.db.fetchval(
            "SELECT ceil(extract(epoch FROM locked_until - now())) FROM login_lockouts"
            " WHERE email_key = $1 AND locked_until > now()", email.strip().lower())
        return max(int(left or 0), 0)

    async def record_failure(self, *, email: str) -> int:
        """Count a failed login; returns the lock duration when this failure locks the account, else 0."""
        fail_key, lock_key = self._keys(email)
        count, _ = await hit(self.redis, name=fail_key, window_s=self.lockout_s)
        if count < self.attempts:
            return 0
        await self.db.execute(
            "INSERT INTO login_lockouts (email_key, locked_until) VALUES ($1, now() + make_interval(secs => $2))"
            " ON CONFLICT (email_key) DO UPDATE SET locked_until = excluded.locked_until",
            email.strip().lower()[:255], float(self.lockout_s))
        await self.redis.delete(fail_key, lock_key)
        return self.lockout_s

    async def reset(self, *, email: str) -> None:
        """Forget failures and any lock (after a successful login or a password reset)."""
        await self.db.execute("DELETE FROM login_lockouts WHERE email_key = $1", email.strip().lower())
        await self.redis.delete(*self._keys(email))
