"""Request and response models of the playback and activity endpoints."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from server.activity.store import EventType
from server.listing import FromDate, Pagination, ToDate

MAX_SEQ = 2**53 - 1
MAX_EVENTS_PER_BATCH = 500
MAX_PAYLOAD_BYTES = 4096
Quality = Field(default=None, pattern=r"^(auto|\d{3,4}p)$", max_length=8)
DeviceType = Literal["web", "mobile", "tv", "tui", "desktop", "loadtest", "unknown"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class PlaybackStartIn(_In):
    """Start playing a movie, sports replay or (with ``episode_id``) an episode."""

    profile_id: UUID
    content_id: UUID
    episode_id: UUID | None = None
    device_type: DeviceType = "unknown"


class AdBreak(BaseModel):
    """One ad to play around the content; ``ad_id`` keys its VAST document and tracking beacons."""

    type: Literal["pre-roll", "mid-roll", "post-roll"]
    ad_id: str | None = None
    url: str
    duration: float
    skip_after: float | None = None
    offset_seconds: float | None = None
    vast_url: str | None = None


class PlaybackStartOut(BaseModel):
    """The new session, where to resume and the ads to play (none yet)."""

    session_id: str
    content_id: str
    episode_id: str | None
    title: str
    duration_s: float
    resume_position: float
    ads: list[AdBreak] = Field(default_factory=list)


class PositionIn(_In):
    """A position report (every ~10 s). ``seq`` orders reports of one session: a higher one wins.

    ``seq`` is a client sequence number or client timestamp in ms; without it the server's arrival
    time orders the reports.
    """

    session_id: UUID
    profile_id: UUID
    content_id: UUID
    episode_id: UUID | None = None
    position_seconds: float = Field(ge=0, le=7 * 24 * 3600)
    duration_seconds: float = Field(gt=0, le=7 * 24 * 3600)
    quality: str | None = Quality
    seq: int | None = Field(default=None, ge=0, le=MAX_SEQ)


class PositionOut(BaseModel):
    """``applied`` is false for a stale or duplicate report; the percentage is then the current one."""

    success: bool
    applied: bool
    completed: bool
    completed_percentage: float
    position_seconds: float


class CompleteIn(_In):
    """The viewer finished the item."""

    session_id: UUID
    profile_id: UUID
    content_id: UUID
    episode_id: UUID | None = None
    watch_duration_seconds: float | None = Field(default=None, ge=0, le=7 * 24 * 3600)
    completion_rate: float | None = Field(default=None, ge=0, le=100)
    seq: int | None = Field(default=None, ge=0, le=MAX_SEQ)


class NextEpisode(BaseModel):
    """The episode to offer after a completed one."""

    id: str
    title: str
    season_number: int
    episode_number: int
    thumbnail_url: str | None


class CompleteOut(BaseModel):
    """Completion recorded; ``next_episode`` for shows that have one, else null."""

    success: bool
    next_episode: NextEpisode | None


class ProfileQuery(_In):
    """A profile of the caller's account."""

    profile_id: UUID


class ContinueWatchingQuery(ProfileQuery):
    """Continue watching: at most 20 items."""

    limit: int = Field(default=20, ge=1, le=20)


class ContinueWatchingItem(BaseModel):
    """An unfinished title with its progress."""

    content_id: str
    episode_id: str | None
    title: str
    episode_title: str | None
    season_number: int | None
    episode_number: int | None
    thumbnail_url: str | None
    position_seconds: float
    duration_seconds: float
    progress_percentage: float
    last_watched: datetime


class ContinueWatchingOut(BaseModel):
    """Most recently watched first."""

    items: list[ContinueWatchingItem]


class HistoryQuery(ProfileQuery):
    """A page of the history, optionally within a date range (ISO dates, or date-times with a zone)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    page: int = Field(default=1, ge=1, le=100_000, description="page number, from 1")
    limit: int = Field(default=20, ge=1, le=100, description="items per page")
    since: FromDate | None = Field(default=None, alias="from", description="watched on or after (a date: 00:00 UTC)")
    until: ToDate | None = Field(default=None, alias="to", description="watched on or before (a date: the whole day)")

    @model_validator(mode="after")
    def _range(self) -> HistoryQuery:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError("'from' must not be after 'to'")
        return self


class HistoryItem(BaseModel):
    """One watched item."""

    content_id: str
    episode_id: str | None
    title: str | None
    episode_title: str | None
    thumbnail_url: str | None
    watched_at: datetime
    completed: bool
    completion_rate: float
    position_seconds: float
    duration_seconds: float
    watch_duration_seconds: float


class HistoryOut(BaseModel):
    """Most recently watched first."""

    history: list[HistoryItem]
    pagination: Pagination


class ClearedOut(BaseModel):
    """History cleared."""

    success: bool
    removed: int


class WatchlistIn(_In):
    """Add a title to a profile's watchlist."""

    profile_id: UUID
    content_id: UUID


class WatchlistAddOut(BaseModel):
    """201 when added, 200 when it already was on the list."""

    success: bool
    message: str
    content_id: str


class WatchlistItem(BaseModel):
    """A title on the watchlist."""

    content_id: str
    title: str | None
    type: str | None
    poster_url: str | None
    added_at: datetime


class WatchlistOut(BaseModel):
    """Most recently added first."""

    watchlist: list[WatchlistItem]


class EventIn(_In):
    """One engagement event; ``payload`` carries type-specific details.

    quality_change needs ``from`` and ``to`` (and may give ``reason``); stall needs ``duration_ms``;
    stream_start needs ``stream_start_ms``.
    """

    type: EventType
    client_ts: AwareDatetime
    content_id: UUID
    session_id: UUID | None = None
    episode_id: UUID | None = None
    position_seconds: float | None = Field(default=None, ge=0)
    payload: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _payload(self) -> EventIn:
        try:
            text = json.dumps(self.payload, allow_nan=False)
        except ValueError as err:
            raise ValueError("payload must be finite JSON (no NaN or Infinity)") from err
        if len(text) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"payload larger than {MAX_PAYLOAD_BYTES} bytes")
        if "\\u0000" in text:
            raise ValueError("payload strings must not contain NUL characters")
        p = self.payload
        if self.type == "quality_change":
            for name in ("from", "to"):
                if not isinstance(p.get(name), str) or not p[name]:
                    raise ValueError(f"quality_change needs payload.{name} (a rendition name)")
        elif self.type == "stall":
            _need_ms(p, "duration_ms", self.type)
        elif self.type == "stream_start":
            _need_ms(p, "stream_start_ms", self.type)
        return self


def _need_ms(payload: dict[str, Any], name: str, kind: str) -> None:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 86_400_000:
        raise ValueError(f"{kind} needs payload.{name} (milliseconds, 0 to 1 day)")


class EventsIn(_In):
    """A batch of events of one profile (1 to 500)."""

    profile_id: UUID
    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS_PER_BATCH)


class EventsOut(BaseModel):
    """Accepted for storage."""

    accepted: int
