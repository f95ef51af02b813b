"""Signed media serving: URL attacks (tampering, other viewer, expiry, wrong session), path traversal, caching."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.keys import STREAMING
from server.streaming.signing import Grant
from tests.helpers import Viewer, new_viewer
from tests.streaming.conftest import MediaRoot, add_title, local, manifest, media_playlist


async def raw_get(api: TestClient, raw_path: str, headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    """Send ``raw_path`` byte for byte (no client-side normalisation); (status, content type, body)."""
    host, port = api.server.host, api.server.port
    reader, writer = await asyncio.open_connection(host, port)
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    request = f"GET {raw_path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}Connection: close\r\n\r\n"
    writer.write(request.encode("latin-1"))
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    ctype = next((line.split(":", 1)[1].strip() for line in lines[1:] if line.lower().startswith("content-type:")), "")
    return status, ctype, body


async def _setup(api: TestClient) -> tuple[Viewer, dict[str, object], str]:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    status, body, _ = await manifest(api, viewer, cid, headers={"Downlink": "0.9"})
    assert status == 200, body
    return viewer, body, cid


def _segment_url(body: dict[str, object]) -> str:
    qualities = body["qualities"]
    assert isinstance(qualities, list)
    return local(str(qualities[0]["url"])).rsplit("/", 1)[0] + "/seg_00001.ts"


async def test_segments_are_served_with_long_cache_range_and_etag(api: TestClient) -> None:
    _, body, _ = await _setup(api)
    url = _segment_url(body)
    resp = await api.get(url)
    assert resp.status == 200
    data = await resp.read()
    assert data[:1] == b"G"  # MPEG-TS sync byte
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert resp.headers["Content-Type"] == "video/mp2t"
    assert resp.headers["Accept-Ranges"] == "bytes" and resp.headers["Last-Modified"]
    partial = await api.get(url, headers={"Range": "bytes=0-187"})
    assert partial.status == 206 and len(await partial.read()) == 188
    again = await api.get(url, headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status == 304


async def test_tampered_tokens_are_refused(api: TestClient) -> None:
    _, body, _ = await _setup(api)
    url = _segment_url(body)
    prefix, sid, token, rest = url.split("/", 4)[1:3], url.split("/")[3], url.split("/")[4], url.split("/", 5)[5]
    assert prefix == ["media", "s"]
    payload, sig = token.split(".")
    flipped = sig[:-2] + ("AA" if sig[-2:] != "AA" else "BB")
    for bad in (f"{payload}.{flipped}", f"{payload}x.{sig}", payload, f"{payload}.", "garbage", f"{payload}.{sig}!"):
        resp = await api.get(f"/media/s/{sid}/{bad}/{rest}")
        assert resp.status == 403, bad
        assert resp.headers["Content-Type"].startswith("application/problem+json")
    # A token scoped to one rendition does not open another directory of the asset.
    resp = await api.get(f"/media/s/{sid}/{token}/audio/hi/seg_00001.ts")
    assert resp.status == 403


async def test_tokens_are_bound_to_viewer_session_and_time(api: TestClient) -> None:
    viewer, body, cid = await _setup(api)
    other = await new_viewer(api)
    _, other_body, _ = await manifest(api, other, cid, headers={"Downlink": "0.9"})
    mine = _segment_url(body)
    theirs = _segment_url(other_body)
    my_sid, my_token, rest = mine.split("/")[3], mine.split("/")[4], mine.split("/", 5)[5]
    their_sid = theirs.split("/")[3]
    # My token on the other viewer's session URL.
    assert (await api.get(f"/media/s/{their_sid}/{my_token}/{rest}")).status == 403
    # My URL presented with the other viewer's credentials.
    assert (await api.get(mine, headers=other.headers)).status == 403
    assert (await api.get(mine, headers=viewer.headers)).status == 200
    signer = api.app[STREAMING].signer
    asset_id = "card720"
    expired = signer.token(Grant(session_id=my_sid, user_id=viewer.user_id, asset_id=asset_id, scope="",
                                 expires=int(time.time()) - 1))
    resp = await api.get(f"/media/s/{my_sid}/{expired}/{rest}")
    assert resp.status == 403 and "expired" in (await resp.json())["detail"]
    # A genuine token for a session that does not exist (or belongs to someone else) is refused too.
    ghost = "0b7c2f7e-0000-4000-8000-000000000000"
    forged_session = signer.token(Grant(session_id=ghost, user_id=viewer.user_id, asset_id=asset_id, scope="",
                                        expires=int(time.time()) + 60))
    assert (await api.get(f"/media/s/{ghost}/{forged_session}/{rest}")).status == 403
    cross = signer.token(Grant(session_id=their_sid, user_id=viewer.user_id, asset_id=asset_id, scope="",
                               expires=int(time.time()) + 60))
    assert (await api.get(f"/media/s/{their_sid}/{cross}/{rest}")).status == 403


async def test_renditions_outside_the_session_are_refused(api: TestClient) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    _, body, _ = await manifest(api, viewer, cid, net="2g")
    assert [q["quality"] for q in body["qualities"]] == ["144p"]
    sid = body["session_id"]
    signer = api.app[STREAMING].signer
    whole = signer.token(Grant(session_id=sid, user_id=viewer.user_id, asset_id="card720", scope="",
                               expires=int(time.time()) + 60))
    for path in ("video/720p/index.m3u8", "video/720p/seg_00001.ts", "video/360p/seg_00002.ts"):
        resp = await api.get(f"/media/s/{sid}/{whole}/{path}")
        assert resp.status == 403, path
    assert (await api.get(f"/media/s/{sid}/{whole}/video/144p/seg_00001.ts")).status == 200
    # On-disk playlists are never served raw (they carry no signatures); unknown files are 404.
    assert (await api.get(f"/media/s/{sid}/{whole}/video/144p/nothing.ts")).status == 404
    assert (await api.get(f"/media/s/{sid}/{whole}/asset.json")).status == 404


TRAVERSALS = [
    "../../../../etc/passwd",
    "video/144p/../../../../../etc/passwd",
    "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "video%2f144p%2fseg_00001.ts",
    "..%2f..%2f..%2fetc%2fpasswd",
    "video/144p/seg_00001.ts%00.ts",
    "%252e%252e/etc/passwd",
    "video/144p/..%5c..%5cetc%5cpasswd",
    "/etc/passwd",
    "//etc/passwd",
    "video/./144p/seg_00001.ts",
    "video//144p/seg_00001.ts",
    ".hidden.ts",
]


@pytest.mark.parametrize("backend", ["system"], indirect=True)
async def test_path_traversal_is_refused(api: TestClient, media_root: MediaRoot) -> None:
    viewer, body, _ = await _setup(api)
    sid = str(body["session_id"])
    signer = api.app[STREAMING].signer
    whole = signer.token(Grant(session_id=sid, user_id=viewer.user_id, asset_id="card720", scope="",
                               expires=int(time.time()) + 60))
    secret = media_root.root.parent / "outside.ts"
    secret.write_bytes(b"G secret outside the media dir")
    link = media_root.root / "card720" / "video" / "144p" / "escape.ts"
    link.unlink(missing_ok=True)
    link.symlink_to(secret)
    try:
        for path in [*TRAVERSALS, "video/144p/escape.ts"]:
            status, ctype, data = await raw_get(api, f"/media/s/{sid}/{whole}/{path}")
            assert status in (400, 403, 404), (path, status)
            assert b"secret" not in data and b"root:" not in data, path
            if status != 400:  # 400s for malformed request lines come from the HTTP parser itself
                assert ctype.startswith("application/problem+json"), (path, ctype)
    finally:
        link.unlink(missing_ok=True)
    status, _, data = await raw_get(api, f"/media/s/{sid}/{whole}/video/144p/seg_00001.ts")
    assert status == 200 and data[:1] == b"G"


async def test_unsigned_and_malformed_media_urls(api: TestClient) -> None:
    for path in ("/media/s/x/y/master.m3u8", "/media/s/x/y/video/144p/seg_00001.ts", "/media/card720/master.m3u8",
                 "/media/s/" + "a" * 300 + "/b/master.m3u8"):
        resp = await api.get(path)
        assert resp.status in (403, 404), path
        assert resp.headers["Content-Type"].startswith("application/problem+json")


async def test_subtitles_and_audio_children_are_signed(api: TestClient) -> None:
    _, body, _ = await _setup(api)
    subtitles = body["subtitles"]
    assert isinstance(subtitles, list)
    for sub in subtitles:
        _, segments = await media_playlist(api, sub["url"])
        vtt = await api.get(segments[0])
        assert vtt.status == 200 and (await vtt.text()).startswith("WEBVTT")
        assert (await api.get(local(sub["vtt_url"]))).status == 200
    tracks = body["audio_tracks"]
    assert isinstance(tracks, list)
    for track in tracks:
        _, segments = await media_playlist(api, track["url"])
        seg = await api.get(segments[0])
        assert seg.status == 200 and (await seg.read())[:1] == b"G"


async def test_segment_deliveries_feed_the_estimate(api: TestClient) -> None:
    from server.streaming import throughput
    from server.streaming.state import batcher

    viewer, body, _ = await _setup(api)
    url = _segment_url(body)
    for n in (1, 2, 3):
        resp = await api.get(url.replace("seg_00001", f"seg_{n:05d}"))
        assert resp.status == 200
        await resp.read()
    ns = api.app[keys.SETTINGS].redis_namespace
    key = throughput.log_key(ns, viewer.user_id)
    batch = batcher(api.app)
    for _ in range(100):  # the request is queued just after the body went out, written in the next batch
        if len(batch.pending(key)) + len(await api.app[keys.REDIS].lrange(key, 0, -1)) == 3:
            break
        await asyncio.sleep(0.02)
    await batch.flush()
    log = await throughput.request_log(api.app[keys.REDIS], namespace=ns, user_id=viewer.user_id)
    assert len(log) == 3 and batch.pending(key) == []
    assert all(r.nbytes > 0 and r.media_s > 0 for r in log)
    assert [r.at for r in log] == sorted(r.at for r in log)
