"""CMS persistence: content rows, genre/cast links, seasons and episodes, versions and their snapshots.

Every function takes a connection inside the caller's transaction; nothing here commits. Column
names put into SQL text come only from ``CONTENT_FIELDS`` (constants); values are bind parameters.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from typing import Any, TypeAlias

import asyncpg

from server.cms.models import CONTENT_FIELDS, CastIn, ContentListOut, ContentListQuery, ContentOut, CreditOut
from server.errors import NotFound, ValidationFailed
from server.listing import Pagination, pagination

log = logging.getLogger(__name__)

#: What a snapshot holds besides the editable fields; restore puts back fields, genres and cast.
Db: TypeAlias = asyncpg.Pool | asyncpg.Connection
STATE_KEYS: tuple[str, ...] = ("workflow_state", "publish_at", "published_at", "asset_id", "review_comments")


def parse_id(value: str, *, what: str = "content") -> str:
    """``value`` as a canonical UUID string; malformed ids cannot exist (404)."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError) as err:
        raise NotFound(f"no {what} {str(value)[:64]}") from err


def jsonable(value: Any) -> Any:
    """A database value as JSON (dates and datetimes as ISO strings, UUIDs as strings)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


async def fetch_content(conn: Db, *, content_id: str, lock: bool = False) -> asyncpg.Record:
    """The content row (locked FOR UPDATE when ``lock``); NotFound when there is none."""
    cid = parse_id(content_id)
    suffix = " FOR UPDATE" if lock else ""
    row = await conn.fetchrow(f"SELECT * FROM content WHERE id = $1::uuid{suffix}", cid)  # noqa: S608
    if row is None:
        raise NotFound(f"no content {cid}")
    return row


async def genre_ids(conn: asyncpg.Connection, *, content_id: str) -> list[str]:
    """The title's genre ids, sorted."""
    rows = await conn.fetch("SELECT genre_id::text AS g FROM content_genres WHERE content_id = $1::uuid ORDER BY 1",
                            content_id)
    return [r["g"] for r in rows]


async def cast_list(conn: asyncpg.Connection, *, content_id: str) -> list[dict[str, Any]]:
    """The title's credits in billing order."""
    rows = await conn.fetch(
        "SELECT cp.person_id::text AS person_id, p.name, cp.role, cp.billing, cp.character_name"
        " FROM content_people cp JOIN people p ON p.id = cp.person_id WHERE cp.content_id = $1::uuid"
        " ORDER BY cp.billing, cp.role, p.name, cp.person_id", content_id)
    return [dict(r) for r in rows]


async def seasons_tree(conn: asyncpg.Connection, *, content_id: str) -> list[dict[str, Any]]:
    """Seasons with their episodes, in order."""
    seasons = await conn.fetch(
        "SELECT id::text AS id, season_number, title, title_hi, release_date FROM seasons"
        " WHERE content_id = $1::uuid ORDER BY season_number", content_id)
    episodes = await conn.fetch(
        "SELECT id::text AS id, season_id::text AS season_id, episode_number, title, title_hi, duration_minutes,"
        " air_date, asset_id FROM episodes WHERE content_id = $1::uuid ORDER BY episode_number", content_id)
    out = []
    for s in seasons:
        eps = [{k: jsonable(v) for k, v in e.items() if k != "season_id"}
               for e in episodes if e["season_id"] == s["id"]]
        out.append({**{k: jsonable(v) for k, v in s.items()}, "episodes": eps})
    return out


async def snapshot(conn: asyncpg.Connection, *, content_id: str) -> dict[str, Any]:
    """The title's full state as JSON: editable fields, workflow, genres, cast, seasons."""
    row = await fetch_content(conn, content_id=content_id)
    snap: dict[str, Any] = {k: jsonable(row[k]) for k in CONTENT_FIELDS}
    snap.update({k: jsonable(row[k]) for k in STATE_KEYS})
    snap["genres"] = await genre_ids(conn, content_id=content_id)
    snap["cast"] = [{k: v for k, v in c.items() if k != "name"} for c in await cast_list(conn, content_id=content_id)]
    snap["seasons"] = await seasons_tree(conn, content_id=content_id)
    return snap


async def record_version(conn: asyncpg.Connection, *, content_id: str, action: str, author_id: str | None,
                         comment: str | None = None) -> int:
    """Store the title's current snapshot as its next version; the new version number."""
    snap = await snapshot(conn, content_id=content_id)
    version: int = await conn.fetchval(
        "UPDATE content SET version = version + 1, updated_at = now() WHERE id = $1::uuid RETURNING version",
        content_id)
    await conn.execute(
        "INSERT INTO content_versions (content_id, version, action, author_id, comment, snapshot)"
        " VALUES ($1::uuid, $2, $3, $4::uuid, $5, $6::jsonb)", content_id, version, action, author_id, comment, snap)
    return version


def _bad(field: str, message: str, kind: str = "value_error") -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message, "type": kind}])


async def insert_content(conn: asyncpg.Connection, *, fields: dict[str, Any], author_id: str | None) -> str:
    """Insert a draft with ``fields`` (names from CONTENT_FIELDS); its new id."""
    names = [k for k in CONTENT_FIELDS if k in fields and fields[k] is not None]
    cols = ", ".join(["created_by", *names])
    marks = ", ".join(f"${i}" for i in range(1, len(names) + 2))
    cid: uuid.UUID = await conn.fetchval(
        f"INSERT INTO content ({cols}) VALUES ({marks}) RETURNING id",  # noqa: S608
        author_id, *[fields[k] for k in names])
    return str(cid)


async def update_fields(conn: asyncpg.Connection, *, content_id: str, fields: dict[str, Any]) -> None:
    """Set the given editable columns; a window or check violation is a 422."""
    names = [k for k in CONTENT_FIELDS if k in fields]
    if not names:
        return
    sets = ", ".join(f"{k} = ${i}" for i, k in enumerate(names, start=2))
    try:
        await conn.execute(f"UPDATE content SET {sets}, updated_at = now() WHERE id = $1::uuid",  # noqa: S608
                           content_id, *[fields[k] for k in names])
    except asyncpg.CheckViolationError as err:
        raise _bad(names[0] if len(names) == 1 else "body",
                   f"the change breaks a content rule ({err.constraint_name})") from err


async def set_genres(conn: asyncpg.Connection, *, content_id: str, genres: list[str]) -> None:
    """Replace the title's genres; an unknown genre id is a 422."""
    wanted = sorted({str(g) for g in genres})
    found = await conn.fetch("SELECT id::text AS id FROM genres WHERE id = ANY($1::uuid[])", wanted)
    missing = sorted(set(wanted) - {r["id"] for r in found})
    if missing:
        raise _bad("genres", f"unknown genre ids: {', '.join(missing)}")
    await conn.execute("DELETE FROM content_genres WHERE content_id = $1::uuid", content_id)
    await conn.executemany("INSERT INTO content_genres (content_id, genre_id) VALUES ($1::uuid, $2::uuid)",
                           [(content_id, g) for g in wanted])


async def set_cast(conn: asyncpg.Connection, *, content_id: str, cast: list[CastIn]) -> None:
    """Replace the title's credits; an unknown person id or a duplicate credit is a 422."""
    ids = sorted({str(c.person_id) for c in cast})
    found = await conn.fetch("SELECT id::text AS id FROM people WHERE id = ANY($1::uuid[])", ids)
    missing = sorted(set(ids) - {r["id"] for r in found})
    if missing:
        raise _bad("cast", f"unknown person ids: {', '.join(missing)}")
    keys = [(str(c.person_id), c.role) for c in cast]
    if len(keys) != len(set(keys)):
        raise _bad("cast", "the same person is credited twice in the same role")
    await conn.execute("DELETE FROM content_people WHERE content_id = $1::uuid", content_id)
    await conn.executemany(
        "INSERT INTO content_people (content_id, person_id, role, billing, character_name)"
        " VALUES ($1::uuid, $2::uuid, $3, $4, $5)",
        [(content_id, str(c.person_id), c.role, c.billing, c.character_name) for c in cast])


async def refresh_search(conn: asyncpg.Connection, *, content_ids: list[str]) -> None:
    """Recompute the searched names (cast, genres) of the titles after their links changed."""
    await conn.execute("SELECT ott_refresh_content_search($1::uuid[])", content_ids)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def content_out(conn: asyncpg.Connection, *, content_id: str) -> ContentOut:
    """The title as the CMS shows it."""
    row = await fetch_content(conn, content_id=content_id)
    cast = [CreditOut(**c) for c in await cast_list(conn, content_id=str(row["id"]))]
    return ContentOut(
        id=str(row["id"]), workflow_state=row["workflow_state"], version=row["version"],
        created_by=str(row["created_by"]) if row["created_by"] else None, created_at=row["created_at"].isoformat(),
        updated_at=row["updated_at"].isoformat(), published_at=_iso(row["published_at"]),
        publish_at=_iso(row["publish_at"]), submitted_at=_iso(row["submitted_at"]),
        approved_at=_iso(row["approved_at"]), review_comments=row["review_comments"], asset_id=row["asset_id"],
        fields={k: jsonable(row[k]) for k in CONTENT_FIELDS},
        genres=await genre_ids(conn, content_id=str(row["id"])), cast=cast)


def like_pattern(text: str) -> str:
    """A case-insensitive LIKE pattern matching ``text`` anywhere (its wildcards escaped)."""
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def content_page(conn: asyncpg.Connection, *, query: ContentListQuery, owner: str | None) -> ContentListOut:
    """A page of titles in any state, most recently updated first, filtered as ``query`` asks."""
    params: list[Any] = [query.state, query.type, query.tier, owner, like_pattern(query.q) if query.q else None]
    where = ("($1::text IS NULL OR workflow_state = $1) AND ($2::text IS NULL OR type = $2)"
             " AND ($3::text IS NULL OR tier_requirement = $3) AND ($4::uuid IS NULL OR created_by = $4::uuid)"
             " AND ($5::text IS NULL OR lower(title) LIKE $5)")
    total = await conn.fetchval(f"SELECT count(*) FROM content WHERE {where}", *params)  # noqa: S608
    rows = await conn.fetch(
        f"SELECT id::text AS id FROM content WHERE {where} ORDER BY updated_at DESC, id"  # noqa: S608
        " LIMIT $6 OFFSET $7", *params, query.limit, query.offset)
    items = [await content_out(conn, content_id=r["id"]) for r in rows]
    return ContentListOut(content=items, pagination=Pagination(
        **pagination(page=query.page, limit=query.limit, total=total)))
