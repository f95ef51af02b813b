"""The playback position cache in Redis (spec §5.3), updated by an atomic compare-and-set.

One hash per profile, ``<ns>:playback:<user_id>:<profile_id>``, with one field per
``<content_id>:<episode_id|->``: a JSON state carrying the ordering key ``(session_rank, seq)``.
A Lua script applies an update only when its key is newer than the stored one, so duplicated and
reordered reports never move the position backwards; a later deliberate seek back (newer key) is
applied. When the field is missing the caller seeds it from the durable store first.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from typing import Any, Literal

import redis.asyncio as aioredis

from server.activity.store import PositionUpdate, WatchItem
from server.storage.redis import key

log = logging.getLogger(__name__)

POSITION_TTL_S = 30 * 24 * 3600
NO_SEED = "none"

# KEYS[1] hash; ARGV: field, rank, seq, new state, seed ("" = report a miss, "none" = no seed), ttl.
# Returns {1, state} applied, {0, current} stale or duplicate, {-1, ""} missing and no seed given.
_CAS = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then
  if ARGV[5] == '' then return {-1, ''} end
  if ARGV[5] ~= 'none' then cur = ARGV[5] end
end
if cur then
  local c = cjson.decode(cur)
  local rank = tonumber(ARGV[2])
  local seq = tonumber(ARGV[3])
  if rank < c.session_rank or (rank == c.session_rank and seq <= c.seq) then
    if not redis.call('HGET', KEYS[1], ARGV[1]) then redis.call('HSET', KEYS[1], ARGV[1], cur) end
    return {0, cur}
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
return {1, ARGV[4]}
"""


@dataclass(frozen=True, slots=True)
class CachedPosition:
    """The cached state of one (profile, content, episode)."""

    position_seconds: float
    duration_seconds: float
    completion_rate: float
    completed: bool
    session_rank: int
    seq: int
    last_updated: str

    def to_json(self) -> str:
        """Serialise for the hash field."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> CachedPosition:
        """Parse a hash field value."""
        data: dict[str, Any] = json.loads(text)
        return cls(position_seconds=float(data["position_seconds"]), duration_seconds=float(data["duration_seconds"]),
                   completion_rate=float(data["completion_rate"]), completed=bool(data["completed"]),
                   session_rank=int(data["session_rank"]), seq=int(data["seq"]),
                   last_updated=str(data["last_updated"]))

    @classmethod
    def from_update(cls, update: PositionUpdate) -> CachedPosition:
        """The state an applied update leaves behind."""
        return cls(position_seconds=update.position_seconds, duration_seconds=update.duration_seconds,
                   completion_rate=update.completion_rate, completed=update.is_completed,
                   session_rank=update.session_rank, seq=update.seq, last_updated=update.at.isoformat())

    @classmethod
    def from_item(cls, item: WatchItem) -> CachedPosition:
        """The cached form of a durable item (to seed a missing field)."""
        return cls(position_seconds=item.position_seconds, duration_seconds=item.duration_seconds,
                   completion_rate=item.completion_rate, completed=item.completed, session_rank=item.session_rank,
                   seq=item.seq, last_updated=item.last_watched_at.isoformat())


@dataclass(frozen=True, slots=True)
class CasResult:
    """Outcome of a compare-and-set: applied, stale (ignored) or missing (seed needed)."""

    status: Literal["applied", "stale", "missing"]
    current: CachedPosition | None


def item_field(*, content_id: str, episode_id: str | None) -> str:
    """The hash field of one item."""
    return f"{content_id}:{episode_id or '-'}"


class PositionCache:
    """Positions of every profile, namespaced under the app's Redis namespace."""

    def __init__(self, *, redis: aioredis.Redis, namespace: str, ttl_s: int = POSITION_TTL_S) -> None:
        self._redis = redis
        self._namespace = namespace
        self._ttl_s = ttl_s
        self._script = redis.register_script(_CAS)

    def hash_key(self, *, user_id: str, profile_id: str) -> str:
        """The profile's hash key."""
        return key(self._namespace, "playback", user_id, profile_id)

    async def compare_and_set(self, *, user_id: str, update: PositionUpdate, seed: str = "") -> CasResult:
        """Apply ``update`` if newer than the cached state; ``seed`` is a state JSON, ``NO_SEED`` or ''."""
        state = CachedPosition.from_update(update)
        status, current = await self._script(
            keys=[self.hash_key(user_id=user_id, profile_id=update.profile_id)],
            args=[item_field(content_id=update.content_id, episode_id=update.episode_id), update.session_rank,
                  update.seq, state.to_json(), seed, self._ttl_s])
        code = int(status)
        if code == -1:
            return CasResult(status="missing", current=None)
        return CasResult(status="applied" if code == 1 else "stale", current=CachedPosition.from_json(current))

    async def get(self, *, user_id: str, profile_id: str, content_id: str,
                  episode_id: str | None) -> CachedPosition | None:
        """The cached state of one item, or None."""
        text = await self._redis.hget(self.hash_key(user_id=user_id, profile_id=profile_id),
                                      item_field(content_id=content_id, episode_id=episode_id))
        return CachedPosition.from_json(str(text)) if text else None

    async def forget_profile(self, *, user_id: str, profile_id: str) -> None:
        """Drop every cached position of the profile (history cleared)."""
        await self._redis.delete(self.hash_key(user_id=user_id, profile_id=profile_id))

    async def now_us(self) -> int:
        """Redis server time in microseconds: one clock shared by every app process."""
        seconds, micros = await self._redis.time()
        return int(seconds) * 1_000_000 + int(micros)
