"""Versions: every change stored with a full snapshot, field-level diffs, restore, and the audit log."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from tests.cms.conftest import call, move, new_draft


async def _genre(api: TestClient, headers: dict[str, str], name: str) -> str:
    body = await call(api, "POST", "/api/v1/cms/genres", headers=headers, status=201,
                      json={"name": name, "slug": name.lower().replace(" ", "-")})
    return str(body["id"])


async def test_every_change_is_a_version_with_diff_and_restore(api: TestClient,
                                                               staff: dict[str, dict[str, Any]]) -> None:
    creator = staff["creator"]["headers"]
    drama, comedy = await _genre(api, creator, "Drama"), await _genre(api, creator, "Comedy")
    actor = await call(api, "POST", "/api/v1/cms/people", headers=creator, status=201,
                       json={"name": "Asha Rao", "name_hi": "आशा राव"})
    item = await new_draft(api, creator, title="First Title", genres=[drama], year=2020)
    cid, path = item["id"], f"/api/v1/cms/content/{item['id']}"
    await call(api, "PUT", path, headers=creator, status=200, json={"title": "Second Title", "year": 2021})
    third = await call(api, "PUT", path, headers=creator, status=200, json={
        "genres": [comedy, drama], "cast": [{"person_id": actor["id"], "role": "actor", "character_name": "Meera"}]})
    assert third["version"] == 3 and sorted(third["genres"]) == sorted([comedy, drama])
    assert third["cast"][0]["name"] == "Asha Rao"

    listed = await call(api, "GET", f"{path}/versions", headers=staff["reviewer"]["headers"], status=200)
    assert [v["version"] for v in listed["versions"]] == [3, 2, 1]
    assert [v["action"] for v in listed["versions"]] == ["update", "update", "create"]
    assert {v["author_id"] for v in listed["versions"]} == {staff["creator"]["user_id"]}

    diff = await call(api, "GET", f"{path}/versions/1/diff/2", headers=creator, status=200)
    assert {c["field"]: (c["before"], c["after"]) for c in diff["changes"]} == {
        "title": ("First Title", "Second Title"), "year": (2020, 2021)}
    diff13 = await call(api, "GET", f"{path}/versions/1/diff/3", headers=creator, status=200)
    fields = {c["field"]: c for c in diff13["changes"]}
    assert set(fields) == {"title", "year", "genres", "cast"}
    assert fields["genres"]["before"] == [drama]
    assert fields["cast"]["before"] == [] and fields["cast"]["after"][0]["character_name"] == "Meera"

    restored = await call(api, "POST", f"{path}/versions/1/restore", headers=creator, status=200, json={})
    assert restored["version"] == 4
    assert restored["fields"]["title"] == "First Title" and restored["fields"]["year"] == 2020
    assert restored["genres"] == [drama] and restored["cast"] == []
    assert (await call(api, "GET", f"{path}/versions/1/diff/4", headers=creator, status=200))["changes"] == []
    # search names follow the restored links
    names = await api.app[keys.DB].fetchval("SELECT search_names FROM content WHERE id = $1::uuid", cid)
    assert "Drama" in names and "Asha" not in names

    audit = await call(api, "GET", f"/api/v1/cms/audit?content_id={cid}", headers=staff["admin"]["headers"],
                       status=200)
    assert [e["action"] for e in audit["entries"]] == [
        "cms.content.restore", "cms.content.update", "cms.content.update", "cms.content.create"]
    assert all(e["actor_id"] == staff["creator"]["user_id"] and e["at"] for e in audit["entries"])
    assert audit["entries"][1]["details"]["fields"] == ["cast", "genres"]


async def test_workflow_steps_are_versions_and_audited(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    item = await new_draft(api, staff["creator"]["headers"])
    await move(api, item["id"], "submit-review", staff["creator"]["headers"])
    await move(api, item["id"], "reject", staff["reviewer"]["headers"], comments="too short")
    listed = await call(api, "GET", f"/api/v1/cms/content/{item['id']}/versions", headers=staff["admin"]["headers"],
                        status=200)
    assert [(v["action"], v["comment"]) for v in listed["versions"]] == [
        ("reject", "too short"), ("submit", None), ("create", None)]
    audit = await call(api, "GET", f"/api/v1/cms/audit?actor_id={staff['reviewer']['user_id']}",
                       headers=staff["reviewer"]["headers"], status=200)
    assert audit["pagination"]["total"] == 1
    entry = audit["entries"][0]
    assert entry["action"] == "cms.content.reject" and entry["target_id"] == item["id"]
    assert entry["details"] == {"from": "pending_review", "to": "draft", "version": 3, "comments": "too short"}


async def test_creator_cannot_restore_once_submitted(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    item = await new_draft(api, staff["creator"]["headers"])
    await move(api, item["id"], "submit-review", staff["creator"]["headers"])
    await call(api, "POST", f"/api/v1/cms/content/{item['id']}/versions/1/restore",
               headers=staff["creator"]["headers"], status=409, json={})


@pytest.mark.parametrize(("suffix", "status"), [
    ("versions/9/diff/1", 404), ("versions/1/diff/x", 404), ("versions/0/diff/1", 404),
    ("versions/99999999999/diff/1", 404),
])
async def test_diff_of_unknown_versions_is_404(api: TestClient, staff: dict[str, dict[str, Any]], suffix: str,
                                               status: int) -> None:
    item = await new_draft(api, staff["admin"]["headers"])
    await call(api, "GET", f"/api/v1/cms/content/{item['id']}/{suffix}", headers=staff["admin"]["headers"],
               status=status)


@pytest.mark.parametrize("path", [
    "/api/v1/cms/content/not-a-uuid", f"/api/v1/cms/content/{uuid.uuid4()}",
    f"/api/v1/cms/content/{uuid.uuid4()}/versions", f"/api/v1/cms/content/{uuid.uuid4()}/versions/1/diff/2",
])
async def test_unknown_titles_are_404(api: TestClient, staff: dict[str, dict[str, Any]], path: str) -> None:
    body = await call(api, "GET", path, headers=staff["admin"]["headers"], status=404)
    assert body["status"] == 404


@pytest.mark.parametrize("payload", [
    {"type": "film", "title": "x"}, {"title": "no type"}, {"type": "movie", "title": ""},
    {"type": "movie", "title": "x", "year": 1500}, {"type": "movie", "title": "x", "genres": ["nope"]},
    {"type": "movie", "title": "x", "genres": [str(uuid.uuid4())]},
    {"type": "movie", "title": "x", "cast": [{"person_id": str(uuid.uuid4())}]},
    {"type": "movie", "title": "x", "available_from": "2030-01-02T00:00:00Z",
     "available_until": "2030-01-01T00:00:00Z"},
    {"type": "movie", "title": "x", "geo_restriction": []},
    {"type": "movie", "title": "x", "geo_restriction": ["india"]},
    {"type": "movie", "title": "x", "poster_url": "javascript:alert(1)"}, {"type": "movie", "title": None},
    {"type": "movie", "title": "x", "workflow_state": "published"},
])
async def test_create_rejects_garbage(api: TestClient, staff: dict[str, dict[str, Any]],
                                      payload: dict[str, Any]) -> None:
    body = await call(api, "POST", "/api/v1/cms/content", headers=staff["creator"]["headers"], status=422,
                      json=payload)
    assert body["errors"]
    assert await api.app[keys.DB].fetchval("SELECT count(*) FROM content") == 0


async def test_non_json_bodies_are_4xx(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    headers = staff["creator"]["headers"]
    bad = await api.post("/api/v1/cms/content", data=b"{not json", headers={**headers,
                                                                           "Content-Type": "application/json"})
    assert bad.status == 400
    text = await api.post("/api/v1/cms/content", data=b"title=x", headers={**headers, "Content-Type": "text/plain"})
    assert text.status == 415
    window = await new_draft(api, headers, available_from="2030-01-01T00:00:00Z")
    late = await api.put(f"/api/v1/cms/content/{window['id']}", json={"available_until": "2029-01-01T00:00:00Z"},
                         headers=headers)
    assert late.status == 422


async def test_list_filters(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    mine = await new_draft(api, staff["creator"]["headers"], title="Monsoon Diaries", tier_requirement="premium")
    await new_draft(api, staff["admin"]["headers"], title="Other")
    await move(api, mine["id"], "submit-review", staff["creator"]["headers"])
    headers = staff["publisher"]["headers"]
    assert (await call(api, "GET", "/api/v1/cms/content", headers=headers, status=200))["pagination"]["total"] == 2
    for query in ("state=pending_review", "tier=premium", "q=MONSOON", f"created_by={staff['creator']['user_id']}"):
        found = await call(api, "GET", f"/api/v1/cms/content?{query}", headers=headers, status=200)
        assert [i["id"] for i in found["content"]] == [mine["id"]], query
    mine_only = await call(api, "GET", "/api/v1/cms/content?mine=true", headers=staff["admin"]["headers"], status=200)
    assert [i["fields"]["title"] for i in mine_only["content"]] == ["Other"]
    for query in ("state=live", "limit=0", "created_by=x", "q=", "bogus=1"):
        await call(api, "GET", f"/api/v1/cms/content?{query}", headers=headers, status=422)


async def test_a_publisher_rolls_back_a_published_title(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    creator = staff["creator"]["headers"]
    item = await new_draft(api, creator, title="First title", maturity_rating="U")
    path = f"/api/v1/cms/content/{item['id']}"
    await call(api, "PUT", path, headers=creator, status=200, json={"title": "Bad title"})
    await move(api, item["id"], "submit-review", creator)
    await move(api, item["id"], "approve", staff["reviewer"]["headers"])
    await move(api, item["id"], "publish", staff["publisher"]["headers"])
    assert (await call(api, "GET", f"/api/v1/catalog/content/{item['id']}", headers={}, status=200))["title"] == \
        "Bad title"
    await call(api, "POST", f"{path}/versions/1/restore", headers=creator, status=409, json={})
    back = await call(api, "POST", f"{path}/versions/1/restore", headers=staff["publisher"]["headers"], status=200,
                      json={})
    assert back["workflow_state"] == "published" and back["fields"]["title"] == "First title"
    live = await api.get(f"/api/v1/catalog/content/{item['id']}")
    assert (await live.json())["title"] == "First title"
