"""Query and response models of the analytics endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from server.listing import FromDate, ToDate

MAX_RANGE = timedelta(days=366)


class RangeQuery(BaseModel):
    """``from``/``to`` (ISO dates, or date-times with a zone); default: the last 30 days.

    A date-time ``to`` is exclusive; a date ``to`` includes that whole day (UTC).
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: FromDate | None = Field(default=None, alias="from")
    to: ToDate | None = None
    top: int = Field(default=10, ge=1, le=100, description="overview: how many top titles")

    @model_validator(mode="after")
    def _range(self) -> RangeQuery:
        if self.to is None:
            self.to = datetime.now(UTC)
        if self.from_ is None:
            self.from_ = self.to - timedelta(days=30)
        if self.from_ >= self.to:
            raise ValueError("from must be before to")
        if self.to - self.from_ > MAX_RANGE:
            raise ValueError("the range is at most 366 days")
        return self

    @property
    def since(self) -> datetime:
        """Start of the range (inclusive)."""
        assert self.from_ is not None
        return self.from_

    @property
    def until(self) -> datetime:
        """End of the range (exclusive)."""
        assert self.to is not None
        return self.to


class Percentiles(BaseModel):
    """Count and p50/p95 of a measurement (None without samples)."""

    count: int
    p50: float | None
    p95: float | None


class Rebuffering(BaseModel):
    """Stalls: how many, how long (ms), per session, and stalled time ÷ watched time."""

    stalls: int
    sessions_with_stalls: int
    duration_ms: Percentiles
    stalled_seconds: float
    rebuffer_ratio: float | None


class Revenue(BaseModel):
    """AVOD vs SVOD attribution (paise) and how it was computed."""

    svod_views: int
    avod_views: int
    svod_paise: int
    avod_paise: int
    ad_impressions: int
    method: str


class Figures(BaseModel):
    """Viewing figures over a range."""

    views: int
    unique_viewers: int
    watch_time_seconds: float
    average_watch_time_seconds: float | None
    completions: int
    completion_rate: float | None
    devices: dict[str, int]
    countries: dict[str, int]
    stream_start_ms: Percentiles
    rebuffering: Rebuffering
    quality_changes: int
    revenue: Revenue


class ContentAnalyticsOut(BaseModel):
    """One title's figures."""

    content_id: str
    title: str
    since: datetime
    until: datetime
    figures: Figures


class TopTitle(BaseModel):
    """A title among the most viewed."""

    content_id: str
    title: str | None
    views: int


class OverviewOut(BaseModel):
    """Platform-wide figures and the most viewed titles."""

    since: datetime
    until: datetime
    figures: Figures
    top_titles: list[TopTitle]
