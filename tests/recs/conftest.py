"""Recommendation fixtures: a small catalog with genres, cast and directors, viewers, and history
written through the real activity store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.activity.store import PositionUpdate
from server.keys import ACTIVITY_STORE
from server.settings import Settings
from tests.conftest import make_settings
from tests.helpers import Viewer, new_viewer

# title: (genres, people, language, rating, state)
TITLES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, str, str]] = {
    "Action One": (("Action",), ("Arjun Rao",), "hi", "U/A", "published"),
    "Action Two": (("Action",), ("Arjun Rao",), "hi", "U/A", "published"),
    "Action Three": (("Action", "Thriller"), ("Meera Iyer",), "hi", "U/A", "published"),
    "Action Four": (("Action",), ("Kabir Das",), "en", "U/A", "published"),
    "Action Adult": (("Action",), ("Arjun Rao",), "hi", "A", "published"),
    "Action Draft": (("Action",), ("Arjun Rao",), "hi", "U/A", "draft"),
    "Comedy One": (("Comedy",), ("Lata Sen",), "hi", "U", "published"),
    "Comedy Two": (("Comedy",), ("Lata Sen",), "hi", "U", "published"),
    "Drama One": (("Drama",), ("Ravi Nair",), "en", "U/A", "published"),
    "Drama Two": (("Drama",), ("Ravi Nair",), "en", "U/A", "published"),
    "Horror One": (("Horror",), ("Nina Roy",), "en", "U/A", "published"),
    "Kids One": (("Animation",), ("Tara Bose",), "hi", "U", "published"),
}


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str]) -> Settings:
    """The selected backend, cheap bcrypt."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], bcrypt_rounds=4)


@pytest.fixture
async def titles(api: TestClient) -> dict[str, str]:
    """The TITLES catalog; title → content id."""
    db = api.app[keys.DB]
    genre_ids: dict[str, str] = {}
    person_ids: dict[str, str] = {}
    out: dict[str, str] = {}
    for i, (title, (genres, people, lang, rating, state)) in enumerate(TITLES.items()):
        cid = str(await db.fetchval(
            "INSERT INTO content (type, title, workflow_state, tier_requirement, asset_id, asset_duration_s,"
            " original_language, languages, maturity_rating, popularity, poster_url)"
            " VALUES ('movie', $1, $2, 'free', 'testcard-10s', 600, $3::text, ARRAY[$3::text], $4, $5, $6)"
            " RETURNING id",
            title, state, lang, rating, float(i), f"/poster/{i}.jpg"))
        out[title] = cid
        for g in genres:
            if g not in genre_ids:
                genre_ids[g] = str(await db.fetchval("INSERT INTO genres (name, slug) VALUES ($1, $2) RETURNING id",
                                                     g, g.lower()))
            await db.execute("INSERT INTO content_genres VALUES ($1::uuid, $2::uuid)", cid, genre_ids[g])
        for p in people:
            if p not in person_ids:
                person_ids[p] = str(await db.fetchval("INSERT INTO people (name) VALUES ($1) RETURNING id", p))
            await db.execute("INSERT INTO content_people (content_id, person_id, role) VALUES ($1::uuid, $2::uuid,"
                             " 'actor')", cid, person_ids[p])
    return out


@pytest.fixture
async def viewer(api: TestClient) -> Viewer:
    """A fresh account with a U/A profile."""
    return await new_viewer(api, maturity_rating="U/A")


_SEQ = iter(range(1, 10**9))


async def watch(api: TestClient, profile_id: str, content_id: str, *, percent: float = 50.0) -> None:
    """Record that the profile watched ``percent`` of a 600 s title (through the activity store)."""
    n = next(_SEQ)
    await api.app[ACTIVITY_STORE].apply_position(PositionUpdate(
        profile_id=profile_id, content_id=content_id, episode_id=None, position_seconds=6.0 * percent,
        duration_seconds=600.0, session_rank=n, seq=n, at=datetime.now(UTC)))


async def recs(api: TestClient, v: Viewer, *, limit: int = 20) -> dict[str, Any]:
    """GET personalised recommendations; assert 200."""
    resp = await api.get(f"/api/v1/recommendations/personalized?profile_id={v.profile_id}&limit={limit}",
                         headers=v.headers)
    body: dict[str, Any] = await resp.json()
    assert resp.status == 200, body
    return body
