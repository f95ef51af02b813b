"""Steered sessions: client pins, server steering in auto mode, state endpoint, engagement events, bad input."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.streaming import throughput
from server.streaming.delivery import SMALL_BYTES, rtt_from_log
from server.streaming.state import batcher, session_store
from tests.helpers import new_viewer
from tests.streaming.conftest import add_title, log_link, manifest, media_playlist


async def _events(api: TestClient, sid: str, *, count: int) -> list[dict[str, object]]:
    """quality_change payloads of the session (waits for ``count``: server events are stored after the body)."""
    rows: list[dict[str, object]] = []
    for _ in range(100):
        rows = [dict(r["payload"]) for r in await api.app[keys.DB].fetch(
            "SELECT payload FROM engagement_events WHERE session_id = $1::uuid AND type = 'quality_change'"
            " ORDER BY id", sid)]
        if len(rows) >= count:
            break
        await asyncio.sleep(0.02)
    return rows


async def test_client_pin_and_state(api: TestClient) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    _, body, _ = await manifest(api, viewer, cid, headers={"Downlink": "0.9"})
    sid = body["session_id"]
    state = await (await api.get(f"/api/v1/stream/sessions/{sid}", headers=viewer.headers)).json()
    assert state["mode"] == "auto" and state["current"] == body["start"] and state["switches"] == []
    assert state["variants"] == [q["quality"] for q in body["qualities"]]
    resp = await api.put(f"/api/v1/stream/sessions/{sid}/rendition", json={"rendition": "144p"}, headers=viewer.headers)
    assert resp.status == 200
    state = await resp.json()
    assert state["mode"] == "fixed" and state["current"] == "144p"
    _, steered = await media_playlist(api, body["steered_url"])
    seg = await api.get(steered[1])
    assert seg.status == 200 and seg.headers["X-OTT-Rendition"] == "144p"
    assert seg.headers["Cache-Control"] == "no-store"
    assert (await seg.read())[:1] == b"G"
    back = await api.put(f"/api/v1/stream/sessions/{sid}/rendition", json={"rendition": "auto"}, headers=viewer.headers)
    assert (await back.json())["mode"] == "auto"
    if body["start"] != "144p":
        payloads = await _events(api, sid, count=1)
        assert payloads[0]["by"] == "client" and payloads[0]["to"] == "144p"


async def test_server_steers_auto_sessions_from_measured_throughput(api: TestClient) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    _, body, _ = await manifest(api, viewer, cid, net="4g")
    sid = body["session_id"]
    assert body["start"] in ("360p", "720p")
    await log_link(api, viewer.user_id, kbps=240, nbytes=30_000)  # the viewer's link collapsed: 30 kB per second
    _, steered = await media_playlist(api, body["steered_url"])
    seg = await api.get(steered[0])
    assert seg.status == 200 and seg.headers["X-OTT-Rendition"] == "144p"
    await seg.read()
    payloads = await _events(api, sid, count=1)
    assert payloads and payloads[0]["by"] == "server" and payloads[0]["from"] == body["start"]
    assert payloads[0]["to"] == "144p" and "throughput" in str(payloads[0]["reason"])
    state = await (await api.get(f"/api/v1/stream/sessions/{sid}", headers=viewer.headers)).json()
    assert state["current"] == "144p" and state["switch_count"] == 1
    assert state["switches"][0]["by"] == "server" and state["switches"][0]["segment"] == 1


async def test_pinned_sessions_are_not_steered(api: TestClient) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    _, body, _ = await manifest(api, viewer, cid, net="3g")
    sid = body["session_id"]
    await api.put(f"/api/v1/stream/sessions/{sid}/rendition", json={"rendition": "360p"}, headers=viewer.headers)
    await log_link(api, viewer.user_id, kbps=240, nbytes=30_000)
    _, steered = await media_playlist(api, body["steered_url"])
    seg = await api.get(steered[0])
    assert seg.headers["X-OTT-Rendition"] == "360p"


async def test_session_endpoints_reject_garbage_and_strangers(api: TestClient) -> None:
    viewer, stranger = await new_viewer(api), await new_viewer(api)
    cid = await add_title(api)
    _, body, _ = await manifest(api, viewer, cid, net="2g")
    sid = body["session_id"]
    url = f"/api/v1/stream/sessions/{sid}/rendition"
    bad_bodies = [{"rendition": "720p"}, {"rendition": "../x"}, {"rendition": ""}, {"rendition": 5}, {},
                  {"rendition": "144p", "extra": 1}]
    for payload in bad_bodies:
        resp = await api.put(url, json=payload, headers=viewer.headers)
        assert resp.status == 422, payload
        assert resp.headers["Content-Type"].startswith("application/problem+json")
    resp = await api.put(url, data=b"{not json", headers={**viewer.headers, "Content-Type": "application/json"})
    assert resp.status == 400
    resp = await api.put(url, data=b"rendition=144p", headers={**viewer.headers, "Content-Type": "text/plain"})
    assert resp.status == 415
    assert (await api.put(url, json={"rendition": "144p"}, headers=stranger.headers)).status == 404
    assert (await api.get(f"/api/v1/stream/sessions/{sid}", headers=stranger.headers)).status == 404
    assert (await api.get(f"/api/v1/stream/sessions/{sid}")).status == 401
    assert (await api.get("/api/v1/stream/sessions/not-a-uuid", headers=viewer.headers)).status == 404
    assert (await api.get("/api/v1/stream/sessions/7f7f7f7f-0000-4000-8000-000000000000",
                          headers=viewer.headers)).status == 404


async def test_the_session_keeps_its_measured_rtt_after_the_playlist_left_the_request_log(api: TestClient) -> None:
    """The RTT comes from the playlist → first segment gap; that entry leaves the 40-entry log after ~80 s of
    segments, and the steering's later fills must still be timed with the measured RTT, not with none."""
    viewer = await new_viewer(api)
    cid = await add_title(api)
    _, body, _ = await manifest(api, viewer, cid)
    sid = body["session_id"]
    # big segments (a response of at most SMALL_BYTES would measure a round trip of its own)
    await api.put(f"/api/v1/stream/sessions/{sid}/rendition", json={"rendition": "720p"}, headers=viewer.headers)
    _, steered = await media_playlist(api, body["steered_url"])
    await asyncio.sleep(0.3)  # the round trip between the playlist and the first segment
    store = session_store(api.app)

    async def fetch(n: int) -> None:
        seg = await api.get(steered[n % len(steered)])
        assert seg.status == 200
        await seg.read()

    await fetch(0)
    measured = (await store.get(sid)).rtt_s  # type: ignore[union-attr]
    assert measured is not None and measured >= 0.3
    for n in range(1, throughput.MAX_REQUESTS + 2):
        await fetch(n)
    ns = api.app[keys.SETTINGS].redis_namespace
    log = await throughput.request_log(api.app[keys.REDIS], namespace=ns, user_id=viewer.user_id,
                                       pending=batcher(api.app).pending(throughput.log_key(ns, viewer.user_id)))
    assert len(log) == throughput.MAX_REQUESTS and all(r.nbytes > SMALL_BYTES for r in log)
    assert rtt_from_log(log) is None  # the log alone no longer knows the RTT
    # the same gap (the log keeps arrivals to the microsecond)
    assert (await store.get(sid)).rtt_s == pytest.approx(measured, abs=1e-5)  # type: ignore[union-attr]
