"""The CMS workflow: the full transition table, who may take each step, comments and scheduled publish."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from tests.cms.conftest import call, move, new_draft

STATES = ("draft", "pending_review", "approved", "published", "archived")
ACTIONS = ("submit-review", "approve", "reject", "publish", "archive", "unarchive")
#: (state, action) → state after; every pair not listed must answer 409.
LEGAL = {
    ("draft", "submit-review"): "draft→pending_review",
    ("pending_review", "approve"): "approved",
    ("pending_review", "reject"): "draft",
    ("approved", "publish"): "published",
    ("draft", "archive"): "archived",
    ("pending_review", "archive"): "archived",
    ("approved", "archive"): "archived",
    ("published", "archive"): "archived",
    ("archived", "unarchive"): "approved",  # the state it was archived from (set below)
}


def _payload(action: str) -> dict[str, Any]:
    return {"comments": "needs a better synopsis"} if action == "reject" else {}


@pytest.mark.parametrize("state", STATES)
async def test_transition_table(api: TestClient, staff: dict[str, dict[str, Any]], state: str) -> None:
    admin = staff["admin"]["headers"]
    db = api.app[keys.DB]
    for action in ACTIONS:
        item = await new_draft(api, admin)
        await db.execute("UPDATE content SET workflow_state = $2, archived_from = $3 WHERE id = $1::uuid",
                         item["id"], state, "approved" if state == "archived" else None)
        expected = LEGAL.get((state, action))
        resp = await api.post(f"/api/v1/cms/content/{item['id']}/{action}", json=_payload(action), headers=admin)
        body = await resp.json()
        if expected is None:
            assert resp.status == 409, (state, action, body)
            assert resp.content_type == "application/problem+json"
            assert body["workflow_state"] == state and body["action"] in action
            now = await db.fetchval("SELECT workflow_state FROM content WHERE id = $1::uuid", item["id"])
            assert now == state
        else:
            assert resp.status == 200, (state, action, body)
            assert body["workflow_state"] == expected.split("→")[-1]
            assert body["version"] == 2


async def test_roles_walk_a_title_to_published(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    creator, reviewer, publisher = (staff[r]["headers"] for r in ("creator", "reviewer", "publisher"))
    item = await new_draft(api, creator, maturity_rating="U", duration_minutes=90)
    cid = item["id"]
    assert item["workflow_state"] == "draft" and item["version"] == 1
    # wrong roles at each step are refused by the role check
    for headers, action in ((creator, "approve"), (reviewer, "publish"), (publisher, "approve"),
                            (reviewer, "archive"), (staff["user"]["headers"], "submit-review")):
        denied = await move(api, cid, action, headers, status=403)
        assert denied["detail"].startswith("needs one of the roles")
    await move(api, cid, "submit-review", creator)
    rejected = await move(api, cid, "reject", reviewer, comments="trailer missing")
    assert rejected["workflow_state"] == "draft" and rejected["review_comments"] == "trailer missing"
    await call(api, "PUT", f"/api/v1/cms/content/{cid}", headers=creator, status=200,
               json={"trailer_url": "https://example.com/t.mp4"})
    await move(api, cid, "submit-review", creator)
    await move(api, cid, "approve", reviewer, comments="good")
    published = await move(api, cid, "publish", publisher)
    assert published["workflow_state"] == "published" and published["published_at"]
    got = await call(api, "GET", f"/api/v1/cms/content/{cid}", headers=reviewer, status=200)
    assert got["workflow_state"] == "published" and got["version"] == 7
    public = await api.get(f"/api/v1/catalog/content/{cid}", headers=staff["user"]["headers"])
    public_body = await public.json()
    assert public.status == 200 and public_body["title"] == item["fields"]["title"], public_body


async def test_reject_needs_comments(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    item = await new_draft(api, staff["creator"]["headers"])
    await move(api, item["id"], "submit-review", staff["creator"]["headers"])
    for payload in ({}, {"comments": ""}, {"comments": "   "}, {"comments": 5}):
        resp = await api.post(f"/api/v1/cms/content/{item['id']}/reject", json=payload,
                              headers=staff["reviewer"]["headers"])
        assert resp.status == 422, payload
    assert (await call(api, "GET", f"/api/v1/cms/content/{item['id']}", headers=staff["reviewer"]["headers"],
                       status=200))["workflow_state"] == "pending_review"


async def test_creators_edit_only_their_own_drafts(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    from tests.helpers import auth, grant_role, register

    other = await register(api)
    await grant_role(api, other["user_id"], "creator")
    mine = await new_draft(api, staff["creator"]["headers"])
    path = f"/api/v1/cms/content/{mine['id']}"
    theirs = await call(api, "PUT", path, headers=auth(other["access_token"]), status=403, json={"title": "Mine now"})
    assert theirs["detail"] == "creators may edit only their own content"
    await move(api, mine["id"], "submit-review", auth(other["access_token"]), status=403)
    await move(api, mine["id"], "submit-review", staff["creator"]["headers"])
    locked = await call(api, "PUT", path, headers=staff["creator"]["headers"], status=409, json={"title": "Late"})
    assert locked["workflow_state"] == "pending_review"
    edited = await call(api, "PUT", path, headers=staff["admin"]["headers"], status=200, json={"title": "Admin fix"})
    assert edited["fields"]["title"] == "Admin fix"


async def test_archive_and_unarchive_return_to_the_previous_state(api: TestClient,
                                                                  staff: dict[str, dict[str, Any]]) -> None:
    admin = staff["admin"]["headers"]
    item = await new_draft(api, admin)
    await move(api, item["id"], "submit-review", admin)
    assert (await move(api, item["id"], "archive", admin))["workflow_state"] == "archived"
    await move(api, item["id"], "archive", admin, status=409)
    assert (await move(api, item["id"], "unarchive", admin))["workflow_state"] == "pending_review"


async def test_scheduled_publish_happens_at_publish_at(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    admin, publisher = staff["admin"]["headers"], staff["publisher"]["headers"]
    item = await new_draft(api, admin)
    for action in ("submit-review", "approve"):
        await move(api, item["id"], action, admin)
    at = datetime.now(UTC) + timedelta(seconds=1.5)
    scheduled = await move(api, item["id"], "publish", publisher, publish_at=at.isoformat())
    assert scheduled["workflow_state"] == "approved"
    assert datetime.fromisoformat(scheduled["publish_at"]) == at
    db = api.app[keys.DB]
    state = "approved"
    for _ in range(100):  # the 0.2 s loop publishes it; poll until then (at most 10 s)
        state, published_at = await db.fetchrow(
            "SELECT workflow_state, published_at FROM content WHERE id = $1::uuid", item["id"])
        if state == "published":
            break
        assert datetime.now(UTC) < at + timedelta(seconds=8)
        await asyncio.sleep(0.1)
    assert state == "published"
    assert published_at == at  # published as of the scheduled instant, never before it
    checked_at = await db.fetchval(
        "SELECT at FROM content_versions WHERE content_id = $1::uuid AND action = 'publish'", item["id"])
    assert checked_at >= at
    versions = await call(api, "GET", f"/api/v1/cms/content/{item['id']}/versions", headers=admin, status=200)
    assert [v["action"] for v in versions["versions"]][:2] == ["publish", "schedule_publish"]
    assert versions["versions"][0]["author_id"] is None


async def test_past_publish_at_publishes_now(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    admin = staff["admin"]["headers"]
    item = await new_draft(api, admin)
    for action in ("submit-review", "approve"):
        await move(api, item["id"], action, admin)
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert (await move(api, item["id"], "publish", admin, publish_at=past))["workflow_state"] == "published"


@pytest.mark.parametrize("payload", [{"publish_at": "tomorrow"}, {"publish_at": "2030-01-01T00:00:00"},
                                     {"extra": 1}])
async def test_publish_rejects_bad_bodies(api: TestClient, staff: dict[str, dict[str, Any]],
                                          payload: dict[str, Any]) -> None:
    item = await new_draft(api, staff["admin"]["headers"])
    await move(api, item["id"], "publish", staff["admin"]["headers"], status=422, **payload)
