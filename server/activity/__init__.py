"""Viewing activity: positions, continue watching, history, watchlist, engagement events."""

from server.activity.events import record_event
from server.activity.keys import ACTIVITY_STORE, POSITION_CACHE
from server.activity.store import ActivityStore, EngagementEvent, PositionUpdate, ViewingSession, WatchItem

__all__ = [
    "ACTIVITY_STORE",
    "POSITION_CACHE",
    "ActivityStore",
    "EngagementEvent",
    "PositionUpdate",
    "ViewingSession",
    "WatchItem",
    "record_event",
]
