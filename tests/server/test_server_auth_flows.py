"""Email verification and password reset, end to end through the mail outbox."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.auth.authenticator import require_verified
from server.errors import Forbidden
from server.routing import Principal
from server.settings import Settings
from tests.conftest import make_settings
from tests.helpers import auth, register

_TOKEN = re.compile(r"^token: (\S+)$", re.MULTILINE)


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str]) -> Settings:
    """Cheaper bcrypt for these tests."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], bcrypt_rounds=4,
                         public_base_url="https://ott.example")


async def _mailed_token(api: TestClient, *, to: str, kind: str) -> str:
    body = await api.app[keys.DB].fetchval(
        "SELECT body FROM mail_outbox WHERE lower(to_address) = lower($1) AND kind = $2 ORDER BY id DESC LIMIT 1",
        to, kind)
    assert body is not None, f"no {kind} mail to {to}"
    match = _TOKEN.search(body)
    assert match is not None
    return match[1]


async def test_verification_flow(api: TestClient) -> None:
    user = await register(api)
    mail = await api.app[keys.DB].fetchrow("SELECT subject, body FROM mail_outbox WHERE kind = 'verify_email'")
    assert mail["subject"] == "Confirm your email address"
    assert "https://ott.example/verify-email?token=" in mail["body"]
    token = await _mailed_token(api, to=user["email"], kind="verify_email")
    stored = await api.app[keys.DB].fetchval("SELECT count(*) FROM one_time_tokens WHERE token_hash = $1",
                                             token.encode())
    assert stored == 0  # only the hash is stored
    resp = await api.post("/api/v1/auth/verify-email", json={"token": token})
    assert resp.status == 200
    assert await resp.json() == {"email_verified": True}
    me = await (await api.get("/api/v1/auth/me", headers=auth(user["access_token"]))).json()
    assert me["email_verified"] is True
    again = await api.post("/api/v1/auth/verify-email", json={"token": token})
    assert again.status == 410
    resend = await api.post("/api/v1/auth/resend-verification", headers=auth(user["access_token"]))
    assert resend.status == 409


@pytest.mark.parametrize("payload", [{"token": "no-such-token"}, {"token": ""}, {}, {"token": 42}])
async def test_verify_with_a_bad_token_is_4xx(api: TestClient, payload: dict[str, object]) -> None:
    resp = await api.post("/api/v1/auth/verify-email", json=payload)
    assert resp.status in (400, 422)
    assert resp.content_type == "application/problem+json"


async def test_expired_verification_token_is_410(api: TestClient) -> None:
    user = await register(api)
    token = await _mailed_token(api, to=user["email"], kind="verify_email")
    await api.app[keys.DB].execute("UPDATE one_time_tokens SET expires_at = now() - interval '1 second'")
    resp = await api.post("/api/v1/auth/verify-email", json={"token": token})
    assert resp.status == 410
    assert "expired" in (await resp.json())["detail"]


async def test_resend_verification_mails_a_new_working_token(api: TestClient) -> None:
    user = await register(api)
    first = await _mailed_token(api, to=user["email"], kind="verify_email")
    resp = await api.post("/api/v1/auth/resend-verification", headers=auth(user["access_token"]))
    assert resp.status == 202
    second = await _mailed_token(api, to=user["email"], kind="verify_email")
    assert second != first
    assert (await api.post("/api/v1/auth/verify-email", json={"token": second})).status == 200
    assert (await api.post("/api/v1/auth/resend-verification")).status == 401


async def test_password_reset_flow(api: TestClient) -> None:
    user = await register(api, email="forgot@example.com")
    other_login = await (await api.post("/api/v1/auth/login", json={"email": "forgot@example.com",
                                                                    "password": "Sup3r-secret!"})).json()
    resp = await api.post("/api/v1/auth/password-reset/request", json={"email": "FORGOT@example.com"})
    assert resp.status == 202
    token = await _mailed_token(api, to="forgot@example.com", kind="password_reset")
    weak = await api.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "weak"})
    assert weak.status == 422
    ok = await api.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "N3w-password!"})
    assert ok.status == 204
    # single use
    again = await api.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "An0ther-one!"})
    assert again.status == 410
    old = await api.post("/api/v1/auth/login", json={"email": "forgot@example.com", "password": "Sup3r-secret!"})
    assert old.status == 401
    new = await api.post("/api/v1/auth/login", json={"email": "forgot@example.com", "password": "N3w-password!"})
    assert new.status == 200
    # every earlier login is revoked
    for refresh in (user["refresh_token"], other_login["refresh_token"]):
        assert (await api.post("/api/v1/auth/refresh", json={"refresh_token": refresh})).status == 401
    assert (await api.get("/api/v1/auth/me", headers=auth(other_login["access_token"]))).status == 401
    actions = {r["action"] for r in await api.app[keys.DB].fetch("SELECT action FROM audit_log")}
    assert {"auth.password_reset_requested", "auth.password_reset"} <= actions


async def test_reset_request_for_unknown_email_is_202_and_sends_nothing(api: TestClient) -> None:
    resp = await api.post("/api/v1/auth/password-reset/request", json={"email": "ghost@example.com"})
    assert resp.status == 202
    assert await resp.json() == {"status": "accepted"}
    assert await api.app[keys.DB].fetchval("SELECT count(*) FROM mail_outbox") == 0


async def test_reset_token_expires_after_an_hour(api: TestClient) -> None:
    await register(api, email="late@example.com")
    await api.post("/api/v1/auth/password-reset/request", json={"email": "late@example.com"})
    token = await _mailed_token(api, to="late@example.com", kind="password_reset")
    lifetime = await api.app[keys.DB].fetchval(
        "SELECT extract(epoch FROM expires_at - created_at) FROM one_time_tokens WHERE purpose = 'password_reset'")
    assert 3599 <= float(lifetime) <= 3601
    await api.app[keys.DB].execute("UPDATE one_time_tokens SET expires_at = now() - interval '1 second'")
    resp = await api.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "N3w-password!"})
    assert resp.status == 410


async def test_reset_unlocks_a_locked_account(api: TestClient) -> None:
    await register(api, email="locked@example.com")
    for _ in range(5):
        await api.post("/api/v1/auth/login", json={"email": "locked@example.com", "password": "Wrong-pass1!"})
    await api.post("/api/v1/auth/password-reset/request", json={"email": "locked@example.com"})
    token = await _mailed_token(api, to="locked@example.com", kind="password_reset")
    await api.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "N3w-password!"})
    resp = await api.post("/api/v1/auth/login", json={"email": "locked@example.com", "password": "N3w-password!"})
    assert resp.status == 200


async def test_verify_token_cannot_reset_a_password(api: TestClient) -> None:
    user = await register(api)
    token = await _mailed_token(api, to=user["email"], kind="verify_email")
    resp = await api.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "N3w-password!"})
    assert resp.status == 400


def test_require_verified_raises_forbidden_for_unverified() -> None:
    base = {"user_id": "u", "email": "e@example.com", "roles": frozenset({"user"}), "token_id": "t",
            "expires_at": 0}
    require_verified(Principal(**base, email_verified=True))
    with pytest.raises(Forbidden):
        require_verified(Principal(**base, email_verified=False))
