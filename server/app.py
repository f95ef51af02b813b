"""``create_app(settings)``: the whole backend as one aiohttp application."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from prometheus_client import CollectorRegistry

from server import keys
from server.api import AREAS
from server.metrics import Metrics
from server.middlewares import (
    cors_middleware,
    error_middleware,
    metrics_middleware,
    request_id_middleware,
    security_headers_middleware,
)
from server.proxies import proxy_middleware
from server.settings import Settings
from server.storage.lifecycle import open_stores


async def _storage_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the stores (embedded when no URL is configured) for the app's lifetime."""
    async with open_stores(app[keys.SETTINGS]) as stores:
        app[keys.DB] = stores.db
        app[keys.REDIS] = stores.redis
        app[keys.SERVICES]["stores"] = stores
        yield


def create_app(settings: Settings) -> web.Application:
    """Build the application: middlewares, storage lifecycle and every area's routes."""
    app = web.Application(
        middlewares=[proxy_middleware, request_id_middleware, metrics_middleware, security_headers_middleware,
                     cors_middleware, error_middleware],
        client_max_size=settings.client_max_size,
    )
    app[keys.SETTINGS] = settings
    app[keys.ROUTES] = []
    app[keys.SERVICES] = {}
    registry = CollectorRegistry()
    app[keys.REGISTRY] = registry
    app[keys.METRICS] = Metrics.create(registry)
    app.cleanup_ctx.append(_storage_ctx)
    for area in AREAS:
        setup = getattr(area, "setup", None)
        if setup is not None:
            setup(app)
        area.router.install(app)
    return app
