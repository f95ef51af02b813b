"""The whole permission matrix, walked from the routes the app declares (``app[keys.ROUTES]``).

For every declared route: ``auth="required"`` answers 401 without a token; a route with
``roles`` lets exactly the declared roles (and admin) past the role check and answers the
others 403; a route without roles lets any authenticated user past. Routes added later by
any area are picked up automatically. The role check is recognised by its problem detail, so
a handler's own 403 (ownership, tier) is not mistaken for it.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.routing import ALL_ROLES, RouteSpec
from server.settings import Settings
from tests.conftest import make_settings
from tests.helpers import auth, grant_role, register

_PARAM = re.compile(r"\{([^}:]+)(?::([^}]+))?\}")
_CANDIDATES = (str(uuid.UUID(int=0x1234)), "1", "abc", "a1", "x.m3u8", "seg_00001.ts", "2g", "en")
ROLE_DENIED_PREFIX = "needs one of the roles"


@pytest.fixture
def backend() -> str:
    """The matrix does not depend on the store: run it once, on the system servers."""
    return "system"


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str]) -> Settings:
    """Cheaper bcrypt for these tests."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], bcrypt_rounds=4)


def concrete_path(spec: RouteSpec) -> str:
    """The route's path with every ``{param}`` (or ``{param:regex}``) filled with a value that fits."""
    def fill(match: re.Match[str]) -> str:
        regex = match[2]
        if regex is None:
            return _CANDIDATES[0]
        for value in _CANDIDATES:
            if re.fullmatch(regex, value):
                return value
        raise AssertionError(f"no sample value fits {{{match[1]}:{regex}}} in {spec.path}")

    return _PARAM.sub(fill, spec.path)


def _routes(api: TestClient) -> list[RouteSpec]:
    return list(api.app[keys.ROUTES])


async def _call(api: TestClient, spec: RouteSpec, token: str | None) -> tuple[int, str]:
    headers = auth(token) if token else {}
    kwargs: dict[str, object] = {"headers": headers}
    if spec.method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    resp = await api.request(spec.method, concrete_path(spec), **kwargs)  # type: ignore[arg-type]
    detail = ""
    if resp.content_type == "application/problem+json":
        detail = str((await resp.json()).get("detail", ""))
    else:
        await resp.read()
    return resp.status, detail


@pytest.fixture
async def tokens(api: TestClient) -> dict[str, str]:
    """An access token per role; each account holds "user" plus that one role."""
    out: dict[str, str] = {}
    for role in ALL_ROLES:
        user = await register(api, email=f"{role}-{uuid.uuid4().hex[:6]}@example.com")
        if role != "user":
            await grant_role(api, user["user_id"], role)
        out[role] = user["access_token"]
    return out


async def test_the_matrix_has_rows(api: TestClient) -> None:
    declared = {(s.method, s.path): s.roles for s in _routes(api)}
    assert declared[("GET", "/api/v1/admin/users")] == ("admin",)
    assert declared[("PUT", "/api/v1/admin/users/{user_id}/roles")] == ("admin",)
    for spec in _routes(api):
        assert set(spec.roles) <= set(ALL_ROLES), f"{spec.method} {spec.path} names unknown roles {spec.roles}"


async def test_required_routes_answer_401_without_a_token(api: TestClient) -> None:
    checked = 0
    for spec in _routes(api):
        if spec.auth != "required":
            continue
        status, _ = await _call(api, spec, None)
        assert status == 401, f"{spec.method} {spec.path} answered {status} without a token"
        checked += 1
    assert checked >= 8


async def test_role_checks_follow_the_declarations(api: TestClient, tokens: dict[str, str]) -> None:
    checked = 0
    for spec in _routes(api):
        if spec.auth == "none" or spec.path == "/api/v1/auth/logout" or (spec.method, spec.path) == (
                "DELETE", "/api/v1/account"):  # both end the caller's logins
            continue
        for role in ALL_ROLES:
            status, detail = await _call(api, spec, tokens[role])
            where = f"{spec.method} {spec.path} as {role}: {status} {detail}"
            assert status < 500, where
            assert status != 401, where
            role_denied = status == 403 and detail.startswith(ROLE_DENIED_PREFIX)
            allowed = not spec.roles or role == "admin" or role in spec.roles
            assert role_denied is not allowed, where
            checked += 1
    assert checked >= 6 * 8


async def test_role_changes_take_effect_without_a_new_login(api: TestClient, tokens: dict[str, str]) -> None:
    user = await register(api)
    before = await api.get("/api/v1/admin/users", headers=auth(user["access_token"]))
    assert before.status == 403
    await grant_role(api, user["user_id"], "admin")
    after = await api.get("/api/v1/admin/users", headers=auth(user["access_token"]))
    assert after.status == 200


async def test_admin_lists_users_and_sets_roles(api: TestClient, tokens: dict[str, str]) -> None:
    admin = tokens["admin"]
    listed = await (await api.get("/api/v1/admin/users?role=creator", headers=auth(admin))).json()
    assert listed["pagination"]["total"] == 1 and listed["users"][0]["roles"] == ["creator", "user"]
    found = await (await api.get("/api/v1/admin/users?email=ANALYST-&limit=5", headers=auth(admin))).json()
    assert found["pagination"]["total"] == 1
    target = listed["users"][0]["user_id"]
    resp = await api.put(f"/api/v1/admin/users/{target}/roles", json={"roles": ["reviewer", "publisher"]},
                         headers=auth(admin))
    assert resp.status == 200
    assert (await resp.json())["roles"] == ["publisher", "reviewer", "user"]
    actions = [r["action"] for r in await api.app[keys.DB].fetch("SELECT action FROM audit_log")]
    assert "auth.roles_set" in actions


@pytest.mark.parametrize(("path", "payload", "status"), [
    ("/api/v1/admin/users/not-a-uuid/roles", {"roles": ["user"]}, 404),
    (f"/api/v1/admin/users/{uuid.uuid4()}/roles", {"roles": ["user"]}, 404),
    (f"/api/v1/admin/users/{uuid.uuid4()}/roles", {"roles": ["overlord"]}, 422),
    (f"/api/v1/admin/users/{uuid.uuid4()}/roles", {"roles": "admin"}, 422),
])
async def test_set_roles_rejects_bad_input(api: TestClient, tokens: dict[str, str], path: str,
                                           payload: dict[str, object], status: int) -> None:
    resp = await api.put(path, json=payload, headers=auth(tokens["admin"]))
    assert resp.status == status


async def test_admin_cannot_drop_their_own_admin_role(api: TestClient, tokens: dict[str, str]) -> None:
    me = await (await api.get("/api/v1/auth/me", headers=auth(tokens["admin"]))).json()
    resp = await api.put(f"/api/v1/admin/users/{me['user_id']}/roles", json={"roles": ["user"]},
                         headers=auth(tokens["admin"]))
    assert resp.status == 409


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "offset=-1", "role=king", "bogus=1"])
async def test_list_users_rejects_bad_query(api: TestClient, tokens: dict[str, str], query: str) -> None:
    resp = await api.get(f"/api/v1/admin/users?{query}", headers=auth(tokens["admin"]))
    assert resp.status == 422
