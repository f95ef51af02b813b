"""What the activity lists show about a title: names, images, episode numbers (read from the catalog)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True, slots=True)
class TitleInfo:
    """Display fields of a content row."""

    title: str
    type: str
    thumbnail_url: str | None
    poster_url: str | None


@dataclass(frozen=True, slots=True)
class EpisodeInfo:
    """Display fields of an episode."""

    id: str
    title: str
    season_number: int
    episode_number: int
    thumbnail_url: str | None


async def titles(db: asyncpg.Pool, *, content_ids: Iterable[str]) -> dict[str, TitleInfo]:
    """Display fields of each existing content id (missing ids are left out)."""
    ids = sorted(set(content_ids))
    if not ids:
        return {}
    rows = await db.fetch("SELECT id::text, title, type, thumbnail_url, poster_url FROM content"
                          " WHERE id = ANY($1::uuid[])", ids)
    return {r["id"]: TitleInfo(title=r["title"], type=r["type"], thumbnail_url=r["thumbnail_url"],
                               poster_url=r["poster_url"]) for r in rows}


async def episodes(db: asyncpg.Pool, *, episode_ids: Iterable[str | None]) -> dict[str, EpisodeInfo]:
    """Display fields of each existing episode id."""
    ids = sorted({e for e in episode_ids if e})
    if not ids:
        return {}
    rows = await db.fetch(
        "SELECT e.id::text, e.title, s.season_number, e.episode_number, e.thumbnail_url"
        " FROM episodes e JOIN seasons s ON s.id = e.season_id WHERE e.id = ANY($1::uuid[])", ids)
    return {r["id"]: EpisodeInfo(**dict(r)) for r in rows}


async def next_episode(db: asyncpg.Pool, *, content_id: str, episode_id: str) -> EpisodeInfo | None:
    """The episode after ``episode_id`` in season/episode order (across seasons), or None at the end."""
    row = await db.fetchrow(
        "SELECT n.id::text, n.title, ns.season_number, n.episode_number, n.thumbnail_url"
        " FROM episodes e JOIN seasons s ON s.id = e.season_id"
        " JOIN episodes n ON n.content_id = e.content_id JOIN seasons ns ON ns.id = n.season_id"
        " WHERE e.id = $1::uuid AND e.content_id = $2::uuid"
        "   AND (ns.season_number, n.episode_number) > (s.season_number, e.episode_number)"
        " ORDER BY ns.season_number, n.episode_number LIMIT 1", episode_id, content_id)
    return EpisodeInfo(**dict(row)) if row else None


async def item_duration(db: asyncpg.Pool, *, content_id: str, episode_id: str | None) -> float:
    """The playable item's duration in seconds from the catalog (0 when unknown)."""
    if episode_id:
        row = await db.fetchrow("SELECT asset_duration_s, duration_minutes FROM episodes"
                                " WHERE id = $1::uuid AND content_id = $2::uuid", episode_id, content_id)
    else:
        row = await db.fetchrow("SELECT asset_duration_s, duration_minutes FROM content WHERE id = $1::uuid",
                                content_id)
    if row is None:
        return 0.0
    if row["asset_duration_s"] is not None:
        return float(row["asset_duration_s"])
    return float((row["duration_minutes"] or 0) * 60)
