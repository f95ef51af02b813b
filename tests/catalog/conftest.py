"""Catalog fixtures: a small seeded catalog and hand-made titles with exact availability rules."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.catalog.seed import SeedSummary, seed_catalog

NOW = datetime.now(UTC)


@pytest.fixture
async def small_catalog(api: TestClient) -> SeedSummary:
    """40 movies, 6 shows, 4 sports replays seeded into the test app's database."""
    return await seed_catalog(api.app[keys.DB], movies=40, shows=6, sports=4, seed=7)


async def insert_title(db: asyncpg.Pool, *, title: str, type_: str = "movie", rating: str = "U",
                       tier: str = "free", state: str = "published", geo: list[str] | None = None,
                       available_from: datetime | None = None, available_until: datetime | None = None,
                       title_hi: str | None = None, genres: tuple[str, ...] = (), year: int = 2020,
                       popularity: float = 0.0, asset_id: str | None = "testcard-60s") -> str:
    """Insert one title with exactly these rules; return its id."""
    cid = str(uuid.uuid4())
    await db.execute(
        "INSERT INTO content (id, type, title, title_hi, maturity_rating, tier_requirement, workflow_state,"
        " geo_restriction, available_from, available_until, year, release_date, popularity, asset_id,"
        " asset_duration_s, duration_minutes)"
        " VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 100)",
        cid, type_, title, title_hi, rating, tier, state, geo, available_from, available_until, year,
        date(year, 6, 1), popularity, None if type_ == "tv_show" else asset_id,
        None if type_ == "tv_show" else 60.0)
    for slug in genres:
        await db.execute(
            "INSERT INTO genres (name, slug) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING", slug.title(), slug)
        await db.execute("INSERT INTO content_genres (content_id, genre_id)"
                         " SELECT $1::uuid, id FROM genres WHERE slug = $2", cid, slug)
    return cid


async def add_season(db: asyncpg.Pool, *, content_id: str, number: int, episodes: int) -> list[str]:
    """Add a season with ``episodes`` episodes to a show; return the episode ids in order."""
    sid = await db.fetchval("INSERT INTO seasons (content_id, season_number, title) VALUES ($1::uuid, $2, $3)"
                            " RETURNING id", content_id, number, f"Season {number}")
    ids = []
    for e in range(1, episodes + 1):
        ids.append(str(await db.fetchval(
            "INSERT INTO episodes (season_id, content_id, episode_number, title, asset_id, asset_duration_s)"
            " VALUES ($1, $2::uuid, $3, $4, 'testcard-10s', 10.0) RETURNING id",
            sid, content_id, e, f"Episode {e}")))
    return ids


@pytest.fixture
async def rules_catalog(api: TestClient) -> dict[str, Any]:
    """One title per availability rule, keyed by what makes it special."""
    db = api.app[keys.DB]
    ids = {
        "u": await insert_title(db, title="Open Sky", rating="U", genres=("family",)),
        "ua": await insert_title(db, title="Night Chase", rating="U/A", genres=("thriller",)),
        "a": await insert_title(db, title="Dark Alley", rating="A", tier="premium", genres=("thriller",)),
        "draft": await insert_title(db, title="Unfinished Draft", state="draft"),
        "review": await insert_title(db, title="Awaiting Review", state="pending_review"),
        "soon": await insert_title(db, title="Coming Soon Film", available_from=NOW + timedelta(days=3)),
        "expired": await insert_title(db, title="Expired Film", available_from=NOW - timedelta(days=30),
                                      available_until=NOW - timedelta(days=1)),
        "leaving": await insert_title(db, title="Leaving Soon Film", available_until=NOW + timedelta(days=3)),
        "india": await insert_title(db, title="India Only", geo=["IN"]),
        "us": await insert_title(db, title="US Only", geo=["US", "GB"]),
        "show": await insert_title(db, title="Family Show", type_="tv_show", rating="U", tier="premium"),
    }
    s1 = await add_season(db, content_id=ids["show"], number=1, episodes=2)
    s2 = await add_season(db, content_id=ids["show"], number=2, episodes=1)
    return {"ids": ids, "episodes": s1 + s2}
