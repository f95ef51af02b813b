"""Profiles: create (max 5), kids rating rule, read, patch, delete, and no leaks across accounts."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from server.settings import Settings
from tests.conftest import make_settings
from tests.helpers import auth, default_profile, make_profile, register


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str]) -> Settings:
    """Cheaper bcrypt for these tests."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], bcrypt_rounds=4)


async def test_create_and_list_profiles(api: TestClient) -> None:
    user = await register(api, email="fam@example.com")
    token = user["access_token"]
    created = await make_profile(api, token, name="  Ravi ", avatar_url="https://img.example/r.png",
                                 maturity_rating="A", language_preference="hi", preferred_quality="480p")
    assert created["name"] == "Ravi" and created["maturity_rating"] == "A" and created["preferred_quality"] == "480p"
    plain = await make_profile(api, token, name="Plain")
    assert plain["maturity_rating"] == "U/A" and plain["language_preference"] == "en"
    resp = await api.get("/api/v1/auth/profiles", headers=auth(token))
    names = [p["name"] for p in (await resp.json())["profiles"]]
    assert names == ["fam", "Ravi", "Plain"]
    assert (await default_profile(api, token))["maturity_rating"] == "A"


async def test_kids_profile_is_always_rated_u(api: TestClient) -> None:
    token = (await register(api))["access_token"]
    kids = await make_profile(api, token, name="Kids", is_kids_profile=True)
    assert kids["maturity_rating"] == "U" and kids["is_kids_profile"] is True
    explicit = await make_profile(api, token, name="Kids2", is_kids_profile=True, maturity_rating="U")
    assert explicit["maturity_rating"] == "U"
    for rating in ("A", "U/A"):
        resp = await api.post("/api/v1/auth/profiles", headers=auth(token),
                              json={"name": "Bad", "is_kids_profile": True, "maturity_rating": rating})
        assert resp.status == 422
        assert (await resp.json())["errors"][0]["field"] == "maturity_rating"


async def test_sixth_profile_is_409(api: TestClient) -> None:
    token = (await register(api))["access_token"]
    for n in range(4):
        await make_profile(api, token, name=f"P{n}")
    resp = await api.post("/api/v1/auth/profiles", json={"name": "Six"}, headers=auth(token))
    assert resp.status == 409
    listed = await (await api.get("/api/v1/auth/profiles", headers=auth(token))).json()
    assert len(listed["profiles"]) == 5


@pytest.mark.parametrize("payload", [
    {}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": "A", "maturity_rating": "R"},
    {"name": "A", "language_preference": "fr"}, {"name": "A", "preferred_quality": "4k"},
    {"name": "A", "avatar_url": "javascript:alert(1)"}, {"name": "A", "is_kids_profile": "yes please"},
    {"name": "A", "owner": "someone"}, {"name": 5},
])
async def test_invalid_profile_is_422(api: TestClient, payload: dict[str, object]) -> None:
    token = (await register(api))["access_token"]
    resp = await api.post("/api/v1/auth/profiles", json=payload, headers=auth(token))
    assert resp.status == 422
    assert resp.content_type == "application/problem+json"


async def test_get_patch_delete(api: TestClient) -> None:
    token = (await register(api))["access_token"]
    profile = await make_profile(api, token, name="Teen", maturity_rating="U/A", avatar_url="https://a.example/x")
    url = f"/api/v1/auth/profiles/{profile['id']}"
    got = await (await api.get(url, headers=auth(token))).json()
    assert got == profile
    resp = await api.patch(url, json={"name": "Teen2", "avatar_url": None, "preferred_quality": "720p"},
                           headers=auth(token))
    assert resp.status == 200
    patched = await resp.json()
    assert (patched["name"], patched["avatar_url"], patched["preferred_quality"]) == ("Teen2", None, "720p")
    assert patched["maturity_rating"] == "U/A"
    # becoming a kids profile forces U; asking for more on a kids profile is 422
    kids = await (await api.patch(url, json={"is_kids_profile": True}, headers=auth(token))).json()
    assert kids["maturity_rating"] == "U"
    assert (await api.patch(url, json={"maturity_rating": "A"}, headers=auth(token))).status == 422
    assert (await api.patch(url, json={"name": None}, headers=auth(token))).status == 422
    grown = await (await api.patch(url, json={"is_kids_profile": False, "maturity_rating": "A"},
                                   headers=auth(token))).json()
    assert (grown["is_kids_profile"], grown["maturity_rating"]) == (False, "A")
    assert (await api.delete(url, headers=auth(token))).status == 204
    assert (await api.get(url, headers=auth(token))).status == 404


async def test_last_profile_cannot_be_deleted(api: TestClient) -> None:
    token = (await register(api))["access_token"]
    only = await default_profile(api, token)
    resp = await api.delete(f"/api/v1/auth/profiles/{only['id']}", headers=auth(token))
    assert resp.status == 409


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_foreign_or_malformed_profile_id_is_404(api: TestClient, method: str) -> None:
    owner = await register(api)
    intruder = await register(api)
    theirs = await make_profile(api, owner["access_token"], name="Mine")
    for pid in (theirs["id"], str(uuid.uuid4()), "not-a-uuid", "1%27%20OR%201=1"):
        resp = await api.request(method, f"/api/v1/auth/profiles/{pid}", json={"name": "Hacked"},
                                 headers=auth(intruder["access_token"]))
        assert resp.status == 404, pid
        assert resp.content_type == "application/problem+json"
    still = await api.get(f"/api/v1/auth/profiles/{theirs['id']}", headers=auth(owner["access_token"]))
    assert (await still.json())["name"] == "Mine"


async def test_profiles_need_a_token(api: TestClient) -> None:
    assert (await api.get("/api/v1/auth/profiles")).status == 401
    assert (await api.post("/api/v1/auth/profiles", json={"name": "x"})).status == 401
