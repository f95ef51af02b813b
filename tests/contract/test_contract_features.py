"""Spec features that were missing: coming-soon titles (listable, not playable)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from tests.helpers import new_viewer


@pytest.fixture
def backend() -> str:
    """One backend is enough here."""
    return "system"


async def test_coming_soon_titles_are_listed_but_not_playable(api: TestClient) -> None:
    db = api.app[keys.DB]
    soon = await db.fetchval(
        "INSERT INTO content (type, title, maturity_rating, workflow_state, tier_requirement, published_at,"
        " available_from, asset_id, asset_duration_s) VALUES ('movie', 'Soon', 'U', 'published', 'free', now(),"
        " now() + interval '10 days', 'some-asset', 60) RETURNING id::text")
    out = await db.fetchval(
        "INSERT INTO content (type, title, maturity_rating, workflow_state, tier_requirement, published_at)"
        " VALUES ('movie', 'Out now', 'U', 'published', 'free', now()) RETURNING id::text")
    listed = await (await api.get("/api/v1/catalog/coming-soon")).json()
    assert [c["id"] for c in listed["content"]] == [soon] and listed["pagination"]["total"] == 1
    assert listed["content"][0]["available_from"]
    catalog = await (await api.get("/api/v1/catalog/content")).json()
    assert [c["id"] for c in catalog["content"]] == [out], "not in the playable catalog"
    details = await (await api.get(f"/api/v1/catalog/content/{soon}")).json()
    assert details["coming_soon"] is True and details["playable"] is False
    viewer = await new_viewer(api)
    play = await api.post("/api/v1/stream/playback/start", headers=viewer.headers,
                          json={"profile_id": viewer.profile_id, "content_id": soon})
    assert play.status == 404
