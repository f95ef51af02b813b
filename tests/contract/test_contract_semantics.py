"""Spec semantics kept: default audio/subtitles from the profile language, no playback of what is
not packaged, the advertised plan discounts."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.api.stream import default_languages
from tests.helpers import new_viewer
from tests.streaming.conftest import MediaRoot, add_title, manifest, media_root, settings  # noqa: F401


@pytest.fixture
def backend() -> str:
    """One backend is enough here."""
    return "system"


@pytest.mark.parametrize(("language", "audio"), [("hi", "hi"), ("en", "en")])
async def test_default_audio_follows_the_profile_language(api: TestClient, language: str, audio: str) -> None:
    cid = await add_title(api)
    viewer = await new_viewer(api, name="Viewer", language_preference=language)
    status, body, _ = await manifest(api, viewer, cid)
    assert status == 200, body
    assert [a["language"] for a in body["audio_tracks"] if a["is_default"]] == [audio]
    assert not any(s["is_default"] for s in body["subtitles"]), "the audio speaks the profile's language"


def test_subtitles_are_the_default_when_no_audio_speaks_the_language(media_root: MediaRoot) -> None:  # noqa: F811
    asset = media_root.asset
    english_only = asset.model_copy(update={"audio": [a for a in asset.audio if a.language == "en"]})
    assert default_languages(english_only, "hi") == ("en", "hi")
    assert default_languages(asset, "hi") == ("hi", None)
    assert default_languages(asset, None)[1] is None


async def test_an_unpackaged_episode_does_not_start(api: TestClient) -> None:
    db = api.app[keys.DB]
    show = await db.fetchval("INSERT INTO content (type, title, maturity_rating, workflow_state, tier_requirement,"
                             " published_at) VALUES ('tv_show', 'Show', 'U', 'published', 'free', now())"
                             " RETURNING id::text")
    season = await db.fetchval("INSERT INTO seasons (content_id, season_number) VALUES ($1::uuid, 1) RETURNING id",
                               show)
    missing = await db.fetchval("INSERT INTO episodes (season_id, content_id, episode_number, title, asset_id)"
                                " VALUES ($1, $2::uuid, 1, 'Not packaged', 'no-such-asset') RETURNING id::text",
                                season, show)
    viewer = await new_viewer(api)
    resp = await api.post("/api/v1/stream/playback/start", headers=viewer.headers, json={
        "profile_id": viewer.profile_id, "content_id": show, "episode_id": missing})
    assert resp.status == 404, await resp.text()
    assert "not packaged" in (await resp.json())["detail"]


async def test_plans_show_the_advertised_discounts(api: TestClient) -> None:
    plans = {p["id"]: p for p in (await (await api.get("/api/v1/subscriptions/plans")).json())["plans"]}
    assert (plans["quarterly"]["discount_percent"], plans["annual"]["discount_percent"]) == (11, 17)


async def test_trending_puts_what_the_region_watches_first(api: TestClient) -> None:
    db = api.app[keys.DB]
    ids = [await db.fetchval(
        "INSERT INTO content (type, title, maturity_rating, workflow_state, tier_requirement, published_at, popularity)"
        " VALUES ('movie', $1, 'U', 'published', 'free', now(), $2) RETURNING id::text", name, pop)
        for name, pop in (("Local hit", 1.0), ("Global hit", 99.0))]
    local, global_hit = ids
    for _ in range(3):
        await db.execute("INSERT INTO analytics_playback_starts (session_id, user_id, profile_id, content_id,"
                         " country, tier) VALUES (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), $1::uuid,"
                         " 'US', 'free')", local)
    header = api.app[keys.SETTINGS].country_header

    async def first(country: str) -> str:
        body = await (await api.get("/api/v1/catalog/trending", headers={header: country})).json()
        return str(body["trending"][0]["id"])

    assert await first("US") == local
    assert await first("IN") == global_hit
