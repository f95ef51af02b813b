"""The one list convention of the API: ``page``/``limit`` in, ``{"<plural>": [...], "pagination": {...}}`` out.

Paged collections take ``page`` (from 1) and ``limit`` (1 to 100, default 20) and answer their items
under a plural noun next to ``pagination`` = ``{page, limit, total, total_pages}``. Date filters
accept an ISO date (``2020-01-01``, the whole day in UTC) as well as a date-time with a zone.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field, WithJsonSchema

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


class Pagination(BaseModel):
    """Where a page sits in the whole list."""

    page: int = Field(ge=1, description="this page, from 1")
    limit: int = Field(ge=1, le=MAX_LIMIT, description="items per page")
    total: int = Field(ge=0, description="items in the whole list")
    total_pages: int = Field(ge=0, description="pages in the whole list (0 when it is empty)")


class PageParams(BaseModel):
    """``page`` and ``limit`` of a paged list (mix into a query model)."""

    page: int = Field(default=1, ge=1, le=100_000, description="page number, from 1")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="items per page")

    @property
    def offset(self) -> int:
        """Rows to skip before this page."""
        return (self.page - 1) * self.limit


def pagination(*, page: int, limit: int, total: int) -> dict[str, int]:
    """The ``pagination`` object of a page."""
    return {"page": page, "limit": limit, "total": total, "total_pages": math.ceil(total / limit) if total else 0}


def _day_start(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10:
        try:
            return datetime.combine(date.fromisoformat(value), time.min, tzinfo=UTC)
        except ValueError:
            return value
    return value


def _day_end(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10:
        try:
            return datetime.combine(date.fromisoformat(value) + timedelta(days=1), time.min, tzinfo=UTC) \
                - timedelta(microseconds=1)
        except ValueError:
            return value
    return value


#: A range start: a zoned date-time, or a date meaning 00:00 UTC of that day.
_DATE_OR_TIME = WithJsonSchema({"anyOf": [{"type": "string", "format": "date"},
                                          {"type": "string", "format": "date-time"}]})
FromDate = Annotated[AwareDatetime, BeforeValidator(_day_start), _DATE_OR_TIME]
#: A range end: a zoned date-time, or a date meaning the last instant of that day (UTC), inclusive.
ToDate = Annotated[AwareDatetime, BeforeValidator(_day_end), _DATE_OR_TIME]
