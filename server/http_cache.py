"""Cacheable JSON responses: an ETag from the body, 304 on a matching If-None-Match, br/gzip bodies."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from typing import Any

import brotli
from aiohttp import web
from pydantic import BaseModel

log = logging.getLogger(__name__)

MIN_COMPRESS_BYTES = 512
VARY = "Accept-Encoding, Authorization"


def encode_json(payload: BaseModel | dict[str, Any] | list[Any]) -> bytes:
    """Serialise a model or plain data as compact UTF-8 JSON."""
    if isinstance(payload, BaseModel):
        return payload.model_dump_json().encode()
    return json.dumps(payload, default=str, ensure_ascii=False, separators=(",", ":")).encode()


def etag_for(body: bytes) -> str:
    """A weak validator for ``body`` (weak: the encoded bytes differ between codings)."""
    return 'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of an ``If-None-Match`` list against ``etag``."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


def choose_encoding(accept_encoding: str | None) -> str | None:
    """The best coding we offer (``br``, then ``gzip``) that the client accepts with q > 0."""
    accepted: dict[str, float] = {}
    for part in (accept_encoding or "").split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        if name:
            accepted[name.strip().lower()] = q
    for coding in ("br", "gzip"):
        if accepted.get(coding, accepted.get("*", 0.0)) > 0:
            return coding
    return None


def compress(body: bytes, coding: str) -> bytes:
    """``body`` compressed with ``coding`` (``br`` or ``gzip``)."""
    if coding == "br":
        return bytes(brotli.compress(body, quality=5))
    return gzip.compress(body, compresslevel=6)


def cached_json(request: web.Request, payload: BaseModel | dict[str, Any] | list[Any], *, max_age: int = 60,
                private: bool = True, no_cache: bool = False, status: int = 200) -> web.Response:
    """A JSON response with an ETag; 304 without a body when ``If-None-Match`` matches.

    ``no_cache`` sends ``no-cache`` instead of ``max-age``: caches keep the body but revalidate it
    on every use (for data that changes with the viewer's own actions). Bodies over
    ``MIN_COMPRESS_BYTES`` are compressed with brotli or gzip per ``Accept-Encoding``.
    """
    body = encode_json(payload)
    tag = etag_for(body)
    freshness = "no-cache" if no_cache else f"max-age={max_age}"
    headers = {
        "ETag": tag,
        "Cache-Control": f"{'private' if private else 'public'}, {freshness}",
        "Vary": VARY,
    }
    if status == 200 and etag_matches(request.headers.get("If-None-Match"), tag):
        return web.Response(status=304, headers=headers)
    coding = choose_encoding(request.headers.get("Accept-Encoding")) if len(body) >= MIN_COMPRESS_BYTES else None
    if coding is not None:
        body = compress(body, coding)
        headers["Content-Encoding"] = coding
    return web.Response(body=body, status=status, content_type="application/json", charset="utf-8",
                        headers=headers)
