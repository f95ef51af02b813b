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


def test_concurrent_misses_share_one_read_and_its_failure() -> None:
    cache = SessionCache(ttl_s=60.0)
    reads: list[str] = []
    gate = asyncio.Event()

    async def read(session_id: str) -> StreamSession:
        reads.append(session_id)
        await gate.wait()
        if session_id == "broken":
            raise ConnectionError("redis went away")
        return cast(StreamSession, session_id)

    async def many() -> tuple[list[Any], list[Any]]:
        ok = [asyncio.ensure_future(cache.get("s1", read)) for _ in range(50)]
        bad = [asyncio.ensure_future(cache.get("broken", read)) for _ in range(3)]
        ok[0].cancel()  # one waiter giving up does not cancel the read the others wait for
        await asyncio.sleep(0)
        gate.set()
        return (await asyncio.gather(*ok[1:], return_exceptions=True),
                await asyncio.gather(*bad, return_exceptions=True))

    found, failed = asyncio.run(many())
    assert found == ["s1"] * 49
    assert all(isinstance(f, ConnectionError) for f in failed)
    assert reads == ["s1", "broken"]
    asyncio.run(cache.get("s1", read))  # cached now
    assert reads == ["s1", "broken"]


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
