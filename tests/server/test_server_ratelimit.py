"""Rate limits in Redis: shared by two app instances, per user or per IP, with RateLimit headers."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.app import create_app
from server.ratelimit import match_rule
from server.settings import Settings
from tests.conftest import make_settings, truncate_all
from tests.helpers import auth, register

LIMITS = {"/api/v1/auth/login": (3, 900), "/api/v1/auth/register": (50, 3600), "/api/v1/*": (4, 60)}


@pytest.fixture
async def pair(aiohttp_client, tmp_path: Path, store_urls: tuple[str, str]) -> tuple[TestClient, TestClient]:  # type: ignore[no-untyped-def]
    """Two app instances (two "server processes") sharing the stores, the namespace and the signing keys."""
    namespace = f"t{uuid.uuid4().hex[:10]}"
    apps = []
    for _ in range(2):
        settings = make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1],
                                 bcrypt_rounds=4, redis_namespace=namespace, rate_limits_enabled=True,
                                 rate_limits=LIMITS, trusted_proxies=[])  # direct clients, no proxy
        apps.append(await aiohttp_client(create_app(settings)))
    await truncate_all(apps[0].app[keys.DB])
    return apps[0], apps[1]


async def test_login_limit_holds_across_two_instances(pair: tuple[TestClient, TestClient]) -> None:
    a, b = pair
    wrong = {"email": "who@example.com", "password": "Wrong-pass1!"}
    statuses = [(await client.post("/api/v1/auth/login", json=wrong)).status for client in (a, b, a)]
    assert statuses == [401, 401, 401]
    resp = await b.post("/api/v1/auth/login", json=wrong)
    assert resp.status == 429
    assert resp.content_type == "application/problem+json"
    body = await resp.json()
    assert body["status"] == 429 and body["type"] == "/problems/rate-limited"
    assert resp.headers["RateLimit-Limit"] == "3" and resp.headers["RateLimit-Remaining"] == "0"
    assert 0 < int(resp.headers["Retry-After"]) <= 900
    assert resp.headers["Retry-After"] == resp.headers["RateLimit-Reset"]


async def test_headers_on_every_limited_response_and_remaining_counts_down(
        pair: tuple[TestClient, TestClient]) -> None:
    a, b = pair
    token = (await register(a))["access_token"]
    remaining = []
    for client in (a, b, a, b):
        resp = await client.get("/api/v1/auth/me", headers=auth(token))
        assert resp.status == 200
        assert resp.headers["RateLimit-Limit"] == "4"
        assert 0 < int(resp.headers["RateLimit-Reset"]) <= 60
        remaining.append(int(resp.headers["RateLimit-Remaining"]))
    assert remaining == [3, 2, 1, 0]
    refused = await a.get("/api/v1/auth/profiles", headers=auth(token))  # same bucket: /api/v1/*
    assert refused.status == 429 and "Retry-After" in refused.headers


async def test_users_are_counted_separately_from_each_other_and_from_anonymous(
        pair: tuple[TestClient, TestClient]) -> None:
    a, b = pair
    first = (await register(a))["access_token"]
    second = (await register(b))["access_token"]
    for _ in range(4):
        assert (await a.get("/api/v1/auth/me", headers=auth(first))).status == 200
    assert (await b.get("/api/v1/auth/me", headers=auth(first))).status == 429
    assert (await b.get("/api/v1/auth/me", headers=auth(second))).status == 200
    anonymous = await a.get("/api/v1/auth/me")
    assert anonymous.status == 401 and anonymous.headers["RateLimit-Remaining"] == "3"


async def test_a_token_does_not_buy_a_new_bucket_on_routes_that_take_none(
        pair: tuple[TestClient, TestClient]) -> None:
    a, b = pair
    token = (await register(a))["access_token"]  # one anonymous register (limit 50 here)
    wrong = {"email": "who@example.com", "password": "Wrong-pass1!"}
    assert [(await a.post("/api/v1/auth/login", json=wrong)).status for _ in range(3)] == [401, 401, 401]
    spoofed = await b.post("/api/v1/auth/login", json=wrong,
                           headers={**auth(token), "X-Forwarded-For": "203.0.113.7", "X-Real-IP": "203.0.113.8"})
    assert spoofed.status == 429 and spoofed.headers["RateLimit-Remaining"] == "0"
    # the same token still has its own bucket where it authenticates the caller
    assert (await b.get("/api/v1/auth/me", headers=auth(token))).status == 200


async def test_ops_and_media_paths_are_exempt(pair: tuple[TestClient, TestClient]) -> None:
    a, _ = pair
    for _ in range(8):
        resp = await a.get("/health")
        assert resp.status == 200
        assert "RateLimit-Limit" not in resp.headers
    media = await a.get("/media/anything.ts")
    assert media.status != 429 and "RateLimit-Limit" not in media.headers


async def test_errors_under_the_api_carry_the_headers(pair: tuple[TestClient, TestClient]) -> None:
    a, _ = pair
    token = (await register(a))["access_token"]
    resp = await a.get("/api/v1/auth/profiles/not-a-profile", headers=auth(token))
    assert resp.status == 404
    assert resp.headers["RateLimit-Limit"] == "4"


async def test_disabled_by_default_in_tests(api: TestClient) -> None:
    assert api.app[keys.SETTINGS].rate_limits_enabled is False
    for _ in range(8):
        resp = await api.post("/api/v1/auth/login", json={"email": "x@example.com", "password": "Wrong-pass1!"})
        assert resp.status in (401, 423)
        assert "RateLimit-Limit" not in resp.headers


def test_default_rules_follow_the_spec() -> None:
    rules = Settings().rate_limits
    assert match_rule(rules, "/api/v1/auth/login") == match_rule(rules, "/api/v1/auth/login")
    expected = {"/api/v1/auth/login": (5, 900), "/api/v1/auth/register": (3, 3600),
                "/api/v1/catalog/content/1": (100, 60), "/api/v1/stream/x/manifest": (50, 60),
                "/api/v1/cms/content": (200, 60), "/api/v1/activity/history": (100, 60),
                "/api/v1/auth/refresh": (100, 60)}
    for path, (limit, window) in expected.items():
        rule = match_rule(rules, path)
        assert rule is not None and (rule.limit, rule.window_s) == (limit, window), path
    for path in ("/health", "/ready", "/metrics", "/media/v/720p/seg_1.ts", "/"):
        assert match_rule(rules, path) is None


def test_rules_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTT_RATE_LIMITS", '{"/api/v1/*": [10, 30]}')
    rule = match_rule(Settings().rate_limits, "/api/v1/anything")
    assert rule is not None and (rule.limit, rule.window_s, rule.pattern) == (10, 30, "/api/v1/*")
