"""Every typed key under which the application keeps a shared resource."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import asyncpg
import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client import CollectorRegistry

from server.settings import Settings

if TYPE_CHECKING:
    from server.metrics import Metrics
    from server.routing import Principal, RouteSpec

SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
DB: web.AppKey[asyncpg.Pool] = web.AppKey("db", asyncpg.Pool)
REDIS: web.AppKey[aioredis.Redis] = web.AppKey("redis", aioredis.Redis)
REGISTRY: web.AppKey[CollectorRegistry] = web.AppKey("registry", CollectorRegistry)
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
ROUTES: web.AppKey[list[RouteSpec]] = web.AppKey("routes", list)
AUTHENTICATOR: web.AppKey[Callable[[web.Request], Awaitable[Principal | None]]] = web.AppKey(
    "authenticator"
)
SERVICES: web.AppKey[dict[str, Any]] = web.AppKey("services", dict)
