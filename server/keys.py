"""Every typed key under which the application keeps a shared resource (the only place AppKeys are made).

``server.app.create_app`` sets or opens each of them, in the order listed there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import asyncpg
import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client import CollectorRegistry

from server.settings import Settings

if TYPE_CHECKING:
    from server.activity.positions import PositionCache
    from server.activity.store import ActivityStore
    from server.activity.tracking import PlaybackTracker
    from server.auth.tokens import TokenService
    from server.cms.jobs import JobRunner
    from server.metrics import Metrics
    from server.routing import Principal, RouteSpec
    from server.streaming.state import Streaming

# set by create_app
SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
REGISTRY: web.AppKey[CollectorRegistry] = web.AppKey("registry", CollectorRegistry)
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
ROUTES: web.AppKey[list[RouteSpec]] = web.AppKey("routes", list)
AUTHENTICATOR: web.AppKey[Callable[[web.Request], Awaitable[Principal | None]]] = web.AppKey(
    "authenticator"
)

# opened by the cleanup contexts, in this order
DB: web.AppKey[asyncpg.Pool] = web.AppKey("db", asyncpg.Pool)
REDIS: web.AppKey[aioredis.Redis] = web.AppKey("redis", aioredis.Redis)
ACTIVITY_STORE: web.AppKey[ActivityStore] = web.AppKey("activity_store")
POSITION_CACHE: web.AppKey[PositionCache] = web.AppKey("position_cache")
TRACKER: web.AppKey[PlaybackTracker] = web.AppKey("playback_tracker")
TOKENS: web.AppKey[TokenService] = web.AppKey("token_service")
MAIL_WAKEUP: web.AppKey[asyncio.Event] = web.AppKey("mail_wakeup", asyncio.Event)
STREAMING: web.AppKey[Streaming] = web.AppKey("streaming")
JOB_RUNNER: web.AppKey[JobRunner] = web.AppKey("cms_job_runner")
