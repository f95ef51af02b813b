"""The media file response (``server.streaming.files``): opened inline, sent with sendfile, FileResponse's answers."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server.streaming import files as files_module
from server.streaming.files import MeasuredFileResponse

DATA = bytes(range(256)) * 40  # 10,240 bytes


async def reported(sent: list[int], n: int) -> list[int]:
    """``sent`` once it has ``n`` entries (the hook runs after the body went out, maybe after the client read it)."""
    for _ in range(500):
        if len(sent) >= n:
            break
        await asyncio.sleep(0.01)
    return sent


@pytest.fixture
async def client(aiohttp_client: Any, tmp_path: Path) -> tuple[TestClient, list[int]]:
    """An app serving ``seg.ts`` (and a missing file) with the response under test; the sizes reported sent."""
    (tmp_path / "seg.ts").write_bytes(DATA)
    sent: list[int] = []

    async def on_sent(nbytes: int, _seconds: float) -> None:
        sent.append(nbytes)

    async def seg(request: web.Request) -> web.StreamResponse:
        return MeasuredFileResponse(tmp_path / request.match_info["name"], on_sent=on_sent,
                                    headers={"Content-Type": "video/mp2t", "Cache-Control": "no-store"})

    app = web.Application()
    app.router.add_route("*", "/{name}", seg)
    return await aiohttp_client(app), sent


async def test_whole_file_with_validators(client: tuple[TestClient, list[int]]) -> None:
    http, sent = client
    resp = await http.get("/seg.ts")
    assert resp.status == 200 and await resp.read() == DATA
    assert resp.headers["Content-Type"] == "video/mp2t" and resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["Accept-Ranges"] == "bytes" and resp.headers["Last-Modified"] and resp.headers["ETag"]
    assert resp.headers["Content-Length"] == str(len(DATA))
    assert await reported(sent, 1) == [len(DATA)]


async def test_ranges(client: tuple[TestClient, list[int]]) -> None:
    http, sent = client
    for header, body in (("bytes=0-187", DATA[:188]), ("bytes=10000-", DATA[10000:]), ("bytes=-100", DATA[-100:]),
                         ("bytes=10000-99999", DATA[10000:])):
        resp = await http.get("/seg.ts", headers={"Range": header})
        assert resp.status == 206, header
        assert await resp.read() == body, header
        start = len(DATA) - len(body) if header != "bytes=0-187" else 0
        assert resp.headers["Content-Range"] == f"bytes {start}-{start + len(body) - 1}/{len(DATA)}", header
    assert await reported(sent, 4) == [188, 240, 100, 240]
    for bad in ("bytes=20000-", "bytes=5-1"):
        resp = await http.get("/seg.ts", headers={"Range": bad})
        assert resp.status == 416, bad
        assert resp.headers["Content-Range"] == f"bytes */{len(DATA)}"
    assert len(sent) == 4


async def test_conditionals_head_and_missing(client: tuple[TestClient, list[int]]) -> None:
    http, sent = client
    first = await http.get("/seg.ts")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert (await http.get("/seg.ts", headers={"If-None-Match": etag})).status == 304
    assert (await http.get("/seg.ts", headers={"If-None-Match": f"W/{etag}"})).status == 304
    assert (await http.get("/seg.ts", headers={"If-Modified-Since": modified})).status == 304
    assert (await http.get("/seg.ts", headers={"If-None-Match": '"other"'})).status == 200
    assert (await http.get("/seg.ts", headers={"If-Match": '"other"'})).status == 412
    assert (await http.get("/seg.ts", headers={"If-Match": etag})).status == 200
    head = await http.head("/seg.ts")
    assert head.status == 200 and head.headers["Content-Length"] == str(len(DATA)) and await head.read() == b""
    assert (await http.get("/missing.ts")).status == 404
    assert await reported(sent, 3) == [len(DATA)] * 3  # the three 200 GETs


async def test_a_file_that_shrinks_while_it_is_sent_ends_the_connection(
        client: tuple[TestClient, list[int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rewritten in place between the fstat (which gave the Content-Length) and the sendfile: the client must see a
    body cut short, not wait on a kept-alive connection for bytes that never come; nothing counts as delivered."""
    http, sent = client
    real_fstat = os.fstat

    def fstat_then_shrink(fd: int) -> os.stat_result:
        st = real_fstat(fd)
        os.truncate(tmp_path / "seg.ts", 100)
        return st

    monkeypatch.setattr(files_module.os, "fstat", fstat_then_shrink)
    resp = await http.get("/seg.ts")
    assert resp.status == 200 and resp.headers["Content-Length"] == str(len(DATA))
    with pytest.raises(aiohttp.ClientPayloadError):
        await asyncio.wait_for(resp.read(), 60)  # the bound only keeps a regression from hanging the suite
    monkeypatch.undo()
    again = await http.get("/seg.ts")  # the next request is answered whole, on a new connection
    assert again.status == 200 and await again.read() == DATA[:100]
    assert await reported(sent, 1) == [100]


async def test_if_range_with_another_versions_tag_and_several_ranges_get_the_whole_file(
        client: tuple[TestClient, list[int]]) -> None:
    """RFC 9110 §13.1.5: a range is cut from the file only when If-Range names this version of it; a client
    resuming a download of an older version gets the whole new file, not a splice of the two. Several ranges,
    or another unit, are not served: the whole file, not a 416 (the range is satisfiable)."""
    http, _ = client
    first = await http.get("/seg.ts")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    for validator in (etag, modified):
        resp = await http.get("/seg.ts", headers={"Range": "bytes=0-9", "If-Range": validator})
        assert resp.status == 206 and await resp.read() == DATA[:10], validator
    for validator in ('"an-older-version"', f"W/{etag}", "Thu, 01 Jan 1970 00:00:00 GMT", "not a date"):
        resp = await http.get("/seg.ts", headers={"Range": "bytes=0-9", "If-Range": validator})
        assert resp.status == 200 and await resp.read() == DATA, validator
        assert "Content-Range" not in resp.headers
    for rng in ("bytes=0-9,20-29", "items=0-9"):
        resp = await http.get("/seg.ts", headers={"Range": rng})
        assert resp.status == 200 and await resp.read() == DATA, rng


async def test_its_4xx_answers_are_problem_documents(client: tuple[TestClient, list[int]]) -> None:
    """404, 412 and 416 carry problem+json as every other 4xx of the server (416 names the Range field);
    a HEAD gets the same status and headers without a body."""
    http, sent = client
    cases = (("/missing.ts", {}, 404, "/problems/not-found"),
             ("/seg.ts", {"If-Match": '"other"'}, 412, "/problems/precondition-failed"),
             ("/seg.ts", {"Range": "bytes=20000-"}, 416, "/problems/range-not-satisfiable"))
    for path, headers, status, kind in cases:
        resp = await http.get(path, headers=headers)
        assert resp.status == status and resp.content_type == "application/problem+json", (path, headers)
        problem = await resp.json(content_type=None)
        assert problem["status"] == status and problem["type"] == kind and problem["instance"] == path
        head = await http.head(path, headers=headers)
        assert head.status == status and await head.read() == b""
    assert problem["errors"][0]["field"] == "Range"
    assert sent == []
