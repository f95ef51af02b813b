"""Register, login, lockout, me, and input hygiene of the auth endpoints, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.settings import Settings
from tests.conftest import make_settings
from tests.helpers import auth, register

PASSWORD = "Sup3r-secret!"


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str]) -> Settings:
    """Cheaper bcrypt for these tests (the policy and flow do not depend on the cost)."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], bcrypt_rounds=4)


async def _audit_actions(api: TestClient) -> list[str]:
    rows = await api.app[keys.DB].fetch("SELECT action FROM audit_log ORDER BY id")
    return [r["action"] for r in rows]


async def test_register_answers_201_with_tokens_and_a_default_profile(api: TestClient) -> None:
    body = await register(api, email="Asha.Rao@Example.com", language="hi")
    assert body["email"] == "Asha.Rao@example.com"
    assert body["subscription_tier"] == "free" and body["email_verified"] is False
    assert body["roles"] == ["user"] and body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert body["access_token"].count(".") == 2 and body["refresh_token"].count(".") == 2
    resp = await api.get("/api/v1/auth/profiles", headers=auth(body["access_token"]))
    profiles = (await resp.json())["profiles"]
    assert [(p["name"], p["language_preference"], p["is_kids_profile"]) for p in profiles] == [
        ("Asha.Rao", "hi", False)]
    row = await api.app[keys.DB].fetchrow("SELECT password_hash, language FROM users WHERE id = $1::uuid",
                                          body["user_id"])
    assert row["password_hash"].startswith("$2b$04$") and PASSWORD not in row["password_hash"]
    assert row["language"] == "hi"
    assert "auth.register" in await _audit_actions(api)


@pytest.mark.parametrize(("password", "missing"), [
    ("Sh0rt!", {"needs at least 8 characters"}),
    ("alllowercase1!", {"needs at least one uppercase letter"}),
    ("ALLUPPERCASE1!", {"needs at least one lowercase letter"}),
    ("NoDigitsHere!", {"needs at least one number"}),
    ("NoSpecial123", {"needs at least one special character"}),
    ("abc", {"needs at least 8 characters", "needs at least one uppercase letter", "needs at least one number",
             "needs at least one special character"}),
])
async def test_weak_password_is_422_listing_each_rule(api: TestClient, password: str, missing: set[str]) -> None:
    resp = await api.post("/api/v1/auth/register", json={"email": "weak@example.com", "password": password})
    assert resp.status == 422
    assert resp.content_type == "application/problem+json"
    errors = (await resp.json())["errors"]
    assert {e["message"] for e in errors} == missing
    assert all(e["field"] == "password" and e["type"] == "password_policy" for e in errors)
    assert await api.app[keys.DB].fetchval("SELECT count(*) FROM users") == 0


async def test_duplicate_email_in_any_case_is_409(api: TestClient) -> None:
    await register(api, email="dup@example.com")
    resp = await api.post("/api/v1/auth/register", json={"email": "DUP@Example.COM", "password": PASSWORD})
    assert resp.status == 409
    assert (await resp.json())["type"] == "/problems/conflict"
    assert await api.app[keys.DB].fetchval("SELECT count(*) FROM users") == 1


@pytest.mark.parametrize("payload", [
    {"email": "not-an-email", "password": PASSWORD},
    {"password": PASSWORD},
    {"email": "a@example.com"},
    {"email": "a@example.com", "password": PASSWORD, "language": "fr"},
    {"email": "a@example.com", "password": PASSWORD, "is_admin": True},
    {"email": ["a@example.com"], "password": PASSWORD},
    {"email": "a@example.com", "password": 12345678},
])
async def test_register_rejects_invalid_fields_with_422(api: TestClient, payload: dict[str, object]) -> None:
    resp = await api.post("/api/v1/auth/register", json=payload)
    assert resp.status == 422
    body = await resp.json()
    assert body["errors"] and all("field" in e and "message" in e for e in body["errors"])


async def test_malformed_json_is_400(api: TestClient) -> None:
    resp = await api.post("/api/v1/auth/login", data=b'{"email": "a@example.com", "password": ',
                          headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert resp.content_type == "application/problem+json"


@pytest.mark.parametrize("data", [b"[" * 200_000, b'{"a": ' * 100_000, b'{"email": ' + b"1" * 5000 + b"}"],
                         ids=["deep-array", "deep-object", "huge-integer"])
async def test_json_the_parser_refuses_is_400_not_500(api: TestClient, data: bytes) -> None:
    resp = await api.post("/api/v1/auth/login", data=data, headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert resp.content_type == "application/problem+json"
    assert (await resp.json())["detail"].startswith("the body is not valid JSON")


async def test_non_object_json_is_422(api: TestClient) -> None:
    resp = await api.post("/api/v1/auth/login", json=["a@example.com", PASSWORD])
    assert resp.status == 422


async def test_wrong_content_type_is_415(api: TestClient) -> None:
    resp = await api.post("/api/v1/auth/register", data="email=a@example.com&password=x",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 415
    assert (await resp.json())["type"] == "/problems/unsupported-media-type"


async def test_oversize_body_is_413(api: TestClient) -> None:
    limit = api.app[keys.SETTINGS].client_max_size
    payload = b'{"email": "a@example.com", "password": "' + b"x" * (limit + 10) + b'"}'
    resp = await api.post("/api/v1/auth/register", data=payload, headers={"Content-Type": "application/json"})
    assert resp.status == 413
    assert resp.content_type == "application/problem+json"


async def test_login_succeeds_case_insensitively_and_records_it(api: TestClient) -> None:
    user = await register(api, email="login@example.com")
    resp = await api.post("/api/v1/auth/login", json={"email": "LOGIN@example.com", "password": PASSWORD})
    assert resp.status == 200
    body = await resp.json()
    assert body["user_id"] == user["user_id"] and body["access_token"] != user["access_token"]
    me = await api.get("/api/v1/auth/me", headers=auth(body["access_token"]))
    assert (await me.json())["email"] == "login@example.com"
    assert await api.app[keys.DB].fetchval("SELECT last_login_at IS NOT NULL FROM users") is True
    assert "auth.login" in await _audit_actions(api)


@pytest.mark.parametrize("email", ["login@example.com", "nobody@example.com"])
async def test_wrong_credentials_are_401_without_saying_which(api: TestClient, email: str) -> None:
    await register(api, email="login@example.com")
    resp = await api.post("/api/v1/auth/login", json={"email": email, "password": "Wrong-pass1!"})
    assert resp.status == 401
    body = await resp.json()
    assert body["detail"] == "wrong email or password"
    assert "auth.login_failed" in await _audit_actions(api)


async def test_unknown_email_is_checked_against_a_hash_of_the_configured_cost() -> None:
    """The stand-in hash for unknown emails costs what real hashes cost, so timing does not tell them apart."""
    from server.auth.passwords import dummy_hash, verify_password

    for rounds in (4, 5):
        hashed = await dummy_hash(rounds=rounds)
        assert hashed.startswith(f"$2b${rounds:02d}$")
        assert await dummy_hash(rounds=rounds) == hashed  # made once per cost
        assert not await verify_password("Sup3r-secret!", hashed)


async def test_lockout_after_five_failures_then_even_the_right_password_is_refused(api: TestClient) -> None:
    await register(api, email="lock@example.com")
    statuses = []
    for _ in range(5):
        resp = await api.post("/api/v1/auth/login", json={"email": "lock@example.com", "password": "Wrong-pass1!"})
        statuses.append(resp.status)
    assert statuses == [401, 401, 401, 401, 423]
    resp = await api.post("/api/v1/auth/login", json={"email": "Lock@example.com", "password": PASSWORD})
    assert resp.status == 423
    assert resp.content_type == "application/problem+json"
    retry_after = int(resp.headers["Retry-After"])
    assert 0 < retry_after <= api.app[keys.SETTINGS].lockout_s
    assert "auth.lockout" in await _audit_actions(api)
    # another account is not affected
    await register(api, email="other@example.com")
    ok = await api.post("/api/v1/auth/login", json={"email": "other@example.com", "password": PASSWORD})
    assert ok.status == 200


async def test_successful_login_resets_the_failure_count(api: TestClient) -> None:
    await register(api, email="reset@example.com")
    wrong = {"email": "reset@example.com", "password": "Wrong-pass1!"}
    right = {"email": "reset@example.com", "password": PASSWORD}
    for _ in range(4):
        assert (await api.post("/api/v1/auth/login", json=wrong)).status == 401
    assert (await api.post("/api/v1/auth/login", json=right)).status == 200
    for _ in range(4):
        assert (await api.post("/api/v1/auth/login", json=wrong)).status == 401
    assert (await api.post("/api/v1/auth/login", json=right)).status == 200


async def test_suspended_account_cannot_log_in_and_its_tokens_stop_working(api: TestClient) -> None:
    user = await register(api, email="sus@example.com")
    await api.app[keys.DB].execute("UPDATE users SET status = 'suspended'")
    resp = await api.post("/api/v1/auth/login", json={"email": "sus@example.com", "password": PASSWORD})
    assert resp.status == 403
    me = await api.get("/api/v1/auth/me", headers=auth(user["access_token"]))
    assert me.status == 401


async def test_me_returns_the_account(api: TestClient) -> None:
    user = await register(api)
    resp = await api.get("/api/v1/auth/me", headers=auth(user["access_token"]))
    assert resp.status == 200
    body = await resp.json()
    assert body["user_id"] == user["user_id"] and body["roles"] == ["user"]
    assert body["subscription_tier"] == "free" and body["email_verified"] is False and body["language"] == "en"


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt",
                                    "Bearer \u00e9\u00e9\u00e9"])
async def test_me_without_a_valid_token_is_401(api: TestClient, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    resp = await api.get("/api/v1/auth/me", headers=headers)
    assert resp.status == 401
    assert resp.content_type == "application/problem+json"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


async def test_auth_routes_are_in_the_openapi_document(api: TestClient) -> None:
    resp = await api.get("/api/v1/openapi.json")
    assert resp.status == 200
    paths = (await resp.json())["paths"]
    for path in ("/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout",
                 "/api/v1/auth/me", "/api/v1/auth/profiles/{profile_id}", "/api/v1/admin/users"):
        assert path in paths
