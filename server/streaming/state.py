"""The streaming area's shared objects, kept on the application under one typed key."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from server import keys
from server.streaming.assets import AssetCache
from server.streaming.playlist_cache import PlaylistCache
from server.streaming.sessions import SessionStore
from server.streaming.signing import UrlSigner, load_secret


@dataclass(slots=True)
class Streaming:
    """The URL signer, the asset cache and the built-playlist cache of one application."""

    signer: UrlSigner
    assets: AssetCache
    playlists: PlaylistCache = field(default_factory=PlaylistCache)


STREAMING: web.AppKey[Streaming] = web.AppKey("streaming", Streaming)


def install(app: web.Application) -> None:
    """Create the signer (secret from settings or the data dir) and the asset cache on ``app``."""
    settings = app[keys.SETTINGS]
    secret = load_secret(configured=settings.url_signing_secret, data_dir=settings.data_dir)
    app[STREAMING] = Streaming(signer=UrlSigner(secret=secret), assets=AssetCache())


def session_store(app: web.Application) -> SessionStore:
    """The session store over the app's Redis and namespace."""
    return SessionStore(redis=app[keys.REDIS], namespace=app[keys.SETTINGS].redis_namespace)
