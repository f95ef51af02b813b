"""In-process caches of the media path stay small under a stream of new sessions (the soak's RSS)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from media import Asset
from server.streaming.hot import SWEEP_MIN, SessionCache
from server.streaming.playlist_cache import PlaylistCache
from server.streaming.sessions import StreamSession


def test_expired_sessions_are_swept_not_kept_until_the_cache_is_full() -> None:
    cache = SessionCache(ttl_s=0.0)  # every copy is stale at once, as after 1 s in production

    async def read(session_id: str) -> StreamSession:
        return cast(StreamSession, session_id)

    async def many() -> None:
        for i in range(5_000):
            assert await cache.get(f"s{i}", read) == f"s{i}"

    asyncio.run(many())
    assert len(cache) <= SWEEP_MIN


def test_live_sessions_are_served_from_the_cache() -> None:
    cache = SessionCache(ttl_s=60.0)
    reads: list[str] = []

    async def read(session_id: str) -> StreamSession:
        reads.append(session_id)
        return cast(StreamSession, session_id)

    async def twice() -> None:
        for _ in range(2):
            for i in range(SWEEP_MIN * 3):
                await cache.get(f"s{i}", read)

    asyncio.run(twice())
    assert len(reads) == SWEEP_MIN * 3 and len(cache) == SWEEP_MIN * 3  # fresh copies survive sweeps


def test_per_session_playlists_cannot_push_out_shared_ones() -> None:
    cache = PlaylistCache(max_entries=10, max_session_entries=4)
    asset = cast(Asset, object())
    builds: list[Any] = []

    def build(what: Any) -> str:
        builds.append(what)
        return f"#EXTM3U {what}"

    assert cache.get(asset, "video-720p", lambda: build("video-720p")) == b"#EXTM3U video-720p"
    for i in range(100):
        cache.get(asset, ("master", i), lambda i=i: build(("master", i)), per_session=True)  # type: ignore[misc]
    assert cache.get(asset, "video-720p", lambda: build("again")) == b"#EXTM3U video-720p"
    assert "again" not in builds and len(cache) <= 1 + 4
