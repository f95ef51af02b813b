"""Receiving a (large) upload: streamed to a temp file chunk by chunk, size-capped, then renamed.

The body never sits in memory: at most one chunk (``CHUNK`` bytes) is held at a time, and the
server's ``client_max_size`` does not apply because the body is read from ``request.content``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from pathlib import Path

from aiohttp import web

from server.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
VIDEO_TYPES: tuple[str, ...] = ("video/mp4", "video/quicktime", "video/x-matroska", "video/webm", "video/mp2t",
                                "video/mpeg", "video/x-msvideo", "application/octet-stream")


def check_video_type(request: web.Request) -> str:
    """The upload's content type if it is one we package; 415 otherwise."""
    ctype = request.content_type
    if ctype not in VIDEO_TYPES:
        raise UnsupportedMediaType(f"upload a video ({', '.join(VIDEO_TYPES)}), not {ctype or 'nothing'}")
    return ctype


async def receive(request: web.Request, *, directory: Path, max_bytes: int) -> tuple[Path, int]:
    """Stream the request body into ``directory``; (final path, size). 413 over ``max_bytes``, 400 if empty."""
    declared = request.content_length
    if declared is not None and declared > max_bytes:
        raise PayloadTooLarge(f"the upload is {declared} bytes; at most {max_bytes} are allowed")
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    name = uuid.uuid4().hex
    part, final = directory / f".{name}.part", directory / f"{name}.upload"
    size = 0
    try:
        with part.open("wb") as out:
            async for chunk in request.content.iter_chunked(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(f"the upload exceeds the {max_bytes} bytes allowed")
                await asyncio.to_thread(out.write, chunk)
        if size == 0:
            raise BadRequest("the upload is empty")
        os.replace(part, final)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    log.info("upload received", extra={"bytes": size, "path": str(final)})
    return final, size


async def read_capped(request: web.Request, *, max_bytes: int) -> bytes:
    """The whole (small) body, read in chunks and refused (413) past ``max_bytes``."""
    declared = request.content_length
    if declared is not None and declared > max_bytes:
        raise PayloadTooLarge(f"the body is {declared} bytes; at most {max_bytes} are allowed")
    buf = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        buf += chunk
        if len(buf) > max_bytes:
            raise PayloadTooLarge(f"the body exceeds the {max_bytes} bytes allowed")
    return bytes(buf)
