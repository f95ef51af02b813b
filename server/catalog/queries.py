"""Catalog reads: filtered/sorted pages, title details, one season's episodes, genre counts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg

from server.auth.viewer import Viewer
from server.catalog.availability import Db, parse_uuid, tier_allows, visibility_sql, visible_content
from server.errors import NotFound

log = logging.getLogger(__name__)

Sort = Literal["trending", "recent", "a-z", "release_date"]

# Columns of a list card; ``c`` is the content row.
CARD_COLUMNS = (
    "c.id::text AS id, c.type, c.title, c.title_hi, c.description, c.description_hi, c.release_date, c.year,"
    " c.duration_minutes, c.maturity_rating, c.poster_url, c.thumbnail_url, c.tier_requirement, c.view_count,"
    " c.languages, c.original_language, c.available_until, c.popularity,"
    " ARRAY(SELECT g.name FROM content_genres cg JOIN genres g ON g.id = cg.genre_id"
    "       WHERE cg.content_id = c.id ORDER BY g.sort_order) AS genres"
)
ORDERS: dict[str, str] = {
    "trending": "array_position($TRENDING::uuid[], c.id) NULLS LAST, c.popularity DESC, c.id",
    "recent": "coalesce(c.available_from, c.published_at, c.created_at) DESC, c.id",
    "a-z": "lower(c.title), c.id",
    "release_date": "c.release_date DESC NULLS LAST, c.id",
}


@dataclass(frozen=True, slots=True)
class ListFilters:
    """The list endpoint's filters (None = not filtered)."""

    type: str | None = None
    genre: str | None = None
    language: str | None = None
    tier: str | None = None
    year: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    maturity: str | None = None


def card(row: asyncpg.Record) -> dict[str, Any]:
    """A list card from a row selected with ``CARD_COLUMNS``."""
    out = {k: row[k] for k in ("id", "type", "title", "title_hi", "description", "description_hi", "year",
                               "duration_minutes", "maturity_rating", "poster_url", "thumbnail_url",
                               "tier_requirement", "view_count", "original_language")}
    out["release_date"] = row["release_date"].isoformat() if row["release_date"] else None
    out["available_until"] = row["available_until"].isoformat() if row["available_until"] else None
    out["genres"] = list(row["genres"])
    out["languages"] = list(row["languages"])
    out["premium"] = row["tier_requirement"] == "premium"
    return out


def _filter_sql(filters: ListFilters, params: list[Any]) -> list[str]:
    conds: list[str] = []

    def add(template: str, value: Any) -> None:
        params.append(value)
        conds.append(template.replace("$?", f"${len(params)}"))

    if filters.type:
        add("c.type = $?", filters.type)
    if filters.genre:
        add("EXISTS (SELECT 1 FROM content_genres cg JOIN genres g ON g.id = cg.genre_id"
            " WHERE cg.content_id = c.id AND g.slug = $?)", filters.genre)
    if filters.language:
        add("c.languages @> ARRAY[$?::text]", filters.language)
    if filters.tier:
        add("c.tier_requirement = $?", filters.tier)
    if filters.year is not None:
        add("c.year = $?", filters.year)
    if filters.year_from is not None:
        add("c.year >= $?", filters.year_from)
    if filters.year_to is not None:
        add("c.year <= $?", filters.year_to)
    if filters.maturity:
        add("c.maturity_rating = $?", filters.maturity)
    return conds


async def list_content(db: Db, *, viewer: Viewer, filters: ListFilters, sort: Sort, page: int, limit: int,
                       trending_ids: list[str]) -> tuple[list[dict[str, Any]], int]:
    """One page of visible titles and the total number matching; ``trending_ids`` orders ``trending``."""
    params: list[Any] = []
    conds = [visibility_sql(viewer=viewer, params=params), *_filter_sql(filters, params)]
    where = " AND ".join(conds)
    order = ORDERS[sort]
    if "$TRENDING" in order:
        params.append(trending_ids)
        order = order.replace("$TRENDING", f"${len(params)}")
    params += [limit, (page - 1) * limit]
    # Rank and count on the bare rows first; build cards (genre lookups) only for the page.
    sql = (f"WITH ranked AS (SELECT c.id, count(*) OVER () AS total, row_number() OVER (ORDER BY {order}) AS rn"  # noqa: S608
           f" FROM content c WHERE {where} ORDER BY rn LIMIT ${len(params) - 1} OFFSET ${len(params)})"
           f" SELECT {CARD_COLUMNS}, r.total FROM ranked r JOIN content c ON c.id = r.id ORDER BY r.rn")
    rows = await db.fetch(sql, *params)
    if rows:
        return [card(r) for r in rows], int(rows[0]["total"])
    count_params = params[: -2 - (1 if sort == "trending" else 0)]
    total = await db.fetchval(f"SELECT count(*) FROM content c WHERE {where}", *count_params)  # noqa: S608
    return [], int(total)


DETAILS_SQL = """
SELECT c.*, coalesce(c.available_from > now(), false) AS upcoming,
  (SELECT coalesce(json_agg(json_build_object('name', g.name, 'name_hi', g.name_hi, 'slug', g.slug)
                            ORDER BY g.sort_order), '[]'::json)
     FROM content_genres cg JOIN genres g ON g.id = cg.genre_id WHERE cg.content_id = c.id) AS genre_rows,
  (SELECT coalesce(json_agg(json_build_object('id', p.id, 'name', p.name, 'name_hi', p.name_hi, 'role', cp.role,
                                              'character', cp.character_name) ORDER BY cp.role, cp.billing, p.name),
                   '[]'::json)
     FROM content_people cp JOIN people p ON p.id = cp.person_id WHERE cp.content_id = c.id) AS people_rows,
  (SELECT coalesce(json_agg(json_build_object('id', s.id, 'season_number', s.season_number, 'title', s.title,
                                              'title_hi', s.title_hi, 'release_date', s.release_date,
                                              'episode_count',
                                              (SELECT count(*) FROM episodes e WHERE e.season_id = s.id))
                            ORDER BY s.season_number), '[]'::json)
     FROM seasons s WHERE s.content_id = c.id) AS season_rows,
  (SELECT coalesce(json_agg(json_build_object('language', a.language, 'label', a.label, 'is_default', a.is_default)
                            ORDER BY a.is_default DESC, a.language), '[]'::json)
     FROM audio_tracks a WHERE a.content_id = c.id) AS audio_rows,
  ARRAY(SELECT st.language FROM subtitles st WHERE st.content_id = c.id ORDER BY st.language) AS subtitle_languages_
FROM content c WHERE c.id = $1::uuid AND {cond}
"""


async def content_details(db: Db, *, viewer: Viewer, content_id: str) -> dict[str, Any]:
    """Everything about one visible or coming-soon title (one query): seasons, cast, director, genres,
    languages, tier badge; a coming-soon title is not playable."""
    params: list[Any] = [parse_uuid(content_id, what="content")]
    cond = visibility_sql(viewer=viewer, params=params, upcoming="also")
    row = await db.fetchrow(DETAILS_SQL.format(cond=cond), *params)
    if row is None:
        raise NotFound(f"no content {content_id}")
    genres, people, audio = row["genre_rows"], row["people_rows"], row["audio_rows"]
    actors = [p for p in people if p["role"] == "actor"]
    directors = [p["name"] for p in people if p["role"] == "director"]
    return {
        "id": str(row["id"]), "type": row["type"], "title": row["title"], "title_hi": row["title_hi"],
        "description": row["description"], "description_hi": row["description_hi"],
        "release_date": row["release_date"].isoformat() if row["release_date"] else None, "year": row["year"],
        "duration_minutes": row["duration_minutes"], "maturity_rating": row["maturity_rating"],
        "poster_url": row["poster_url"], "thumbnail_url": row["thumbnail_url"], "trailer_url": row["trailer_url"],
        "original_language": row["original_language"],
        "genres": [g["name"] for g in genres],
        "genre_details": genres,
        "tier_requirement": row["tier_requirement"], "premium": row["tier_requirement"] == "premium",
        "playable": tier_allows(viewer_tier=viewer.tier, required=row["tier_requirement"]) and not row["upcoming"],
        "coming_soon": bool(row["upcoming"]),
        "seasons": row["season_rows"],
        "cast": [p["name"] for p in actors],
        "cast_details": [{k: p[k] for k in ("id", "name", "name_hi", "character")} for p in actors],
        "director": directors[0] if directors else None,
        "directors": directors,
        "audio_languages": [a["language"] for a in audio],
        "audio_tracks": audio,
        "subtitle_languages": list(row["subtitle_languages_"]),
        "available_from": row["available_from"].isoformat() if row["available_from"] else None,
        "available_until": row["available_until"].isoformat() if row["available_until"] else None,
        "view_count": row["view_count"],
    }


async def list_coming_soon(db: Db, *, viewer: Viewer, page: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Published titles whose window opens later, soonest first (listable, not playable), and their number."""
    params: list[Any] = []
    where = visibility_sql(viewer=viewer, params=params, upcoming="only")
    total = await db.fetchval(f"SELECT count(*) FROM content c WHERE {where}", *params)  # noqa: S608
    rows = await db.fetch(
        f"SELECT {CARD_COLUMNS}, c.available_from FROM content c WHERE {where}"  # noqa: S608
        f" ORDER BY c.available_from, c.id LIMIT ${len(params) + 1} OFFSET ${len(params) + 2}",
        *params, limit, (page - 1) * limit)
    return [{**card(r), "available_from": r["available_from"].isoformat()} for r in rows], int(total)


async def season_episodes(db: Db, *, viewer: Viewer, content_id: str, season_number: int) -> dict[str, Any]:
    """One season of a visible show, with its episodes in order."""
    row = await visible_content(db, viewer=viewer, content_id=content_id)
    season = await db.fetchrow(
        "SELECT id, season_number, title, title_hi, release_date FROM seasons"
        " WHERE content_id = $1 AND season_number = $2", row["id"], season_number)
    if season is None:
        raise NotFound(f"{row['title']} has no season {season_number}")
    episodes = await db.fetch(
        "SELECT id::text AS id, episode_number, title, title_hi, description, description_hi, duration_minutes,"
        " thumbnail_url, air_date FROM episodes WHERE season_id = $1 ORDER BY episode_number", season["id"])
    return {
        "content_id": str(row["id"]), "season_id": str(season["id"]), "season_number": season["season_number"],
        "title": season["title"], "title_hi": season["title_hi"],
        "release_date": season["release_date"].isoformat() if season["release_date"] else None,
        "tier_requirement": row["tier_requirement"],
        "playable": tier_allows(viewer_tier=viewer.tier, required=row["tier_requirement"]),
        "episodes": [{**dict(e), "air_date": e["air_date"].isoformat() if e["air_date"] else None}
                     for e in episodes],
    }


async def genre_counts(db: Db, *, viewer: Viewer) -> list[dict[str, Any]]:
    """Every genre with the number of titles in it that this viewer may see."""
    params: list[Any] = []
    cond = visibility_sql(viewer=viewer, params=params)
    rows = await db.fetch(
        "SELECT g.id::text AS id, g.name, g.name_hi, g.slug, g.icon_url,"  # noqa: S608
        f" count(c.id) FILTER (WHERE {cond}) AS content_count"
        " FROM genres g LEFT JOIN content_genres cg ON cg.genre_id = g.id LEFT JOIN content c ON c.id = cg.content_id"
        " GROUP BY g.id ORDER BY g.sort_order, g.name", *params)
    return [{**dict(r), "content_count": int(r["content_count"])} for r in rows]


async def cards_by_ids(db: Db, *, viewer: Viewer, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Visible cards for ``ids`` (invisible or unknown ids are left out), keyed by id."""
    params: list[Any] = [[parse_uuid(i, what="content") for i in ids]]
    cond = visibility_sql(viewer=viewer, params=params)
    rows = await db.fetch(f"SELECT {CARD_COLUMNS} FROM content c WHERE c.id = ANY($1::uuid[]) AND {cond}",  # noqa: S608
                          *params)
    return {r["id"]: card(r) for r in rows}


async def genre_name(db: Db, *, slug: str) -> str | None:
    """The name of the genre with ``slug``, or None."""
    name: str | None = await db.fetchval("SELECT name FROM genres WHERE slug = $1", slug)
    return name
