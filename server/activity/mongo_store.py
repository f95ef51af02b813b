"""ActivityStore on MongoDB through pymongo's ``AsyncMongoClient`` (used when ``OTT_MONGO_URL`` is set)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from server.activity import mongo_queries as q
from server.activity.store import (
    CoWatched,
    EngagementEvent,
    PositionUpdate,
    TrendingAggregate,
    ViewingSession,
    WatchItem,
    WatchlistEntry,
)

log = logging.getLogger(__name__)

def _item(doc: dict[str, Any]) -> WatchItem:
    return WatchItem(
        profile_id=doc["profile_id"], content_id=doc["content_id"], episode_id=doc.get("episode_id"),
        position_seconds=doc["position_seconds"], duration_seconds=doc["duration_seconds"],
        watch_duration_seconds=doc.get("watch_duration_seconds", 0.0), completed=doc["completed"],
        completion_rate=doc["completion_rate"], started_at=doc["started_at"], last_watched_at=doc["last_watched_at"],
        dismissed=doc.get("dismissed", False), session_rank=doc["session_rank"], seq=doc["seq"],
        quality=doc.get("quality"), device_type=doc.get("device_type"))


class MongoActivityStore:
    """Activity in a MongoDB database (the database named in the URL, else ``ott``)."""

    backend = "mongo"

    def __init__(self, *, url: str, database: str | None = None) -> None:
        self._client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            url, tz_aware=True, uuidRepresentation="standard", serverSelectionTimeoutMS=5000)
        default = self._client.get_default_database(default=database or "ott")
        self._db = self._client[database] if database else default

    async def open(self) -> None:
        """Create the collections' indexes (spec §5.2); idempotent."""
        for name, indexes in q.INDEXES.items():
            for keys, options in indexes:
                await self._db[name].create_index(keys, **options)

    async def close(self) -> None:
        """Close the client."""
        await self._client.close()

    async def drop_all(self) -> None:
        """Empty every collection (tests)."""
        for name in q.INDEXES:
            await self._db[name].delete_many({})

    async def create_session(self, session: ViewingSession) -> None:
        """Insert a viewing session document."""
        await self._db.viewing_sessions.insert_one(q.session_document(session))

    async def get_session(self, *, session_id: str) -> ViewingSession | None:
        """The session, or None."""
        doc = await self._db.viewing_sessions.find_one({"_id": session_id})
        return q.session_from_document(doc) if doc else None

    async def touch_session(self, *, session_id: str, position_seconds: float, duration_seconds: float,
                            quality: str | None, seq: int, at: datetime, completed: bool = False) -> bool:
        """Move the session's position when ``seq`` is newer."""
        flt, update = q.touch_session_ops(session_id=session_id, position_seconds=position_seconds,
                                          duration_seconds=duration_seconds, quality=quality, seq=seq, at=at,
                                          completed=completed)
        result = await self._db.viewing_sessions.update_one(flt, update)
        return result.matched_count == 1

    async def apply_position(self, update: PositionUpdate) -> bool:
        """Guarded upsert; a newer stored key makes the upsert collide with the unique index (not applied)."""
        coll = self._db.watch_history
        for upsert in (True, False):
            try:
                result = await coll.update_one(q.position_filter(update), q.position_update(update), upsert=upsert)
            except DuplicateKeyError:
                continue  # the item exists: retry once as a plain guarded update (a racing first insert)
            return result.matched_count == 1 or result.upserted_id is not None
        return False

    async def get_position(self, *, profile_id: str, content_id: str, episode_id: str | None) -> WatchItem | None:
        """The stored item, or None."""
        doc = await self._db.watch_history.find_one(
            q.item_key(profile_id=profile_id, content_id=content_id, episode_id=episode_id))
        return _item(doc) if doc else None

    async def continue_watching(self, *, profile_id: str, limit: int) -> list[WatchItem]:
        """Unfinished, undismissed titles, most recent first."""
        cursor = await self._db.watch_history.aggregate(q.continue_watching_pipeline(profile_id=profile_id,
                                                                                     limit=limit))
        return [_item(doc) async for doc in cursor]

    async def dismiss(self, *, profile_id: str, content_id: str) -> int:
        """Mark every item of the title dismissed."""
        result = await self._db.watch_history.update_many({"profile_id": profile_id, "content_id": content_id},
                                                          {"$set": {"dismissed": True}})
        return result.matched_count

    async def history(self, *, profile_id: str, since: datetime | None, until: datetime | None,
                      offset: int, limit: int) -> tuple[list[WatchItem], int]:
        """A page of items in the window, most recent first, and the total."""
        flt = q.history_filter(profile_id=profile_id, since=since, until=until)
        total = await self._db.watch_history.count_documents(flt)
        cursor = self._db.watch_history.find(flt).sort([("last_watched_at", -1), ("_id", -1)]).skip(offset)
        docs = await cursor.limit(limit).to_list()
        return [_item(d) for d in docs], total

    async def clear_history(self, *, profile_id: str) -> int:
        """Delete every item of the profile."""
        result = await self._db.watch_history.delete_many({"profile_id": profile_id})
        return result.deleted_count

    async def watchlist_add(self, *, profile_id: str, content_id: str, at: datetime) -> bool:
        """Push the title into user_preferences.watchlist unless present."""
        prefs = self._db.user_preferences
        with contextlib.suppress(DuplicateKeyError):  # created concurrently: fine
            await prefs.update_one({"profile_id": profile_id},
                                   {"$setOnInsert": {"watchlist": [], "updated_at": at}}, upsert=True)
        flt, update = q.watchlist_add_ops(profile_id=profile_id, content_id=content_id, at=at)
        result = await prefs.update_one(flt, update)
        return result.modified_count == 1

    async def watchlist_remove(self, *, profile_id: str, content_id: str) -> bool:
        """Pull the title from the list."""
        flt, update = q.watchlist_remove_ops(profile_id=profile_id, content_id=content_id)
        result = await self._db.user_preferences.update_one(flt, update)
        return result.modified_count == 1

    async def watchlist(self, *, profile_id: str) -> list[WatchlistEntry]:
        """Most recently added first."""
        doc = await self._db.user_preferences.find_one({"profile_id": profile_id})
        entries = [WatchlistEntry(content_id=e["content_id"], added_at=e["added_at"])
                   for e in (doc or {}).get("watchlist", [])]
        return sorted(entries, key=lambda e: (-e.added_at.timestamp(), e.content_id))

    async def add_events(self, events: Sequence[EngagementEvent]) -> int:
        """Insert the batch."""
        if not events:
            return 0
        result = await self._db.engagement_events.insert_many([q.event_document(e) for e in events], ordered=False)
        return len(result.inserted_ids)

    async def events(self, *, session_id: str | None = None, profile_id: str | None = None,
                     limit: int = 1000) -> list[EngagementEvent]:
        """Events filtered by session and/or profile, oldest first."""
        cursor = self._db.engagement_events.find(q.events_filter(session_id=session_id, profile_id=profile_id))
        docs = await cursor.sort([("timestamp", 1), ("_id", 1)]).limit(limit).to_list()
        return [q.event_from_document(d) for d in docs]

    async def trending(self, *, since: datetime, limit: int) -> list[TrendingAggregate]:
        """Distinct viewers per title since ``since``."""
        cursor = await self._db.watch_history.aggregate(q.trending_pipeline(since=since, limit=limit))
        return [TrendingAggregate(content_id=d["content_id"], views=d["views"], completions=d["completions"],
                                  avg_completion_rate=round(d.get("avg_completion_rate") or 0.0, 1))
                async for d in cursor]

    async def co_watched(self, *, content_ids: Sequence[str], exclude_profile_id: str,
                         limit: int) -> list[CoWatched]:
        """Co-occurrence of titles in other profiles' histories (a self-lookup on ``watch_history``)."""
        cursor = await self._db.watch_history.aggregate(q.co_watched_pipeline(
            content_ids=list(content_ids), exclude_profile_id=exclude_profile_id, limit=limit))
        return [CoWatched(seed=d["_id"]["seed"], other=d["_id"]["other"], profiles=d["profiles"]) async for d in cursor]
