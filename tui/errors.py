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

    @property
    def retry_helps(self) -> bool:
        """Whether trying the same thing again can work (no answer, a server error, a timeout, a rate limit)."""
        return self.status == 0 or self.status >= 500 or self.status in (408, 429)

    def user_message(self, *, next_step: str | None = None) -> str:
        """One line for a notification: what happened and what to do next (``next_step``: the screen's own
        hint, naming an action that works there; otherwise a generic one that does not promise a retry
        when the request itself was refused)."""
        text = self.detail or self.title
        fields = self.field_messages()
        if fields:
            text += " (" + "; ".join(f"{k}: {v}" if k else v for k, v in fields.items()) + ")"
        step = next_step or (self.next_step if self.retry_helps or type(self) is not ApiError
                             else "change what it says and try again")
        return f"{text}. Next: {step}."


class ServerUnreachable(ApiError):
    """No connection to the server (refused, reset, DNS)."""

    next_step = "check that the server is running, then retry"


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
