"""Open the activity store chosen by the settings for the app's lifetime."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from server import keys
from server.activity.keys import ACTIVITY_STORE, POSITION_CACHE, TRACKER
from server.activity.mongo_store import MongoActivityStore
from server.activity.positions import PositionCache
from server.activity.postgres_store import PostgresActivityStore
from server.activity.store import ActivityStore
from server.activity.tracking import PlaybackTracker
from server.settings import Settings

log = logging.getLogger(__name__)
_INSTALLED = "activity.installed"


def build_store(*, settings: Settings, app: web.Application) -> ActivityStore:
    """MongoDB when ``mongo_url`` is set, else PostgreSQL on the app's pool."""
    if settings.mongo_url:
        return MongoActivityStore(url=settings.mongo_url)
    return PostgresActivityStore(pool=app[keys.DB])


async def _activity_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    store = build_store(settings=settings, app=app)
    await store.open()
    cache = PositionCache(redis=app[keys.REDIS], namespace=settings.redis_namespace)
    app[ACTIVITY_STORE] = store
    app[POSITION_CACHE] = cache
    app[TRACKER] = PlaybackTracker(store=store, cache=cache)
    log.info("activity store open", extra={"backend": store.backend})
    try:
        yield
    finally:
        await store.close()


def install(app: web.Application) -> None:
    """Add the activity store's cleanup context once (both playback and activity areas call this)."""
    if app[keys.SERVICES].get(_INSTALLED):
        return
    app[keys.SERVICES][_INSTALLED] = True
    app.cleanup_ctx.append(_activity_ctx)
