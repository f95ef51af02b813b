"""Built playlists kept in memory: a media playlist is built once per asset, a master once per session.

Keys start with the :class:`~media.assets.Asset` object the :class:`~server.streaming.assets.AssetCache`
handed out; a re-packaged asset is a new object, so its playlists are built afresh. Each entry keeps
its asset alive, so an object id is never reused while an entry names it. The cache is bounded: when
it is full it is emptied (entries are cheap to rebuild).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from media import Asset

MAX_ENTRIES = 4096


class PlaylistCache:
    """Playlist bytes by (asset, what) key."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES) -> None:
        """Start empty; hold at most ``max_entries`` playlists."""
        self._entries: dict[tuple[int, Hashable], tuple[Asset, bytes]] = {}
        self._max = max_entries

    def get(self, asset: Asset, what: Hashable, build: Callable[[], str]) -> bytes:
        """The playlist ``what`` of ``asset``, built with ``build()`` the first time."""
        key = (id(asset), what)
        hit = self._entries.get(key)
        if hit is not None and hit[0] is asset:
            return hit[1]
        body = build().encode("utf-8")
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[key] = (asset, body)
        return body

    def __len__(self) -> int:
        """Number of cached playlists."""
        return len(self._entries)
