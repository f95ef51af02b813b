"""Video upload: streamed to disk (never whole in memory), packaged by a real ffmpeg job, attached.

A garbage upload fails its job and leaves the title playable with its previous renditions.
These tests run once, on the system servers: packaging is CPU work, not a storage concern.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.settings import Settings
from tests.cms.conftest import call, move, new_draft
from tests.conftest import make_settings
from tests.helpers import default_profile

CLIENT_MAX = 64 * 1024


@pytest.fixture
def backend() -> str:
    """Packaging does not depend on the store: run on the system servers only."""
    return "system"


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str]) -> Settings:
    """A small ``client_max_size`` (uploads must not be bound by it) and a 32 MiB upload cap."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], bcrypt_rounds=4,
                         cms_publish_interval_s=0, media_dir=tmp_path / "media", client_max_size=CLIENT_MAX,
                         cms_upload_max_bytes=32 * 1024 * 1024)


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 3 s 320x180 H.264/AAC clip made by ffmpeg."""
    out = tmp_path_factory.mktemp("clip") / "clip.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "3", "-c:v", "libx264",
                    "-preset", "veryfast", "-b:v", "600k", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                    str(out)], check=True)
    return out


async def _wait(api: TestClient, job_id: str, headers: dict[str, str]) -> tuple[dict[str, Any], list[int]]:
    seen: list[int] = []
    for _ in range(1200):  # at most 120 s of packaging on a busy machine
        job = await call(api, "GET", f"/api/v1/cms/jobs/{job_id}", headers=headers, status=200)
        seen.append(job["progress"])
        if job["state"] in ("succeeded", "failed"):
            return job, seen
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


async def _upload(api: TestClient, cid: str, path: Path, headers: dict[str, str],
                  ctype: str = "video/mp4") -> dict[str, Any]:
    with path.open("rb") as f:
        return await call(api, "POST", f"/api/v1/cms/content/{cid}/video", status=202, data=f,
                          headers={**headers, "Content-Type": ctype})


async def _variants(api: TestClient, cid: str) -> list[tuple[str, str]]:
    rows = await api.app[keys.DB].fetch(
        "SELECT quality, hls_url FROM video_variants WHERE content_id = $1::uuid ORDER BY quality", cid)
    return [(r["quality"], r["hls_url"]) for r in rows]


async def test_upload_packages_attaches_and_a_bad_upload_keeps_the_old_renditions(
        api: TestClient, staff: dict[str, dict[str, Any]], clip: Path, tmp_path: Path) -> None:
    admin = staff["admin"]["headers"]
    size = await asyncio.to_thread(os.path.getsize, clip)
    assert size > CLIENT_MAX  # larger than the JSON body limit: the upload streams past it
    item = await new_draft(api, admin, maturity_rating="U")
    cid = item["id"]
    job = await _upload(api, cid, clip, admin)
    assert job["state"] in ("queued", "running") and job["source_bytes"] == size
    done, seen = await _wait(api, job["id"], admin)
    assert done["state"] == "succeeded", done
    assert done["progress"] == 100 and seen == sorted(seen)
    asset_id = done["asset_id"]
    assert (tmp_path / "media" / asset_id / "asset.json").is_file()
    content = await call(api, "GET", f"/api/v1/cms/content/{cid}", headers=admin, status=200)
    assert content["asset_id"] == asset_id and content["version"] == 2
    art = await api.app[keys.DB].fetchrow(
        "SELECT poster_url, thumbnail_url, duration_minutes FROM content WHERE id = $1::uuid", cid)
    assert (art["poster_url"], art["thumbnail_url"], art["duration_minutes"]) == (
        f"/media/{asset_id}/images/poster.jpg", f"/media/{asset_id}/images/thumb.jpg", 1)
    for url in (art["poster_url"], art["thumbnail_url"]):
        image = await api.get(url)
        assert image.status == 200 and image.content_type == "image/jpeg" and len(await image.read()) > 1000
    variants = await _variants(api, cid)
    assert variants == [(q, f"/media/{asset_id}/video/{q}/index.m3u8") for q in ("108p", "144p")]
    assert not list((tmp_path / "data" / "uploads").iterdir())  # the source is removed after packaging

    for action in ("submit-review", "approve", "publish"):
        await move(api, cid, action, admin)
    viewer = staff["user"]
    profile = await default_profile(api, viewer["token"])
    manifest = f"/api/v1/stream/{cid}/manifest?profile_id={profile['id']}"
    before = await call(api, "GET", manifest, headers=viewer["headers"], status=200)
    assert sorted(q["quality"] for q in before["qualities"]) == ["108p", "144p"]

    garbage = tmp_path / "garbage.mp4"
    with garbage.open("wb") as f:
        for _ in range(16):
            f.write(os.urandom(1024 * 1024))
    tracemalloc.start()
    try:
        bad = await _upload(api, cid, garbage, admin)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert bad["source_bytes"] == 16 * 1024 * 1024
    assert peak < 8 * 1024 * 1024, f"upload held {peak} bytes in memory"  # client + server together
    failed, _ = await _wait(api, bad["id"], admin)
    assert failed["state"] == "failed" and failed["error"]
    assert str(tmp_path) not in failed["error"] and "/uploads/" not in failed["error"], failed["error"]
    after = await call(api, "GET", f"/api/v1/cms/content/{cid}", headers=admin, status=200)
    assert after["asset_id"] == asset_id and after["version"] == 5
    assert await _variants(api, cid) == variants
    again = await call(api, "GET", manifest, headers=viewer["headers"], status=200)
    assert sorted(q["quality"] for q in again["qualities"]) == ["108p", "144p"]
    assert failed["asset_id"] and not (tmp_path / "media" / failed["asset_id"]).exists()
    assert [p.name for p in (tmp_path / "media").iterdir() if not p.name.startswith(".")] == [asset_id]


async def test_upload_rejects_wrong_types_and_sizes(api: TestClient, staff: dict[str, dict[str, Any]],
                                                    tmp_path: Path) -> None:
    admin = staff["admin"]["headers"]
    item = await new_draft(api, admin)
    path = f"/api/v1/cms/content/{item['id']}/video"
    wrong = await api.post(path, data=b"hello", headers={**admin, "Content-Type": "text/plain"})
    assert wrong.status == 415 and wrong.content_type == "application/problem+json"
    empty = await api.post(path, data=b"", headers={**admin, "Content-Type": "video/mp4"})
    assert empty.status == 400

    async def chunks() -> Any:  # no Content-Length: the cap is enforced while streaming
        for _ in range(40):
            yield b"\0" * (1024 * 1024)

    big = await api.post(path, data=chunks(), headers={**admin, "Content-Type": "video/mp4"})
    assert big.status == 413
    declared = await api.post(path, data=b"x" * 100, headers={**admin, "Content-Type": "video/mp4",
                                                               "Content-Length": str(64 * 1024 * 1024)})
    assert declared.status == 413
    uploads = tmp_path / "data" / "uploads"
    assert not uploads.exists() or not list(uploads.iterdir())
    assert await api.app[keys.DB].fetchval("SELECT count(*) FROM cms_jobs") == 0


async def test_upload_ownership_and_unknown_ids(api: TestClient, staff: dict[str, dict[str, Any]]) -> None:
    item = await new_draft(api, staff["admin"]["headers"])
    ctype = {"Content-Type": "video/mp4"}
    theirs = await api.post(f"/api/v1/cms/content/{item['id']}/video", data=b"x",
                            headers={**staff["creator"]["headers"], **ctype})
    assert theirs.status == 403
    missing = await api.post("/api/v1/cms/content/00000000-0000-0000-0000-000000000001/video", data=b"x",
                             headers={**staff["admin"]["headers"], **ctype})
    assert missing.status == 404
    show = await new_draft(api, staff["admin"]["headers"], type="tv_show")
    on_show = await api.post(f"/api/v1/cms/content/{show['id']}/video", data=b"x",
                             headers={**staff["admin"]["headers"], **ctype})
    assert on_show.status == 409
    for job in ("nope", "00000000-0000-0000-0000-000000000001"):
        await call(api, "GET", f"/api/v1/cms/jobs/{job}", headers=staff["admin"]["headers"], status=404)
