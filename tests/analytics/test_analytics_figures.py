"""Analytics figures computed from real playback: starts, positions, completions and engagement events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from tests.helpers import auth, default_profile, grant_role, register, set_tier


async def _title(api: TestClient, title: str) -> str:
    cid = uuid.uuid4()
    await api.app[keys.DB].execute(
        "INSERT INTO content (id, type, title, workflow_state, asset_id, asset_duration_s, maturity_rating)"
        " VALUES ($1, 'movie', $2, 'published', 'analytics-asset', 600, 'U')", cid, title)
    return str(cid)


class Viewer:
    """An account with its default profile, watching from one country."""

    def __init__(self, api: TestClient, user: dict[str, Any], profile_id: str, country: str) -> None:
        self.api, self.profile_id = api, profile_id
        self.headers = {**auth(user["access_token"]), "X-Country-Code": country}

    async def play(self, cid: str, *, device: str, position: float | None = None, complete: bool = False,
                   events: list[tuple[str, dict[str, Any]]] = ()) -> str:  # type: ignore[assignment]
        """Start, report, complete and send events, like a player would; the session id."""
        resp = await self.api.post("/api/v1/stream/playback/start", headers=self.headers, json={
            "profile_id": self.profile_id, "content_id": cid, "device_type": device})
        assert resp.status == 200, await resp.text()
        sid = (await resp.json())["session_id"]
        base = {"session_id": sid, "profile_id": self.profile_id, "content_id": cid}
        if position is not None:
            r = await self.api.put("/api/v1/stream/playback/position", headers=self.headers,
                                   json={**base, "position_seconds": position, "duration_seconds": 600, "seq": 1})
            assert r.status == 200, await r.text()
        if complete:
            r = await self.api.post("/api/v1/stream/playback/complete", headers=self.headers, json=base)
            assert r.status == 200, await r.text()
        if events:
            now = datetime.now(UTC).isoformat()
            r = await self.api.post("/api/v1/activity/events", headers=self.headers, json={
                "profile_id": self.profile_id, "events": [
                    {"type": t, "client_ts": now, "content_id": cid, "session_id": sid, "payload": p}
                    for t, p in events]})
            assert r.status == 202, await r.text()
        return sid


async def _viewer(api: TestClient, *, country: str, tier: str) -> Viewer:
    user = await register(api)
    if tier != "free":
        await set_tier(api, user["user_id"], tier)
    profile = await default_profile(api, user["access_token"])
    return Viewer(api, user, profile["id"], country)


@pytest.fixture
async def analyst(api: TestClient) -> dict[str, str]:
    """Headers of an analyst."""
    user = await register(api)
    await grant_role(api, user["user_id"], "analyst")
    return auth(user["access_token"])


async def test_content_and_overview_figures(api: TestClient, analyst: dict[str, str]) -> None:
    movie, other = await _title(api, "Monsoon"), await _title(api, "Other")
    free = await _viewer(api, country="IN", tier="free")
    premium = await _viewer(api, country="US", tier="premium")
    await free.play(movie, device="mobile", position=300, events=[
        ("stream_start", {"stream_start_ms": 800}), ("stall", {"duration_ms": 2000}),
        ("ad_start", {"ad_id": "a1"}), ("ad_start", {"ad_id": "a2"})])
    await premium.play(movie, device="tv", complete=True, events=[
        ("stream_start", {"stream_start_ms": 1200}), ("stall", {"duration_ms": 1000}),
        ("stall", {"duration_ms": 3000}), ("quality_change", {"from": "360p", "to": "720p"})])
    await premium.play(movie, device="web")
    await premium.play(other, device="web", position=200, events=[("stream_start", {"stream_start_ms": 400})])
    db = api.app[keys.DB]
    user_id = await db.fetchval("SELECT user_id FROM profiles WHERE id = $1::uuid", premium.profile_id)
    await db.execute("INSERT INTO payment_orders (id, user_id, plan_type, purpose, amount_paise, status)"
                     " VALUES ('order_t1', $1, 'monthly', 'new', 29900, 'paid')", user_id)
    await db.execute("INSERT INTO payments (gateway_payment_id, order_id, user_id, amount_paise, status)"
                     " VALUES ('pay_t1', 'order_t1', $1, 29900, 'captured')", user_id)

    resp = await api.get(f"/api/v1/analytics/content/{movie}", headers=analyst)
    body = await resp.json()
    assert resp.status == 200, body
    f = body["figures"]
    assert body["title"] == "Monsoon"
    assert (f["views"], f["unique_viewers"], f["completions"]) == (3, 2, 1)
    assert f["watch_time_seconds"] == 900.0 and f["average_watch_time_seconds"] == 300.0
    assert f["completion_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert f["devices"] == {"mobile": 1, "tv": 1, "web": 1}
    assert f["countries"] == {"IN": 1, "US": 2}
    assert f["stream_start_ms"] == {"count": 2, "p50": 1000.0, "p95": 1180.0}
    rb = f["rebuffering"]
    assert (rb["stalls"], rb["sessions_with_stalls"], rb["stalled_seconds"]) == (3, 2, 6.0)
    assert rb["duration_ms"] == {"count": 3, "p50": 2000.0, "p95": 2900.0}
    assert rb["rebuffer_ratio"] == pytest.approx(6 / 900, abs=1e-4)
    assert f["quality_changes"] == 1
    rev = f["revenue"]
    assert (rev["svod_views"], rev["avod_views"], rev["ad_impressions"]) == (2, 1, 2)
    assert rev["avod_paise"] == 40  # 2 impressions at 20 000 paise per thousand
    assert rev["svod_paise"] == round(29900 * 600 / 800)  # premium watch time: 600 s here, 200 s on the other

    overview = await (await api.get("/api/v1/analytics/overview?top=1", headers=analyst)).json()
    o = overview["figures"]
    assert (o["views"], o["unique_viewers"]) == (4, 2)
    assert o["stream_start_ms"]["count"] == 3 and o["stream_start_ms"]["p50"] == 800.0
    assert o["revenue"]["svod_paise"] == 29900
    assert overview["top_titles"] == [{"content_id": movie, "title": "Monsoon", "views": 3}]

    future = datetime.now(UTC) + timedelta(days=1)
    later = await api.get("/api/v1/analytics/content/" + movie, headers=analyst,
                          params={"from": future.isoformat(), "to": (future + timedelta(days=1)).isoformat()})
    lf = (await later.json())["figures"]
    assert lf["views"] == 0 and lf["average_watch_time_seconds"] is None and lf["stream_start_ms"]["p50"] is None


@pytest.mark.parametrize("query", [
    {"from": "yesterday"}, {"from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z"},
    {"from": "2020-01-01T00:00:00Z", "to": "2030-01-01T00:00:00Z"}, {"to": "2030-01-01T00:00:00"},
    {"bogus": "1"}, {"top": "0"},
])
async def test_analytics_rejects_bad_ranges(api: TestClient, analyst: dict[str, str], query: dict[str, str]) -> None:
    resp = await api.get("/api/v1/analytics/overview", headers=analyst, params=query)
    assert resp.status == 422 and resp.content_type == "application/problem+json"


async def test_analytics_roles_and_unknown_titles(api: TestClient, analyst: dict[str, str]) -> None:
    viewer = await register(api)
    denied = await api.get("/api/v1/analytics/overview", headers=auth(viewer["access_token"]))
    assert denied.status == 403
    for cid in ("nope", str(uuid.uuid4())):
        assert (await api.get(f"/api/v1/analytics/content/{cid}", headers=analyst)).status == 404
