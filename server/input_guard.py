"""The input guard: text PostgreSQL cannot store is refused with a 422 naming the field.

PostgreSQL ``text``/``varchar``/``jsonb`` cannot hold a NUL character (``\\u0000``), and a lone
UTF-16 surrogate (``\\ud800`` in JSON, or undecodable bytes smuggled in through
``surrogateescape``) cannot even be encoded as UTF-8 by the driver. Both used to surface as a
500 with a traceback. ``routing.parse_body`` and ``routing.parse_query`` run
:func:`check_storable` over everything a client sends, before any model sees it, so every
endpoint is covered by one rule; path parameters go through :func:`check_path_params`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import Field

from server.errors import NotFound, ValidationFailed

NUL_MESSAGE = "contains a NUL character (\\u0000), which cannot be stored"
SURROGATE_MESSAGE = "contains a lone UTF-16 surrogate, which is not valid Unicode text"
ERROR_TYPE = "unstorable_text"


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored in PostgreSQL, or None when it can."""
    if "\x00" in text:
        return NUL_MESSAGE
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def find_unstorable(value: Any, path: str = "") -> tuple[str, str] | None:
    """The first (dotted field path, reason) of unstorable text in JSON-like ``value`` (keys included)."""
    if isinstance(value, str):
        reason = text_problem(value)
        return (path or "body", reason) if reason else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = _join(path, key)
            if isinstance(key, str) and (reason := text_problem(key)):
                return where, f"the field name {reason}"
            if (found := find_unstorable(item, where)) is not None:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if (found := find_unstorable(item, _join(path, index))) is not None:
                return found
    return None


def check_storable(value: Any, *, location: str) -> None:
    """Raise a 422 ``ValidationFailed`` naming the field when ``value`` holds text PostgreSQL cannot store.

    ``location`` ("body", "query", "path", "csv") is reported with the field so a client can tell a
    query parameter from a body field of the same name.
    """
    found = find_unstorable(value)
    if found is None:
        return
    field, reason = found
    raise ValidationFailed(f"{location} field {field!r} {reason}", errors=[
        {"field": field, "in": location, "message": reason, "type": ERROR_TYPE}])


def check_path_params(params: Mapping[str, str], names: Iterable[str] | None = None) -> None:
    """The guard for path parameters (``request.match_info``): a 404 naming the parameter.

    A path names a resource; one whose identifier cannot even be stored names nothing, so it is
    "not found" (as any other malformed id is), not a validation failure.
    """
    wanted = set(names) if names is not None else None
    found = find_unstorable({k: v for k, v in params.items() if wanted is None or k in wanted})
    if found is not None:
        raise NotFound(f"no such resource: path parameter {found[0]!r} {found[1]}")


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(**constraints: Any) -> Any:
    """A field for a NOT NULL column that a request may leave out but not set to ``null``.

    Use it typed without ``None``: ``priority: int = omittable(ge=1)``. An explicit ``null`` is a 422;
    an unsent field holds a ``None`` placeholder that is never written (handlers write
    ``model_fields_set`` only) and is not advertised as a default in the OpenAPI document.
    """
    return Field(default=None, json_schema_extra=_drop_default, **constraints)
