"""Helpers for tests that call the API as a user: register, auth headers, profiles, tier, roles.

Roles and email verification are read from the database on every request (the authenticator
looks the account up), so ``grant_role`` and ``set_tier`` take effect for tokens already
issued: no new login is needed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient

from server import keys


async def register(api: TestClient, email: str | None = None, password: str = "Sup3r-secret!",  # noqa: S107
                   **kw: Any) -> dict[str, Any]:
    """Register an account (a fresh ``user-<hex>@example.com`` unless ``email``) and return the 201 body.

    The body holds user_id, email, subscription_tier, email_verified, roles, access_token and
    refresh_token. Extra keyword arguments (e.g. ``language="hi"``) go into the request.
    """
    address = email or f"user-{uuid.uuid4().hex[:12]}@example.com"
    resp = await api.post("/api/v1/auth/register", json={"email": address, "password": password, **kw})
    body: dict[str, Any] = await resp.json()
    assert resp.status == 201, body
    return body


def auth(token: str) -> dict[str, str]:
    """The ``Authorization`` header for an access token."""
    return {"Authorization": f"Bearer {token}"}


async def make_profile(api: TestClient, token: str, **fields: Any) -> dict[str, Any]:
    """Create a profile (default name "Profile <hex>") and return the 201 body (id, name, ratings...)."""
    payload = {"name": f"Profile {uuid.uuid4().hex[:6]}", **fields}
    resp = await api.post("/api/v1/auth/profiles", json=payload, headers=auth(token))
    body: dict[str, Any] = await resp.json()
    assert resp.status == 201, body
    return body


async def default_profile(api: TestClient, token: str) -> dict[str, Any]:
    """The profile every account gets at registration (its first profile)."""
    resp = await api.get("/api/v1/auth/profiles", headers=auth(token))
    body: dict[str, Any] = await resp.json()
    assert resp.status == 200, body
    first: dict[str, Any] = body["profiles"][0]
    return first


async def set_tier(api: TestClient, user_id: str, tier: str) -> None:
    """Set the account's subscription tier ("free" or "premium", no expiry) directly in the database."""
    status = await api.app[keys.DB].execute(
        "UPDATE users SET subscription_tier = $2, subscription_expires_at = NULL WHERE id = $1::uuid", user_id, tier)
    assert status == "UPDATE 1", f"no user {user_id}"


async def grant_role(api: TestClient, user_id: str, role: str) -> None:
    """Add ``role`` to the account directly in the database; effective at once for existing tokens."""
    status = await api.app[keys.DB].execute(
        "UPDATE users SET roles = ARRAY(SELECT DISTINCT unnest(roles || ARRAY[$2::text])) WHERE id = $1::uuid",
        user_id, role)
    assert status == "UPDATE 1", f"no user {user_id}"


async def verify_email(api: TestClient, user_id: str) -> None:
    """Mark the account's email as verified directly in the database."""
    await api.app[keys.DB].execute("UPDATE users SET email_verified_at = now() WHERE id = $1::uuid", user_id)


@dataclass(frozen=True)
class Viewer:
    """A registered account and the profile it watches as."""

    user_id: str
    token: str
    profile_id: str

    @property
    def headers(self) -> dict[str, str]:
        """Authorization header."""
        return auth(self.token)


async def new_viewer(api: TestClient, *, tier: str = "free", **profile_fields: Any) -> Viewer:
    """Register an account (tier set directly unless "free") and use its default profile.

    With ``profile_fields`` (e.g. ``maturity_rating="U/A"``) a new profile of those is made and used instead.
    """
    body = await register(api)
    if tier != "free":
        await set_tier(api, body["user_id"], tier)
    if profile_fields:
        profile = await make_profile(api, body["access_token"], **profile_fields)
    else:
        profile = await default_profile(api, body["access_token"])
    return Viewer(user_id=body["user_id"], token=body["access_token"], profile_id=profile["id"])
