"""No dead links: every URL in one page of each list (and a title's details) opens, and the mailed
verification and reset links lead to pages that work."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.catalog.seed import EPISODE_ASSETS, LONG_ASSET, MOVIE_ASSET, SPORTS_ASSET, seed_catalog
from server.settings import Settings
from tests.conftest import make_settings
from tests.helpers import auth, new_viewer, register
from tests.streaming.conftest import ASSET_ID, MediaRoot, media_root  # noqa: F401 - the shared packaged test card

LINK = re.compile(r"https?://\S+")


@pytest.fixture
def backend() -> str:
    """One backend: links do not depend on the stores."""
    return "system"


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str], media_root: MediaRoot) -> Settings:  # noqa: F811
    """The sample asset names the seed uses, each the packaged test card."""
    media = tmp_path / "media"
    media.mkdir()
    for asset in {MOVIE_ASSET, SPORTS_ASSET, LONG_ASSET, *EPISODE_ASSETS}:
        (media / asset).symlink_to(media_root.root / ASSET_ID, target_is_directory=True)
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], media_dir=media)


def _urls(value: Any) -> list[str]:
    """Every string under a key ending in ``_url`` anywhere in a JSON value."""
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_url") and isinstance(item, str):
                out.append(item)
            else:
                out += _urls(item)
    elif isinstance(value, list):
        for item in value:
            out += _urls(item)
    return out


async def _follow(api: TestClient, urls: list[str], headers: dict[str, str]) -> None:
    assert urls, "nothing to follow"
    origin = str(api.make_url("/")).rstrip("/")
    dead = []
    for url in sorted(set(urls)):
        if url.startswith("http"):
            assert url.startswith(origin), f"{url} points outside this server"
            parts = urlsplit(url)
            url = parts.path + (f"?{parts.query}" if parts.query else "")
        resp = await api.get(url, headers=headers)
        await resp.read()
        if resp.status != 200:
            dead.append((url, resp.status))
    assert not dead, f"dead URLs: {dead}"


async def test_every_url_in_a_page_of_each_list_opens(api: TestClient) -> None:
    await seed_catalog(api.app[keys.DB], movies=12, shows=3, sports=2, media_dir=api.app[keys.SETTINGS].media_dir)
    viewer = await new_viewer(api)
    who = {"profile_id": viewer.profile_id}
    found: list[str] = []
    page = await (await api.get("/api/v1/catalog/content", params={**who, "limit": "100"},
                                headers=viewer.headers)).json()
    assert page["content"]
    found += _urls(page)
    show = next(c for c in page["content"] if c["type"] == "tv_show")
    for path in ("/api/v1/catalog/genres", "/api/v1/catalog/trending", f"/api/v1/catalog/content/{show['id']}",
                 f"/api/v1/catalog/content/{show['id']}/seasons/1", f"/api/v1/recommendations/similar/{show['id']}",
                 "/api/v1/recommendations/personalized", "/api/v1/activity/watchlist"):
        if path.endswith("watchlist"):
            await api.post(path, json={**who, "content_id": show["id"]}, headers=viewer.headers)
        resp = await api.get(path, params=who, headers=viewer.headers)
        assert resp.status == 200, (path, await resp.text())
        found += _urls(await resp.json())
    search = await (await api.get("/api/v1/catalog/search", params={**who, "q": page["content"][0]["title"]},
                                  headers=viewer.headers)).json()
    found += _urls(search)
    assert any("/static/genres/" in u for u in found) and any(u.endswith("/thumb.jpg") for u in found)
    await _follow(api, found, viewer.headers)


def _local(body: str, path: str) -> str:
    link = next(u for u in LINK.findall(body) if urlsplit(u).path == path)
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


async def _mail(api: TestClient, to: str, kind: str) -> str:
    body: str = await api.app[keys.DB].fetchval(
        "SELECT body FROM mail_outbox WHERE to_address = $1 AND kind = $2 ORDER BY id DESC LIMIT 1", to, kind)
    return body


async def test_mailed_links_open_pages_that_work(api: TestClient) -> None:
    user = await register(api)
    link = _local(await _mail(api, user["email"], "verify_email"), "/verify-email")
    page = await api.get(link)
    text = await page.text()
    assert page.status == 200 and page.content_type == "text/html" and "<form" in text
    token = link.split("token=", 1)[1]
    me = await (await api.get("/api/v1/auth/me", headers=auth(user["access_token"]))).json()
    assert me["email_verified"] is False, "opening the link alone spends nothing"
    done = await api.post("/verify-email", data={"token": token})
    assert done.status == 200 and "confirmed" in (await done.text())
    me = await (await api.get("/api/v1/auth/me", headers=auth(user["access_token"]))).json()
    assert me["email_verified"] is True
    used = await api.post("/verify-email", data={"token": token})
    assert used.status == 410 and used.content_type == "text/html"

    await api.post("/api/v1/auth/password-reset/request", json={"email": user["email"]})
    link = _local(await _mail(api, user["email"], "password_reset"), "/reset-password")
    form = await api.get(link)
    assert form.status == 200 and 'type="password"' in await form.text()
    token = link.split("token=", 1)[1]
    weak = await api.post("/reset-password", data={"token": token, "password": "weak"})
    assert weak.status == 422
    ok = await api.post("/reset-password", data={"token": token, "password": "N3w-password!"})
    assert ok.status == 200, await ok.text()
    login = await api.post("/api/v1/auth/login", json={"email": user["email"], "password": "N3w-password!"})
    assert login.status == 200
