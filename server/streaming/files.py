"""The media file response: sendfile with Range and validators, opened inline, and timed for the bookkeeping.

aiohttp's ``web.FileResponse`` stats and opens the file in the default thread pool and closes it there
too: two thread hand-offs per request, and the executor threads then contend for the GIL with the
event loop at every call that releases it (sendfile, send, getrandom). Profiled on a 33 kB segment
(#19), that was most of the embedded app's per-request CPU. A packaged media file is on a local
disk, mostly in the page cache, so :class:`MeasuredFileResponse` opens and ``fstat``s it inline
(microseconds, as nginx does without ``aio threads``) and sends it with ``loop.sendfile``.

It answers what ``FileResponse`` answers for a plain file: 200 with ``ETag`` (mtime-size, the same
spelling), ``Last-Modified`` and ``Accept-Ranges``; one byte range as 206 (416 when unsatisfiable; the
whole file when ``If-Range`` names another version of the file, or for several ranges, which
``FileResponse`` refused with a 416); 304 for a matching ``If-None-Match`` (or, without it,
``If-Modified-Since``); 412 for a failed ``If-Match`` / ``If-Unmodified-Since``; 404 when the file is
gone (between the route's check and the open). 404, 412 and 416 carry a problem+json body, as every other
4xx of the server. No compressed siblings (the packager writes none). A file that shrinks while it is sent (rewritten
in place) ends the connection after what it still had: the client sees a body cut short, never a stall.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO

from aiohttp import hdrs, web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.helpers import ETag
from aiohttp.web_request import BaseRequest

from server.errors import PROBLEM_CONTENT_TYPE, DomainError, NotFound, PreconditionFailed, RangeNotSatisfiable

log = logging.getLogger(__name__)

OnSent = Callable[[int, float], Awaitable[None]]

SEGMENT_CACHE = "public, max-age=31536000, immutable"
PLAYLIST_CACHE = "private, max-age=2"
STEERED_CACHE = "no-store"
FALLBACK_CHUNK = 256 * 1024


def _etag_matches(value: str, etags: tuple[ETag, ...] | None, *, weak: bool) -> bool:
    """Whether ``value`` is among ``etags`` (``*`` matches any; weak ones only when ``weak``)."""
    if not etags:
        return False
    return any(e.value == "*" or (e.value == value and (weak or not e.is_weak)) for e in etags)


def _range_applies(request: BaseRequest, *, etag: str, mtime: float) -> bool:
    """Whether the request's Range is served (RFC 9110 §13.1.5, §14.2): not for another version of the file (an
    ``If-Range`` entity tag that is not this one's, compared strongly, or a date before its last change; aiohttp's
    ``request.if_range`` reads dates only, so a tag was ignored and a range of the old file cut from the new one),
    nor when the server does not do what it asks (several ranges, another unit): the whole file then."""
    rng = request.headers.get(hdrs.RANGE)
    if rng is None:
        return False
    if "," in rng or not rng.strip().lower().startswith("bytes="):
        return False
    validator = request.headers.get(hdrs.IF_RANGE)
    if validator is None:
        return True
    validator = validator.strip()
    if validator.startswith(("\"", "W/")):
        return validator == f'"{etag}"'
    date = request.if_range
    return date is not None and mtime <= date.timestamp()


class MeasuredFileResponse(web.StreamResponse):
    """Serves a file (see module docstring) and, once a 200/206 body is written to a GET, awaits
    ``on_sent(bytes, seconds)``. A failing callback is logged and never breaks the response."""

    def __init__(self, path: Path, *, on_sent: OnSent | None = None, headers: dict[str, str] | None = None) -> None:
        """Serve ``path``; call ``on_sent`` after the body went out."""
        super().__init__(headers=headers)
        self._path = path
        self._on_sent = on_sent

    async def prepare(self, request: BaseRequest) -> AbstractStreamWriter | None:
        """Send headers and body (sendfile), timing the whole write."""
        started = time.perf_counter()
        try:
            fobj = open(self._path, "rb")  # noqa: ASYNC230, SIM115 - inline on purpose (module docstring); closed below
        except OSError:
            return await self._problem(request, NotFound("media file not found"))
        try:
            writer, sent = await self._send(request, fobj)
        finally:
            fobj.close()
        if self._on_sent is not None and sent is not None and request.method == "GET":
            try:
                await self._on_sent(sent, time.perf_counter() - started)
            except Exception:  # analytics must never break media delivery
                log.exception("post-delivery hook failed for %s", request.path)
        return writer

    async def _send(self, request: BaseRequest, fobj: IO[bytes]) -> tuple[AbstractStreamWriter | None, int | None]:
        """The answer for the open file; with the body's byte count when it is a 200/206."""
        st = os.fstat(fobj.fileno())
        if not stat.S_ISREG(st.st_mode):
            return await self._problem(request, NotFound("media file not found")), None
        etag = f"{st.st_mtime_ns:x}-{st.st_size:x}"
        if (request.if_match is not None and not _etag_matches(etag, request.if_match, weak=False)) or (
                request.if_match is None and request.if_unmodified_since is not None
                and st.st_mtime > request.if_unmodified_since.timestamp()):
            return await self._problem(request, PreconditionFailed(
                "the file's entity tag or modification time fails If-Match / If-Unmodified-Since")), None
        self.etag = etag
        self.last_modified = st.st_mtime
        if _etag_matches(etag, request.if_none_match, weak=True) or (
                request.if_none_match is None and request.if_modified_since is not None
                and st.st_mtime <= request.if_modified_since.timestamp()):
            self.set_status(304)
            return await super().prepare(request), None
        size = st.st_size
        start, count = 0, size
        self.headers["Accept-Ranges"] = "bytes"
        if _range_applies(request, etag=etag, mtime=st.st_mtime):
            try:
                rng = request.http_range
            except ValueError:
                return await self._unsatisfiable(request, size), None
            if rng.start is not None:
                if rng.start < 0 and rng.stop is None:  # the last -start bytes
                    start = max(size + rng.start, 0)
                    count = size - start
                else:
                    start = rng.start
                    count = min(rng.stop if rng.stop is not None else size, size) - start
                if start >= size:
                    return await self._unsatisfiable(request, size), None
                self.set_status(206)
                self.headers["Content-Range"] = f"bytes {start}-{start + count - 1}/{size}"
        self.content_length = count
        writer = await super().prepare(request)
        if request.method == "HEAD" or count == 0:
            await super().write_eof()
            return writer, count
        transport = request.transport
        if writer is None or transport is None:
            raise ConnectionResetError("Connection lost")
        try:
            sent = await asyncio.get_running_loop().sendfile(transport, fobj, start, count)
        except NotImplementedError:  # a transport without sendfile (TLS): plain reads from the page cache
            fobj.seek(start)
            sent = 0
            while sent < count and (chunk := fobj.read(min(FALLBACK_CHUNK, count - sent))):
                await writer.write(chunk)
                sent += len(chunk)
        if sent < count:
            # the file shrank after its fstat (rewritten in place): the Content-Length sent is a promise the
            # body cannot keep, and on a kept-alive connection the client would wait for the missing bytes,
            # then read the next answer as this body. Ending the connection tells it the body was cut short;
            # nothing is reported as delivered.
            log.warning("%s shrank while it was sent (%d of %d bytes): connection closed", self._path, sent, count)
            raise ConnectionResetError(f"{self._path.name} shrank while it was sent")
        await super().write_eof()
        return writer, count

    async def _unsatisfiable(self, request: BaseRequest, size: int) -> AbstractStreamWriter | None:
        """416 with the file's size."""
        self.headers["Content-Range"] = f"bytes */{size}"
        return await self._problem(request, RangeNotSatisfiable(f"the file has {size} bytes", errors=[
            {"field": "Range", "message": f"no byte of the requested range lies within the file's {size} bytes"}]))

    async def _problem(self, request: BaseRequest, err: DomainError) -> AbstractStreamWriter | None:
        """Answer ``err`` as a problem+json document (no body for HEAD)."""
        body = json.dumps(err.to_problem(instance=request.path)).encode()
        self.set_status(err.status)
        self.content_type = PROBLEM_CONTENT_TYPE
        self.content_length = len(body)
        writer = await super().prepare(request)
        if request.method != "HEAD":
            await super().write(body)
        await super().write_eof()
        return writer
