"""The one interface every activity backend implements, and the records it exchanges.

PostgreSQL (``postgres_store``) is the default; MongoDB (``mongo_store``) is used when
``OTT_MONGO_URL`` is set. Both pass the same contract suite (tests/activity).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

EventType = Literal[
    "play", "pause", "resume", "seek", "rewind", "stall", "quality_change", "abandon", "complete",
    "stream_start", "error", "ad_start", "ad_quartile", "ad_complete", "ad_skip", "ad_click",
]
EVENT_TYPES: frozenset[str] = frozenset(EventType.__args__)  # type: ignore[attr-defined]
COMPLETED_AT_PERCENT = 90.0
"""A title counts as watched (completed) from this percentage on (spec FR-VP-004)."""


def completion_percent(*, position_seconds: float, duration_seconds: float) -> float:
    """Position as a percentage of duration, clamped to 0-100 and rounded to 0.1."""
    if duration_seconds <= 0:
        return 0.0
    return round(min(100.0, max(0.0, position_seconds * 100.0 / duration_seconds)), 1)


@dataclass(frozen=True, slots=True)
class PositionUpdate:
    """One playback position report, ordered by ``(session_rank, seq)``: a lower key is stale."""

    profile_id: str
    content_id: str
    episode_id: str | None
    position_seconds: float
    duration_seconds: float
    session_rank: int
    seq: int
    at: datetime
    quality: str | None = None
    device_type: str | None = None
    completed: bool | None = None
    watch_duration_seconds: float | None = None

    @property
    def completion_rate(self) -> float:
        """Percentage watched, 0-100."""
        return completion_percent(position_seconds=self.position_seconds, duration_seconds=self.duration_seconds)

    @property
    def is_completed(self) -> bool:
        """Explicit ``completed`` if given, else whether the rate reached 90 %."""
        return self.completed if self.completed is not None else self.completion_rate >= COMPLETED_AT_PERCENT


@dataclass(frozen=True, slots=True)
class WatchItem:
    """The latest state of one (profile, content, episode): position, completion, dismissal."""

    profile_id: str
    content_id: str
    episode_id: str | None
    position_seconds: float
    duration_seconds: float
    watch_duration_seconds: float
    completed: bool
    completion_rate: float
    started_at: datetime
    last_watched_at: datetime
    dismissed: bool
    session_rank: int
    seq: int
    quality: str | None = None
    device_type: str | None = None


@dataclass(frozen=True, slots=True)
class ViewingSession:
    """One playback session created by ``playback/start``; ``rank`` orders sessions (newer wins)."""

    id: str
    user_id: str
    profile_id: str
    content_id: str
    episode_id: str | None
    device_type: str
    rank: int
    created_at: datetime
    position_seconds: float = 0.0
    duration_seconds: float = 0.0
    completed_percentage: float = 0.0
    quality: str | None = None
    seq: int = 0
    last_updated: datetime | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class EngagementEvent:
    """One engagement event (play, stall, quality_change...), with a free-form payload."""

    type: str
    profile_id: str
    content_id: str
    at: datetime
    session_id: str | None = None
    episode_id: str | None = None
    position_seconds: float | None = None
    client_ts: datetime | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WatchlistEntry:
    """A title on a profile's watchlist."""

    content_id: str
    added_at: datetime


@dataclass(frozen=True, slots=True)
class TrendingAggregate:
    """Per-title viewing figures over a window: distinct viewers, completions, mean completion."""

    content_id: str
    views: int
    completions: int
    avg_completion_rate: float


@dataclass(frozen=True, slots=True)
class CoWatched:
    """"Viewers who watched ``seed`` also watched ``other``": how many distinct profiles did."""

    seed: str
    other: str
    profiles: int


@runtime_checkable
class ActivityStore(Protocol):
    """Durable activity storage. Every method is keyword-only past the record arguments."""

    backend: str

    async def open(self) -> None:
        """Prepare the backend (indexes); idempotent."""

    async def close(self) -> None:
        """Release connections the store owns."""

    # viewing sessions
    async def create_session(self, session: ViewingSession) -> None:
        """Record a new viewing session."""

    async def get_session(self, *, session_id: str) -> ViewingSession | None:
        """The session, or None when unknown."""

    async def touch_session(self, *, session_id: str, position_seconds: float, duration_seconds: float,
                            quality: str | None, seq: int, at: datetime, completed: bool = False) -> bool:
        """Update the session's last position if ``seq`` is newer than the last applied one."""

    # positions, continue watching, history
    async def apply_position(self, update: PositionUpdate) -> bool:
        """Upsert the (profile, content, episode) state unless a newer update was applied; True if applied."""

    async def get_position(self, *, profile_id: str, content_id: str, episode_id: str | None) -> WatchItem | None:
        """The stored state of one item, or None."""

    async def continue_watching(self, *, profile_id: str, limit: int) -> list[WatchItem]:
        """Per title, the most recent item; those under 90 % and not dismissed, most recent first."""

    async def dismiss(self, *, profile_id: str, content_id: str) -> int:
        """Hide a title from continue watching (until it is watched again); rows touched."""

    async def history(self, *, profile_id: str, since: datetime | None, until: datetime | None,
                      offset: int, limit: int) -> tuple[list[WatchItem], int]:
        """A page of items (most recent first) watched in [since, until], and the total count."""

    async def clear_history(self, *, profile_id: str) -> int:
        """Forget every item of the profile; rows removed."""

    # watchlist
    async def watchlist_add(self, *, profile_id: str, content_id: str, at: datetime) -> bool:
        """Add a title; True when it was not on the list before."""

    async def watchlist_remove(self, *, profile_id: str, content_id: str) -> bool:
        """Remove a title; True when it was on the list."""

    async def watchlist(self, *, profile_id: str) -> list[WatchlistEntry]:
        """The list, most recently added first."""

    # engagement events
    async def add_events(self, events: Sequence[EngagementEvent]) -> int:
        """Store a batch of events; number stored."""

    async def events(self, *, session_id: str | None = None, profile_id: str | None = None,
                     limit: int = 1000) -> list[EngagementEvent]:
        """Events of a session or profile, oldest first."""

    # aggregates
    async def trending(self, *, since: datetime, limit: int) -> list[TrendingAggregate]:
        """Titles by distinct viewers since ``since`` (ties: completions), with completion figures."""

    async def co_watched(self, *, content_ids: Sequence[str], exclude_profile_id: str,
                         limit: int) -> list[CoWatched]:
        """Per (seed in ``content_ids``, other title): profiles (but one) that watched both, most first."""
