"""SQL of notifications: fan a new episode out to the profiles that watchlisted the show, list, mark read."""

from __future__ import annotations

from typing import Any, TypeAlias

import asyncpg

Db: TypeAlias = asyncpg.Pool | asyncpg.Connection


async def new_episode(conn: Db, *, content_id: str, episode_id: str) -> int:
    """Notify every profile with the show on its watchlist of the new episode; how many were notified."""
    status = await conn.execute(
        "INSERT INTO notifications (profile_id, kind, content_id, episode_id, message)"
        " SELECT w.profile_id, 'new_episode', c.id, e.id,"
        "  'New episode of ' || c.title || ': S' || s.season_number || 'E' || e.episode_number || ' ' || e.title"
        " FROM watchlist w JOIN content c ON c.id = w.content_id"
        " JOIN episodes e ON e.id = $2::uuid JOIN seasons s ON s.id = e.season_id"
        " WHERE w.content_id = $1::uuid", content_id, episode_id)
    return int(status.split()[-1])


async def page(db: Db, *, profile_id: str, unread: bool, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """One page of the profile's notifications, newest first, and how many there are."""
    where = "profile_id = $1::uuid AND ($2::bool IS FALSE OR read_at IS NULL)"
    total = await db.fetchval(f"SELECT count(*) FROM notifications WHERE {where}", profile_id, unread)  # noqa: S608
    rows = await db.fetch(
        f"SELECT id::text, kind, content_id::text, episode_id::text, message, created_at, read_at IS NOT NULL AS read"  # noqa: S608
        f" FROM notifications WHERE {where} ORDER BY created_at DESC, id LIMIT $3 OFFSET $4",
        profile_id, unread, limit, offset)
    return [{**dict(r), "created_at": r["created_at"].isoformat()} for r in rows], int(total)


async def mark_read(db: Db, *, profile_id: str, notification_id: str) -> bool:
    """Mark one of the profile's notifications read; False when it is not theirs."""
    status = await db.execute("UPDATE notifications SET read_at = coalesce(read_at, now())"
                              " WHERE id = $1::uuid AND profile_id = $2::uuid", notification_id, profile_id)
    return status == "UPDATE 1"
