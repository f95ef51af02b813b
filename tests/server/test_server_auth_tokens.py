"""JWTs: strict verification, refresh rotation with reuse detection, logout, signing keys."""

from __future__ import annotations

import asyncio
import base64
import json
import stat
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.app import create_app
from server.auth import tokens as tokens_module
from server.auth.authenticator import token_service
from server.auth.signing import PRIVATE_NAME, generate_keys
from server.auth.tokens import InvalidToken, TokenService
from server.settings import Settings
from tests.conftest import make_settings
from tests.helpers import auth, register


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str]) -> Settings:
    """Cheaper bcrypt for these tests."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], bcrypt_rounds=4)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _claims(user: dict[str, Any], **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": user["user_id"], "email": user["email"], "roles": ["user"], "ev": False,
              "fam": str(uuid.uuid4()), "typ": "access", "jti": str(uuid.uuid4()), "iat": now, "exp": now + 600,
              "iss": "ott-lowband"}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(api: TestClient, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, token_service(api.app).keys.private_pem, algorithm="RS256")


async def _me_status(api: TestClient, token: str) -> int:
    return (await api.get("/api/v1/auth/me", headers=auth(token))).status


async def test_a_token_we_sign_is_accepted(api: TestClient) -> None:
    user = await register(api)
    assert await _me_status(api, _sign(api, _claims(user))) == 200


@pytest.mark.parametrize("changes", [
    {"exp": 1_000_000},                       # expired long ago
    {"iss": "someone-else"},                  # wrong issuer
    {"typ": "refresh"},                       # wrong type
    {"typ": None},                            # no type
    {"jti": None},                            # no token id
    {"sub": "not-a-uuid"},                    # malformed subject
    {"sub": str(uuid.uuid4())},               # no such account
])
async def test_invalid_claims_are_401(api: TestClient, changes: dict[str, Any]) -> None:
    user = await register(api)
    assert await _me_status(api, _sign(api, _claims(user, **changes))) == 401


async def test_tampered_payload_is_401(api: TestClient) -> None:
    user = await register(api)
    header, payload, signature = user["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["admin"]
    forged = ".".join([header, _b64(json.dumps(claims).encode()), signature])
    assert await _me_status(api, forged) == 401
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert await _me_status(api, ".".join([header, payload, flipped])) == 401


async def test_alg_none_is_401(api: TestClient) -> None:
    user = await register(api)
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(_claims(user)).encode())
    assert await _me_status(api, f"{header}.{payload}.") == 401


async def test_hs256_signed_with_the_public_key_is_401(api: TestClient) -> None:
    import hashlib
    import hmac

    user = await register(api)
    public = token_service(api.app).keys.public_pem
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(_claims(user)).encode())
    signature = _b64(hmac.new(public, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    assert await _me_status(api, f"{header}.{payload}.{signature}") == 401


async def test_a_token_signed_by_another_key_is_401(api: TestClient) -> None:
    user = await register(api)
    other = generate_keys()
    assert await _me_status(api, jwt.encode(_claims(user), other.private_pem, algorithm="RS256")) == 401


async def test_refresh_token_is_not_an_access_token_and_vice_versa(api: TestClient) -> None:
    user = await register(api)
    assert await _me_status(api, user["refresh_token"]) == 401
    resp = await api.post("/api/v1/auth/refresh", json={"refresh_token": user["access_token"]})
    assert resp.status == 401


async def test_access_token_claims(api: TestClient) -> None:
    user = await register(api)
    claims = jwt.decode(user["access_token"], token_service(api.app).keys.public_pem, algorithms=["RS256"],
                        issuer="ott-lowband")
    assert claims["typ"] == "access" and claims["sub"] == user["user_id"] and claims["roles"] == ["user"]
    assert claims["ev"] is False and claims["email"] == user["email"]
    assert claims["exp"] - claims["iat"] == 15 * 60
    refresh = jwt.decode(user["refresh_token"], token_service(api.app).keys.public_pem, algorithms=["RS256"],
                         issuer="ott-lowband")
    assert refresh["typ"] == "refresh" and refresh["fam"] == claims["fam"]
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600


async def _age_used_tokens(api: TestClient, *, seconds: float) -> None:
    """Make every used refresh token look used ``seconds`` ago (past or within the grace window)."""
    await api.app[keys.DB].execute(
        "UPDATE refresh_tokens SET used_at = now() - make_interval(secs => $1) WHERE used_at IS NOT NULL", seconds)


async def test_parallel_refreshes_of_one_token_get_the_same_pair(api: TestClient) -> None:
    """Two refreshes of one token at once (a benign client race) both get the same rotated pair."""
    user = await register(api)
    body = {"refresh_token": user["refresh_token"]}
    answers = await asyncio.gather(*(api.post("/api/v1/auth/refresh", json=body) for _ in range(2)))
    assert [a.status for a in answers] == [200, 200]
    first, second = [await a.json() for a in answers]
    assert abs(first["expires_in"] - second["expires_in"]) <= 1  # counted from the request's own second
    assert {**first, "expires_in": 0} == {**second, "expires_in": 0}
    assert await _me_status(api, first["access_token"]) == 200
    # within the window a third presentation still gets it; the pair's own refresh token works on
    await _age_used_tokens(api, seconds=9)
    third = await api.post("/api/v1/auth/refresh", json=body)
    assert third.status == 200
    again = await third.json()
    # the same pair; its expires_in counts down from when it was issued (a second may have passed)
    assert again.pop("expires_in") <= first["expires_in"] and again == {k: v for k, v in first.items()
                                                                          if k != "expires_in"}
    nxt = await api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert nxt.status == 200
    assert await _me_status(api, (await nxt.json())["access_token"]) == 200


async def test_a_replay_after_the_grace_window_revokes_the_family(api: TestClient) -> None:
    """Outside the grace window the same token is reuse: 401, and the pair it was rotated into dies too."""
    user = await register(api)
    body = {"refresh_token": user["refresh_token"]}
    pair = await (await api.post("/api/v1/auth/refresh", json=body)).json()
    await _age_used_tokens(api, seconds=11)
    late = await api.post("/api/v1/auth/refresh", json=body)
    assert late.status == 401 and "already used" in (await late.json())["detail"]
    assert await _me_status(api, pair["access_token"]) == 401
    assert (await api.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).status == 401


async def test_refresh_rotates_and_reuse_revokes_the_whole_family(api: TestClient) -> None:
    user = await register(api)
    first = await api.post("/api/v1/auth/refresh", json={"refresh_token": user["refresh_token"]})
    assert first.status == 200
    pair = await first.json()
    assert pair["refresh_token"] != user["refresh_token"]
    assert await _me_status(api, pair["access_token"]) == 200
    # the old refresh token comes back (stolen) after the grace window: reuse → the family is dead,
    # including the new tokens
    await _age_used_tokens(api, seconds=11)
    reuse = await api.post("/api/v1/auth/refresh", json={"refresh_token": user["refresh_token"]})
    assert reuse.status == 401
    assert "already used" in (await reuse.json())["detail"]
    again = await api.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status == 401
    assert await _me_status(api, pair["access_token"]) == 401
    assert await _me_status(api, user["access_token"]) == 401
    actions = [r["action"] for r in await api.app[keys.DB].fetch("SELECT action FROM audit_log")]
    assert "auth.refresh_reuse" in actions
    # another login of the same account still works
    login = await api.post("/api/v1/auth/login", json={"email": user["email"], "password": "Sup3r-secret!"})
    assert await _me_status(api, (await login.json())["access_token"]) == 200


@pytest.mark.parametrize("token", ["", "x" * 5000, "a.b.c"])
async def test_refresh_with_garbage_is_4xx(api: TestClient, token: str) -> None:
    resp = await api.post("/api/v1/auth/refresh", json={"refresh_token": token})
    assert resp.status in (401, 422)
    assert resp.content_type == "application/problem+json"


async def test_refresh_token_whose_row_expired_is_401(api: TestClient) -> None:
    user = await register(api)
    await api.app[keys.DB].execute("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
    resp = await api.post("/api/v1/auth/refresh", json={"refresh_token": user["refresh_token"]})
    assert resp.status == 401


async def test_logout_of_this_device_rejects_the_access_token_and_the_refresh_family(api: TestClient) -> None:
    user = await register(api)
    other_login = await (await api.post("/api/v1/auth/login", json={"email": user["email"],
                                                                    "password": "Sup3r-secret!"})).json()
    resp = await api.post("/api/v1/auth/logout", json={"all_sessions": False}, headers=auth(user["access_token"]))
    assert resp.status == 204
    assert await _me_status(api, user["access_token"]) == 401
    refresh = await api.post("/api/v1/auth/refresh", json={"refresh_token": user["refresh_token"]})
    assert refresh.status == 401
    # the other login (another family) is untouched
    assert await _me_status(api, other_login["access_token"]) == 200
    assert (await api.post("/api/v1/auth/logout", headers=auth(user["access_token"]))).status == 401
    # revocation lives in PostgreSQL: losing every Redis key of the app revives nothing
    redis = api.app[keys.REDIS]
    names = [k async for k in redis.scan_iter(match=f"{api.app[keys.SETTINGS].redis_namespace}:*")]
    if names:
        await redis.delete(*names)
    assert await _me_status(api, user["access_token"]) == 401
    assert await _me_status(api, other_login["access_token"]) == 200


@pytest.mark.parametrize("body", [None, {}, {"all_sessions": True}])
async def test_logout_ends_every_login_by_default(api: TestClient, body: dict[str, bool] | None) -> None:
    user = await register(api)
    other = await (await api.post("/api/v1/auth/login", json={"email": user["email"],
                                                              "password": "Sup3r-secret!"})).json()
    resp = await api.post("/api/v1/auth/logout", json=body, headers=auth(user["access_token"]))
    assert resp.status == 204
    assert await _me_status(api, other["access_token"]) == 401
    assert (await api.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})).status == 401
    assert await api.app[keys.DB].fetchval("SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL") == 0


async def test_logout_with_a_bad_body_is_422(api: TestClient) -> None:
    user = await register(api)
    resp = await api.post("/api/v1/auth/logout", json={"all_sessions": "maybe please"},
                          headers=auth(user["access_token"]))
    assert resp.status == 422
    assert await _me_status(api, user["access_token"]) == 200


def test_private_key_is_created_0600_and_reused(tmp_path: Path) -> None:
    from server.auth.signing import load_or_create_keys

    settings = Settings(data_dir=tmp_path)
    first = load_or_create_keys(settings=settings)
    path = tmp_path / "keys" / PRIVATE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_keys(settings=settings) == first


def test_keys_from_settings_are_used(tmp_path: Path) -> None:
    from server.auth.signing import load_or_create_keys

    made = generate_keys()
    settings = Settings(data_dir=tmp_path, jwt_private_key=made.private_pem.decode())
    loaded = load_or_create_keys(settings=settings)
    assert loaded.private_pem == made.private_pem and loaded.public_pem == made.public_pem
    assert not (tmp_path / "keys").exists()
    with pytest.raises(ValueError, match="not a usable PEM"):
        load_or_create_keys(settings=Settings(data_dir=tmp_path, jwt_private_key="garbage"))


async def test_tokens_survive_a_restart_on_the_same_data_dir(aiohttp_client, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import truncate_all

    first: TestClient = await aiohttp_client(create_app(settings))
    await truncate_all(first.app[keys.DB])
    user = await register(first)
    second: TestClient = await aiohttp_client(create_app(settings))
    assert await _me_status(second, user["access_token"]) == 200


def _service(clock: list[float]) -> TokenService:
    return TokenService(keys=generate_keys(), issuer="ott-test", access_ttl_s=600, refresh_ttl_s=3600,
                        clock=lambda: clock[0])


def test_a_token_is_checked_once_then_only_its_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [time.time()]
    service = _service(clock)
    issued = service.issue_access(user_id=str(uuid.uuid4()), email="a@example.com", roles=["user"],
                                  email_verified=False, family_id=str(uuid.uuid4()))
    decodes: list[str] = []
    real_decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda token, *a, **k: decodes.append(token) or real_decode(token, *a, **k))
    first = service.verify(issued.token, typ="access")
    first["sub"] = "changed by a caller"
    again = service.verify(issued.token, typ="access")
    assert len(decodes) == 1 and again["sub"] != "changed by a caller" and again["jti"] == issued.jti
    with pytest.raises(InvalidToken):  # still the access token it is, whatever was cached
        service.verify(issued.token, typ="refresh")
    head, payload, signature = issued.token.split(".")
    tampered = f"{head}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    with pytest.raises(InvalidToken):
        service.verify(tampered, typ="access")
    clock[0] = issued.expires_at  # expired: refused, though it was verified before
    with pytest.raises(InvalidToken, match="expired"):
        service.verify(issued.token, typ="access")


def test_the_verified_tokens_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens_module, "VERIFIED_CACHE_SIZE", 2)
    service = _service([time.time()])
    issued = [service.issue_refresh(user_id=str(uuid.uuid4()), family_id=str(uuid.uuid4())) for _ in range(3)]
    for token in issued:
        assert service.verify(token.token, typ="refresh")["jti"] == token.jti
    assert len(service._verified) == 2
    assert service.verify(issued[0].token, typ="refresh")["jti"] == issued[0].jti  # checked again in full


async def test_a_token_verified_before_stops_working_at_once_when_its_login_ends(api: TestClient) -> None:
    """The verified-token cache keeps what a token's signature says, never whether it may still be used: a token
    the server has already checked (and keeps) is refused on the next request after a logout from another
    device, a password reset, a suspension or an account deletion."""
    service = token_service(api.app)

    async def in_use() -> dict[str, Any]:
        user = await register(api)
        assert (await api.get("/api/v1/auth/me", headers=auth(user["access_token"]))).status == 200
        assert user["access_token"] in service._verified  # checked once, kept
        return user

    other_device = await in_use()
    second = await (await api.post("/api/v1/auth/login", json={"email": other_device["email"],
                                                               "password": "Sup3r-secret!"})).json()
    assert (await api.post("/api/v1/auth/logout", json={"all_sessions": True},
                           headers=auth(second["access_token"]))).status == 204
    reset = await in_use()
    assert (await api.post("/api/v1/auth/password-reset/request", json={"email": reset["email"]})).status == 202
    mail = await api.app[keys.DB].fetchval("SELECT body FROM mail_outbox WHERE to_address = $1"
                                           " AND kind = 'password_reset'", reset["email"])
    token = next(line.split(" ", 1)[1] for line in mail.splitlines() if line.startswith("token: "))
    assert (await api.post("/api/v1/auth/password-reset/confirm",
                           json={"token": token, "password": "N3w-password!"})).status == 204
    suspended = await in_use()
    await api.app[keys.DB].execute("UPDATE users SET status = 'suspended' WHERE id = $1::uuid", suspended["user_id"])
    deleted = await in_use()
    assert (await api.delete("/api/v1/account", headers=auth(deleted["access_token"]))).status == 202
    for user in (other_device, reset, suspended, deleted):
        assert (await api.get("/api/v1/auth/me", headers=auth(user["access_token"]))).status == 401, user["email"]
        assert user["access_token"] in service._verified  # refused by the account's state, not by a cache miss
