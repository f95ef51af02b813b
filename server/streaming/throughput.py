"""The server's throughput estimate per viewer, from when the viewer's media requests arrive.

Every answered signed media request (playlists, segments, subtitle files, steered segments) adds
``<arrival time> <bytes> <media seconds> <new connection 0|1>`` to a short Redis list per user
(``stream:reqlog:<user_id>``, newest first, ``MAX_REQUESTS`` kept, expiring after ``LOG_TTL_S``, so
the next session of the viewer starts from the last one's figure). The estimate is
:func:`server.streaming.delivery.delivery_estimate` over that log: bytes of response *n* over the
time until request *n+1* arrived, less a round trip, on the gaps where the player was filling.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import redis.asyncio as aioredis

from server.storage.redis import key
from server.streaming.delivery import Request, delivery_samples, estimate_from
from server.streaming.policy import Estimate

log = logging.getLogger(__name__)

MAX_REQUESTS = 40
LOG_TTL_S = 600


def log_key(namespace: str, user_id: str) -> str:
    """Redis key of a viewer's request log."""
    return key(namespace, "stream", "reqlog", user_id)


def request_entry(*, at: float, nbytes: int, media_s: float = 0.0, new_connection: bool = False) -> str:
    """The list entry of one request (the serving path appends it through :mod:`server.streaming.batch`)."""
    return f"{at:.6f} {int(nbytes)} {max(media_s, 0.0):.3f} {int(new_connection)}"


async def add_request(redis: aioredis.Redis, *, namespace: str, user_id: str, at: float, nbytes: int,
                      media_s: float = 0.0, new_connection: bool = False) -> None:
    """Record that a request arriving at ``at`` (wall clock; first on its connection: ``new_connection``) was
    answered with ``nbytes`` holding ``media_s`` seconds of media."""
    k = log_key(namespace, user_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.lpush(k, request_entry(at=at, nbytes=nbytes, media_s=media_s, new_connection=new_connection))
        pipe.ltrim(k, 0, MAX_REQUESTS - 1)
        pipe.expire(k, LOG_TTL_S)
        await pipe.execute()


async def request_log(redis: aioredis.Redis, *, namespace: str, user_id: str,
                      pending: Sequence[str] = ()) -> list[Request]:
    """The viewer's logged requests, oldest first (malformed entries skipped).

    ``pending``: this process's entries not yet written to Redis, newest first (``ListBatcher.pending``).
    """
    stored = await redis.lrange(log_key(namespace, user_id), 0, MAX_REQUESTS - 1)
    raw = [*pending, *stored][:MAX_REQUESTS]
    out: list[Request] = []
    for item in reversed(raw):
        try:
            at, nbytes, media_s, new = item.split()
            out.append(Request(at=float(at), nbytes=int(nbytes), media_s=float(media_s), new_connection=new == "1"))
        except ValueError:
            log.warning("ignoring a malformed request-log entry %r", item)
    return out


async def estimate(redis: aioredis.Redis, *, namespace: str, user_id: str, now: float | None = None,
                   now_new_connection: bool = False, rtt_s: float | None = None,
                   pending: Sequence[str] = ()) -> Estimate | None:
    """The viewer's current throughput estimate, or None without a usable delivery.

    ``now``: the arrival of a request being answered, which closes the gap after the last logged one.
    """
    entries = await request_log(redis, namespace=namespace, user_id=user_id, pending=pending)
    if now is not None:
        entries.append(Request(at=now, nbytes=0, new_connection=now_new_connection))
    samples = delivery_samples(entries, rtt_s=rtt_s)
    found = estimate_from(samples)
    if not found:
        return None
    return Estimate(kbps=found[0], samples=found[1], rates=tuple((s.nbytes, s.seconds) for s in samples))
