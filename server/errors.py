"""The domain error tree. The error middleware turns each into ``application/problem+json``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"


class DomainError(Exception):
    """Base of every error a handler may raise on purpose; carries an HTTP status and a code."""

    status: int = 500
    code: str = "internal-error"
    title: str = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = list(errors or [])
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def to_problem(self, *, instance: str | None = None) -> dict[str, Any]:
        """Render as an RFC 9457 problem document."""
        body: dict[str, Any] = {
            "type": f"/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class BadRequest(DomainError):
    """The request is malformed (bad JSON, bad header)."""

    status, code, title = 400, "bad-request", "Bad request"


class ValidationFailed(DomainError):
    """The request parsed but its fields are invalid; ``errors`` lists each field."""

    status, code, title = 422, "validation-failed", "Validation failed"


class Unauthorized(DomainError):
    """No valid credentials."""

    status, code, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("WWW-Authenticate", 'Bearer realm="ott-lowband"')
        super().__init__(detail, headers=headers, **kwargs)


class Forbidden(DomainError):
    """Authenticated, but not allowed."""

    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(DomainError):
    """No such resource (or not visible to this caller)."""

    status, code, title = 404, "not-found", "Not found"


class MethodNotAllowed(DomainError):
    """The route exists but not for this method."""

    status, code, title = 405, "method-not-allowed", "Method not allowed"


class Conflict(DomainError):
    """The request conflicts with the current state (duplicate, illegal transition)."""

    status, code, title = 409, "conflict", "Conflict"


class Gone(DomainError):
    """The resource existed but is no longer available (expired token)."""

    status, code, title = 410, "gone", "Gone"


class PreconditionFailed(DomainError):
    """A conditional request's precondition (``If-Match``, ``If-Unmodified-Since``) does not hold."""

    status, code, title = 412, "precondition-failed", "Precondition failed"


class PayloadTooLarge(DomainError):
    """The request body is larger than allowed."""

    status, code, title = 413, "payload-too-large", "Payload too large"


class UnsupportedMediaType(DomainError):
    """The request body has a content type this endpoint does not take."""

    status, code, title = 415, "unsupported-media-type", "Unsupported media type"


class RangeNotSatisfiable(DomainError):
    """The requested byte range lies beyond the resource; carries ``Content-Range: bytes */size``."""

    status, code, title = 416, "range-not-satisfiable", "Range not satisfiable"


class Locked(DomainError):
    """The account is locked (too many failed logins)."""

    status, code, title = 423, "locked", "Account locked"


class TooManyRequests(DomainError):
    """Rate limit exceeded; carries ``Retry-After``."""

    status, code, title = 429, "rate-limited", "Too many requests"


class ServiceUnavailable(DomainError):
    """A dependency is down (used by readiness only)."""

    status, code, title = 503, "unavailable", "Service unavailable"


_BY_STATUS: dict[int, type[DomainError]] = {
    cls.status: cls
    for cls in (
        BadRequest, ValidationFailed, Unauthorized, Forbidden, NotFound, MethodNotAllowed,
        Conflict, Gone, PreconditionFailed, PayloadTooLarge, UnsupportedMediaType, RangeNotSatisfiable, Locked,
        TooManyRequests,
        ServiceUnavailable,
    )
}


def error_for_status(status: int, detail: str | None = None) -> DomainError:
    """The domain error matching an HTTP status (for aiohttp's own HTTP exceptions)."""
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls(detail)
    err = DomainError(detail)
    err.status, err.code, err.title = status, f"http-{status}", detail or "Error"
    return err


def pydantic_errors(exc: Any) -> list[dict[str, Any]]:
    """Flatten a pydantic ``ValidationError`` into ``[{field, message, type}]``."""
    out: list[dict[str, Any]] = []
    for item in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in item.get("loc", ()) if p != "__root__")
        out.append({"field": loc or None, "message": item.get("msg", "invalid"), "type": item.get("type")})
    return out
