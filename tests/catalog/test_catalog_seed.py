"""The demo catalog: deterministic, idempotent, bilingual, pointing at the sample assets."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

from server import keys
from server.catalog.seed import CONTENT_COLUMNS, SAMPLE_ASSETS, asset_durations, build_catalog, seed_catalog

TABLES = ("content", "seasons", "episodes", "genres", "people", "content_genres", "content_people",
          "audio_tracks", "subtitles", "video_variants")
TODAY = date(2025, 6, 1)


def col(name: str) -> int:
    return CONTENT_COLUMNS.index(name)


def is_devanagari(text: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in text)


def test_build_is_deterministic_and_shaped_like_the_brief() -> None:
    rows = build_catalog(movies=400, shows=100, sports=40, seed=42, today=TODAY)
    assert rows.content == build_catalog(movies=400, shows=100, sports=40, seed=42, today=TODAY).content
    assert rows.content != build_catalog(movies=400, shows=100, sports=40, seed=43, today=TODAY).content
    by_type = Counter(r[col("type")] for r in rows.content)
    assert by_type == {"movie": 400, "tv_show": 100, "sports": 40}
    assert len({r[col("title")].lower() for r in rows.content}) == 540
    assert 1200 <= len(rows.episodes) <= 3000 and 100 <= len(rows.seasons) <= 300
    movies = [r for r in rows.content if r[col("type")] == "movie"]
    free_share = sum(r[col("tier_requirement")] == "free" for r in movies) / len(movies)
    assert 0.55 < free_share < 0.78
    assert all(is_devanagari(r[col("title_hi")]) and is_devanagari(r[col("description_hi")]) for r in rows.content)
    assert all(2010 <= r[col("year")] <= 2025 for r in rows.content)
    assert {r[col("maturity_rating")] for r in rows.content} == {"U", "U/A", "A"}
    states = Counter(r[col("workflow_state")] for r in rows.content)
    assert 0 < 540 - states["published"] < 40
    assert any(r[col("geo_restriction")] for r in rows.content)
    assert any(r[col("available_until")] is not None for r in rows.content)
    playable = [r[col("asset_id")] for r in rows.content if r[col("type")] != "tv_show"]
    assert set(playable) | {e[11] for e in rows.episodes} <= set(SAMPLE_ASSETS)
    people_use = Counter(p[1] for p in rows.content_people)
    assert max(people_use.values()) >= 5  # cast is reused across titles


def test_asset_durations_come_from_asset_json(tmp_path) -> None:
    (tmp_path / "testcard-30s").mkdir()
    (tmp_path / "testcard-30s" / "asset.json").write_text(json.dumps({"duration": 29.96}))
    (tmp_path / "testcard-10s").mkdir()
    (tmp_path / "testcard-10s" / "asset.json").write_text("not json")
    durations = asset_durations(tmp_path)
    assert durations == {"testcard-60s": 60.0, "testcard-30s": 29.96, "testcard-10s": 10.0, "testcard-7m": 420.0}
    assert asset_durations(None) == SAMPLE_ASSETS


async def test_seeding_twice_gives_the_same_rows(api) -> None:
    db = api.app[keys.DB]
    first = await seed_catalog(db, movies=30, shows=5, sports=3)
    counts = {t: await db.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES}  # noqa: S608
    snapshot_sql = "SELECT id, title, title_hi, tier_requirement, search_vector::text FROM content ORDER BY id"
    snapshot = await db.fetch(snapshot_sql)
    second = await seed_catalog(db, movies=30, shows=5, sports=3)
    assert {t: await db.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES} == counts  # noqa: S608
    assert await db.fetch(snapshot_sql) == snapshot
    assert counts["content"] == 38 and counts["episodes"] == first.episodes == second.episodes
    assert await db.fetchval("SELECT count(*) FROM content WHERE search_vector IS NULL") == 0
