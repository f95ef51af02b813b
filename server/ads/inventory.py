"""Ad inventory in PostgreSQL: create, read, update, delete, list."""

from __future__ import annotations

from typing import Any

import asyncpg

from server.ads.models import AdFields, AdIn
from server.errors import NotFound

COLUMNS = ("id::text AS id, title, advertiser, campaign, category, asset_id, duration_seconds, click_url, priority,"
           " skippable, skip_after_seconds, start_date, end_date, max_impressions, current_impressions,"
           " target_genres, target_age_min, target_age_max, target_countries, active, created_at, updated_at")
SETTABLE = tuple(AdFields.model_fields)


def _values(fields: AdFields, names: tuple[str, ...]) -> list[Any]:
    out = []
    for name in names:
        value = getattr(fields, name)
        out.append(str(value) if name == "click_url" and value is not None else value)
    return out


async def create(db: asyncpg.Pool, *, ad: AdIn, created_by: str) -> asyncpg.Record:
    """Insert an ad (unset fields take the table defaults)."""
    names = tuple(n for n in SETTABLE if n in ad.model_fields_set or n in ("title", "asset_id", "duration_seconds"))
    cols = ", ".join(names)
    marks = ", ".join(f"${i}" for i in range(2, len(names) + 2))
    return await db.fetchrow(f"INSERT INTO ads (created_by, {cols}) VALUES ($1::uuid, {marks})"  # noqa: S608
                             f" RETURNING {COLUMNS}", created_by, *_values(ad, names))


async def get(db: asyncpg.Pool, *, ad_id: str) -> asyncpg.Record:
    """One ad; NotFound when unknown."""
    row = await db.fetchrow(f"SELECT {COLUMNS} FROM ads WHERE id = $1::uuid", ad_id)  # noqa: S608
    if row is None:
        raise NotFound(f"no ad {ad_id}")
    return row


async def update(db: asyncpg.Pool, *, ad_id: str, fields: AdFields) -> asyncpg.Record:
    """Set the given fields (explicit nulls clear optional ones); NotFound when unknown."""
    names = tuple(n for n in SETTABLE if n in fields.model_fields_set)
    if not names:
        return await get(db, ad_id=ad_id)
    sets = ", ".join(f"{n} = ${i}" for i, n in enumerate(names, start=2))
    try:
        row = await db.fetchrow(f"UPDATE ads SET {sets}, updated_at = now() WHERE id = $1::uuid"  # noqa: S608
                                f" RETURNING {COLUMNS}", ad_id, *_values(fields, names))
    except asyncpg.NotNullViolationError as err:
        raise_validation(err)
    except asyncpg.CheckViolationError as err:
        raise_validation(err)
    if row is None:
        raise NotFound(f"no ad {ad_id}")
    return row


def raise_validation(err: asyncpg.PostgresError) -> None:
    """Turn a constraint violation of an update into a 422."""
    from server.errors import ValidationFailed

    raise ValidationFailed("the ad would be inconsistent", errors=[
        {"field": getattr(err, "column_name", None), "message": str(err).splitlines()[0], "type": "value_error"}
    ]) from err


async def delete(db: asyncpg.Pool, *, ad_id: str) -> None:
    """Remove an ad; NotFound when unknown."""
    if await db.execute("DELETE FROM ads WHERE id = $1::uuid", ad_id) == "DELETE 0":
        raise NotFound(f"no ad {ad_id}")


async def listing(db: asyncpg.Pool, *, active: bool | None, limit: int,
                  offset: int) -> tuple[list[asyncpg.Record], int]:
    """A page of ads, highest priority first, and the total."""
    rows = await db.fetch(f"SELECT {COLUMNS}, count(*) OVER () AS total FROM ads"  # noqa: S608
                          " WHERE $1::boolean IS NULL OR active = $1 ORDER BY priority DESC, created_at, id"
                          " LIMIT $2 OFFSET $3", active, limit, offset)
    total = rows[0]["total"] if rows else await db.fetchval(
        "SELECT count(*) FROM ads WHERE $1::boolean IS NULL OR active = $1", active)
    return rows, int(total)
