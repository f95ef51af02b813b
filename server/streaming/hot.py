"""Per-process caches of the media path's per-request work that only needs doing once in a while.

- :class:`SessionCache`: a stream session read from Redis is reused for ``SESSION_TTL_S`` by the
  requests that only *check* it (playlists, rendition files); the steered segments, which decide
  and writes, always reads it fresh. The price: a session that ends (or whose variants change)
  is noticed up to ``SESSION_TTL_S`` later by those requests. Concurrent misses of one session
  share one read (a player fetching audio and video, or 50 connections of a benchmark, sent one
  Redis read each when the copy expired).
- :class:`ResolveCache`: the checked real path of a file inside an asset (packaged files do not
  move; a re-packaged asset is swapped in under the same paths, and a file that disappears makes
  the file response answer 404).

Both are bounded: when full they are emptied.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from server.streaming.sessions import StreamSession

SESSION_TTL_S = 1.0
MAX_ENTRIES = 20_000
SWEEP_MIN = 256


class SessionCache:
    """Stream sessions by id, each kept for ``ttl_s`` after it was read."""

    def __init__(self, *, ttl_s: float = SESSION_TTL_S, max_entries: int = MAX_ENTRIES) -> None:
        """Keep each session ``ttl_s`` seconds; at most ``max_entries`` sessions."""
        self._ttl = ttl_s
        self._max = max_entries
        self._entries: dict[str, tuple[float, StreamSession]] = {}
        self._reading: dict[str, asyncio.Future[StreamSession | None]] = {}
        self._sweep_at = SWEEP_MIN

    async def get(self, session_id: str,
                  read: Callable[[str], Awaitable[StreamSession | None]]) -> StreamSession | None:
        """The session (``read(session_id)`` when not cached or stale, one read for concurrent misses); unknown
        sessions are not cached."""
        now = time.monotonic()
        hit = self._entries.get(session_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        reading = self._reading.get(session_id)
        if reading is None:
            reading = self._reading[session_id] = asyncio.ensure_future(read(session_id))
            reading.add_done_callback(lambda _: self._reading.pop(session_id, None))
        session = await asyncio.shield(reading)  # a cancelled waiter does not cancel the others' read
        now = time.monotonic()
        if session is None:
            self._entries.pop(session_id, None)
            return None
        if len(self._entries) >= self._sweep_at:
            self._sweep(now)
        self._entries[session_id] = (now + self._ttl, session)
        return session

    def _sweep(self, now: float) -> None:
        """Drop expired copies (amortised: the next sweep waits until the cache has doubled)."""
        self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._sweep_at = max(SWEEP_MIN, 2 * len(self._entries))

    def __len__(self) -> int:
        """Cached copies held now (expired ones included until the next sweep)."""
        return len(self._entries)


class ResolveCache:
    """Checked real paths of asset files by (media dir, asset id, relative path)."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES) -> None:
        """At most ``max_entries`` paths."""
        self._max = max_entries
        self._entries: dict[tuple[Path, str, str], Path] = {}

    def get(self, media_dir: Path, asset_id: str, relative: str, resolve: Callable[[], Path]) -> Path:
        """The real path (``resolve()`` the first time; its UnsafePath propagates and nothing is cached)."""
        key = (media_dir, asset_id, relative)
        hit = self._entries.get(key)
        if hit is not None:
            return hit
        found = resolve()
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[key] = found
        return found
