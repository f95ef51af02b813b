"""Access-token revocation in Redis: blacklisted token ids and revoked login families."""

from __future__ import annotations

import redis.asyncio as aioredis

from server.storage.redis import key


def _jti_key(namespace: str, jti: str) -> str:
    return key(namespace, "auth", "bl", jti)


def _family_key(namespace: str, family_id: str) -> str:
    return key(namespace, "auth", "fam-revoked", family_id)


async def blacklist_token(redis: aioredis.Redis, *, namespace: str, jti: str, ttl_s: int) -> None:
    """Reject access token ``jti`` for the ``ttl_s`` seconds it could still be valid."""
    if ttl_s > 0:
        await redis.set(_jti_key(namespace, jti), "1", ex=ttl_s)


async def revoke_family(redis: aioredis.Redis, *, namespace: str, family_id: str, ttl_s: int) -> None:
    """Reject every access token of login family ``family_id`` issued so far (for ``ttl_s`` seconds)."""
    await redis.set(_family_key(namespace, family_id), "1", ex=max(ttl_s, 1))


async def is_revoked(redis: aioredis.Redis, *, namespace: str, jti: str, family_id: str | None) -> bool:
    """True when the token or its family has been revoked."""
    names = [_jti_key(namespace, jti)]
    if family_id:
        names.append(_family_key(namespace, family_id))
    return bool(await redis.exists(*names))
