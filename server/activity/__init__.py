"""Viewing activity: positions, continue watching, history, watchlist, engagement events."""

from server.activity.events import record_event
from server.activity.store import ActivityStore, EngagementEvent, PositionUpdate, ViewingSession, WatchItem

__all__ = [
    "ActivityStore",
    "EngagementEvent",
    "PositionUpdate",
    "ViewingSession",
    "WatchItem",
    "record_event",
]
