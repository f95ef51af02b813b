"""The streaming area's shared objects, kept on the application under ``keys.STREAMING``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web

from server import keys
from server.keys import STREAMING
from server.streaming.assets import AssetCache
from server.streaming.batch import ListBatcher
from server.streaming.hot import ResolveCache, SessionCache
from server.streaming.playlist_cache import PlaylistCache
from server.streaming.sessions import SessionStore
from server.streaming.signing import UrlSigner, load_link_secret, load_secret


@dataclass(slots=True)
class Streaming:
    """The URL signer, the asset cache and the built-playlist cache of one application."""

    signer: UrlSigner
    assets: AssetCache
    playlists: PlaylistCache = field(default_factory=PlaylistCache)
    batch: ListBatcher | None = None  # set while the app runs (after the stores are open)
    sessions: SessionCache = field(default_factory=SessionCache)
    paths: ResolveCache = field(default_factory=ResolveCache)


async def streaming_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the URL signer (secret from settings or the data dir), the caches and the bookkeeping
    batcher over the app's Redis, flushed on shutdown (runs inside the storage context)."""
    settings = app[keys.SETTINGS]
    secret = load_secret(configured=settings.url_signing_secret, data_dir=settings.data_dir)
    signer = UrlSigner(secret=secret, link_secret=load_link_secret(settings.media_link_secret))
    app[STREAMING] = Streaming(signer=signer, assets=AssetCache())
    batcher = ListBatcher(app[keys.REDIS])
    batcher.start()
    app[STREAMING].batch = batcher
    try:
        yield
    finally:
        app[STREAMING].batch = None
        await batcher.close()


def batcher(app: web.Application) -> ListBatcher:
    """The running app's bookkeeping batcher."""
    found = app[STREAMING].batch
    if found is None:
        raise RuntimeError("the bookkeeping batcher runs only while the app runs")
    return found


def session_store(app: web.Application) -> SessionStore:
    """The session store over the app's Redis and namespace."""
    return SessionStore(redis=app[keys.REDIS], namespace=app[keys.SETTINGS].redis_namespace, db=app[keys.DB])
