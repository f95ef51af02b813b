"""Trending: views and completion rate from real playback (``watch_history``), cached in Redis.

For each period the score of a published title is ``0.7 x views / max_views + 0.3 x completion``,
where views are distinct profiles that watched it in the period and completion the share of
those watch rows marked completed. Ties (including every unwatched title on a fresh install)
are broken by ``popularity``. A background task recomputes every period on a schedule; a read
with nothing cached computes and stores on the spot.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Literal

import redis.asyncio as aioredis
import redis.exceptions
from aiohttp import web

from server import keys
from server.catalog.availability import Db
from server.periodic import periodic
from server.storage.redis import key

log = logging.getLogger(__name__)

Period = Literal["24h", "7d", "30d"]
PERIODS: dict[str, timedelta] = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
KEEP = 200  # ranked entries stored per period

TRENDING_SQL = """
WITH stats AS (
    SELECT content_id, count(DISTINCT profile_id) AS views, avg(completed::int)::float8 AS completion
    FROM watch_history WHERE last_watched_at >= now() - $1::interval
    GROUP BY content_id
), top AS (SELECT greatest(max(views), 1) AS m FROM stats)
SELECT c.id::text AS content_id, coalesce(s.views, 0) AS views, coalesce(s.completion, 0) AS completion,
       CASE WHEN s.views IS NULL THEN 0 ELSE 0.7 * s.views / top.m + 0.3 * s.completion END AS score
FROM content c LEFT JOIN stats s ON s.content_id = c.id CROSS JOIN top
WHERE c.workflow_state = 'published'
ORDER BY score DESC, c.popularity DESC, c.id
LIMIT $2
"""


# Per region: views are distinct profiles that started the title from that country (the country of a
# playback start is kept by analytics), completion from their watch rows.
REGIONAL_SQL = """
WITH starts AS (
    SELECT DISTINCT profile_id, content_id FROM analytics_playback_starts
    WHERE country = $3 AND at >= now() - $1::interval
), stats AS (
    SELECT s.content_id, count(DISTINCT s.profile_id) AS views,
           coalesce(avg(w.completed::int)::float8, 0) AS completion
    FROM starts s LEFT JOIN watch_history w ON w.profile_id = s.profile_id AND w.content_id = s.content_id
    GROUP BY s.content_id
), top AS (SELECT greatest(max(views), 1) AS m FROM stats)
SELECT c.id::text AS content_id, s.views, s.completion, 0.7 * s.views / top.m + 0.3 * s.completion AS score
FROM stats s JOIN content c ON c.id = s.content_id CROSS JOIN top
WHERE c.workflow_state = 'published'
ORDER BY score DESC, c.popularity DESC, c.id
LIMIT $2
"""


@dataclass(frozen=True, slots=True)
class TrendingEntry:
    """One ranked title of a period."""

    content_id: str
    rank: int
    score: float
    views: int
    completion_rate: float


def cache_key(namespace: str, period: str, country: str | None = None) -> str:
    """The Redis key holding a period's ranking (of one region when ``country`` is given)."""
    return key(namespace, "catalog", "trending", period, *([country] if country else []))


async def compute_trending(db: Db, *, period: str, limit: int = KEEP) -> list[TrendingEntry]:
    """Rank published titles for ``period`` from ``watch_history`` (availability is applied on read)."""
    rows = await db.fetch(TRENDING_SQL, PERIODS[period], limit)
    return [TrendingEntry(content_id=r["content_id"], rank=i, score=round(float(r["score"]), 4), views=int(r["views"]),
                          completion_rate=round(float(r["completion"]), 4)) for i, r in enumerate(rows, start=1)]


async def compute_regional(db: Db, *, period: str, country: str, limit: int = KEEP) -> list[TrendingEntry]:
    """Titles watched from ``country`` in ``period``, ranked like the global list (only those with views)."""
    rows = await db.fetch(REGIONAL_SQL, PERIODS[period], limit, country)
    return [TrendingEntry(content_id=r["content_id"], rank=i, score=round(float(r["score"]), 4), views=int(r["views"]),
                          completion_rate=round(float(r["completion"]), 4)) for i, r in enumerate(rows, start=1)]


def merge_regional(regional: list[TrendingEntry], overall: list[TrendingEntry]) -> list[TrendingEntry]:
    """The region's own ranking first, then the rest of the overall ranking, renumbered."""
    seen = {e.content_id for e in regional}
    merged = regional + [e for e in overall if e.content_id not in seen]
    return [TrendingEntry(content_id=e.content_id, rank=i, score=e.score, views=e.views,
                          completion_rate=e.completion_rate) for i, e in enumerate(merged[:KEEP], start=1)]


async def store_trending(redis: aioredis.Redis, *, namespace: str, period: str, entries: list[TrendingEntry],
                         ttl_s: int, country: str | None = None) -> None:
    """Cache a period's ranking for ``ttl_s`` seconds."""
    await redis.set(cache_key(namespace, period, country), json.dumps([asdict(e) for e in entries]), ex=ttl_s)


async def cached_trending(redis: aioredis.Redis, *, namespace: str, period: str,
                          country: str | None = None) -> list[TrendingEntry] | None:
    """The cached ranking of ``period``, or None when absent or unreadable."""
    raw = await redis.get(cache_key(namespace, period, country))
    if raw is None:
        return None
    try:
        return [TrendingEntry(**item) for item in json.loads(raw)]
    except (ValueError, TypeError) as err:
        log.warning("ignoring unreadable trending cache for %s: %s", period, err)
        return None


async def recompute_all(app: web.Application) -> dict[str, int]:
    """Recompute and cache every period; return how many entries each has."""
    settings = app[keys.SETTINGS]
    out: dict[str, int] = {}
    for period in PERIODS:
        entries = await compute_trending(app[keys.DB], period=period)
        await store_trending(app[keys.REDIS], namespace=settings.redis_namespace, period=period, entries=entries,
                             ttl_s=max(60, settings.catalog_trending_interval_s * 3))
        out[period] = len(entries)
    return out


async def trending_for(app: web.Application, *, period: str, country: str | None = None) -> list[TrendingEntry]:
    """The ranking of ``period`` (for viewers in ``country``: what that region watches first, then the
    overall ranking): from Redis, else computed now and cached; computed without the cache while Redis
    is down, so catalog reads keep answering."""
    try:
        return await _cached_trending_for(app, period=period, country=country)
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as err:
        log.warning("trending computed without the cache (redis unavailable): %s", err)
    entries = await compute_trending(app[keys.DB], period=period)
    if country is None:
        return entries
    return merge_regional(await compute_regional(app[keys.DB], period=period, country=country), entries)


async def _cached_trending_for(app: web.Application, *, period: str, country: str | None) -> list[TrendingEntry]:
    settings = app[keys.SETTINGS]
    ttl_s = max(60, settings.catalog_trending_interval_s * 3)
    entries = await cached_trending(app[keys.REDIS], namespace=settings.redis_namespace, period=period)
    if not entries:  # nothing cached, or cached before the catalog had titles
        entries = await compute_trending(app[keys.DB], period=period)
        await store_trending(app[keys.REDIS], namespace=settings.redis_namespace, period=period, entries=entries,
                             ttl_s=ttl_s)
    if country is None:
        return entries
    regional = await cached_trending(app[keys.REDIS], namespace=settings.redis_namespace, period=period,
                                     country=country)
    if regional is None:
        regional = await compute_regional(app[keys.DB], period=period, country=country)
        await store_trending(app[keys.REDIS], namespace=settings.redis_namespace, period=period, entries=regional,
                             ttl_s=min(ttl_s, 300), country=country)
    return merge_regional(regional, entries)


#: Cleanup context: recompute every period on a schedule (a read with nothing cached computes on the
#: spot, so the first round waits one interval and start-up stays quiet).
trending_refresher = periodic(name="catalog-trending", interval_s=lambda s: s.catalog_trending_interval_s,
                              work=recompute_all, sleep_first=True)
