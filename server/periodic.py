"""Background work repeated every N seconds for an app's lifetime, as an aiohttp cleanup context."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from server import keys
from server.settings import Settings

log = logging.getLogger(__name__)

CleanupCtx = Callable[[web.Application], AsyncIterator[None]]


def periodic(*, name: str, interval_s: Callable[[Settings], float],
             work: Callable[[web.Application], Awaitable[Any]], sleep_first: bool) -> CleanupCtx:
    """A cleanup context running ``work(app)`` every ``interval_s(settings)`` seconds (0 = off).

    A failed round is logged and the schedule goes on (a database restart must not stop it);
    ``sleep_first`` waits one interval before the first round, keeping start-up quiet.
    """

    async def loop(app: web.Application, interval: float) -> None:
        if sleep_first:
            await asyncio.sleep(interval)
        while True:
            try:
                result = await work(app)
                log.debug("%s round done", name, extra={"task": name, "result": result})
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed; retrying in %s s", name, interval)
            await asyncio.sleep(interval)

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        interval = interval_s(app[keys.SETTINGS])
        task = asyncio.create_task(loop(app, interval), name=name) if interval > 0 else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return ctx
