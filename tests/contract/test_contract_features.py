"""Spec features that were missing: coming-soon titles (listable, not playable)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from tests.helpers import auth, grant_role, new_viewer, register


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


async def test_gdpr_export_erasure_grace_and_restore(api: TestClient) -> None:
    viewer = await new_viewer(api)
    db = api.app[keys.DB]
    movie = await db.fetchval(
        "INSERT INTO content (type, title, maturity_rating, workflow_state, tier_requirement, published_at)"
        " VALUES ('movie', 'Kept', 'U', 'published', 'free', now()) RETURNING id::text")
    await api.post("/api/v1/activity/watchlist", json={"profile_id": viewer.profile_id, "content_id": movie},
                   headers=viewer.headers)
    export = await api.get("/api/v1/account/export", headers=viewer.headers)
    data = await export.json()
    assert export.status == 200 and "attachment" in export.headers["Content-Disposition"]
    assert data["account"]["id"] == viewer.user_id and "password_hash" not in data["account"]
    assert [p["id"] for p in data["profiles"]] == [viewer.profile_id]
    assert [w["content_id"] for w in data["watchlist"]] == [movie]

    email = data["account"]["email"]
    gone = await api.delete("/api/v1/account", headers=viewer.headers)
    body = await gone.json()
    assert gone.status == 202 and body["status"] == "deleting"
    assert (await api.get("/api/v1/auth/me", headers=viewer.headers)).status == 401, "every login ended"
    login = await api.post("/api/v1/auth/login", json={"email": email, "password": "Sup3r-secret!"})
    assert login.status == 403 and "restore" in (await login.json())["detail"]
    wrong = await api.post("/api/v1/account/restore", json={"email": email, "password": "nope"})
    assert wrong.status == 401
    back = await api.post("/api/v1/account/restore", json={"email": email, "password": "Sup3r-secret!"})
    assert back.status == 200
    assert (await api.post("/api/v1/auth/login", json={"email": email, "password": "Sup3r-secret!"})).status == 200

    from server.account.store import purge_expired

    await api.delete("/api/v1/account", headers=auth((await (await api.post(
        "/api/v1/auth/login", json={"email": email, "password": "Sup3r-secret!"})).json())["access_token"]))
    assert await purge_expired(db) == 0, "inside the grace period nothing is erased"
    await db.execute("UPDATE users SET deletion_requested_at = now() - interval '91 days' WHERE id = $1::uuid",
                     viewer.user_id)
    assert await purge_expired(db) == 1
    assert await db.fetchval("SELECT count(*) FROM profiles WHERE user_id = $1::uuid", viewer.user_id) == 0
    late = await api.post("/api/v1/account/restore", json={"email": email, "password": "Sup3r-secret!"})
    assert late.status == 401


async def test_opting_out_of_personalised_recommendations(api: TestClient) -> None:
    viewer = await new_viewer(api)
    await api.app[keys.DB].execute(
        "INSERT INTO content (type, title, maturity_rating, workflow_state, tier_requirement, published_at)"
        " VALUES ('movie', 'Popular', 'U', 'published', 'free', now())")
    assert (await (await api.get("/api/v1/account/preferences", headers=viewer.headers)).json()) == {
        "personalized_recommendations": True}
    put = await api.put("/api/v1/account/preferences", json={"personalized_recommendations": False},
                        headers=viewer.headers)
    assert put.status == 200
    recs = await (await api.get("/api/v1/recommendations/personalized", params={"profile_id": viewer.profile_id},
                                headers=viewer.headers)).json()
    assert recs["personalized"] is False and recs["recommendations"]


async def test_admin_suspends_reactivates_and_erases_accounts(api: TestClient) -> None:
    boss = await register(api)
    await grant_role(api, boss["user_id"], "admin")
    admin = auth(boss["access_token"])
    viewer = await new_viewer(api)
    path = f"/api/v1/admin/users/{viewer.user_id}"
    suspended = await api.put(f"{path}/status", json={"status": "suspended"}, headers=admin)
    assert suspended.status == 200
    assert (await api.get("/api/v1/auth/me", headers=viewer.headers)).status == 401
    assert (await api.put(f"{path}/status", json={"status": "active"}, headers=admin)).status == 200
    assert (await api.put(f"/api/v1/admin/users/{boss['user_id']}/status", json={"status": "suspended"},
                          headers=admin)).status == 409
    someone = await new_viewer(api)
    assert (await api.put(f"{path}/status", json={"status": "suspended"}, headers=someone.headers)).status == 403
    assert (await api.delete(path, headers=admin)).status == 204
    assert (await api.delete(path, headers=admin)).status == 404
    assert await api.app[keys.DB].fetchval("SELECT count(*) FROM users WHERE id = $1::uuid", viewer.user_id) == 0


async def test_a_new_episode_notifies_profiles_that_watchlisted_the_show(api: TestClient) -> None:
    boss = await register(api)
    await grant_role(api, boss["user_id"], "admin")
    admin = auth(boss["access_token"])
    db = api.app[keys.DB]
    show = await db.fetchval("INSERT INTO content (type, title, maturity_rating, workflow_state, tier_requirement,"
                             " published_at) VALUES ('tv_show', 'Serial', 'U', 'published', 'free', now())"
                             " RETURNING id::text")
    season = await db.fetchval("INSERT INTO seasons (content_id, season_number) VALUES ($1::uuid, 1)"
                               " RETURNING id::text", show)
    fan, other = await new_viewer(api), await new_viewer(api)
    added = await api.post("/api/v1/activity/watchlist", json={"profile_id": fan.profile_id, "content_id": show},
                           headers=fan.headers)
    assert added.status == 201
    made = await api.post(f"/api/v1/cms/content/{show}/seasons/{season}/episodes", headers=admin,
                          json={"episode_number": 1, "title": "Pilot", "asset_id": "ep-1"})
    assert made.status == 201, await made.text()
    mine = await (await api.get("/api/v1/notifications", params={"profile_id": fan.profile_id, "unread": "true"},
                                headers=fan.headers)).json()
    assert [n["message"] for n in mine["notifications"]] == ["New episode of Serial: S1E1 Pilot"]
    assert mine["pagination"]["total"] == 1
    theirs = await (await api.get("/api/v1/notifications", params={"profile_id": other.profile_id},
                                  headers=other.headers)).json()
    assert theirs["notifications"] == []
    nid = mine["notifications"][0]["id"]
    read = await api.post(f"/api/v1/notifications/{nid}/read", params={"profile_id": fan.profile_id},
                          headers=fan.headers)
    assert read.status == 200
    unread = await (await api.get("/api/v1/notifications", params={"profile_id": fan.profile_id, "unread": "true"},
                                  headers=fan.headers)).json()
    assert unread["pagination"]["total"] == 0
    stolen = await api.post(f"/api/v1/notifications/{nid}/read", params={"profile_id": other.profile_id},
                            headers=other.headers)
    assert stolen.status == 404
