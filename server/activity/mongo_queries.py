"""Pure builders of the MongoDB documents, filters, updates and pipelines the Mongo store sends.

Kept apart from the store so they are unit-tested without a server. Collections and indexes follow
spec §5.2; ``watch_history`` holds one document per (profile, content, episode) like the SQL table.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from server.activity.store import COMPLETED_AT_PERCENT, EngagementEvent, PositionUpdate, ViewingSession

Doc = dict[str, Any]

INDEXES: dict[str, list[tuple[list[tuple[str, int]], dict[str, Any]]]] = {
    "viewing_sessions": [
        ([("user_id", 1), ("profile_id", 1)], {}),
        ([("content_id", 1)], {}),
        ([("last_updated", -1)], {}),
    ],
    "watch_history": [
        ([("profile_id", 1), ("content_id", 1), ("episode_id", 1)], {"unique": True, "name": "item_uq"}),
        ([("profile_id", 1), ("last_watched_at", -1)], {}),
        ([("content_id", 1), ("last_watched_at", -1)], {}),
    ],
    "engagement_events": [
        ([("content_id", 1), ("timestamp", -1)], {}),
        ([("profile_id", 1), ("timestamp", -1)], {}),
        ([("session_id", 1), ("timestamp", 1)], {}),
    ],
    "user_preferences": [
        ([("profile_id", 1)], {"unique": True, "name": "profile_uq"}),
    ],
}
"""Collection name → [(keys, options)] created by ``MongoActivityStore.open``."""


def item_key(*, profile_id: str, content_id: str, episode_id: str | None) -> Doc:
    """The identity of one watch_history document."""
    return {"profile_id": profile_id, "content_id": content_id, "episode_id": episode_id}


def newer_than_stored(*, session_rank: int, seq: int) -> Doc:
    """Matches documents whose ordering key ``(session_rank, seq)`` is older than the given one."""
    return {"$or": [{"session_rank": {"$lt": session_rank}},
                    {"session_rank": session_rank, "seq": {"$lt": seq}}]}


def position_filter(update: PositionUpdate) -> Doc:
    """Filter of the guarded upsert: this item, only while the stored key is older."""
    return {**item_key(profile_id=update.profile_id, content_id=update.content_id, episode_id=update.episode_id),
            **newer_than_stored(session_rank=update.session_rank, seq=update.seq)}


def position_update(update: PositionUpdate) -> Doc:
    """Update document of the guarded upsert (mirrors the SQL ``ON CONFLICT`` branch)."""
    watched = update.watch_duration_seconds if update.watch_duration_seconds is not None else update.position_seconds
    fields: Doc = {
        "position_seconds": float(update.position_seconds),
        "duration_seconds": float(update.duration_seconds),
        "completed": update.is_completed,
        "completion_rate": update.completion_rate,
        "dismissed": False,
        "session_rank": update.session_rank,
        "seq": update.seq,
    }
    if update.quality is not None:
        fields["quality"] = update.quality
    if update.device_type is not None:
        fields["device_type"] = update.device_type
    return {
        "$set": fields,
        "$max": {"watch_duration_seconds": float(watched), "last_watched_at": update.at},
        "$setOnInsert": {"started_at": update.at},
    }


def continue_watching_pipeline(*, profile_id: str, limit: int) -> list[Doc]:
    """Latest item per title, then unfinished and undismissed, most recent first."""
    return [
        {"$match": {"profile_id": profile_id}},
        {"$sort": {"last_watched_at": -1, "_id": -1}},
        {"$group": {"_id": "$content_id", "doc": {"$first": "$$ROOT"}}},
        {"$replaceRoot": {"newRoot": "$doc"}},
        {"$match": {"completed": False, "dismissed": False, "completion_rate": {"$lt": COMPLETED_AT_PERCENT}}},
        {"$sort": {"last_watched_at": -1}},
        {"$limit": limit},
    ]


def history_filter(*, profile_id: str, since: datetime | None, until: datetime | None) -> Doc:
    """The profile's items watched within [since, until] (either bound optional)."""
    flt: Doc = {"profile_id": profile_id}
    window: Doc = {}
    if since is not None:
        window["$gte"] = since
    if until is not None:
        window["$lte"] = until
    if window:
        flt["last_watched_at"] = window
    return flt


def trending_pipeline(*, since: datetime, limit: int) -> list[Doc]:
    """Distinct viewers, distinct completers and mean completion per title since ``since``."""
    return [
        {"$match": {"last_watched_at": {"$gte": since}}},
        {"$group": {
            "_id": "$content_id",
            "viewers": {"$addToSet": "$profile_id"},
            "completers": {"$addToSet": {"$cond": ["$completed", "$profile_id", "$$REMOVE"]}},
            "avg_completion_rate": {"$avg": "$completion_rate"},
        }},
        {"$project": {"_id": 0, "content_id": "$_id", "views": {"$size": "$viewers"},
                      "completions": {"$size": "$completers"}, "avg_completion_rate": 1}},
        {"$sort": {"views": -1, "completions": -1, "content_id": 1}},
        {"$limit": limit},
    ]


def session_document(session: ViewingSession) -> Doc:
    """A viewing_sessions document (spec §5.2 fields plus the ordering ``rank`` and ``seq``)."""
    return {
        "_id": session.id, "user_id": session.user_id, "profile_id": session.profile_id,
        "content_id": session.content_id, "episode_id": session.episode_id, "device_type": session.device_type,
        "rank": session.rank, "seq": 0, "position_seconds": 0.0, "duration_seconds": 0.0,
        "completed_percentage": 0.0, "quality": None, "created_at": session.created_at,
        "last_updated": session.created_at, "completed_at": None,
    }


def session_from_document(doc: Mapping[str, Any]) -> ViewingSession:
    """The inverse of ``session_document``."""
    return ViewingSession(
        id=doc["_id"], user_id=doc["user_id"], profile_id=doc["profile_id"], content_id=doc["content_id"],
        episode_id=doc.get("episode_id"), device_type=doc["device_type"], rank=doc["rank"],
        created_at=doc["created_at"], position_seconds=doc.get("position_seconds", 0.0),
        duration_seconds=doc.get("duration_seconds", 0.0),
        completed_percentage=doc.get("completed_percentage", 0.0), quality=doc.get("quality"),
        seq=doc.get("seq", 0), last_updated=doc.get("last_updated"), completed_at=doc.get("completed_at"))


def touch_session_ops(*, session_id: str, position_seconds: float, duration_seconds: float, quality: str | None,
                      seq: int, at: datetime, completed: bool) -> tuple[Doc, list[Doc]]:
    """(filter, pipeline update) moving a session's position when ``seq`` is newer (a completion always applies)."""
    pct = min(100.0, position_seconds * 100.0 / duration_seconds) if duration_seconds > 0 else 0.0
    flt: Doc = {"_id": session_id} if completed else {"_id": session_id, "seq": {"$lt": seq}}
    fields: Doc = {"position_seconds": float(position_seconds), "duration_seconds": float(duration_seconds),
                   "completed_percentage": round(pct, 1), "seq": {"$max": ["$seq", seq]},
                   "last_updated": {"$max": ["$last_updated", at]}}
    if quality is not None:
        fields["quality"] = {"$literal": quality}
    if completed:
        fields["completed_at"] = {"$ifNull": ["$completed_at", at]}
    return flt, [{"$set": fields}]


def event_document(event: EngagementEvent) -> Doc:
    """An engagement_events document with the spec's field names (event_type, timestamp, metadata)."""
    return {
        "event_type": event.type, "profile_id": event.profile_id, "content_id": event.content_id,
        "episode_id": event.episode_id, "session_id": event.session_id, "timestamp": event.at,
        "client_ts": event.client_ts, "position_seconds": event.position_seconds, "metadata": dict(event.payload),
    }


def event_from_document(doc: Mapping[str, Any]) -> EngagementEvent:
    """The inverse of ``event_document``."""
    return EngagementEvent(
        type=doc["event_type"], profile_id=doc["profile_id"], content_id=doc["content_id"], at=doc["timestamp"],
        session_id=doc.get("session_id"), episode_id=doc.get("episode_id"),
        position_seconds=doc.get("position_seconds"), client_ts=doc.get("client_ts"),
        payload=doc.get("metadata") or {})


def events_filter(*, session_id: str | None, profile_id: str | None) -> Doc:
    """Events of a session and/or a profile."""
    flt: Doc = {}
    if session_id is not None:
        flt["session_id"] = session_id
    if profile_id is not None:
        flt["profile_id"] = profile_id
    return flt


def watchlist_add_ops(*, profile_id: str, content_id: str, at: datetime) -> tuple[Doc, Doc]:
    """(filter, update) appending a title to user_preferences.watchlist only when absent."""
    return ({"profile_id": profile_id, "watchlist.content_id": {"$ne": content_id}},
            {"$push": {"watchlist": {"content_id": content_id, "added_at": at}}, "$set": {"updated_at": at}})


def watchlist_remove_ops(*, profile_id: str, content_id: str) -> tuple[Doc, Doc]:
    """(filter, update) pulling a title from user_preferences.watchlist."""
    return ({"profile_id": profile_id, "watchlist.content_id": content_id},
            {"$pull": {"watchlist": {"content_id": content_id}}})


def co_watched_pipeline(*, content_ids: list[str], exclude_profile_id: str, limit: int) -> list[dict[str, Any]]:
    """Aggregation: per (seed, other title), distinct other profiles that watched both."""
    return [
        {"$match": {"content_id": {"$in": content_ids}, "profile_id": {"$ne": exclude_profile_id}}},
        {"$lookup": {"from": "watch_history", "localField": "profile_id", "foreignField": "profile_id",
                     "as": "other"}},
        {"$unwind": "$other"},
        {"$match": {"$expr": {"$ne": ["$other.content_id", "$content_id"]}}},
        {"$group": {"_id": {"seed": "$content_id", "other": "$other.content_id"},
                    "viewers": {"$addToSet": "$profile_id"}}},
        {"$project": {"profiles": {"$size": "$viewers"}}},
        {"$sort": {"profiles": -1, "_id.seed": 1, "_id.other": 1}},
        {"$limit": limit},
    ]
