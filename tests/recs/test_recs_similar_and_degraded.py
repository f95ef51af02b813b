"""Similar titles with ``similarity_score``, and graceful degradation when the recommender fails."""

from __future__ import annotations

import uuid
from pathlib import Path

from aiohttp.test_utils import TestClient

from server import keys
from server.app import create_app
from server.settings import Settings
from tests.helpers import Viewer, auth, default_profile, register
from tests.recs.conftest import recs, watch


async def test_similar_titles_share_genres_and_cast(api: TestClient, titles: dict[str, str], viewer: Viewer) -> None:
    resp = await api.get(f"/api/v1/recommendations/similar/{titles['Action One']}?profile_id={viewer.profile_id}",
                         headers=viewer.headers)
    body = await resp.json()
    assert resp.status == 200, body
    got = [(s["title"], s["similarity_score"]) for s in body["similar"]]
    assert got[0][0] == "Action Two", "same genre, same lead, same language"
    assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
    assert all(0 < s <= 1 for _, s in got)
    names = [t for t, _ in got]
    assert "Action One" not in names and "Action Draft" not in names and "Action Adult" not in names
    assert names.index("Action Three") < names.index("Comedy One"), "a shared genre beats a shared language"
    assert "Drama One" not in names, "nothing in common: not similar at all"


async def test_similar_rejects_unknown_and_invisible(api: TestClient, titles: dict[str, str],
                                                     viewer: Viewer) -> None:
    for cid, status in [(str(uuid.uuid4()), 404), ("not-a-uuid", 404), (titles["Action Draft"], 404)]:
        resp = await api.get(f"/api/v1/recommendations/similar/{cid}", headers=viewer.headers)
        assert resp.status == status and resp.content_type == "application/problem+json"
    resp = await api.get(f"/api/v1/recommendations/similar/{titles['Action One']}?limit=500", headers=viewer.headers)
    assert resp.status == 422


async def test_recommender_failure_degrades_to_trending(api: TestClient, titles: dict[str, str],
                                                        viewer: Viewer) -> None:
    await watch(api, viewer.profile_id, titles["Comedy One"], percent=100)
    db = api.app[keys.DB]
    # A real failure: the table the recommender reads genres from disappears (this test's database only).
    await db.execute("ALTER TABLE content_genres RENAME TO content_genres_away")
    try:
        body = await recs(api, viewer, limit=5)
        resp = await api.get(f"/api/v1/recommendations/similar/{titles['Drama One']}", headers=viewer.headers)
        similar = await resp.json()
    finally:
        await db.execute("ALTER TABLE content_genres_away RENAME TO content_genres")
    assert body["degraded"] is True
    assert len(body["recommendations"]) == 5
    assert {r["reason"] for r in body["recommendations"]} == {"Trending now"}
    assert body["recommendations"][0]["title"] == "Comedy One", "the one watched title trends first"
    assert "Action Adult" not in {r["title"] for r in body["recommendations"]}, "rating still applies"
    assert resp.status == 200 and similar["degraded"] is True and similar["similar"]
    healthy = await recs(api, viewer, limit=5)
    assert healthy["degraded"] is False


async def test_recommender_timeout_degrades_to_trending(aiohttp_client, settings: Settings,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path) -> None:
    app = create_app(settings.model_copy(update={"recs_timeout_s": 0.0}))
    client: TestClient = await aiohttp_client(app)
    from tests.conftest import truncate_all

    await truncate_all(app[keys.DB])
    await app[keys.DB].execute("INSERT INTO content (type, title, workflow_state, asset_id) VALUES"
                               " ('movie', 'Only Film', 'published', 'testcard-10s')")
    user = await register(client)
    profile = await default_profile(client, user["access_token"])
    resp = await client.get(f"/api/v1/recommendations/personalized?profile_id={profile['id']}",
                            headers=auth(user["access_token"]))
    body = await resp.json()
    assert resp.status == 200 and body["degraded"] is True
    assert [(r["title"], r["reason"]) for r in body["recommendations"]] == [("Only Film", "Trending now")]
