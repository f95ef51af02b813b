"""CMS fixtures: an app with a fast scheduled-publish loop, one account per role, helpers."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.settings import Settings
from tests.conftest import make_settings
from tests.helpers import auth, grant_role, register

ROLES = ("user", "creator", "reviewer", "publisher", "analyst", "admin")


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str]) -> Settings:
    """Cheap bcrypt, scheduled publish checked every 0.2 s, media under the test's tmp dir."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], bcrypt_rounds=4,
                         cms_publish_interval_s=0.2, media_dir=tmp_path / "media")


@pytest.fixture
async def staff(api: TestClient) -> dict[str, dict[str, Any]]:
    """role → {"user_id", "token", "headers"}; each account holds "user" plus that role."""
    out: dict[str, dict[str, Any]] = {}
    for role in ROLES:
        user = await register(api, email=f"{role}-{uuid.uuid4().hex[:6]}@example.com")
        if role != "user":
            await grant_role(api, user["user_id"], role)
        out[role] = {"user_id": user["user_id"], "token": user["access_token"], "headers": auth(user["access_token"])}
    return out


async def call(api: TestClient, method: str, path: str, *, headers: dict[str, str], status: int,
               **kwargs: Any) -> dict[str, Any]:
    """Make a request, assert its status and return the JSON body."""
    resp = await api.request(method, path, headers=headers, **kwargs)
    body: dict[str, Any] = await resp.json(content_type=None)
    assert resp.status == status, (method, path, resp.status, body)
    return body


async def new_draft(api: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    """Create a draft movie (title "Draft <hex>") and return the 201 body."""
    payload = {"type": "movie", "title": f"Draft {uuid.uuid4().hex[:6]}", **fields}
    return await call(api, "POST", "/api/v1/cms/content", headers=headers, status=201, json=payload)


async def move(api: TestClient, content_id: str, action: str, headers: dict[str, str], *, status: int = 200,
               **payload: Any) -> dict[str, Any]:
    """POST a workflow action (``submit-review``, ``approve``...) and return the body."""
    return await call(api, "POST", f"/api/v1/cms/content/{content_id}/{action}", headers=headers, status=status,
                      json=payload)
