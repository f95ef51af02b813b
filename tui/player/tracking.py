"""Playback tracking: position reports (ordered by ``seq``) and engagement events sent in batches."""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime
from typing import Any

from tui.api import ApiClient
from tui.errors import ApiError
from tui.payloads import Completion, PositionAck

log = logging.getLogger(__name__)

MAX_BATCH = 100
MAX_PENDING = 500


class PlaybackTracker:
    """Reports for one playback session of one profile."""

    def __init__(self, *, api: ApiClient, profile_id: str, session_id: str, content_id: str,
                 episode_id: str | None) -> None:
        """Track ``session_id``."""
        self.api = api
        self.ids: dict[str, Any] = {"session_id": session_id, "profile_id": profile_id, "content_id": content_id,
                                    "episode_id": episode_id}
        self.pending: list[dict[str, Any]] = []
        self._seq = itertools.count(int(datetime.now(UTC).timestamp() * 1000))

    def event(self, kind: str, *, position_s: float | None = None, **payload: Any) -> None:
        """Queue an event (play, pause, seek, stall, quality_change, stream_start…)."""
        ev: dict[str, Any] = {"type": kind, "client_ts": datetime.now(UTC).isoformat(),
                              "content_id": self.ids["content_id"], "session_id": self.ids["session_id"],
                              "payload": payload}
        if self.ids["episode_id"]:
            ev["episode_id"] = self.ids["episode_id"]
        if position_s is not None and position_s >= 0:
            ev["position_seconds"] = round(position_s, 3)
        self.pending.append(ev)
        del self.pending[:-MAX_PENDING]

    async def flush(self) -> int:
        """Send the queued events; they stay queued (and an ApiError is raised) when sending fails."""
        sent = 0
        while self.pending:
            batch = self.pending[:MAX_BATCH]
            try:
                await self.api.send_events(batch, profile_id=self.ids["profile_id"])
            except ApiError as err:
                if err.status == 422:  # a malformed event would block the queue forever: drop the batch
                    log.warning("events refused: %s", err)
                    del self.pending[:len(batch)]
                    continue
                raise
            del self.pending[:len(batch)]
            sent += len(batch)
        return sent

    async def position(self, *, position_s: float, duration_s: float, quality: str | None) -> PositionAck:
        """Report the position."""
        return await self.api.playback_position(
            **self.ids, position_seconds=max(0.0, min(position_s, duration_s)), duration_seconds=duration_s,
            quality=quality, seq=next(self._seq))

    async def complete(self, *, watched_s: float, completion_rate: float) -> Completion:
        """Mark the title completed; the answer may name the next episode."""
        return await self.api.playback_complete(
            **self.ids, watch_duration_seconds=max(0.0, watched_s),
            completion_rate=max(0.0, min(100.0, completion_rate)), seq=next(self._seq))
