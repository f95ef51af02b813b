"""Playback tracking: sessions, ordered position reports and completion, Redis first then the store.

Write-through: an update goes to the Redis compare-and-set first; only when Redis applied it is it
written to the durable store, whose upsert carries the same ordering guard. Each layer therefore
converges on the update with the highest ``(session_rank, seq)`` whatever the arrival order.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from server.activity.positions import NO_SEED, CachedPosition, PositionCache
from server.activity.store import ActivityStore, PositionUpdate, ViewingSession

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReportResult:
    """What a position report or completion left behind."""

    applied: bool
    completed_percentage: float
    completed: bool
    position_seconds: float


class PlaybackTracker:
    """Sessions and positions over one ActivityStore and one PositionCache."""

    def __init__(self, *, store: ActivityStore, cache: PositionCache) -> None:
        self.store = store
        self.cache = cache

    async def start(self, *, user_id: str, profile_id: str, content_id: str, episode_id: str | None,
                    device_type: str) -> tuple[ViewingSession, float]:
        """Create a viewing session; return it and the resume position (0 when completed or new)."""
        rank = await self.cache.now_us()
        session = ViewingSession(id=str(uuid.uuid4()), user_id=user_id, profile_id=profile_id, content_id=content_id,
                                 episode_id=episode_id, device_type=device_type, rank=rank,
                                 created_at=datetime.now(UTC))
        await self.store.create_session(session)
        return session, await self.resume_position(user_id=user_id, profile_id=profile_id, content_id=content_id,
                                                   episode_id=episode_id)

    async def resume_position(self, *, user_id: str, profile_id: str, content_id: str,
                              episode_id: str | None) -> float:
        """Last position of the item unless it was completed; Redis first, the store on a miss."""
        cached = await self.cache.get(user_id=user_id, profile_id=profile_id, content_id=content_id,
                                      episode_id=episode_id)
        if cached is not None:
            return 0.0 if cached.completed else cached.position_seconds
        item = await self.store.get_position(profile_id=profile_id, content_id=content_id, episode_id=episode_id)
        if item is None or item.completed:
            return 0.0
        return item.position_seconds

    async def _apply(self, *, user_id: str, update: PositionUpdate) -> tuple[bool, CachedPosition | None]:
        result = await self.cache.compare_and_set(user_id=user_id, update=update)
        if result.status == "missing":
            item = await self.store.get_position(profile_id=update.profile_id, content_id=update.content_id,
                                                 episode_id=update.episode_id)
            seed = CachedPosition.from_item(item).to_json() if item is not None else NO_SEED
            result = await self.cache.compare_and_set(user_id=user_id, update=update, seed=seed)
        if result.status != "applied":
            return False, result.current
        if not await self.store.apply_position(update):
            log.debug("store kept a newer position", extra={"profile_id": update.profile_id,
                                                            "content_id": update.content_id})
        return True, result.current

    async def report(self, *, user_id: str, session: ViewingSession, position_seconds: float,
                     duration_seconds: float, quality: str | None, seq: int | None) -> ReportResult:
        """Apply one position report of ``session``; stale and duplicate reports change nothing."""
        order = seq if seq is not None else await self.cache.now_us() // 1000
        now = datetime.now(UTC)
        update = PositionUpdate(profile_id=session.profile_id, content_id=session.content_id,
                                episode_id=session.episode_id, position_seconds=position_seconds,
                                duration_seconds=duration_seconds, session_rank=session.rank, seq=order, at=now,
                                quality=quality, device_type=session.device_type)
        applied, current = await self._apply(user_id=user_id, update=update)
        if applied:
            await self.store.touch_session(session_id=session.id, position_seconds=position_seconds,
                                           duration_seconds=duration_seconds, quality=quality, seq=order, at=now)
            return ReportResult(applied=True, completed_percentage=update.completion_rate,
                                completed=update.is_completed, position_seconds=position_seconds)
        assert current is not None
        return ReportResult(applied=False, completed_percentage=current.completion_rate, completed=current.completed,
                            position_seconds=current.position_seconds)

    async def complete(self, *, user_id: str, session: ViewingSession, duration_seconds: float,
                       watch_duration_seconds: float | None, seq: int | None) -> ReportResult:
        """Mark the session's item completed; ordered after every report of the session seen so far."""
        cached = await self.cache.get(user_id=user_id, profile_id=session.profile_id,
                                      content_id=session.content_id, episode_id=session.episode_id)
        seen = cached.seq if cached is not None and cached.session_rank == session.rank else session.seq
        order = max(seq or 0, seen + 1)
        now = datetime.now(UTC)
        update = PositionUpdate(profile_id=session.profile_id, content_id=session.content_id,
                                episode_id=session.episode_id, position_seconds=duration_seconds,
                                duration_seconds=duration_seconds, session_rank=session.rank, seq=order, at=now,
                                device_type=session.device_type, completed=True,
                                watch_duration_seconds=watch_duration_seconds)
        applied, _ = await self._apply(user_id=user_id, update=update)
        await self.store.touch_session(session_id=session.id, position_seconds=duration_seconds,
                                       duration_seconds=duration_seconds, quality=None, seq=order, at=now,
                                       completed=True)
        return ReportResult(applied=applied, completed_percentage=100.0, completed=True,
                            position_seconds=duration_seconds)

    async def clear_history(self, *, user_id: str, profile_id: str) -> int:
        """Forget the profile's history in the store and its cached positions."""
        removed = await self.store.clear_history(profile_id=profile_id)
        await self.cache.forget_profile(user_id=user_id, profile_id=profile_id)
        return removed
