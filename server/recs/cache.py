"""Per-profile cache of computed recommendations in Redis, keyed to the state they were computed from.

The stored entry carries a fingerprint of the profile's latest history row, history size,
settings that change visibility (country, rating, language) and feedback; any change of those
makes the entry stale, so history changes are picked up on the next read. Entries also expire.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict

import redis.asyncio as aioredis

from server.activity.store import ActivityStore
from server.auth.viewer import Viewer
from server.recs.scoring import Scored
from server.storage.redis import key

log = logging.getLogger(__name__)


def cache_key(namespace: str, profile_id: str) -> str:
    """The Redis key of a profile's recommendations."""
    return key(namespace, "recs", "profile", profile_id)


async def fingerprint(store: ActivityStore, *, viewer: Viewer) -> str:
    """A digest of what the recommendations depend on for this viewer."""
    assert viewer.profile is not None
    latest, total = await store.history(profile_id=viewer.profile.id, since=None, until=None, offset=0, limit=1)
    head = latest[0] if latest else None
    parts = [str(total), viewer.country, viewer.profile.maturity_rating, viewer.profile.language,
             str(viewer.profile.is_kids)]
    if head is not None:
        parts += [head.content_id, str(head.episode_id), head.last_watched_at.isoformat(), str(head.completed)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


async def read(redis: aioredis.Redis, *, namespace: str, profile_id: str, stamp: str) -> list[Scored] | None:
    """The cached list when it was computed from the same state, else None."""
    raw = await redis.get(cache_key(namespace, profile_id))
    if raw is None:
        return None
    try:
        entry = json.loads(raw)
        if entry.get("stamp") != stamp:
            return None
        return [Scored(**item) for item in entry["items"]]
    except (ValueError, TypeError, KeyError) as err:
        log.warning("ignoring unreadable recommendations cache: %s", err)
        return None


async def write(redis: aioredis.Redis, *, namespace: str, profile_id: str, stamp: str, items: list[Scored],
                ttl_s: int) -> None:
    """Store the list with its fingerprint for ``ttl_s`` seconds."""
    entry = {"stamp": stamp, "items": [asdict(i) for i in items]}
    await redis.set(cache_key(namespace, profile_id), json.dumps(entry), ex=ttl_s)


async def invalidate(redis: aioredis.Redis, *, namespace: str, profile_id: str) -> None:
    """Drop a profile's cached list (after feedback)."""
    await redis.delete(cache_key(namespace, profile_id))
