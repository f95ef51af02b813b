"""Typed application keys of the activity area."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from server.activity.positions import PositionCache
    from server.activity.store import ActivityStore
    from server.activity.tracking import PlaybackTracker

ACTIVITY_STORE: web.AppKey[ActivityStore] = web.AppKey("activity_store")
POSITION_CACHE: web.AppKey[PositionCache] = web.AppKey("position_cache")
TRACKER: web.AppKey[PlaybackTracker] = web.AppKey("playback_tracker")
