"""Playback session state in Redis: what the manifest decided and what the steering has done since.

Keys (all under the app's namespace):

- ``stream:sess:<session_id>`` (hash): owner, content, asset, allowed variants, mode
  (``auto``/``fixed``), current rendition, steering clock and counters; expires with the URLs.
- ``stream:sess:<session_id>:switches`` (list): one JSON object per rendition switch, oldest first.

With a database pool the session is also written to PostgreSQL (``stream_sessions``) at creation:
a session Redis no longer has (restart, flush) is read back from there and put into Redis again,
with a fresh steering state (mode ``auto``, the start rendition), so a playback in progress goes on.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import redis.asyncio as aioredis
import redis.exceptions

from server.storage.redis import key
from server.streaming.playerbuffer import PlayerBuffer

log = logging.getLogger(__name__)

MAX_SWITCHES = 200

# Compare-and-set of the current rendition: only one of several concurrent deciders records a switch.
_SWITCH_LUA = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'current') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'current', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'mode', ARGV[3]) end
redis.call('HINCRBY', KEYS[1], 'switch_count', 1)
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
redis.call('EXPIRE', KEYS[2], redis.call('TTL', KEYS[1]))
return 1
"""

# First steered delivery starts the steering clock; the delivered media time only grows.
_DELIVERY_STEPS = """
local started = redis.call('HGET', KEYS[1], 'steer_started_at')
if not started or started == '' then redis.call('HSET', KEYS[1], 'steer_started_at', ARGV[1]) end
local delivered = tonumber(redis.call('HGET', KEYS[1], 'delivered_end_s') or '0') or 0
if tonumber(ARGV[2]) > delivered then redis.call('HSET', KEYS[1], 'delivered_end_s', ARGV[2]) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'estimate_kbps', ARGV[3]) end
return 1
"""
_DELIVERY_LUA = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end""" + _DELIVERY_STEPS

# A steered segment handed to nginx (X-Accel-Redirect): the player's buffer model (and RTT) and the delivery in
# one call.
_PLAYER_AND_DELIVERY_LUA = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'player_buffer', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'rtt_s', ARGV[5]) end""" + _DELIVERY_STEPS

_SET_IF_EXISTS_LUA = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""


@dataclass(frozen=True, slots=True)
class StreamSession:
    """One playback session as the streaming area knows it."""

    session_id: str
    user_id: str
    profile_id: str
    content_id: str
    episode_id: str | None
    asset_id: str
    variants: tuple[str, ...]  # allowed renditions, in playlist order (start first)
    start: str
    mode: str  # "auto" | "fixed"
    current: str
    expires: int
    steer_started_at: float | None  # wall clock of the first steered segment
    delivered_end_s: float  # media time up to the end of the furthest steered segment sent
    switch_count: int
    estimate_kbps: float | None
    player: PlayerBuffer | None = None  # the steered player's buffer model (server.streaming.playerbuffer)
    rtt_s: float | None = None  # the viewer's RTT as last measured (server.streaming.delivery.session_rtt)

    def buffer_s(self, *, now: float) -> float:
        """Buffer estimate: the player buffer model's level when steered requests have built one, else media
        time sent minus wall time since the first steered segment was sent."""
        if self.player is not None:
            return self.player.level(now)
        if self.steer_started_at is None:
            return 0.0
        return max(0.0, self.delivered_end_s - (now - self.steer_started_at))


def session_key(namespace: str, session_id: str) -> str:
    """Redis key of a session hash."""
    return key(namespace, "stream", "sess", session_id)


def switches_key(namespace: str, session_id: str) -> str:
    """Redis key of a session's switch log."""
    return key(namespace, "stream", "sess", session_id, "switches")


class SessionStore:
    """Reads and writes stream sessions in one Redis namespace."""

    def __init__(self, *, redis: aioredis.Redis, namespace: str, db: asyncpg.Pool | None = None) -> None:
        """Use ``redis`` with keys under ``namespace``; with ``db``, sessions are durable in PostgreSQL too."""
        self._redis = redis
        self._ns = namespace
        self._db = db

    async def create(self, *, session: StreamSession, ttl_s: int) -> None:
        """Store a new session that expires after ``ttl_s`` seconds."""
        k = session_key(self._ns, session.session_id)
        mapping = {
            "user_id": session.user_id, "profile_id": session.profile_id, "content_id": session.content_id,
            "episode_id": session.episode_id or "", "asset_id": session.asset_id,
            "variants": json.dumps(list(session.variants)), "start": session.start, "mode": session.mode,
            "current": session.current, "expires": str(session.expires), "steer_started_at": "",
            "delivered_end_s": "0", "switch_count": "0", "estimate_kbps": "",
        }
        if self._db is not None:
            await self._db.execute(
                "INSERT INTO stream_sessions (id, user_id, data, expires_at)"
                " VALUES ($1::uuid, $2::uuid, ($3::text)::jsonb, $4)"
                " ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data,"
                " expires_at = excluded.expires_at",
                session.session_id, session.user_id, json.dumps({**mapping, "ttl_s": ttl_s}),
                datetime.fromtimestamp(time.time() + ttl_s, UTC))
        await self._cache(k, mapping, ttl_s)

    async def _cache(self, k: str, mapping: dict[str, str], ttl_s: int) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(k, mapping=mapping)  # type: ignore[arg-type]
            pipe.expire(k, ttl_s)
            await pipe.execute()

    async def _durable(self, session_id: str) -> dict[str, Any] | None:
        """The session as PostgreSQL has it (unexpired), put back into Redis when Redis answers."""
        if self._db is None:
            return None
        try:
            uuid.UUID(session_id)
        except ValueError:
            return None
        row = await self._db.fetchrow(
            "SELECT data::text, ceil(extract(epoch FROM expires_at - now()))::int AS left_s FROM stream_sessions"
            " WHERE id = $1::uuid AND expires_at > now()", session_id)
        if row is None:
            return None
        data: dict[str, Any] = json.loads(row["data"])
        data.pop("ttl_s", None)
        try:
            await self._cache(session_key(self._ns, session_id), data, max(int(row["left_s"]), 1))
            log.info("stream session %s restored from PostgreSQL", session_id)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as err:
            log.warning("stream session %s read from PostgreSQL; redis unavailable: %s", session_id, err)
        return data

    async def get(self, session_id: str) -> StreamSession | None:
        """The session, or None when unknown or expired (Redis first, then PostgreSQL)."""
        try:
            raw: dict[str, Any] = await self._redis.hgetall(session_key(self._ns, session_id))  # type: ignore[assignment]
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            if self._db is None:
                raise
            raw = {}
        if not raw:
            raw = await self._durable(session_id) or {}
        if not raw:
            return None
        try:
            return StreamSession(
                session_id=session_id, user_id=raw["user_id"], profile_id=raw["profile_id"],
                content_id=raw["content_id"], episode_id=raw["episode_id"] or None, asset_id=raw["asset_id"],
                variants=tuple(json.loads(raw["variants"])), start=raw["start"], mode=raw["mode"],
                current=raw["current"], expires=int(raw["expires"]),
                steer_started_at=float(raw["steer_started_at"]) if raw.get("steer_started_at") else None,
                delivered_end_s=float(raw.get("delivered_end_s") or 0),
                switch_count=int(raw.get("switch_count") or 0),
                estimate_kbps=float(raw["estimate_kbps"]) if raw.get("estimate_kbps") else None,
                player=PlayerBuffer.loads(raw.get("player_buffer")),
                rtt_s=float(raw["rtt_s"]) if raw.get("rtt_s") else None,
            )
        except (KeyError, ValueError) as err:
            log.warning("corrupt stream session %s: %s", session_id, err)
            return None

    async def note_delivery(self, *, session_id: str, now: float, segment_end_s: float,
                            estimate_kbps: float | None) -> None:
        """Record that a steered segment ending at ``segment_end_s`` (media time) was sent at ``now``."""
        await self._redis.eval(
            _DELIVERY_LUA, 1, session_key(self._ns, session_id), repr(now), repr(segment_end_s),
            f"{estimate_kbps:.1f}" if estimate_kbps is not None else "")

    async def note_player_and_delivery(self, *, session_id: str, player: PlayerBuffer | None, now: float,
                                       segment_end_s: float, estimate_kbps: float | None,
                                       rtt_s: float | None = None) -> None:
        """:meth:`note_player` (when ``player`` is given) and :meth:`note_delivery` in one round trip, for a
        segment whose bytes nginx sends (nothing waits between the two)."""
        await self._redis.eval(
            _PLAYER_AND_DELIVERY_LUA, 1, session_key(self._ns, session_id), repr(now), repr(segment_end_s),
            f"{estimate_kbps:.1f}" if estimate_kbps is not None else "", player.dumps() if player is not None else "",
            repr(rtt_s) if rtt_s is not None else "")

    async def note_player(self, *, session_id: str, player: PlayerBuffer, rtt_s: float | None = None) -> None:
        """Store the steered player's buffer model and, when known, the viewer's RTT (not for a session that has
        gone)."""
        fields = ["player_buffer", player.dumps(), *(["rtt_s", repr(rtt_s)] if rtt_s is not None else [])]
        await self._redis.eval(_SET_IF_EXISTS_LUA, 1, session_key(self._ns, session_id), *fields)

    async def switch(self, *, session_id: str, expected: str, to: str, mode: str | None,
                     record: dict[str, Any]) -> bool:
        """Move the session from ``expected`` to ``to`` (and set ``mode``); False if someone else moved it first."""
        result = await self._redis.eval(
            _SWITCH_LUA, 2, session_key(self._ns, session_id), switches_key(self._ns, session_id),
            expected, to, mode or "", json.dumps(record), str(MAX_SWITCHES))
        return int(result) == 1

    async def set_mode(self, *, session_id: str, mode: str) -> None:
        """Set the steering mode without changing the rendition."""
        await self._redis.hset(session_key(self._ns, session_id), "mode", mode)

    async def switches(self, session_id: str) -> list[dict[str, Any]]:
        """Every recorded switch of the session, oldest first."""
        items = await self._redis.lrange(switches_key(self._ns, session_id), 0, -1)
        return [json.loads(item) for item in items]
