"""Every operation of the live OpenAPI document, called as a developer would with real ids, answers
2xx with a body the document describes (schema, media type, status)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.billing.signature import EVENT_ID_HEADER, SIGNATURE_HEADER, sign_body
from server.billing.simulate import payment_event
from server.settings import Settings
from tests.conftest import make_settings
from tests.contract.generated import generate_models, round_trip
from tests.contract.walk import Walk
from tests.helpers import auth, grant_role, register
from tests.streaming.conftest import ASSET_ID, MediaRoot, add_title, media_root  # noqa: F401 - shared fixture

SECRET = "whsec-contract-walk"
MAILED_TOKEN = re.compile(r"token[=:] ?([A-Za-z0-9_-]{16,})")


@pytest.fixture
def backend() -> str:
    """One backend: the contract does not depend on which servers hold the data."""
    return "system"


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str], media_root: MediaRoot) -> Settings:  # noqa: F811
    """Packaged test card, a known webhook secret, no background billing sweep."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], media_dir=media_root.root,
                         payment_webhook_secret=SECRET, billing_sweep_interval_s=0)


async def _mailed(api: TestClient, to: str, kind: str) -> str:
    body = await api.app[keys.DB].fetchval(
        "SELECT body FROM mail_outbox WHERE lower(to_address) = lower($1) AND kind = $2 ORDER BY id DESC LIMIT 1",
        to, kind)
    found = MAILED_TOKEN.search(body or "")
    assert found, body
    return found[1]


async def _walk_auth(w: Walk, api: TestClient) -> None:
    email = f"walker-{uuid.uuid4().hex[:8]}@example.com"
    reg = await w.call("POST", "/api/v1/auth/register", expect=201, json={"email": email, "password": "Sup3r-secret!"})
    h = auth(reg.body["access_token"])
    login = await w.call("POST", "/api/v1/auth/login", expect=200, json={"email": email, "password": "Sup3r-secret!"})
    await w.call("POST", "/api/v1/auth/refresh", expect=200, json={"refresh_token": login.body["refresh_token"]})
    await w.call("GET", "/api/v1/auth/me", expect=200, headers=h)
    await w.call("POST", "/api/v1/auth/resend-verification", expect=202, headers=h)
    token = await _mailed(api, email, "verify_email")
    await w.call("POST", "/api/v1/auth/verify-email", expect=200, json={"token": token})
    await w.call("POST", "/api/v1/auth/password-reset/request", expect=202, json={"email": email})
    token = await _mailed(api, email, "password_reset")
    await w.call("POST", "/api/v1/auth/password-reset/confirm", expect=204,
                 json={"token": token, "password": "N3w-secret!!"})
    await w.call("POST", "/api/v1/auth/password-reset/request", expect=202, json={"email": email})
    token = await _mailed(api, email, "password_reset")
    await w.call("GET", "/reset-password", expect=200, params={"token": token})
    await w.call("POST", "/reset-password", expect=200, data={"token": token, "password": "An0ther-secret!"})
    other = f"walker-{uuid.uuid4().hex[:8]}@example.com"
    await w.call("POST", "/api/v1/auth/register", expect=201, json={"email": other, "password": "Sup3r-secret!"})
    token = await _mailed(api, other, "verify_email")
    await w.call("GET", "/verify-email", expect=200, params={"token": token})
    await w.call("POST", "/verify-email", expect=200, data={"token": token})
    again = await w.call("POST", "/api/v1/auth/login", expect=200,
                         json={"email": email, "password": "An0ther-secret!"})
    h = auth(again.body["access_token"])
    await w.call("GET", "/api/v1/auth/profiles", expect=200, headers=h)
    made = await w.call("POST", "/api/v1/auth/profiles", expect=201, headers=h, json={"name": "Kids",
                                                                                    "is_kids_profile": True})
    pid = {"profile_id": made.body["id"]}
    await w.call("GET", "/api/v1/auth/profiles/{profile_id}", path=pid, expect=200, headers=h)
    await w.call("PATCH", "/api/v1/auth/profiles/{profile_id}", path=pid, expect=200, headers=h,
                 json={"name": "Little ones"})
    await w.call("DELETE", "/api/v1/auth/profiles/{profile_id}", path=pid, expect=204, headers=h)
    await w.call("POST", "/api/v1/auth/logout", expect=204, headers=h, json={})


async def _walk_cms(w: Walk, admin: dict[str, str]) -> dict[str, Any]:
    genre = await w.call("POST", "/api/v1/cms/genres", expect=201, headers=admin,
                         json={"name": "Walk Drama", "slug": "walk-drama"})
    await w.call("GET", "/api/v1/cms/genres", expect=200, headers=admin)
    person = await w.call("POST", "/api/v1/cms/people", expect=201, headers=admin, json={"name": "Asha Rao"})
    await w.call("GET", "/api/v1/cms/people", expect=200, headers=admin, params={"q": "Asha"})
    show = await w.call("POST", "/api/v1/cms/content", expect=201, headers=admin, json={
        "type": "tv_show", "title": "Walk Series", "maturity_rating": "U", "tier_requirement": "free",
        "genres": [genre.body["id"]], "cast": [{"person_id": person.body["id"], "role": "actor"}]})
    cid = {"content_id": show.body["id"]}
    season = await w.call("POST", "/api/v1/cms/content/{content_id}/seasons", path=cid, expect=201, headers=admin,
                          json={"season_number": 1, "title": "Season 1"})
    for n in (1, 2):
        await w.call("POST", "/api/v1/cms/content/{content_id}/seasons/{season_id}/episodes", expect=201,
                     path={**cid, "season_id": season.body["id"]}, headers=admin,
                     json={"episode_number": n, "title": f"Episode {n}", "asset_id": ASSET_ID})
    await w.call("PUT", "/api/v1/cms/content/{content_id}", path=cid, expect=200, headers=admin,
                 json={"description": "A series for the walk."})
    await w.call("GET", "/api/v1/cms/content/{content_id}", path=cid, expect=200, headers=admin)
    await w.call("GET", "/api/v1/cms/content", expect=200, headers=admin)
    await w.call("GET", "/api/v1/cms/content/{content_id}/versions", path=cid, expect=200, headers=admin)
    await w.call("GET", "/api/v1/cms/content/{content_id}/versions/{a}/diff/{b}", expect=200, headers=admin,
                 path={**cid, "a": "1", "b": "2"})
    await w.call("POST", "/api/v1/cms/content/{content_id}/versions/{n}/restore", expect=200, headers=admin,
                 path={**cid, "n": "2"}, json={})
    for action in ("submit-review", "approve", "publish"):
        await w.call("POST", f"/api/v1/cms/content/{{content_id}}/{action}", path=cid, expect=200, headers=admin,
                     json={})
    other = await w.call("POST", "/api/v1/cms/content", expect=201, headers=admin,
                         json={"type": "movie", "title": "Walk Draft"})
    oid = {"content_id": other.body["id"]}
    await w.call("POST", "/api/v1/cms/content/{content_id}/submit-review", path=oid, expect=200, headers=admin,
                 json={})
    await w.call("POST", "/api/v1/cms/content/{content_id}/reject", path=oid, expect=200, headers=admin,
                 json={"comments": "needs a poster"})
    await w.call("POST", "/api/v1/cms/content/{content_id}/archive", path=oid, expect=200, headers=admin, json={})
    await w.call("POST", "/api/v1/cms/content/{content_id}/unarchive", path=oid, expect=200, headers=admin,
                 json={})
    await w.call("POST", "/api/v1/cms/bulk", expect=200, headers=admin,
                 json={"op": "set_tier", "ids": [other.body["id"]], "tier": "premium"})
    await w.call("GET", "/api/v1/cms/audit", expect=200, headers=admin)
    await w.call("POST", "/api/v1/cms/import", expect=200, headers={**admin, "Content-Type": "text/csv"},
                 data=b"id,type,title\n,movie,Imported Walk\n")
    job = await w.call("POST", "/api/v1/cms/content/{content_id}/video", path=oid, expect=202,
                       headers={**admin, "Content-Type": "video/mp4"}, data=b"\x00not a video" * 64)
    await w.call("GET", "/api/v1/cms/jobs/{job_id}", path={"job_id": job.body["id"]}, expect=200, headers=admin)
    return {"show_id": show.body["id"], "season_id": season.body["id"]}


async def _walk_billing(w: Walk, h: dict[str, str]) -> None:
    await w.call("GET", "/api/v1/subscriptions/plans", expect=200)
    await w.call("GET", "/api/v1/subscriptions/me", expect=200, headers=h)
    order = await w.call("POST", "/api/v1/subscriptions/subscribe", expect=201, headers=h, json={"plan_id": "monthly"})
    event_id, raw = payment_event(order_id=order.body["order_id"], amount_paise=order.body["amount_paise"])
    await w.call("POST", "/api/v1/payments/webhook", expect=200, data=raw, headers={
        "Content-Type": "application/json", EVENT_ID_HEADER: event_id,
        SIGNATURE_HEADER: sign_body(secret=SECRET.encode(), body=raw)})
    await w.call("GET", "/api/v1/subscriptions/payments", expect=200, headers=h)
    invoices = await w.call("GET", "/api/v1/subscriptions/invoices", expect=200, headers=h)
    first = next(iter(v for v in invoices.body.values() if isinstance(v, list)))[0]
    await w.call("GET", "/api/v1/subscriptions/invoices/{invoice_id}", path={"invoice_id": first["id"]}, expect=200,
                 headers=h)
    await w.call("POST", "/api/v1/subscriptions/change-plan", expect=200, headers=h, json={"plan_id": "annual"})
    await w.call("PUT", "/api/v1/subscriptions/auto-renew", expect=200, headers=h, json={"auto_renew": False})
    await w.call("POST", "/api/v1/subscriptions/cancel", expect=200, headers=h, json={})


async def test_every_operation_answers_what_the_document_says(api: TestClient, tmp_path: Path) -> None:
    doc = await (await api.get("/api/v1/openapi.json")).json()
    w = Walk(api, doc, client=generate_models(doc, tmp_path))  # a generated client reads every answer too
    for path in ("/health", "/ready", "/metrics", "/api/v1/openapi.json"):
        await w.call("GET", path, expect=200)
    await _walk_auth(w, api)

    boss = await register(api)
    await grant_role(api, boss["user_id"], "admin")
    admin = auth(boss["access_token"])
    await w.call("GET", "/api/v1/admin/users", expect=200, headers=admin)
    staff = await register(api)
    await w.call("PUT", "/api/v1/admin/users/{user_id}/roles", path={"user_id": staff["user_id"]}, expect=200,
                 headers=admin, json={"roles": ["user", "creator"]})
    made = await _walk_cms(w, admin)
    show = {"content_id": made["show_id"]}
    movie = {"content_id": await add_title(api)}
    ad = await w.call("POST", "/api/v1/ads/inventory", expect=201, headers=admin,
                      json={"title": "Chai", "asset_id": ASSET_ID, "duration_seconds": 5, "skip_after_seconds": 5})
    aid = {"ad_id": ad.body["id"]}
    await w.call("GET", "/api/v1/ads/inventory", expect=200, headers=admin)
    await w.call("GET", "/api/v1/ads/inventory/{ad_id}", path=aid, expect=200, headers=admin)
    await w.call("PATCH", "/api/v1/ads/inventory/{ad_id}", path=aid, expect=200, headers=admin, json={"priority": 3})

    viewer = await register(api)
    h = auth(viewer["access_token"])
    profiles = await w.call("GET", "/api/v1/auth/profiles", expect=200, headers=h)
    pid = profiles.body["profiles"][0]["id"]
    who = {"profile_id": pid}
    await w.call("GET", "/api/v1/catalog/content", expect=200)
    await w.call("GET", "/api/v1/catalog/content", expect=200, headers=h, params=who)
    await w.call("GET", "/api/v1/catalog/content/{content_id}", path=show, expect=200)
    await w.call("GET", "/api/v1/catalog/content/{content_id}/seasons/{season_number}", expect=200,
                 path={**show, "season_number": "1"})
    await w.call("GET", "/api/v1/catalog/search", expect=200, params={"q": "walk"})
    await w.call("GET", "/api/v1/catalog/genres", expect=200)
    await w.call("GET", "/api/v1/catalog/coming-soon", expect=200)
    await w.call("GET", "/static/genres/{slug}.svg", path={"slug": "walk-drama"}, expect=200)
    await w.call("GET", "/media/{asset_id}/images/{name}", path={"asset_id": ASSET_ID, "name": "poster.jpg"},
                 expect=200)

    started = await w.call("POST", "/api/v1/stream/playback/start", expect=200, headers=h,
                           json={"profile_id": pid, **movie, "device_type": "web"})
    sid = started.body["session_id"]
    assert started.body["ads"], "a free viewer gets the pre-roll"
    await w.call("GET", "/api/v1/ads/vmap", expect=200, headers=h, params={"session_id": sid})
    await w.call("GET", "/api/v1/ads/vast/{ad_id}", path=aid, expect=200, headers=h, params={"session_id": sid})
    await w.call("GET", "/api/v1/ads/track", expect=200,
                 params={"session_id": sid, "ad_id": aid["ad_id"], "event": "impression"})
    got = await w.call("GET", "/api/v1/stream/{content_id}/manifest", path=movie, expect=200, headers=h,
                       params={"profile_id": pid, "session_id": sid})
    media = urlsplit(got.body["manifest_url"]).path
    parts = media.split("/", 5)  # "", "media", "s", session, token, file
    await w.call("GET", "/media/s/{session_id}/{token}/{path}", expect=200,
                 path={"session_id": parts[3], "token": parts[4], "path": parts[5]})
    await w.call("GET", "/api/v1/stream/sessions/{session_id}", path={"session_id": sid}, expect=200, headers=h)
    await w.call("PUT", "/api/v1/stream/sessions/{session_id}/rendition", path={"session_id": sid}, expect=200,
                 headers=h, json={"rendition": "auto"})
    await w.call("PUT", "/api/v1/stream/playback/position", expect=200, headers=h, json={
        "session_id": sid, "profile_id": pid, **movie, "position_seconds": 2, "duration_seconds": 6})
    await w.call("POST", "/api/v1/activity/events", expect=202, headers=h, json={"profile_id": pid, "events": [
        {"type": "play", "client_ts": datetime.now(UTC).isoformat(), "session_id": sid, **movie}]})
    await w.call("GET", "/api/v1/activity/continue-watching", expect=200, headers=h, params=who)
    await w.call("DELETE", "/api/v1/activity/continue-watching/{content_id}", path=movie, expect=204, headers=h,
                 params=who)
    await w.call("POST", "/api/v1/stream/playback/complete", expect=200, headers=h,
                 json={"session_id": sid, "profile_id": pid, **movie})
    await w.call("GET", "/api/v1/catalog/trending", expect=200)
    await w.call("GET", "/api/v1/activity/history", expect=200, headers=h, params=who)
    await w.call("POST", "/api/v1/activity/watchlist", expect=201, headers=h, json={"profile_id": pid, **show})
    await w.call("POST", "/api/v1/activity/watchlist", expect=200, headers=h, json={"profile_id": pid, **show})
    await w.call("GET", "/api/v1/activity/watchlist", expect=200, headers=h, params=who)
    await w.call("POST", "/api/v1/cms/content/{content_id}/seasons/{season_id}/episodes", expect=201,
                 path={**show, "season_id": made["season_id"]}, headers=admin,
                 json={"episode_number": 3, "title": "Episode 3", "asset_id": ASSET_ID})
    told = await w.call("GET", "/api/v1/notifications", expect=200, headers=h, params=who)
    await w.call("POST", "/api/v1/notifications/{notification_id}/read", expect=200, headers=h, params=who,
                 path={"notification_id": told.body["notifications"][0]["id"]})
    await w.call("DELETE", "/api/v1/activity/watchlist/{content_id}", path=show, expect=204, headers=h, params=who)
    await w.call("GET", "/api/v1/recommendations/personalized", expect=200, headers=h, params=who)
    await w.call("GET", "/api/v1/recommendations/similar/{content_id}", path=show, expect=200, headers=h,
                 params=who)
    await w.call("POST", "/api/v1/recommendations/feedback", expect=200, headers=h,
                 json={"profile_id": pid, **show, "signal": "like"})
    await w.call("DELETE", "/api/v1/activity/history", expect=200, headers=h, params=who)
    await w.call("GET", "/api/v1/analytics/content/{content_id}", path=movie, expect=200, headers=admin)
    await w.call("GET", "/api/v1/analytics/overview", expect=200, headers=admin)
    await w.call("DELETE", "/api/v1/ads/inventory/{ad_id}", path=aid, expect=204, headers=admin)
    await _walk_billing(w, h)

    await w.call("GET", "/api/v1/account/preferences", expect=200, headers=h)
    await w.call("PUT", "/api/v1/account/preferences", expect=200, headers=h,
                 json={"personalized_recommendations": False})
    await w.call("GET", "/api/v1/account/export", expect=200, headers=h)
    await w.call("PUT", "/api/v1/admin/users/{user_id}/status", path={"user_id": staff["user_id"]}, expect=200,
                 headers=admin, json={"status": "suspended"})
    await w.call("DELETE", "/api/v1/admin/users/{user_id}", path={"user_id": staff["user_id"]}, expect=204,
                 headers=admin)
    await w.call("DELETE", "/api/v1/account", expect=202, headers=h)
    await w.call("POST", "/api/v1/account/restore", expect=200,
                 json={"email": viewer["email"], "password": "Sup3r-secret!"})

    missing = w.operations() - w.covered
    assert not missing, f"operations the walk did not see answer 2xx: {sorted(missing)}"
    assert w.round_trips >= 80  # the JSON answers, each parsed and dumped back by the generated client


async def test_the_walk_rejects_a_body_the_document_does_not_describe(api: TestClient, tmp_path: Path) -> None:
    doc = await (await api.get("/api/v1/openapi.json")).json()
    doc["components"]["schemas"]["HealthOut"]["required"].append("uptime_s")
    with pytest.raises(AssertionError, match="uptime_s"):
        await Walk(api, doc).call("GET", "/health", expect=200)
    client = generate_models(await (await api.get("/api/v1/openapi.json")).json(), tmp_path)
    assert round_trip(client, "#/components/schemas/HealthOut", {"status": 5}) is not None
    assert round_trip(client, "#/components/schemas/NoSuchModel", {}) == "the generated client has no model NoSuchModel"
    doc["paths"]["/health"]["get"]["responses"].pop("200")
    with pytest.raises(AssertionError, match="not documented"):
        await Walk(api, doc).call("GET", "/health")
