"""Request id, metrics, security headers, CORS, the problem+json error middleware and the request's connection."""

from __future__ import annotations

import logging
import re
import time
import uuid

import redis.exceptions
from aiohttp import web
from aiohttp.typedefs import Handler

from server import keys
from server.db_errors import client_error, client_left, is_unreachable
from server.errors import (
    PROBLEM_CONTENT_TYPE,
    BadRequest,
    DomainError,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    error_for_status,
)
from server.logs import request_id_var
from server.storage.postgres import request_connection

log = logging.getLogger(__name__)
access_log = logging.getLogger("server.access")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "img-src 'self' data: https:; media-src 'self'; frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def problem_response(err: DomainError, request: web.Request) -> web.Response:
    """Render a domain error as problem+json, with its headers."""
    resp = web.json_response(err.to_problem(instance=request.path), status=err.status,
                             content_type=PROBLEM_CONTENT_TYPE, headers=err.headers)
    return resp


def log_path(request: web.Request) -> str:
    """The request path for log messages: as sent (percent-encoded), so a decoded ``%0A`` cannot forge lines."""
    return request.rel_url.raw_path


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Take ``X-Request-ID`` from the client (when sane) or make one; echo it back."""
    incoming = request.headers.get("X-Request-ID", "")
    rid = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    request["request_id"] = rid
    token = request_id_var.set(rid)
    start = time.perf_counter()
    status = 500
    try:
        resp = await handler(request)
        status = resp.status
    except web.HTTPException as exc:
        status = exc.status
        exc.headers["X-Request-ID"] = rid
        raise
    finally:
        if access_log.isEnabledFor(logging.INFO):  # its fields cost a few µs per request even when not written
            access_log.info("%s %s %s", request.method, log_path(request), status, extra={
                "method": request.method, "path": request.path, "status": status,
                "duration_ms": round((time.perf_counter() - start) * 1000, 2), "remote": request.remote})
        request_id_var.reset(token)
    resp.headers["X-Request-ID"] = rid
    return resp


def _route_label(request: web.Request) -> str:
    info = request.match_info.route.resource
    if info is None:
        return "unmatched"
    return info.canonical


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count requests and time them by route template, method and status."""
    metrics = request.app[keys.METRICS]
    start = time.perf_counter()
    metrics.in_flight.inc()
    status = 500
    try:
        resp = await handler(request)
        status = resp.status
        return resp
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        metrics.in_flight.dec()
        labels = (_route_label(request), request.method, str(status))
        metrics.requests.labels(*labels).inc()
        metrics.latency.labels(*labels).observe(time.perf_counter() - start)


def _from_http_exception(exc: web.HTTPException, request: web.Request) -> DomainError:
    if exc.status == 404:
        return NotFound(f"no route for {request.method} {request.path}")
    if exc.status == 405:
        err: DomainError = MethodNotAllowed(f"{request.method} is not allowed on {request.path}")
        if allow := exc.headers.get("Allow"):
            err.headers["Allow"] = allow
        return err
    return error_for_status(exc.status, exc.reason)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error into problem+json: domain errors, aiohttp's HTTP errors and crashes."""
    try:
        return await handler(request)
    except DomainError as err:
        return problem_response(err, request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return problem_response(_from_http_exception(exc, request), request)
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        request.app[keys.METRICS].redis_errors.labels(type(exc).__name__).inc()
        log.error("redis unavailable on %s %s: %s", request.method, log_path(request), exc)
        return problem_response(ServiceUnavailable("the cache is unavailable; retry shortly",
                                                   headers={"Retry-After": "5"}), request)
    except Exception as exc:
        if (mapped := client_error(exc)) is not None:  # constraint/data errors: the input's fault, no traceback
            log.info("%s %s refused by the database (%s): %s", request.method, log_path(request),
                     type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
            return problem_response(mapped, request)
        if client_left(exc, request):
            log.info("%s %s: the client closed its connection before the request was read", request.method,
                     log_path(request))
            return problem_response(BadRequest("the connection closed before the request was read"), request)
        if is_unreachable(exc):
            log.error("database unavailable on %s %s: %r", request.method, log_path(request), exc)
            return problem_response(ServiceUnavailable("the database is unavailable; retry shortly",
                                                       headers={"Retry-After": "5"}), request)
        log.exception("unhandled error on %s %s", request.method, log_path(request))
        return problem_response(DomainError("an unexpected error happened; it has been logged"), request)


@web.middleware
async def db_connection_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One PostgreSQL connection per request, taken on its first statement and reset once at the end
    (``server.storage.postgres.request_connection``); a file body is sent after it is given back."""
    async with request_connection(request.app.get(keys.DB)):
        return await handler(request)


@web.middleware
async def security_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add the spec §8.6 security headers to every response."""
    resp = await handler(request)
    for name, value in SECURITY_HEADERS.items():
        resp.headers.setdefault(name, value)
    return resp


@web.middleware
async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """CORS for the origins in the allow-list; answers pre-flight requests itself."""
    origin = request.headers.get("Origin")
    allowed = origin is not None and origin in request.app[keys.SETTINGS].cors_origins
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        resp: web.StreamResponse = (web.Response(status=204) if allowed else
                                    problem_response(Forbidden("this origin may not call the API"), request))
        if allowed:
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = request.headers.get(
                "Access-Control-Request-Headers", "Authorization, Content-Type")
            resp.headers["Access-Control-Max-Age"] = "86400"
    else:
        resp = await handler(request)
    if allowed and origin:
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Access-Control-Allow-Credentials"] = "true"
        vary = [v.strip() for v in resp.headers.get("Vary", "").split(",") if v.strip()]
        if "Origin" not in vary:
            resp.headers["Vary"] = ", ".join([*vary, "Origin"])
    return resp
