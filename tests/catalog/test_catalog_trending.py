"""Trending from real watch_history rows: scoring, periods, Redis cache, scheduled recompute."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient

from server import keys
from server.app import create_app
from server.catalog.trending import cache_key, recompute_all
from tests.catalog.conftest import insert_title
from tests.conftest import make_settings, truncate_all


async def make_profiles(db, n: int) -> list[str]:
    user = await db.fetchval("INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id",
                             f"{uuid.uuid4().hex}@example.com")
    return [str(await db.fetchval("INSERT INTO profiles (user_id, name) VALUES ($1, $2) RETURNING id", user, f"p{i}"))
            for i in range(n)]


async def watch(db, *, profile: str, content: str, completed: bool, days_ago: float = 0.1) -> None:
    at = datetime.now(UTC) - timedelta(days=days_ago)
    await db.execute(
        "INSERT INTO watch_history (profile_id, content_id, position_seconds, duration_seconds, completed,"
        " started_at, last_watched_at) VALUES ($1::uuid, $2::uuid, $3, 60, $4, $5, $5)",
        profile, content, 60 if completed else 10, completed, at)


async def tray(api: TestClient, **params: str) -> list[dict]:
    resp = await api.get("/api/v1/catalog/trending", params=params)
    body = await resp.json()
    assert resp.status == 200, body
    return list(body["trending"])


async def test_trending_ranks_views_and_completion_then_popularity(api) -> None:
    db = api.app[keys.DB]
    popular = await insert_title(db, title="Popular Unwatched", popularity=99)
    quiet = await insert_title(db, title="Quiet Unwatched", popularity=1)
    hit = await insert_title(db, title="Big Hit", popularity=5)
    finished = await insert_title(db, title="Finished By One", popularity=5)
    old = await insert_title(db, title="Watched Last Week", popularity=4)  # same score as "finished"
    adult = await insert_title(db, title="Adult Hit", rating="A", popularity=5)
    profiles = await make_profiles(db, 4)
    for p in profiles[:3]:
        await watch(db, profile=p, content=hit, completed=p == profiles[0])
    await watch(db, profile=profiles[3], content=finished, completed=True)
    await watch(db, profile=profiles[0], content=old, completed=True, days_ago=4)
    for p in profiles:
        await watch(db, profile=p, content=adult, completed=True)

    week = await tray(api, period="7d")
    assert [t["id"] for t in week] == [adult, hit, finished, old, popular, quiet]
    assert week[0]["views"] == 4 and week[0]["completion_rate"] == 1.0 and week[0]["trend_score"] == 1.0
    assert week[1]["views"] == 3 and abs(week[1]["completion_rate"] - 1 / 3) < 1e-3
    assert [t["rank"] for t in week] == [1, 2, 3, 4, 5, 6]
    day = await tray(api, period="24h")
    assert [t["id"] for t in day][:3] == [adult, hit, finished]
    assert next(t for t in day if t["id"] == old)["views"] == 0
    assert len(await tray(api, period="7d", limit="2")) == 2

    # The list's default sort follows the same 7-day ranking.
    resp = await api.get("/api/v1/catalog/content", params={"limit": "3"})
    assert [i["id"] for i in (await resp.json())["content"]] == [adult, hit, finished]


async def test_trending_is_cached_until_recomputed(api) -> None:
    db = api.app[keys.DB]
    first = await insert_title(db, title="First", popularity=50)
    second = await insert_title(db, title="Second", popularity=10)
    assert [t["id"] for t in await tray(api)] == [first, second]
    settings = api.app[keys.SETTINGS]
    assert await api.app[keys.REDIS].exists(cache_key(settings.redis_namespace, "7d"))
    for p in await make_profiles(db, 2):
        await watch(db, profile=p, content=second, completed=True)
    assert [t["id"] for t in await tray(api)] == [first, second]  # served from the cache
    counts = await recompute_all(api.app)
    assert counts == {"24h": 2, "7d": 2, "30d": 2}
    assert [t["id"] for t in await tray(api)] == [second, first]


async def test_trending_hides_what_the_viewer_may_not_see(api) -> None:
    db = api.app[keys.DB]
    shown = await insert_title(db, title="Everywhere")
    await insert_title(db, title="Draft", state="draft", popularity=100)
    geo = await insert_title(db, title="US Only", geo=["US"], popularity=90)
    assert [t["id"] for t in await tray(api)] == [shown]
    resp = await api.get("/api/v1/catalog/trending", headers={"X-Country-Code": "US"})
    assert [t["id"] for t in (await resp.json())["trending"]] == [geo, shown]


async def test_scheduled_recompute_refreshes_the_cache(aiohttp_client, tmp_path, store_urls) -> None:
    settings = make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1],
                             catalog_trending_interval_s=1)
    client: TestClient = await aiohttp_client(create_app(settings))
    db, redis = client.app[keys.DB], client.app[keys.REDIS]
    await truncate_all(db)
    await insert_title(db, title="Scheduled")
    key = cache_key(settings.redis_namespace, "30d")
    for _ in range(100):  # the background task fills the cache without any request
        if await redis.exists(key):
            break
        await asyncio.sleep(0.1)
    assert await redis.exists(key)
