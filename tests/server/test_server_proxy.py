"""Behind a proxy (#16): client addresses and the country header only through trusted hops; the real nginx.

The nginx tests run ``deploy/nginx.conf`` itself (as the accel test does) in front of the app, with
clients on distinct loopback addresses (127.0.0.2, .3, .4): each gets its own login bucket, a
client-sent ``X-Country-Code`` or ``X-Forwarded-For`` changes nothing, the country comes from
nginx's own map, and ``/metrics`` is not served through the front.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.app import create_app
from server.proxies import client_address, parse_networks
from server.settings import Settings
from tests.conftest import make_settings, truncate_all
from tests.helpers import register
from tests.streaming.test_streaming_accel import _free_port, _nginx_conf, nginx_exe  # noqa: F401 - fixture

LOOPBACK = parse_networks(["127.0.0.1/32", "::1/128"])
LOGIN_LIMIT = 2
GEO_LINE = '    default "";\n'


@pytest.fixture
def backend() -> str:
    """One backend: address resolution does not depend on which servers hold the data."""
    return "system"


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str]) -> Settings:
    """Rate limits on, with a small login limit so three clients show three buckets."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], rate_limits_enabled=True,
                         rate_limits={"/api/v1/auth/login": (LOGIN_LIMIT, 900), "/api/v1/*": (10_000, 60)},
                         media_dir=tmp_path / "media")


def test_client_address_walks_forwarded_for_through_trusted_hops_only() -> None:
    """Untrusted peers are the client; trusted ones pass the rightmost untrusted forwarded address."""
    assert client_address("203.0.113.9", ["198.51.100.1"], LOOPBACK) == "203.0.113.9"
    assert client_address("127.0.0.1", ["198.51.100.1"], LOOPBACK) == "198.51.100.1"
    assert client_address("127.0.0.1", ["6.6.6.6, 198.51.100.1"], LOOPBACK) == "198.51.100.1"  # spoof on the left
    assert client_address("127.0.0.1", ["198.51.100.1, 127.0.0.1"], LOOPBACK) == "198.51.100.1"
    assert client_address("127.0.0.1", ["127.0.0.1"], LOOPBACK) == "127.0.0.1"
    assert client_address("127.0.0.1", ["6.6.6.6, junk"], LOOPBACK) == "127.0.0.1"  # stop at garbage
    assert client_address("127.0.0.1", [], LOOPBACK) == "127.0.0.1"
    assert client_address("::1", ["[2001:db8::1]:443"], LOOPBACK) == "2001:db8::1"


def test_trusted_proxies_setting_parses_cidrs() -> None:
    """``OTT_TRUSTED_PROXIES`` is a comma-separated CIDR list; a bad entry is refused."""
    assert Settings(trusted_proxies="10.0.0.0/8, 192.0.2.7").trusted_proxies == ["10.0.0.0/8", "192.0.2.7"]
    assert Settings(trusted_proxies="").trusted_proxies == []
    with pytest.raises(ValueError):
        Settings(trusted_proxies="10.0.0.0/8,nonsense")


async def _us_only_title(api: TestClient) -> str:
    return str(await api.app[keys.DB].fetchval(
        "INSERT INTO content (type, title, maturity_rating, workflow_state, tier_requirement, geo_restriction,"
        " published_at) VALUES ('movie', 'US only', 'U', 'published', 'free', ARRAY['US','GB'], now())"
        " RETURNING id::text"))


async def test_country_header_is_ignored_from_an_untrusted_peer(aiohttp_client: Any, tmp_path: Path,
                                                                store_urls: tuple[str, str]) -> None:
    """With no trusted proxies, a client's own X-Country-Code does not unlock a geo-restricted title."""
    untrusting = make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], trusted_proxies=[])
    api: TestClient = await aiohttp_client(create_app(untrusting))
    await truncate_all(api.app[keys.DB])
    cid = await _us_only_title(api)
    resp = await api.get(f"/api/v1/catalog/content/{cid}", headers={"X-Country-Code": "US"})
    assert resp.status == 404


async def test_country_header_counts_from_a_trusted_peer(api: TestClient) -> None:
    """The test client's loopback peer is trusted by default: its header is the proxy's word."""
    cid = await _us_only_title(api)
    assert (await api.get(f"/api/v1/catalog/content/{cid}", headers={"X-Country-Code": "US"})).status == 200
    assert (await api.get(f"/api/v1/catalog/content/{cid}", headers={"X-Country-Code": "IN"})).status == 404


@pytest.fixture
async def front(api: TestClient, tmp_path: Path, nginx_exe: str) -> AsyncIterator[str]:  # noqa: F811
    """deploy/nginx.conf in front of the app; its country map gives 127.0.0.3 the country US."""
    port = _free_port()
    assert api.server.port is not None
    media = tmp_path / "media"
    media.mkdir(exist_ok=True)
    conf = _nginx_conf(tmp_path, front=port, app_port=api.server.port, media=media)
    text = conf.read_text(encoding="utf-8")
    assert GEO_LINE in text, "deploy/nginx.conf no longer has the documented country map"
    conf.write_text(text.replace(GEO_LINE, GEO_LINE + "    127.0.0.3 US;\n"), encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(nginx_exe, "-c", str(conf), "-p", str(tmp_path),
                                                stderr=asyncio.subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):  # nginx takes a moment to bind
                try:
                    async with http.get(f"{base}/health") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), timeout=10)


def _client(address: str) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0), force_close=True))


async def _login(http: aiohttp.ClientSession, base: str, email: str, **headers: str) -> int:
    async with http.post(f"{base}/api/v1/auth/login", json={"email": email, "password": "Wrong-pass-1!"},
                         headers=headers) as resp:
        await resp.read()
        return resp.status


async def test_behind_nginx_each_client_has_its_own_login_limit(api: TestClient, front: str) -> None:
    """Three clients at distinct addresses each get the full login limit; a forged X-Forwarded-For buys nothing."""
    emails = {a: f"nobody-{uuid.uuid4().hex[:6]}@example.com" for a in ("127.0.0.2", "127.0.0.3", "127.0.0.4")}
    for address, email in emails.items():  # one email each: the per-account lockout is another matter
        async with _client(address) as http:
            statuses = [await _login(http, front, email) for _ in range(LOGIN_LIMIT)]
            assert statuses == [401] * LOGIN_LIMIT, (address, statuses)
    async with _client("127.0.0.2") as http:
        assert await _login(http, front, emails["127.0.0.2"]) == 429
        assert await _login(http, front, emails["127.0.0.2"], **{"X-Forwarded-For": "198.51.100.7"}) == 429


async def test_behind_nginx_the_country_comes_from_nginx_not_the_client(api: TestClient, front: str) -> None:
    """A client's X-Country-Code is replaced by nginx's map: US only for the address mapped to US."""
    cid = await _us_only_title(api)
    url = f"{front}/api/v1/catalog/content/{cid}"
    async with _client("127.0.0.2") as http, http.get(url, headers={"X-Country-Code": "US"}) as resp:
        assert resp.status == 404
    async with _client("127.0.0.3") as http, http.get(url, headers={"X-Country-Code": "IN"}) as resp:
        assert resp.status == 200


async def test_metrics_are_not_served_through_nginx(api: TestClient, front: str) -> None:
    """``/metrics`` answers on the app itself (for Prometheus on the internal network), not through the front."""
    async with _client("127.0.0.2") as http, http.get(f"{front}/metrics") as resp:
        assert resp.status == 404
        assert b"http_requests" not in await resp.read()
    assert (await api.get("/metrics")).status == 200
    await register(api)  # the app itself still serves the API directly
