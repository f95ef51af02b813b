"""Analytics figures from PostgreSQL: sessions, playback starts, engagement events, payments.

Sources: ``viewing_sessions`` (one row per playback: device, furthest position, completion),
``analytics_playback_starts`` (country and tier at start), ``engagement_events`` (stream_start,
stall, quality_change, ad_start) and, when the billing tables exist, captured ``payments``.
Everything is filtered to sessions created in [since, until) and, optionally, to one title.

Revenue attribution: SVOD revenue (captured payments in the range) is shared among titles by
their share of premium viewers' watch time; AVOD revenue is ad impressions (``ad_start``
events) on the title times ``analytics_avod_cpm_paise`` per thousand. Views are split by the
viewer's tier at playback start (premium = SVOD, free = AVOD).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import asyncpg

from server.analytics.models import Figures, Percentiles, Rebuffering, Revenue, TopTitle

log = logging.getLogger(__name__)

# $1 since, $2 until, $3 content id or NULL
_SESSIONS = """
    SELECT s.id, s.profile_id, s.content_id, s.device_type, s.position_seconds, s.completed_percentage,
           s.completed_at, coalesce(a.country, 'unknown') AS country,
           coalesce(a.tier, 'unknown') AS tier
      FROM viewing_sessions s LEFT JOIN analytics_playback_starts a ON a.session_id = s.id
     WHERE s.created_at >= $1 AND s.created_at < $2 AND ($3::uuid IS NULL OR s.content_id = $3::uuid)
"""
_EVENTS = """
    SELECT e.type, e.session_id, e.payload FROM engagement_events e
     WHERE e.at >= $1 AND e.at < $2 AND ($3::uuid IS NULL OR e.content_id = $3::uuid)
       AND e.type IN ('stream_start', 'stall', 'quality_change', 'ad_start')
"""


def _percentiles(values: list[float]) -> Percentiles:
    """Count, p50 and p95 (linear interpolation, as PostgreSQL's percentile_cont)."""
    if not values:
        return Percentiles(count=0, p50=None, p95=None)
    ordered = sorted(values)

    def pct(q: float) -> float:
        pos = q * (len(ordered) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(ordered) - 1)
        return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo), 1)

    return Percentiles(count=len(ordered), p50=pct(0.5), p95=pct(0.95))


def _ms(payload: Any, key: str) -> float | None:
    value = payload.get(key) if isinstance(payload, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


async def _svod_paise(db: asyncpg.Pool, *, since: datetime, until: datetime) -> tuple[int, bool]:
    """Captured payments in the range, and whether the billing tables exist."""
    exists = await db.fetchval("SELECT to_regclass('public.payments') IS NOT NULL")
    if not exists:
        return 0, False
    total = await db.fetchval("SELECT coalesce(sum(amount_paise), 0) FROM payments WHERE status = 'captured'"
                              " AND created_at >= $1 AND created_at < $2", since, until)
    return int(total), True


async def figures(db: asyncpg.Pool, *, since: datetime, until: datetime, content_id: str | None,
                  cpm_paise: int) -> Figures:
    """Every figure for one title (or all titles) over [since, until)."""
    sessions = await db.fetch(_SESSIONS, since, until, content_id)
    events = await db.fetch(_EVENTS, since, until, content_id)
    views = len(sessions)
    watch = sum(float(s["position_seconds"]) for s in sessions)
    completions = sum(1 for s in sessions if s["completed_at"] is not None or s["completed_percentage"] >= 90)
    devices: dict[str, int] = {}
    countries: dict[str, int] = {}
    for s in sessions:
        devices[s["device_type"]] = devices.get(s["device_type"], 0) + 1
        countries[s["country"]] = countries.get(s["country"], 0) + 1
    starts = [v for e in events if e["type"] == "stream_start" and (v := _ms(e["payload"], "stream_start_ms"))
              is not None]
    stall_ms = [v for e in events if e["type"] == "stall" and (v := _ms(e["payload"], "duration_ms")) is not None]
    stalled_sessions = {e["session_id"] for e in events if e["type"] == "stall" and e["session_id"] is not None}
    stalled_s = sum(stall_ms) / 1000.0
    impressions = sum(1 for e in events if e["type"] == "ad_start")
    rebuffer = Rebuffering(stalls=len(stall_ms), sessions_with_stalls=len(stalled_sessions),
                           duration_ms=_percentiles(stall_ms), stalled_seconds=round(stalled_s, 3),
                           rebuffer_ratio=round(stalled_s / watch, 4) if watch > 0 else None)
    revenue = await _revenue(db, sessions=sessions, since=since, until=until, content_id=content_id,
                             impressions=impressions, cpm_paise=cpm_paise)
    return Figures(
        views=views, unique_viewers=len({s["profile_id"] for s in sessions}), watch_time_seconds=round(watch, 1),
        average_watch_time_seconds=round(watch / views, 1) if views else None, completions=completions,
        completion_rate=round(completions / views, 4) if views else None,
        devices=dict(sorted(devices.items())), countries=dict(sorted(countries.items())),
        stream_start_ms=_percentiles(starts), rebuffering=rebuffer,
        quality_changes=sum(1 for e in events if e["type"] == "quality_change"), revenue=revenue)


async def _revenue(db: asyncpg.Pool, *, sessions: list[asyncpg.Record], since: datetime, until: datetime,
                   content_id: str | None, impressions: int, cpm_paise: int) -> Revenue:
    svod_total, billing = await _svod_paise(db, since=since, until=until)
    premium_watch = sum(float(s["position_seconds"]) for s in sessions if s["tier"] == "premium")
    if content_id is None:
        share = 1.0 if premium_watch > 0 or svod_total else 0.0
    else:
        all_premium = await db.fetchval(
            "SELECT coalesce(sum(s.position_seconds), 0) FROM viewing_sessions s"
            " JOIN analytics_playback_starts a ON a.session_id = s.id"
            " WHERE a.tier = 'premium' AND s.created_at >= $1 AND s.created_at < $2", since, until)
        share = premium_watch / float(all_premium) if all_premium else 0.0
    method = ("svod: captured payments in the range shared by premium watch time; "
              f"avod: ad impressions x {cpm_paise} paise CPM")
    if not billing:
        method += "; no billing tables: svod revenue is 0, views are attributed by the viewer's tier"
    return Revenue(svod_views=sum(1 for s in sessions if s["tier"] == "premium"),
                   avod_views=sum(1 for s in sessions if s["tier"] == "free"),
                   svod_paise=round(svod_total * share), avod_paise=round(impressions * cpm_paise / 1000),
                   ad_impressions=impressions, method=method)


async def top_titles(db: asyncpg.Pool, *, since: datetime, until: datetime, limit: int) -> list[TopTitle]:
    """The most viewed titles in the range."""
    rows = await db.fetch(
        "SELECT s.content_id::text AS content_id, c.title, count(*) AS views FROM viewing_sessions s"
        " LEFT JOIN content c ON c.id = s.content_id WHERE s.created_at >= $1 AND s.created_at < $2"
        " GROUP BY s.content_id, c.title ORDER BY views DESC, s.content_id LIMIT $3", since, until, limit)
    return [TopTitle(content_id=r["content_id"], title=r["title"], views=r["views"]) for r in rows]
