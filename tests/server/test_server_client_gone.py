"""A client that closes its connection before the server read its body is the client's doing (#19).

aiohttp fails the read of such a body with ``ConnectionResetError("Connection lost")``, even when the
bytes had arrived; the error middleware took that for a lost database connection (a 503 and an
ERROR "database unavailable" line, seen when Locust stopped its users at the end of a load run).
It is a 400 problem document now, logged as nothing worse than the access line.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry
from pydantic import BaseModel

from server import keys
from server.metrics import Metrics
from server.middlewares import error_middleware
from server.routing import parse_body
from server.settings import Settings


class Body(BaseModel):
    """A tiny request body."""

    seq: int


BodyRead = Callable[[web.Request], Awaitable[Any]]


async def answer_after_the_client_left(read: BodyRead, *, method: str, ctype: str, body: bytes) -> web.StreamResponse:
    """What the error middleware answers when ``read`` takes the body after the client closed its connection.

    The app runs as ``ott-server serve`` runs it (a client leaving does not cancel the handler); the handler
    waits, as an authenticated route waits on its token's query, until the client's transport is gone."""
    answered: asyncio.Future[web.StreamResponse] = asyncio.get_running_loop().create_future()
    started = asyncio.Event()

    async def handler(request: web.Request) -> web.StreamResponse:
        started.set()
        for _ in range(500):
            if request.transport is None or request.transport.is_closing():
                break
            await asyncio.sleep(0.01)
        await read(request)
        return web.json_response({})

    @web.middleware
    async def outer(request: web.Request, handler: Handler) -> web.StreamResponse:
        resp = await handler(request)
        answered.set_result(resp)
        return resp

    app = web.Application(middlewares=[outer, error_middleware])
    app[keys.SETTINGS] = Settings()
    app[keys.METRICS] = Metrics.create(CollectorRegistry())
    app.router.add_route(method, "/body", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", runner.addresses[0][1])
        writer.write(b"%s /body HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s"
                     % (method.encode(), ctype.encode(), len(body), body))
        await writer.drain()
        await asyncio.wait_for(started.wait(), 10)
        writer.close()
        return await asyncio.wait_for(answered, 10)
    finally:
        await runner.cleanup()


async def test_a_body_read_after_the_client_left_is_a_400_not_a_database_outage(
        caplog: pytest.LogCaptureFixture) -> None:
    resp = await answer_after_the_client_left(lambda request: parse_body(request, Body), method="PUT",
                                              ctype="application/json", body=b'{"seq": 1}')
    assert resp.status == 400
    assert isinstance(resp, web.Response) and resp.content_type == "application/problem+json"
    assert resp.body is not None and "closed" in json.loads(bytes(resp.body))["detail"]  # type: ignore[arg-type]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(("read", "ctype"), [
    (lambda request: request.read(), "application/json"),  # as the payment webhook reads its body
    (lambda request: request.post(), "application/x-www-form-urlencoded"),  # as the email/password pages do
], ids=["raw", "form"])
async def test_any_body_read_after_the_client_left_is_its_doing(caplog: pytest.LogCaptureFixture, read: BodyRead,
                                                                 ctype: str) -> None:
    """Routes that read their body without ``parse_body`` (webhook, form pages, uploads): the same lost connection
    is a 400, not a 503 "database unavailable" logged as an ERROR."""
    resp = await answer_after_the_client_left(read, method="POST", ctype=ctype, body=b"a=1")
    assert resp.status == 400
    assert isinstance(resp, web.Response) and resp.content_type == "application/problem+json"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
