"""Per-user (or per-IP when anonymous) rate limits in Redis, shared by every server process.

Rules map a path pattern (exact, or a prefix ending in ``*``) to ``(max requests, window
seconds)``; the most specific pattern wins and is the bucket all its paths share (spec §8.6).
Every limited response carries ``RateLimit-Limit``, ``RateLimit-Remaining`` and
``RateLimit-Reset``; a refused one is a 429 problem with ``Retry-After``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import redis.exceptions
from aiohttp import web
from aiohttp.typedefs import Handler

from server import keys
from server.auth.authenticator import verified_claims
from server.auth.counters import hit
from server.errors import DomainError, TooManyRequests
from server.routing import matched_spec
from server.storage.redis import key

log = logging.getLogger(__name__)
EXEMPT_PREFIXES = ("/health", "/ready", "/metrics", "/media/")


@dataclass(frozen=True, slots=True)
class Rule:
    """The limit that applies to a request: its pattern (the bucket), max and window."""

    pattern: str
    limit: int
    window_s: int


def match_rule(rules: Mapping[str, tuple[int, int]], path: str) -> Rule | None:
    """The most specific rule for ``path``: an exact pattern, else the longest matching ``prefix*``."""
    if path.startswith(EXEMPT_PREFIXES):
        return None
    if path in rules:
        limit, window = rules[path]
        return Rule(pattern=path, limit=limit, window_s=window)
    best: str | None = None
    for pattern in rules:
        if pattern.endswith("*") and path.startswith(pattern[:-1]) and (best is None or len(pattern) > len(best)):
            best = pattern
    if best is None:
        return None
    limit, window = rules[best]
    return Rule(pattern=best, limit=limit, window_s=window)


def client_identity(request: web.Request) -> str:
    """``user:<id>`` for a valid access token, else ``ip:<peer address>``.

    Routes that take no token (login, register, refresh, password reset) always count per IP: a
    token the route ignores must not buy a fresh bucket (each new account's token would otherwise
    lift the register and login limits). The address is ``request.remote`` as resolved by
    ``server.proxies.proxy_middleware``: ``X-Forwarded-For`` counts only through trusted proxies.
    """
    spec = matched_spec(request)
    claims = verified_claims(request) if spec is None or spec.auth != "none" else None
    if claims is not None:
        return f"user:{claims['sub']}"
    return f"ip:{request.remote or 'unknown'}"


@web.middleware
async def ratelimit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count the request against its rule; 429 when over, RateLimit-* headers either way."""
    settings = request.app[keys.SETTINGS]
    rule = match_rule(settings.rate_limits, request.path) if settings.rate_limits_enabled else None
    if rule is None or request.method == "OPTIONS":
        return await handler(request)
    name = key(settings.redis_namespace, "ratelimit", client_identity(request), rule.pattern)
    try:
        count, reset_s = await hit(request.app[keys.REDIS], name=name, window_s=rule.window_s)
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        # Fail open: while Redis is down the API keeps answering (reads need no Redis-only state);
        # the lockout (PostgreSQL) still guards logins.
        request.app[keys.METRICS].redis_errors.labels(type(exc).__name__).inc()
        log.warning("rate limit not applied (redis unavailable): %s", exc)
        return await handler(request)
    headers = {"RateLimit-Limit": str(rule.limit), "RateLimit-Remaining": str(max(rule.limit - count, 0)),
               "RateLimit-Reset": str(reset_s)}
    if count > rule.limit:
        raise TooManyRequests(f"at most {rule.limit} requests per {rule.window_s} s on {rule.pattern}; "
                              f"retry in {reset_s} s", headers={**headers, "Retry-After": str(reset_s)})
    try:
        resp = await handler(request)
    except DomainError as err:
        err.headers.update(headers)
        raise
    if not resp.prepared:
        resp.headers.update(headers)
    return resp
