"""A ``web.FileResponse`` (sendfile, Range, ETag, Last-Modified) that reports how long the body took to write."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.web_request import BaseRequest

log = logging.getLogger(__name__)

OnSent = Callable[[int, float], Awaitable[None]]

SEGMENT_CACHE = "public, max-age=31536000, immutable"
PLAYLIST_CACHE = "private, max-age=2"
STEERED_CACHE = "no-store"


class MeasuredFileResponse(web.FileResponse):
    """Serves a file and, once a 200/206 body is written, awaits ``on_sent(bytes, seconds)``.

    A failing callback is logged and never breaks the response.
    """

    def __init__(self, path: Path, *, on_sent: OnSent | None = None, headers: dict[str, str] | None = None) -> None:
        """Serve ``path``; call ``on_sent`` after the body went out."""
        super().__init__(path, headers=headers)
        self._on_sent = on_sent

    async def prepare(self, request: BaseRequest) -> AbstractStreamWriter | None:
        """Send headers and body (sendfile), timing the whole write."""
        started = time.perf_counter()
        writer = await super().prepare(request)
        elapsed = time.perf_counter() - started
        if self._on_sent is not None and self.status in (200, 206) and request.method == "GET":
            try:
                await self._on_sent(self.content_length or 0, elapsed)
            except Exception:  # analytics must never break media delivery
                log.exception("post-delivery hook failed for %s", request.path)
        return writer
