"""Genres and people (cast and crew) as the CMS searches and adds them."""

from __future__ import annotations

import asyncpg

from server.cms.models import GenreIn, GenreOut, PersonIn, PersonOut
from server.cms.store import Db, like_pattern
from server.errors import Conflict


async def find_genres(db: Db, *, q: str | None, limit: int) -> list[GenreOut]:
    """Genres whose name or slug contains ``q`` (all without it), in display order."""
    pattern = like_pattern(q) if q else None
    rows = await db.fetch(
        "SELECT id::text AS id, name, name_hi, slug FROM genres WHERE $1::text IS NULL OR lower(name) LIKE $1"
        " OR slug LIKE $1 ORDER BY sort_order, name LIMIT $2", pattern, limit)
    return [GenreOut(**dict(r)) for r in rows]


async def genre_ids_by_slug(db: Db) -> dict[str, str]:
    """Every genre's id by its slug."""
    return {r["slug"]: r["id"] for r in await db.fetch("SELECT slug, id::text AS id FROM genres")}


async def create_genre(db: Db, *, body: GenreIn) -> GenreOut:
    """A new genre; 409 when the name or slug exists."""
    try:
        row = await db.fetchrow(
            "INSERT INTO genres (name, name_hi, slug, sort_order) VALUES ($1, $2, $3, $4)"
            " RETURNING id::text AS id, name, name_hi, slug", body.name, body.name_hi, body.slug, body.sort_order)
    except asyncpg.UniqueViolationError as err:
        raise Conflict(f"a genre named {body.name!r} or with slug {body.slug!r} exists") from err
    return GenreOut(**dict(row))


async def find_people(db: Db, *, q: str | None, limit: int) -> list[PersonOut]:
    """People whose name (English or Hindi) contains ``q`` (all without it), by name."""
    pattern = like_pattern(q) if q else None
    rows = await db.fetch(
        "SELECT id::text AS id, name, name_hi FROM people WHERE $1::text IS NULL OR lower(name) LIKE $1"
        " OR lower(coalesce(name_hi, '')) LIKE $1 ORDER BY name, id LIMIT $2", pattern, limit)
    return [PersonOut(**dict(r)) for r in rows]


async def create_person(db: Db, *, body: PersonIn) -> PersonOut:
    """A new cast or crew member."""
    row = await db.fetchrow(
        "INSERT INTO people (name, name_hi) VALUES ($1, $2) RETURNING id::text AS id, name, name_hi",
        body.name, body.name_hi)
    return PersonOut(**dict(row))
