"""The server's throughput estimate per viewer, from the time it took to write recent segment responses.

Each finished segment response adds a sample ``<bytes> <seconds>`` to a short Redis list per
user (``stream:tput:<user_id>``, newest first, ``MAX_SAMPLES`` kept, expiring after
``SAMPLE_TTL_S``). The estimate replays the samples, oldest first, through
:class:`media.abr.ThroughputEstimator` (the same dual EWMA the players use). Samples smaller than
the estimator's minimum (16 kB) measure latency, not bandwidth, and are skipped by it.

What is timed is the server writing the response into the socket: on a link slower than the
socket buffers this is the link rate; on loopback it overstates it (the kernel absorbs the data).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import redis.asyncio as aioredis

from media.abr import ThroughputEstimator
from server.storage.redis import key
from server.streaming.policy import Estimate

log = logging.getLogger(__name__)

MAX_SAMPLES = 20
OnSample = Callable[[int, float], Awaitable[None]]
SAMPLE_TTL_S = 600


def samples_key(namespace: str, user_id: str) -> str:
    """Redis key of a viewer's delivery samples."""
    return key(namespace, "stream", "tput", user_id)


def sample_entry(nbytes: int, seconds: float) -> str:
    """The list entry of one sample (the serving path appends it through :mod:`server.streaming.batch`)."""
    return f"{int(nbytes)} {max(seconds, 0.0):.6f}"


async def add_sample(redis: aioredis.Redis, *, namespace: str, user_id: str, nbytes: int, seconds: float) -> None:
    """Record that ``nbytes`` of a segment took ``seconds`` to write to this viewer (one Redis round trip)."""
    k = samples_key(namespace, user_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.lpush(k, sample_entry(nbytes, seconds))
        pipe.ltrim(k, 0, MAX_SAMPLES - 1)
        pipe.expire(k, SAMPLE_TTL_S)
        await pipe.execute()


def estimate_from(samples: list[tuple[int, float]]) -> Estimate | None:
    """The estimate over ``samples`` (oldest first), or None when none of them counts."""
    est = ThroughputEstimator()
    counted = sum(1 for nbytes, secs in samples if est.sample(nbytes=nbytes, duration_s=secs))
    return Estimate(kbps=est.estimate_kbps, samples=counted) if counted else None


async def estimate(redis: aioredis.Redis, *, namespace: str, user_id: str,
                   pending: Sequence[str] = ()) -> Estimate | None:
    """The viewer's current throughput estimate, or None without usable samples.

    ``pending``: this process's samples not yet written to Redis, newest first (``ListBatcher.pending``).
    """
    stored = await redis.lrange(samples_key(namespace, user_id), 0, MAX_SAMPLES - 1)
    raw = [*pending, *stored][:MAX_SAMPLES]
    samples: list[tuple[int, float]] = []
    for item in reversed(raw):
        try:
            nbytes, secs = item.split()
            samples.append((int(nbytes), float(secs)))
        except ValueError:
            log.warning("ignoring a malformed throughput sample %r", item)
    return estimate_from(samples)
