"""Built playlists kept in memory: a media playlist is built once per asset, a master once per session.

Shared playlists (the same bytes for every viewer) and per-session ones (masters and MPDs with the
session's signed URLs, fetched once or twice each) are held apart, so a stream of new sessions
cannot push out the shared ones, and per-session entries stay few (a soak grew the process by
20 % holding 4,096 of them).

Keys start with the :class:`~media.assets.Asset` object the :class:`~server.streaming.assets.AssetCache`
handed out; a re-packaged asset is a new object, so its playlists are built afresh. Each entry keeps
its asset alive, so an object id is never reused while an entry names it. The cache is bounded: when
it is full it is emptied (entries are cheap to rebuild).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from media import Asset

MAX_ENTRIES = 4096
MAX_SESSION_ENTRIES = 256


class PlaylistCache:
    """Playlist bytes by (asset, what) key."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES, max_session_entries: int = MAX_SESSION_ENTRIES) -> None:
        """Start empty; hold at most ``max_entries`` shared and ``max_session_entries`` per-session playlists."""
        self._shared: dict[tuple[int, Hashable], tuple[Asset, bytes]] = {}
        self._session: dict[tuple[int, Hashable], tuple[Asset, bytes]] = {}
        self._max = max_entries
        self._max_session = max_session_entries

    def get(self, asset: Asset, what: Hashable, build: Callable[[], str], *, per_session: bool = False) -> bytes:
        """The playlist ``what`` of ``asset``, built with ``build()`` the first time.

        ``per_session``: the playlist names one session's signed URLs (kept in the small part).
        """
        entries, limit = (self._session, self._max_session) if per_session else (self._shared, self._max)
        key = (id(asset), what)
        hit = entries.get(key)
        if hit is not None and hit[0] is asset:
            return hit[1]
        body = build().encode("utf-8")
        if len(entries) >= limit:
            entries.clear()
        entries[key] = (asset, body)
        return body

    def __len__(self) -> int:
        """Number of cached playlists."""
        return len(self._shared) + len(self._session)
