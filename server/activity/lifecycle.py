"""Open the activity store chosen by the settings for the app's lifetime."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from server import keys
from server.activity.mongo_store import MongoActivityStore
from server.activity.positions import PositionCache
from server.activity.postgres_store import PostgresActivityStore
from server.activity.store import ActivityStore
from server.activity.tracking import PlaybackTracker
from server.settings import Settings

log = logging.getLogger(__name__)


def build_store(*, settings: Settings, app: web.Application) -> ActivityStore:
    """MongoDB when ``mongo_url`` is set, else PostgreSQL on the app's pool."""
    if settings.mongo_url:
        return MongoActivityStore(url=settings.mongo_url)
    return PostgresActivityStore(pool=app[keys.DB])


async def activity_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the activity store, the position cache and the playback tracker (after the stores)."""
    settings = app[keys.SETTINGS]
    store = build_store(settings=settings, app=app)
    await store.open()
    cache = PositionCache(redis=app[keys.REDIS], namespace=settings.redis_namespace)
    app[keys.ACTIVITY_STORE] = store
    app[keys.POSITION_CACHE] = cache
    app[keys.TRACKER] = PlaybackTracker(store=store, cache=cache)
    log.info("activity store open", extra={"backend": store.backend})
    try:
        yield
    finally:
        await store.close()
