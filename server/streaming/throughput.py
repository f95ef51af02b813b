"""The server's throughput estimate per viewer, from when the viewer's media requests arrive.

Every answered signed media request (playlists, segments, subtitle files, steered segments) adds
``<arrival time> <bytes> <media seconds> <new connection 0|1> [<player buffer s>] [s:<session>]`` to a
short Redis list per user (the buffer: the server's model of a steered player's buffer at the arrival, see
:mod:`server.streaming.playerbuffer`; the session: which playback session asked, so that the gaps between
two sessions' requests are never taken for a delivery)
(``stream:reqlog:<user_id>``, newest first, ``MAX_REQUESTS`` kept, expiring after ``LOG_TTL_S``, so
the next session of the viewer starts from the last one's figure). The estimate is
:func:`server.streaming.delivery.delivery_estimate` over that log: bytes of response *n* over the
time until request *n+1* arrived, less a round trip (for a steered session the RTT it keeps, see
:func:`server.streaming.delivery.session_rtt`), on the gaps where the player was filling; when the
newest gap was the player pacing itself, the rate it proves is a floor under the estimate (a player
with a full buffer shows no more than that its link keeps up).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import redis.asyncio as aioredis

from server.storage.redis import key
from server.streaming.delivery import Request, delivery_gaps, estimate_from, paced_floor
from server.streaming.policy import Estimate

log = logging.getLogger(__name__)

MAX_REQUESTS = 40
LOG_TTL_S = 600
#: Prefix of an entry's session field.
SESSION_TAG = "s:"


def log_key(namespace: str, user_id: str) -> str:
    """Redis key of a viewer's request log."""
    return key(namespace, "stream", "reqlog", user_id)


def request_entry(*, at: float, nbytes: int, media_s: float = 0.0, new_connection: bool = False,
                  buffer_s: float | None = None, session: str | None = None) -> str:
    """The list entry of one request (the serving path appends it through :mod:`server.streaming.batch`)."""
    entry = f"{at:.6f} {int(nbytes)} {max(media_s, 0.0):.3f} {int(new_connection)}"
    if buffer_s is not None:
        entry += f" {max(buffer_s, 0.0):.3f}"
    if session:
        entry += f" {SESSION_TAG}{session}"
    return entry


def parse_entry(item: str | bytes) -> Request:
    """One list entry back as a :class:`Request` (``ValueError`` when it is malformed)."""
    text = item.decode("ascii") if isinstance(item, bytes) else item
    at, nbytes, media_s, new, *rest = text.split()
    session = rest.pop()[len(SESSION_TAG):] if rest and rest[-1].startswith(SESSION_TAG) else None
    if len(rest) > 1 or session == "":
        raise ValueError("too many fields")
    return Request(at=float(at), nbytes=int(nbytes), media_s=float(media_s), new_connection=new == "1",
                   buffer_s=float(rest[0]) if rest else None, session=session)


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
            out.append(parse_entry(item))
        except ValueError:
            log.warning("ignoring a malformed request-log entry %r", item)
    return out


async def estimate(redis: aioredis.Redis, *, namespace: str, user_id: str, now: float | None = None,
                   now_new_connection: bool = False, now_buffer_s: float | None = None, rtt_s: float | None = None,
                   pending: Sequence[str] = (), now_session: str | None = None) -> Estimate | None:
    """The viewer's current throughput estimate, or None without a usable delivery.

    ``now``: the arrival of a request being answered, which closes the gap after the last logged one
    (``now_buffer_s``: the steered player's modelled buffer at that arrival; ``now_session``: its session).
    """
    entries = await request_log(redis, namespace=namespace, user_id=user_id, pending=pending)
    if now is not None:
        entries.append(Request(at=now, nbytes=0, new_connection=now_new_connection, buffer_s=now_buffer_s,
                               session=now_session))
    return estimate_of(entries, rtt_s=rtt_s, now=now)


def estimate_of(entries: Sequence[Request], *, rtt_s: float | None = None, now: float | None = None) -> Estimate | None:
    """The estimate over a request log (pure): the fills' dual EWMA, raised to the newest paced gap's rate."""
    gaps = delivery_gaps(entries, rtt_s=rtt_s)
    fills = [g for g in gaps if g.fill]
    floor = paced_floor(gaps)
    found = estimate_from(fills)
    clock = now if now is not None else max((e.at for e in entries), default=0.0)
    age = clock - fills[-1].at if fills else None
    if floor is not None and (found is None or floor.kbps > found[0]):
        # the link has since proved faster than the fills say: they are stale
        return Estimate(kbps=floor.kbps, samples=(found[1] if found else 0) + 1,
                        rates=((floor.nbytes, floor.seconds),), floor_kbps=floor.kbps, fill_age_s=age,
                        keeps_up=floor.keeps_up)
    if found is None:
        return None
    return Estimate(kbps=found[0], samples=found[1], rates=tuple((s.nbytes, s.seconds) for s in fills),
                    floor_kbps=floor.kbps if floor else None, fill_age_s=age,
                    keeps_up=floor is not None and floor.keeps_up)
