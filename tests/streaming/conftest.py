"""Streaming fixtures: one 6 s 1280x720 test card packaged once per session (real ffmpeg), catalog rows
pointing at it, and viewers with tokens and profiles."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import m3u8
import pytest
from aiohttp.test_utils import TestClient

from media.assets import Asset
from media.ladder import DEFAULT_LADDER
from media.pipeline import package_asset
from media.testcard import make_testcard
from server import keys
from server.settings import Settings
from tests.conftest import make_settings
from tests.helpers import Viewer

ASSET_ID = "card720"
CARD_SECONDS = 6.0
# 480p (854x480) is left out: its aspect ratio differs from the others and ffmpeg's DASH muxer
# refuses mixed aspect ratios in one adaptation set.
TEST_LADDER = tuple(r for r in DEFAULT_LADDER if r.name in ("144p", "360p", "720p"))


@dataclass(frozen=True)
class MediaRoot:
    """The packaged media directory and its one asset."""

    root: Path
    asset: Asset


@pytest.fixture(scope="session")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> MediaRoot:
    """A media dir holding ``card720``: 144p/360p/720p TS renditions, en/hi audio and subtitles, DASH."""
    base = tmp_path_factory.mktemp("stream-media")
    card = base / "card.mp4"
    root = base / "media"
    root.mkdir()

    async def build() -> Asset:
        await make_testcard(card, duration=CARD_SECONDS, width=1280, height=720)
        return await package_asset(card, root / ASSET_ID, ladder=TEST_LADDER, title="Test card")

    asset = asyncio.run(build())
    return MediaRoot(root=root, asset=asset)


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str], media_root: MediaRoot) -> Settings:
    """The selected backend's settings with the packaged media dir."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], media_dir=media_root.root)


async def add_title(api: TestClient, *, asset_id: str = ASSET_ID, tier: str = "free", rating: str = "U") -> str:
    """Insert a published movie playing ``asset_id``; return its id."""
    row = await api.app[keys.DB].fetchrow(
        "INSERT INTO content (type, title, maturity_rating, workflow_state, tier_requirement, asset_id,"
        " asset_duration_s, published_at) VALUES ('movie', 'Test card', $1, 'published', $2, $3, $4, now())"
        " RETURNING id::text", rating, tier, asset_id, CARD_SECONDS)
    return str(row["id"])


async def manifest(api: TestClient, viewer: Viewer, content_id: str, *, headers: dict[str, str] | None = None,
                   **params: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    """GET the manifest; (status, JSON body, response headers)."""
    query = {"profile_id": viewer.profile_id, **{k: str(v) for k, v in params.items()}}
    resp = await api.get(f"/api/v1/stream/{content_id}/manifest", params=query,
                         headers={**viewer.headers, **(headers or {})})
    return resp.status, await resp.json(), dict(resp.headers)


def local(url: str) -> str:
    """The path+query of an absolute URL (for the test client)."""
    from yarl import URL

    u = URL(url)
    return u.raw_path_qs if u.is_absolute() else url


async def media_playlist(api: TestClient, url: str) -> tuple[m3u8.M3U8, list[str]]:
    """GET a media playlist (strict parse) and its segment URLs resolved against the playlist's own URL."""
    path = local(url)
    resp = await api.get(path)
    assert resp.status == 200, (path, await resp.text())
    playlist = m3u8.M3U8(await resp.text(), strict=True)
    return playlist, [urljoin(path, seg.uri) for seg in playlist.segments]


async def log_link(api: TestClient, user_id: str, *, kbps: float, nbytes: int, count: int = 5, rtt_s: float = 0.1,
                   media_s: float = 4.0) -> None:
    """Write the request log of a player that just filled back to back on a ``kbps`` link (ending 0.5 s ago)."""
    import time

    from server.streaming import throughput

    redis, ns = api.app[keys.REDIS], api.app[keys.SETTINGS].redis_namespace
    step = rtt_s + nbytes * 8 / (kbps * 1000)
    t = time.time() - 0.5 - count * step - rtt_s
    await throughput.add_request(redis, namespace=ns, user_id=user_id, at=t, nbytes=500)  # the playlist
    t += rtt_s
    for _ in range(count):
        await throughput.add_request(redis, namespace=ns, user_id=user_id, at=t, nbytes=nbytes, media_s=media_s)
        t += step
    await throughput.add_request(redis, namespace=ns, user_id=user_id, at=t, nbytes=0)
