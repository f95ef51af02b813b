"""ActivityStore on PostgreSQL (migration 0020_activity.sql); the default backend."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from server.activity.store import (
    COMPLETED_AT_PERCENT,
    CoWatched,
    EngagementEvent,
    PositionUpdate,
    TrendingAggregate,
    ViewingSession,
    WatchItem,
    WatchlistEntry,
)

log = logging.getLogger(__name__)

# Upsert guarded by the ordering key: an update older than (or equal to) the applied one changes nothing.
_APPLY_POSITION = """
INSERT INTO watch_history AS w (profile_id, content_id, episode_id, position_seconds, duration_seconds,
    watch_duration_seconds, completed, completion_rate, quality, device_type, started_at, last_watched_at,
    dismissed, session_rank, seq)
VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6, $7, $8, $9, $10, $11, $11, FALSE, $12, $13)
ON CONFLICT ON CONSTRAINT watch_history_item_uq DO UPDATE SET
    position_seconds = excluded.position_seconds,
    duration_seconds = excluded.duration_seconds,
    watch_duration_seconds = GREATEST(w.watch_duration_seconds, excluded.watch_duration_seconds),
    completed = excluded.completed,
    completion_rate = excluded.completion_rate,
    quality = COALESCE(excluded.quality, w.quality),
    device_type = COALESCE(excluded.device_type, w.device_type),
    last_watched_at = GREATEST(w.last_watched_at, excluded.last_watched_at),
    dismissed = FALSE,
    session_rank = excluded.session_rank,
    seq = excluded.seq
WHERE (excluded.session_rank, excluded.seq) > (w.session_rank, w.seq)
RETURNING 1
"""

# Per title, the most recently watched item; then keep the unfinished, undismissed ones.
_CONTINUE_WATCHING = """
SELECT * FROM (
    SELECT DISTINCT ON (content_id) profile_id::text, content_id::text, episode_id::text, position_seconds,
        duration_seconds, watch_duration_seconds, completed, completion_rate, started_at, last_watched_at,
        dismissed, session_rank, seq, quality, device_type
    FROM watch_history WHERE profile_id = $1::uuid
    ORDER BY content_id, last_watched_at DESC, id DESC
) latest
WHERE NOT completed AND NOT dismissed AND completion_rate < $3
ORDER BY last_watched_at DESC
LIMIT $2
"""

_SELECT_ITEM = (
    "SELECT profile_id::text, content_id::text, episode_id::text, position_seconds, duration_seconds,"
    " watch_duration_seconds, completed, completion_rate, started_at, last_watched_at, dismissed,"
    " session_rank, seq, quality, device_type FROM watch_history"
    " WHERE profile_id = $1::uuid AND content_id = $2::uuid AND episode_id IS NOT DISTINCT FROM $3::uuid"
)
_COUNT_HISTORY = (
    "SELECT count(*) FROM watch_history"
    " WHERE profile_id = $1::uuid AND ($2::timestamptz IS NULL OR last_watched_at >= $2)"
    " AND ($3::timestamptz IS NULL OR last_watched_at <= $3)"
)
_PAGE_HISTORY = (
    "SELECT profile_id::text, content_id::text, episode_id::text, position_seconds, duration_seconds,"
    " watch_duration_seconds, completed, completion_rate, started_at, last_watched_at, dismissed,"
    " session_rank, seq, quality, device_type FROM watch_history"
    " WHERE profile_id = $1::uuid AND ($2::timestamptz IS NULL OR last_watched_at >= $2)"
    " AND ($3::timestamptz IS NULL OR last_watched_at <= $3)"
    " ORDER BY last_watched_at DESC, id DESC OFFSET $4 LIMIT $5"
)
_SELECT_SESSION = (
    "SELECT id::text, user_id::text, profile_id::text, content_id::text, episode_id::text, device_type, rank,"
    " created_at, position_seconds, duration_seconds, completed_percentage, quality, seq, last_updated,"
    " completed_at FROM viewing_sessions WHERE id::text = $1"
)
_SELECT_EVENTS = (
    "SELECT type, profile_id::text, content_id::text, at, session_id::text, episode_id::text, position_seconds,"
    " client_ts, payload FROM engagement_events"
    " WHERE ($1::text IS NULL OR session_id::text = $1) AND ($2::text IS NULL OR profile_id::text = $2)"
    " ORDER BY at, id LIMIT $3"
)


def _item(row: asyncpg.Record) -> WatchItem:
    return WatchItem(**dict(row))


def _session(row: asyncpg.Record) -> ViewingSession:
    return ViewingSession(**dict(row))


def _event(row: asyncpg.Record) -> EngagementEvent:
    return EngagementEvent(**dict(row))


class PostgresActivityStore:
    """Activity on the app's PostgreSQL pool (the pool is owned by the app, not by this store)."""

    backend = "postgres"

    def __init__(self, *, pool: asyncpg.Pool) -> None:
        self._db = pool

    async def open(self) -> None:
        """Nothing to prepare: the tables come from migration 0020."""

    async def close(self) -> None:
        """Nothing to release: the pool belongs to the app."""

    async def create_session(self, session: ViewingSession) -> None:
        """Insert a viewing session."""
        await self._db.execute(
            "INSERT INTO viewing_sessions (id, user_id, profile_id, content_id, episode_id, device_type, rank,"
            " created_at, last_updated) VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6, $7, $8, $8)",
            session.id, session.user_id, session.profile_id, session.content_id, session.episode_id,
            session.device_type, session.rank, session.created_at)

    async def get_session(self, *, session_id: str) -> ViewingSession | None:
        """The session, or None."""
        row = await self._db.fetchrow(
            _SELECT_SESSION, session_id)
        return _session(row) if row else None

    async def touch_session(self, *, session_id: str, position_seconds: float, duration_seconds: float,
                            quality: str | None, seq: int, at: datetime, completed: bool = False) -> bool:
        """Update the session's position when ``seq`` is newer; a completion is always recorded."""
        pct = min(100.0, position_seconds * 100.0 / duration_seconds) if duration_seconds > 0 else 0.0
        status = await self._db.execute(
            "UPDATE viewing_sessions SET position_seconds = $2, duration_seconds = $3,"
            " completed_percentage = $4, quality = COALESCE($5, quality), seq = GREATEST(seq, $6),"
            " last_updated = GREATEST(last_updated, $7),"
            " completed_at = CASE WHEN $8 THEN COALESCE(completed_at, $7) ELSE completed_at END"
            " WHERE id::text = $1 AND ($6 > seq OR $8)",
            session_id, position_seconds, duration_seconds, round(pct, 1), quality, seq, at, completed)
        return bool(status.endswith(" 1"))

    async def apply_position(self, update: PositionUpdate) -> bool:
        """Guarded upsert: applied only if ``(session_rank, seq)`` is newer than the stored key."""
        watched = update.watch_duration_seconds
        if watched is None:
            watched = update.position_seconds
        row = await self._db.fetchrow(
            _APPLY_POSITION, update.profile_id, update.content_id, update.episode_id, update.position_seconds,
            update.duration_seconds, watched, update.is_completed, update.completion_rate, update.quality,
            update.device_type, update.at, update.session_rank, update.seq)
        return row is not None

    async def get_position(self, *, profile_id: str, content_id: str, episode_id: str | None) -> WatchItem | None:
        """The stored item, or None."""
        row = await self._db.fetchrow(
            _SELECT_ITEM, profile_id, content_id, episode_id)
        return _item(row) if row else None

    async def continue_watching(self, *, profile_id: str, limit: int) -> list[WatchItem]:
        """Unfinished, undismissed titles, most recently watched first."""
        return [_item(r) for r in await self._db.fetch(_CONTINUE_WATCHING, profile_id, limit,
                                                         COMPLETED_AT_PERCENT)]

    async def dismiss(self, *, profile_id: str, content_id: str) -> int:
        """Mark every item of the title dismissed."""
        status = await self._db.execute(
            "UPDATE watch_history SET dismissed = TRUE WHERE profile_id = $1::uuid AND content_id = $2::uuid",
            profile_id, content_id)
        return int(status.split()[-1])

    async def history(self, *, profile_id: str, since: datetime | None, until: datetime | None,
                      offset: int, limit: int) -> tuple[list[WatchItem], int]:
        """A page of the profile's items in the window, most recent first, and the total."""
        async with self._db.acquire() as conn:
            total = await conn.fetchval(_COUNT_HISTORY, profile_id, since, until)
            rows = await conn.fetch(_PAGE_HISTORY, profile_id, since, until, offset, limit)
        return [_item(r) for r in rows], int(total)

    async def clear_history(self, *, profile_id: str) -> int:
        """Delete every item of the profile."""
        status = await self._db.execute("DELETE FROM watch_history WHERE profile_id = $1::uuid", profile_id)
        return int(status.split()[-1])

    async def watchlist_add(self, *, profile_id: str, content_id: str, at: datetime) -> bool:
        """Insert unless present."""
        row = await self._db.fetchrow(
            "INSERT INTO watchlist (profile_id, content_id, added_at) VALUES ($1::uuid, $2::uuid, $3)"
            " ON CONFLICT DO NOTHING RETURNING 1", profile_id, content_id, at)
        return row is not None

    async def watchlist_remove(self, *, profile_id: str, content_id: str) -> bool:
        """Delete if present."""
        status = await self._db.execute(
            "DELETE FROM watchlist WHERE profile_id = $1::uuid AND content_id = $2::uuid", profile_id, content_id)
        return status != "DELETE 0"

    async def watchlist(self, *, profile_id: str) -> list[WatchlistEntry]:
        """Most recently added first."""
        rows = await self._db.fetch(
            "SELECT content_id::text, added_at FROM watchlist WHERE profile_id = $1::uuid"
            " ORDER BY added_at DESC, content_id", profile_id)
        return [WatchlistEntry(content_id=r["content_id"], added_at=r["added_at"]) for r in rows]

    async def add_events(self, events: Sequence[EngagementEvent]) -> int:
        """Insert the batch in one statement."""
        if not events:
            return 0
        await self._db.executemany(
            "INSERT INTO engagement_events (type, profile_id, content_id, at, session_id, episode_id,"
            " position_seconds, client_ts, payload)"
            " VALUES ($1, $2::uuid, $3::uuid, $4, $5::uuid, $6::uuid, $7, $8, $9)",
            [(e.type, e.profile_id, e.content_id, e.at, e.session_id, e.episode_id, e.position_seconds,
              e.client_ts, dict(e.payload)) for e in events])
        return len(events)

    async def events(self, *, session_id: str | None = None, profile_id: str | None = None,
                     limit: int = 1000) -> list[EngagementEvent]:
        """Events filtered by session and/or profile, oldest first."""
        rows = await self._db.fetch(
            _SELECT_EVENTS, session_id, profile_id, limit)
        return [_event(r) for r in rows]

    async def trending(self, *, since: datetime, limit: int) -> list[TrendingAggregate]:
        """Distinct viewing profiles per title since ``since``, with completions and mean completion."""
        rows = await self._db.fetch(
            "SELECT content_id::text, count(DISTINCT profile_id) AS views,"
            " count(DISTINCT profile_id) FILTER (WHERE completed) AS completions,"
            " avg(completion_rate)::float8 AS avg_completion_rate"
            " FROM watch_history WHERE last_watched_at >= $1 GROUP BY content_id"
            " ORDER BY views DESC, completions DESC, content_id LIMIT $2", since, limit)
        return [TrendingAggregate(content_id=r["content_id"], views=r["views"], completions=r["completions"],
                                  avg_completion_rate=round(r["avg_completion_rate"] or 0.0, 1)) for r in rows]

    async def co_watched(self, *, content_ids: Sequence[str], exclude_profile_id: str,
                         limit: int) -> list[CoWatched]:
        """Co-occurrence of titles in other profiles' histories, from ``watch_history``."""
        rows = await self._db.fetch(
            "SELECT a.content_id::text AS seed, b.content_id::text AS other, count(DISTINCT b.profile_id) AS n"
            " FROM watch_history a JOIN watch_history b ON b.profile_id = a.profile_id AND b.content_id <> a.content_id"
            " WHERE a.content_id = ANY($1::uuid[]) AND a.profile_id <> $2::uuid"
            " GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT $3", list(content_ids), exclude_profile_id, limit)
        return [CoWatched(seed=r["seed"], other=r["other"], profiles=r["n"]) for r in rows]
