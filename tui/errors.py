"""Typed client errors, each carrying the next step the user can take."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A request failed: ``status`` (0 when no HTTP answer), a title, detail and a suggested next step."""

    next_step = "Retry"

    def __init__(self, title: str, *, status: int = 0, detail: str = "", errors: list[dict[str, Any]] | None = None,
                 code: str = "") -> None:
        """Build from a problem+json answer or a transport failure."""
        super().__init__(f"{title}: {detail}" if detail else title)
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.code = code

    def field_messages(self) -> dict[str, str]:
        """Validation messages by field name (last path element), for forms."""
        out: dict[str, str] = {}
        for err in self.errors:
            field = str(err.get("field") or "").rsplit(".", 1)[-1]
            out.setdefault(field, str(err.get("message") or ""))
        return out

    def user_message(self) -> str:
        """One line for a notification: what happened and what to do next."""
        text = self.detail or self.title
        fields = self.field_messages()
        if fields:
            text += " (" + "; ".join(f"{k}: {v}" if k else v for k, v in fields.items()) + ")"
        return f"{text}. Next: {self.next_step}."


class ServerUnreachable(ApiError):
    """No connection to the server (refused, reset, DNS)."""

    next_step = "check the server URL and press r to retry"


class RequestTimedOut(ApiError):
    """The server did not answer in time."""

    next_step = "retry, or pick a faster network profile in Settings"


class SessionExpired(ApiError):
    """The login is no longer valid and refreshing it failed."""

    next_step = "log in again"


class NotAllowed(ApiError):
    """403: the tier or the account does not allow this."""

    next_step = "upgrade on the Account screen or choose another title"


class BadResponse(ApiError):
    """The server answered something that is not the expected JSON."""

    next_step = "retry later; report it if it persists"
