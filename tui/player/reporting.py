"""Position and analytics reporting of one play: when to report, what to send, how outages are shown.

Position reports go every :data:`POSITION_EVERY_S` and engagement events are flushed every
:data:`EVENTS_EVERY_S`; each runs as one exclusive background job so reports never overtake each
other. A failed call marks the server unreachable (one notification per outage, playback continues
from mpv's buffer) and the next successful one marks it back.

Outages lose nothing: events stay queued, and while the server is unreachable the latest position is
re-sent every :data:`RETRY_S`; the first one that gets through also flushes the queued events. Every
report carries the next number of one monotonic sequence (``seq``), so the server never lets an older
report overwrite a newer one, and the screen only reports positions mpv actually played (never the
0 of a player that lost its stream).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from tui.api import ApiClient
from tui.errors import ApiError
from tui.payloads import Completion, PlaybackSession
from tui.player.tracking import PlaybackTracker

log = logging.getLogger(__name__)

POSITION_EVERY_S = 10.0
EVENTS_EVERY_S = 10.0
RETRY_S = 2.0
Spawn = Callable[[Coroutine[Any, Any, None], str], None]
Notify = Callable[[str, str], None]


class PlaybackReporter:
    """Sends one playback session's position reports, events and completion; tracks server reachability."""

    def __init__(self, *, api: ApiClient, profile_id: str, session: PlaybackSession, content_id: str,
                 episode_id: str | None, spawn: Spawn, notify: Notify) -> None:
        """Report for ``session``; ``spawn(work, group)`` runs a background job, ``notify(text, severity)``
        tells the viewer."""
        self.tracker = PlaybackTracker(api=api, profile_id=profile_id, session_id=session.session_id,
                                       content_id=content_id, episode_id=episode_id)
        self.spawn = spawn
        self.notify = notify
        self.server_ok = True
        self.last_position_report = 0.0
        self.last_events_flush = 0.0

    def event(self, kind: str, *, position_s: float | None = None, **payload: Any) -> None:
        """Queue an engagement event (sent with the next flush)."""
        self.tracker.event(kind, position_s=position_s, **payload)

    def tick(self, *, now: float, position_s: float, duration_s: float, quality: str | None) -> None:
        """Report the position and flush events when they are due (sooner while the server is away)."""
        every = POSITION_EVERY_S if self.server_ok else RETRY_S
        if duration_s > 0 and now - self.last_position_report >= every:
            self.last_position_report = now
            self.spawn(self._report_position(position_s, duration_s, quality), "position")
        if self.tracker.pending and now - self.last_events_flush >= EVENTS_EVERY_S:
            self.last_events_flush = now
            self.spawn(self._flush_events(), "events")

    async def _report_position(self, position_s: float, duration_s: float, quality: str | None) -> None:
        try:
            await self.tracker.position(position_s=position_s, duration_s=duration_s, quality=quality)
        except ApiError as err:
            self.failed(err, doing="save your position")
            return
        self.back()

    async def _flush_events(self) -> None:
        try:
            await self.tracker.flush()
        except ApiError as err:
            self.failed(err, doing="send playback events")
            return
        self.back()

    async def complete(self, *, watched_s: float) -> Completion | None:
        """Send the events and mark the title complete; None when the server could not be reached."""
        try:
            await self.tracker.flush()
            answer = await self.tracker.complete(watched_s=watched_s, completion_rate=100.0)
        except ApiError as err:
            self.failed(err, doing="mark the title watched")
            return None
        return answer

    async def finish(self, *, position_s: float, duration_s: float, quality: str | None, ended: bool) -> None:
        """The last reports when the viewer leaves: the position (unless completed) and the events."""
        try:
            if duration_s > 0 and not ended:
                await self.tracker.position(position_s=position_s, duration_s=duration_s, quality=quality)
            await self.tracker.flush()
        except ApiError as err:
            log.info("final reports failed: %s", err)

    # ------------------------------------------------------------------ reachability
    def failed(self, err: ApiError, *, doing: str) -> None:
        """A call failed: notify once per outage; playback continues from what mpv has."""
        if self.server_ok:
            self.server_ok = False
            self.notify(f"Could not {doing}: {err.user_message()} Playback continues from the buffer.", "warning")

    def back(self) -> None:
        """A call succeeded: the server is reachable (said once after an outage; queued events go now)."""
        if not self.server_ok:
            self.server_ok = True
            self.notify("Server reachable again.", "information")
            self.last_position_report = 0.0  # the position kept during the outage goes with the next tick
            if self.tracker.pending:
                self.spawn(self._flush_events(), "events")
