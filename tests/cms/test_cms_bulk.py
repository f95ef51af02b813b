"""Bulk operations: genres, availability, tier, archive/unarchive — all-or-nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from tests.cms.conftest import call, move, new_draft

BULK = "/api/v1/cms/bulk"


async def _titles(api: TestClient, headers: dict[str, str], n: int) -> list[str]:
    return [(await new_draft(api, headers))["id"] for _ in range(n)]


async def _state(api: TestClient, ids: list[str]) -> list[tuple[Any, ...]]:
    rows = await api.app[keys.DB].fetch(
        "SELECT id::text, workflow_state, tier_requirement, available_from, available_until, version,"
        " ARRAY(SELECT genre_id::text FROM content_genres g WHERE g.content_id = c.id ORDER BY 1) AS genres"
        " FROM content c WHERE id = ANY($1::uuid[]) ORDER BY id", ids)
    return [tuple(r) for r in rows]


async def test_bulk_genres_tier_and_availability(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    admin = staff["admin"]["headers"]
    g1 = (await call(api, "POST", "/api/v1/cms/genres", headers=admin, status=201,
                     json={"name": "Thriller", "slug": "thriller"}))["id"]
    g2 = (await call(api, "POST", "/api/v1/cms/genres", headers=admin, status=201,
                     json={"name": "Family", "slug": "family"}))["id"]
    ids = await _titles(api, admin, 3)
    out = await call(api, "POST", BULK, headers=admin, status=200, json={"op": "add_genres", "ids": ids,
                                                                          "genres": [g1, g2]})
    assert out["count"] == 3 and {i["version"] for i in out["items"]} == {2}
    await call(api, "POST", BULK, headers=admin, status=200, json={"op": "remove_genres", "ids": ids[:1],
                                                                    "genres": [g1]})
    await call(api, "POST", BULK, headers=admin, status=200, json={"op": "set_tier", "ids": ids, "tier": "premium"})
    await call(api, "POST", BULK, headers=admin, status=200, json={
        "op": "set_availability", "ids": ids[1:], "available_from": "2030-01-01T00:00:00Z",
        "available_until": "2030-02-01T00:00:00Z"})
    rows = {r[0]: r for r in await _state(api, ids)}
    assert rows[ids[0]][6] == [g2] and rows[ids[1]][6] == sorted([g1, g2])
    assert {r[2] for r in rows.values()} == {"premium"}
    assert rows[ids[0]][3] is None and rows[ids[2]][3].year == 2030
    audit = await call(api, "GET", f"/api/v1/cms/audit?content_id={ids[0]}", headers=admin, status=200)
    assert [e["action"] for e in audit["entries"]][:3] == [
        "cms.content.bulk_set_tier", "cms.content.bulk_remove_genres", "cms.content.bulk_add_genres"]


async def test_bulk_archive_and_unarchive(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    admin = staff["admin"]["headers"]
    ids = await _titles(api, admin, 2)
    await move(api, ids[0], "submit-review", admin)
    out = await call(api, "POST", BULK, headers=admin, status=200, json={"op": "archive", "ids": ids})
    assert {i["workflow_state"] for i in out["items"]} == {"archived"}
    back = await call(api, "POST", BULK, headers=admin, status=200, json={"op": "unarchive", "ids": ids})
    assert {i["id"]: i["workflow_state"] for i in back["items"]} == {ids[0]: "pending_review", ids[1]: "draft"}


@pytest.mark.parametrize("bad", ["unknown", "malformed", "repeat", "illegal"])
async def test_bulk_is_all_or_nothing(api: TestClient, staff: dict[str, dict[str, Any]], bad: str) -> None:
    admin = staff["admin"]["headers"]
    ids = await _titles(api, admin, 3)
    before = await _state(api, ids)
    op: dict[str, Any] = {"op": "set_tier", "tier": "premium"}
    if bad == "unknown":
        op["ids"] = [*ids, str(uuid.uuid4())]
    elif bad == "malformed":
        op["ids"] = [ids[0], "not-an-id", *ids[1:]]
    elif bad == "repeat":
        op["ids"] = [*ids, ids[0]]
    else:  # the last title is already archived: archiving it again is illegal
        await call(api, "POST", f"/api/v1/cms/content/{ids[2]}/archive", headers=admin, status=200, json={})
        before = await _state(api, ids)
        op = {"op": "archive", "ids": ids}
    body = await call(api, "POST", BULK, headers=admin, status=409 if bad == "illegal" else 422, json=op)
    assert body["status"] in (409, 422)
    if bad in ("unknown", "malformed"):
        assert [e["field"] for e in body["errors"]] == ["ids[3]" if bad == "unknown" else "ids[1]"]
    assert await _state(api, ids) == before
    versions = await api.app[keys.DB].fetchval(
        "SELECT count(*) FROM content_versions WHERE content_id = ANY($1::uuid[])", ids)
    assert versions == 3 + (1 if bad == "illegal" else 0)


@pytest.mark.parametrize("payload", [
    {"op": "set_tier", "ids": []}, {"op": "set_tier", "ids": ["x"]}, {"op": "explode", "ids": ["x"]},
    {"op": "add_genres", "ids": ["x"]}, {"op": "set_tier", "ids": ["x"], "tier": "gold"},
    {"op": "set_availability", "ids": ["x"]},
    {"op": "set_availability", "ids": ["x"], "available_from": "2030-01-02T00:00:00Z",
     "available_until": "2030-01-01T00:00:00Z"},
])
async def test_bulk_rejects_bad_bodies(api: TestClient, staff: dict[str, dict[str, Any]],
                                       payload: dict[str, Any]) -> None:
    await call(api, "POST", BULK, headers=staff["admin"]["headers"], status=422, json=payload)


async def test_bulk_with_unknown_genre_changes_nothing(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    admin = staff["admin"]["headers"]
    ids = await _titles(api, admin, 2)
    before = await _state(api, ids)
    await call(api, "POST", BULK, headers=admin, status=422, json={"op": "add_genres", "ids": ids,
                                                                    "genres": [str(uuid.uuid4())]})
    assert await _state(api, ids) == before
