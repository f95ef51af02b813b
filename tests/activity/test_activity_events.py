"""Engagement events: batches, validation naming the bad index, and the server-side recorder."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.activity.events import record_event
from server.keys import ACTIVITY_STORE
from tests.activity.conftest import Catalog, start
from tests.helpers import Viewer, new_viewer

EVENTS = "/api/v1/activity/events"
TS = "2024-01-15T10:30:00Z"


def _event(content_id: str, session_id: str | None = None, **fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "play", "client_ts": TS, "content_id": content_id, **fields}
    if session_id:
        event["session_id"] = session_id
    return event


async def _post(api: TestClient, v: Viewer, events: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    resp = await api.post(EVENTS, json={"profile_id": v.profile_id, "events": events}, headers=v.headers)
    return resp.status, await resp.json()


async def test_batch_is_accepted_and_stored(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    session = (await start(api, viewer, catalog.movie))["session_id"]
    batch = [
        _event(catalog.movie, session, payload={"stream_start_ms": 1840}, type="stream_start"),
        _event(catalog.movie, session, position_seconds=12.5),
        _event(catalog.movie, session, type="stall", payload={"duration_ms": 950}),
        _event(catalog.movie, session, type="quality_change",
               payload={"from": "360p", "to": "720p", "reason": "throughput"}),
        _event(catalog.movie, session, type="seek", payload={"from": 30, "to": 300}),
        _event(catalog.movie, session, type="abandon"),
    ]
    status, body = await _post(api, viewer, batch)
    assert status == 202 and body == {"accepted": 6}
    stored = await api.app[ACTIVITY_STORE].events(session_id=session)
    assert sorted(e.type for e in stored) == sorted(e["type"] for e in batch)
    change = next(e for e in stored if e.type == "quality_change")
    assert change.payload == {"from": "360p", "to": "720p", "reason": "throughput"}
    assert change.profile_id == viewer.profile_id and change.client_ts is not None


async def test_five_hundred_is_the_batch_limit(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    status, body = await _post(api, viewer, [_event(catalog.movie) for _ in range(500)])
    assert status == 202 and body["accepted"] == 500
    status, body = await _post(api, viewer, [_event(catalog.movie) for _ in range(501)])
    assert status == 422 and body["errors"][0]["field"] == "events"
    status, body = await _post(api, viewer, [])
    assert status == 422


@pytest.mark.parametrize(("bad", "field_prefix"), [
    ({"type": "teleport"}, "events.2.type"),
    ({"type": "quality_change", "payload": {"from": "360p"}}, "events.2"),
    ({"type": "stall", "payload": {"duration_ms": -5}}, "events.2"),
    ({"type": "stall", "payload": {"duration_ms": True}}, "events.2"),
    ({"type": "stream_start", "payload": {}}, "events.2"),
    ({"client_ts": "not a time"}, "events.2.client_ts"),
    ({"client_ts": "2024-01-15T10:30:00"}, "events.2.client_ts"),  # no time zone
    ({"content_id": "nope"}, "events.2.content_id"),
    ({"position_seconds": -1}, "events.2.position_seconds"),
    ({"payload": {"big": "x" * 5000}}, "events.2"),
    ({"payload": {"nul": "a\u0000b"}}, "events.2"),
    ({"surprise": 1}, "events.2.surprise"),
])
async def test_a_bad_item_is_422_naming_its_index(api: TestClient, catalog: Catalog, viewer: Viewer,
                                                  bad: dict[str, Any], field_prefix: str) -> None:
    batch = [_event(catalog.movie), _event(catalog.movie), {**_event(catalog.movie), **bad}]
    status, body = await _post(api, viewer, batch)
    assert status == 422, body
    assert any(str(e["field"]).startswith(field_prefix) for e in body["errors"]), body
    assert await api.app[ACTIVITY_STORE].events(profile_id=viewer.profile_id) == []


async def test_nan_in_payload_is_422(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    raw = json.dumps({"profile_id": viewer.profile_id, "events": [  # json.dumps writes NaN as a bare token
        {"type": "play", "client_ts": TS, "content_id": catalog.movie, "payload": {"x": float("nan")}}]})
    assert "NaN" in raw
    resp = await api.post(EVENTS, data=raw, headers={**viewer.headers, "Content-Type": "application/json"})
    assert resp.status == 422 and resp.content_type == "application/problem+json"


async def test_a_foreign_session_is_422_naming_the_index(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    other = await new_viewer(api)
    theirs = (await start(api, other, catalog.movie))["session_id"]
    status, body = await _post(api, viewer, [_event(catalog.movie), _event(catalog.movie, theirs)])
    assert status == 422
    assert body["errors"] == [{"field": "events.1.session_id", "message": "no such session for this profile",
                               "type": "unknown_session"}]


async def test_foreign_profile_is_404(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    other = await new_viewer(api)
    resp = await api.post(EVENTS, json={"profile_id": viewer.profile_id, "events": [_event(catalog.movie)]},
                          headers=other.headers)
    assert resp.status == 404


async def test_record_event_for_server_side_quality_switches(api: TestClient, catalog: Catalog,
                                                             viewer: Viewer) -> None:
    session = (await start(api, viewer, catalog.movie))["session_id"]
    stored = await record_event(api.app, session_id=session, profile_id=viewer.profile_id, content_id=catalog.movie,
                                type="quality_change", payload={"from": "720p", "to": "360p", "reason": "steered"})
    assert stored is True
    events = await api.app[ACTIVITY_STORE].events(session_id=session)
    assert len(events) == 1 and events[0].payload["reason"] == "steered" and events[0].client_ts is None
    with pytest.raises(ValueError, match="unknown engagement event type"):
        await record_event(api.app, session_id=session, profile_id=viewer.profile_id, content_id=catalog.movie,
                           type="bogus", payload={})
