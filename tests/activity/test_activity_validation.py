"""Garbage in: every activity and playback endpoint answers 4xx problem+json, never 5xx."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.activity.conftest import Catalog, start
from tests.helpers import Viewer

BODY_ENDPOINTS = [
    ("POST", "/api/v1/stream/playback/start"),
    ("PUT", "/api/v1/stream/playback/position"),
    ("POST", "/api/v1/stream/playback/complete"),
    ("POST", "/api/v1/activity/watchlist"),
    ("POST", "/api/v1/activity/events"),
]
QUERY_ENDPOINTS = [
    ("GET", "/api/v1/activity/continue-watching"),
    ("GET", "/api/v1/activity/history"),
    ("DELETE", "/api/v1/activity/history"),
    ("GET", "/api/v1/activity/watchlist"),
    ("DELETE", f"/api/v1/activity/watchlist/{uuid.uuid4()}"),
    ("DELETE", f"/api/v1/activity/continue-watching/{uuid.uuid4()}"),
]
GARBAGE_BODIES: list[tuple[str, dict[str, str]]] = [
    ("{not json", {"Content-Type": "application/json"}),
    ("[1, 2, 3]", {"Content-Type": "application/json"}),
    ('"text"', {"Content-Type": "application/json"}),
    ("{}", {"Content-Type": "application/json"}),
    ('{"profile_id": 42}', {"Content-Type": "application/json"}),
    ("profile_id=x", {"Content-Type": "application/x-www-form-urlencoded"}),
    ("\xff\xfe", {"Content-Type": "application/json"}),
]


async def _assert_problem(resp: Any, *allowed: int) -> None:
    assert resp.status in allowed, (resp.status, await resp.text())
    assert resp.content_type == "application/problem+json"
    body = await resp.json()
    assert body["status"] == resp.status


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
async def test_garbage_bodies_are_4xx(api: TestClient, viewer: Viewer, method: str, path: str) -> None:
    for raw, headers in GARBAGE_BODIES:
        resp = await api.request(method, path, data=raw.encode("utf-8", "surrogateescape"),
                                 headers={**viewer.headers, **headers})
        await _assert_problem(resp, 400, 415, 422)


@pytest.mark.parametrize(("method", "path"), QUERY_ENDPOINTS)
async def test_garbage_queries_are_4xx(api: TestClient, viewer: Viewer, method: str, path: str) -> None:
    for params in ({}, {"profile_id": "nope"}, {"profile_id": viewer.profile_id, "limit": "many"},
                   {"profile_id": viewer.profile_id, "page": "0"}, {"profile_id": viewer.profile_id, "x": "1"}):
        resp = await api.request(method, path, params=params, headers=viewer.headers)
        if resp.status < 400:  # DELETE endpoints do not take page/limit... but extra keys are refused
            pytest.fail(f"{method} {path} {params} answered {resp.status}")
        await _assert_problem(resp, 404, 422)


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS + QUERY_ENDPOINTS)
async def test_no_token_is_401(api: TestClient, method: str, path: str) -> None:
    resp = await api.request(method, path, json={})
    await _assert_problem(resp, 401)


async def test_position_field_bounds(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    session = await start(api, viewer, catalog.movie)
    base = {"session_id": session["session_id"], "profile_id": viewer.profile_id, "content_id": catalog.movie,
            "position_seconds": 10, "duration_seconds": 600}
    for bad in ({"position_seconds": -1}, {"duration_seconds": 0}, {"seq": -1}, {"seq": 2**60},
                {"quality": "'; DROP TABLE"}, {"position_seconds": "ten"}, {"session_id": "abc"},
                {"duration_seconds": 1e12}):
        resp = await api.put("/api/v1/stream/playback/position", json={**base, **bad}, headers=viewer.headers)
        await _assert_problem(resp, 422)
    raw = json.dumps({**base, "position_seconds": float("inf")})  # a bare Infinity token
    assert "Infinity" in raw
    resp = await api.put("/api/v1/stream/playback/position", data=raw,
                         headers={**viewer.headers, "Content-Type": "application/json"})
    await _assert_problem(resp, 422)
    unknown = {**base, "session_id": str(uuid.uuid4())}
    resp = await api.put("/api/v1/stream/playback/position", json=unknown, headers=viewer.headers)
    await _assert_problem(resp, 404)
