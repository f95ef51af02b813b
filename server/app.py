"""``create_app(settings)``: the whole backend as one aiohttp application, assembled in one place.

Everything app-wide is listed here, in order: the middlewares (outermost first), the resources
opened at start-up and closed in reverse at shutdown (``cleanup_ctx``), and the areas' routers.
Areas export only a ``router``; none adds middlewares or resources as a side effect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from prometheus_client import CollectorRegistry

from server import keys, mail
from server.account.lifecycle import account_purger
from server.activity.lifecycle import activity_ctx
from server.analytics import playback_start_recorder
from server.api import AREAS
from server.auth import authenticate_request
from server.auth.lifecycle import tokens_ctx
from server.billing.sweep import billing_sweeper
from server.catalog.trending import trending_refresher
from server.cms.jobs import runner_ctx
from server.cms.scheduler import publish_ctx
from server.metrics import Metrics
from server.middlewares import (
    cors_middleware,
    db_connection_middleware,
    error_middleware,
    metrics_middleware,
    request_id_middleware,
    security_headers_middleware,
)
from server.periodic import CleanupCtx
from server.proxies import proxy_middleware
from server.ratelimit import ratelimit_middleware
from server.settings import Settings
from server.storage.lifecycle import open_stores
from server.streaming.state import streaming_ctx


async def _storage_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the stores (embedded when no URL is configured) for the app's lifetime."""
    async with open_stores(app[keys.SETTINGS]) as stores:
        app[keys.DB] = stores.db
        app[keys.REDIS] = stores.redis
        yield


#: Outermost first (the trusted-proxy middleware sets the client address before anything reads it).
#: Rate limiting sits inside the error middleware so a 429 is a problem document; the request's
#: PostgreSQL connection is given back inside it too (a failing reset is a 503, like any outage);
#: the playback-start recorder sees only requests that passed it.
MIDDLEWARES = (
    proxy_middleware,
    request_id_middleware,
    metrics_middleware,
    security_headers_middleware,
    cors_middleware,
    error_middleware,
    db_connection_middleware,
    ratelimit_middleware,
    playback_start_recorder,
)

#: Opened in this order at start-up, closed in reverse at shutdown.
RESOURCES: tuple[CleanupCtx, ...] = (
    _storage_ctx,        # PostgreSQL pool and Redis (embedded when no URL is set)
    activity_ctx,        # activity store (PostgreSQL or MongoDB), position cache, playback tracker
    tokens_ctx,          # JWT signing keys and the token service
    mail.sender_ctx,     # SMTP outbox sender (when smtp_url is set)
    streaming_ctx,       # URL signer, asset/playlist caches, per-segment bookkeeping batcher
    runner_ctx,          # CMS packaging job runner
    trending_refresher,  # periodic: catalog trending recompute
    billing_sweeper,     # periodic: subscription renewal/expiry sweep
    publish_ctx,         # periodic: CMS scheduled publishing
    account_purger,      # periodic: erase accounts 90 days after their deletion was asked (GDPR)
)


def create_app(settings: Settings) -> web.Application:
    """Build the application: middlewares, resources and every area's routes."""
    app = web.Application(middlewares=MIDDLEWARES, client_max_size=settings.client_max_size)
    app[keys.SETTINGS] = settings
    app[keys.ROUTES] = []
    registry = CollectorRegistry()
    app[keys.REGISTRY] = registry
    app[keys.METRICS] = Metrics.create(registry)
    app[keys.AUTHENTICATOR] = authenticate_request
    app.cleanup_ctx.extend(RESOURCES)
    for area in AREAS:
        area.router.install(app)
    return app
