"""Operations endpoints: liveness, readiness, Prometheus metrics and the OpenAPI document."""

from __future__ import annotations

import asyncio
from typing import Literal

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from server import keys
from server.openapi import build_openapi
from server.routing import ApiRouter, json_response
from server.storage import postgres, redis

router = ApiRouter(tag="ops")


class HealthOut(BaseModel):
    """Liveness answer."""

    status: Literal["ok"]


class ReadyOut(BaseModel):
    """Readiness answer: each dependency's state."""

    status: Literal["ready", "unavailable"]
    postgres: bool
    redis: bool


@router.route("GET", "/health", summary="Liveness: the process answers", response=HealthOut, auth="none")
async def health(request: web.Request) -> web.Response:
    """Always 200 while the event loop runs."""
    return json_response(HealthOut(status="ok"))


@router.route("GET", "/ready", summary="Readiness: PostgreSQL and Redis answer", response=ReadyOut,
              auth="none", errors=(503,))
async def ready(request: web.Request) -> web.Response:
    """200 when both stores answer, else 503 with which one failed."""
    app = request.app
    db_ok, redis_ok = await asyncio.gather(postgres.ping(app[keys.DB]), redis.ping(app[keys.REDIS]))
    if not redis_ok:
        app[keys.METRICS].redis_errors.labels("ping").inc()
    body = ReadyOut(status="ready" if db_ok and redis_ok else "unavailable", postgres=db_ok, redis=redis_ok)
    return json_response(body, status=200 if body.status == "ready" else 503)


@router.route("GET", "/metrics", summary="Prometheus metrics", auth="none", media_type="text/plain")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition of this process's metrics."""
    app = request.app
    pool = app[keys.DB]
    m = app[keys.METRICS]
    m.db_pool_size.set(pool.get_size())
    m.db_pool_idle.set(pool.get_idle_size())
    body = generate_latest(app[keys.REGISTRY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


@router.route("GET", "/api/v1/openapi.json", summary="This API's OpenAPI 3.1 document", auth="none")
async def openapi(request: web.Request) -> web.Response:
    """The OpenAPI document built from every declared route."""
    return json_response(build_openapi(request.app[keys.ROUTES],
                                       country_header=request.app[keys.SETTINGS].country_header))
