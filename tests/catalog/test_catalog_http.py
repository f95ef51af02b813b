"""HTTP caching of catalog responses: ETag / If-None-Match, brotli and gzip."""

from __future__ import annotations

import gzip

import brotli
from aiohttp import ClientSession

from server.http_cache import choose_encoding, etag_matches


def test_encoding_negotiation() -> None:
    assert choose_encoding("gzip, deflate, br") == "br"
    assert choose_encoding("gzip") == "gzip"
    assert choose_encoding("br;q=0, gzip;q=0.5") == "gzip"
    assert choose_encoding("identity") is None
    assert choose_encoding(None) is None
    assert choose_encoding("*") == "br"


def test_etag_comparison_is_weak() -> None:
    assert etag_matches('"abc"', 'W/"abc"')
    assert etag_matches('W/"x", W/"abc"', 'W/"abc"')
    assert etag_matches("*", 'W/"abc"')
    assert not etag_matches('"abd"', 'W/"abc"')
    assert not etag_matches(None, 'W/"abc"')


async def test_etag_gives_304_without_body(api, small_catalog) -> None:
    first = await api.get("/api/v1/catalog/content", params={"limit": "50"})
    assert first.status == 200
    tag = first.headers["ETag"]
    assert tag.startswith('W/"')
    again = await api.get("/api/v1/catalog/content", params={"limit": "50"}, headers={"If-None-Match": tag})
    assert again.status == 304
    assert await again.read() == b""
    assert again.headers["ETag"] == tag
    other_page = await api.get("/api/v1/catalog/content", params={"limit": "50", "page": "2"},
                               headers={"If-None-Match": tag})
    assert other_page.status == 200


async def test_responses_are_compressed_as_asked(api, small_catalog) -> None:
    url = api.make_url("/api/v1/catalog/content?limit=50")
    async with ClientSession(auto_decompress=False) as raw:
        plain = await (await api.get("/api/v1/catalog/content", params={"limit": "50"},
                                     headers={"Accept-Encoding": "identity"})).read()
        async with raw.get(url, headers={"Accept-Encoding": "br"}) as resp:
            assert resp.headers["Content-Encoding"] == "br"
            assert brotli.decompress(await resp.read()) == plain
        async with raw.get(url, headers={"Accept-Encoding": "gzip"}) as resp:
            assert resp.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(await resp.read()) == plain
        async with raw.get(url, headers={"Accept-Encoding": "identity"}) as resp:
            assert "Content-Encoding" not in resp.headers
            assert await resp.read() == plain
    assert len(plain) > 1000
