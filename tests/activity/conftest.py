"""Activity fixtures: a tiny catalog inserted with SQL, and a viewer (account + default profile)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from tests.helpers import Viewer, new_viewer


@dataclass
class Catalog:
    """Ids of the rows inserted by ``catalog``."""

    movie: str
    premium_movie: str
    show: str
    episodes: list[str]                     # S1E1, S1E2, S2E1 in order
    movies: list[str] = field(default_factory=list)   # 22 more free movies


async def _movie(db: Any, title: str, *, tier: str = "free", duration: float = 600.0) -> str:
    return str(await db.fetchval(
        "INSERT INTO content (type, title, workflow_state, tier_requirement, asset_id, asset_duration_s,"
        " thumbnail_url, poster_url) VALUES ('movie', $1, 'published', $2, $3, $4, $5, $6) RETURNING id",
        title, tier, f"asset-{uuid.uuid4().hex[:8]}", duration, f"/img/{title}.jpg", f"/poster/{title}.jpg"))


@pytest.fixture
async def catalog(api: TestClient) -> Catalog:
    """Two movies (free, premium), a show with S1E1, S1E2, S2E1, and 22 more free movies."""
    db = api.app[keys.DB]
    movie = await _movie(db, "Free Movie")
    premium = await _movie(db, "Premium Movie", tier="premium")
    show = str(await db.fetchval(
        "INSERT INTO content (type, title, workflow_state, tier_requirement)"
        " VALUES ('tv_show', 'The Show', 'published', 'free') RETURNING id"))
    episodes = []
    for season_no, count in ((1, 2), (2, 1)):
        season = await db.fetchval("INSERT INTO seasons (content_id, season_number) VALUES ($1, $2) RETURNING id",
                                   uuid.UUID(show), season_no)
        for number in range(1, count + 1):
            episodes.append(str(await db.fetchval(
                "INSERT INTO episodes (season_id, content_id, episode_number, title, asset_id, asset_duration_s)"
                " VALUES ($1, $2, $3, $4, $5, 1200) RETURNING id",
                season, uuid.UUID(show), number, f"Episode {season_no}.{number}", f"ep-{season_no}-{number}")))
    movies = [await _movie(db, f"Movie {i:02d}") for i in range(22)]
    return Catalog(movie=movie, premium_movie=premium, show=show, episodes=episodes, movies=movies)


@pytest.fixture
async def viewer(api: TestClient) -> Viewer:
    """A fresh free-tier account with its default profile."""
    return await new_viewer(api)


async def start(api: TestClient, v: Viewer, content_id: str, episode_id: str | None = None,
                **extra: Any) -> dict[str, Any]:
    """POST playback/start and return the 200 body."""
    payload: dict[str, Any] = {"profile_id": v.profile_id, "content_id": content_id, "device_type": "tui", **extra}
    if episode_id:
        payload["episode_id"] = episode_id
    resp = await api.post("/api/v1/stream/playback/start", json=payload, headers=v.headers)
    body: dict[str, Any] = await resp.json()
    assert resp.status == 200, body
    return body


async def report(api: TestClient, v: Viewer, session: dict[str, Any], position: float, *,
                 duration: float = 600.0, seq: int | None = None, expect: int = 200, **extra: Any) -> dict[str, Any]:
    """PUT playback/position for ``session`` (a start body) and return the body."""
    payload: dict[str, Any] = {"session_id": session["session_id"], "profile_id": v.profile_id,
                               "content_id": session["content_id"], "episode_id": session["episode_id"],
                               "position_seconds": position, "duration_seconds": duration, **extra}
    if seq is not None:
        payload["seq"] = seq
    resp = await api.put("/api/v1/stream/playback/position", json=payload, headers=v.headers)
    body: dict[str, Any] = await resp.json()
    assert resp.status == expect, body
    return body
