"""The MongoDB store's documents, filters and pipelines, checked without a server."""

from __future__ import annotations

from datetime import UTC, datetime

from server.activity import mongo_queries as q
from server.activity.mongo_store import MongoActivityStore
from server.activity.store import ActivityStore, EngagementEvent, PositionUpdate, ViewingSession

T0 = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)


def _update(**kw: object) -> PositionUpdate:
    values: dict[str, object] = {"profile_id": "p", "content_id": "c", "episode_id": None, "position_seconds": 540.0,
                                 "duration_seconds": 600.0, "session_rank": 7, "seq": 3, "at": T0}
    values.update(kw)
    return PositionUpdate(**values)  # type: ignore[arg-type]


def test_position_filter_guards_on_the_ordering_key() -> None:
    flt = q.position_filter(_update())
    assert flt == {"profile_id": "p", "content_id": "c", "episode_id": None,
                   "$or": [{"session_rank": {"$lt": 7}}, {"session_rank": 7, "seq": {"$lt": 3}}]}


def test_position_update_sets_state_and_keeps_maxima() -> None:
    upd = q.position_update(_update(quality="720p"))
    assert upd["$set"]["completed"] is True and upd["$set"]["completion_rate"] == 90.0
    assert upd["$set"]["dismissed"] is False and upd["$set"]["quality"] == "720p"
    assert upd["$set"]["session_rank"] == 7 and upd["$set"]["seq"] == 3
    assert upd["$max"] == {"watch_duration_seconds": 540.0, "last_watched_at": T0}
    assert upd["$setOnInsert"] == {"started_at": T0}
    assert "device_type" not in upd["$set"]  # unknown fields are not overwritten with null


def test_continue_watching_pipeline_takes_latest_per_title_then_filters() -> None:
    stages = q.continue_watching_pipeline(profile_id="p", limit=5)
    assert [next(iter(s)) for s in stages] == ["$match", "$sort", "$group", "$replaceRoot", "$match", "$sort",
                                               "$limit"]
    assert stages[0] == {"$match": {"profile_id": "p"}}
    assert stages[4]["$match"] == {"completed": False, "dismissed": False, "completion_rate": {"$lt": 90.0}}
    assert stages[-1] == {"$limit": 5}


def test_history_filter_bounds() -> None:
    assert q.history_filter(profile_id="p", since=None, until=None) == {"profile_id": "p"}
    assert q.history_filter(profile_id="p", since=T0, until=None) == {"profile_id": "p",
                                                                     "last_watched_at": {"$gte": T0}}
    assert q.history_filter(profile_id="p", since=T0, until=T0)["last_watched_at"] == {"$gte": T0, "$lte": T0}


def test_trending_pipeline_counts_distinct_profiles() -> None:
    stages = q.trending_pipeline(since=T0, limit=3)
    assert stages[0] == {"$match": {"last_watched_at": {"$gte": T0}}}
    group = stages[1]["$group"]
    assert group["viewers"] == {"$addToSet": "$profile_id"}
    assert stages[2]["$project"]["views"] == {"$size": "$viewers"}
    assert stages[-1] == {"$limit": 3}


def test_session_documents_round_trip() -> None:
    session = ViewingSession(id="s", user_id="u", profile_id="p", content_id="c", episode_id="e", device_type="tv",
                             rank=99, created_at=T0)
    doc = q.session_document(session)
    assert doc["_id"] == "s" and doc["seq"] == 0 and doc["last_updated"] == T0
    back = q.session_from_document(doc)
    assert back.id == "s" and back.rank == 99 and back.episode_id == "e" and back.completed_at is None


def test_touch_session_is_a_guarded_pipeline_with_literal_quality() -> None:
    flt, pipeline = q.touch_session_ops(session_id="s", position_seconds=300, duration_seconds=600,
                                        quality="$evil", seq=4, at=T0, completed=False)
    assert flt == {"_id": "s", "seq": {"$lt": 4}}
    fields = pipeline[0]["$set"]
    assert fields["quality"] == {"$literal": "$evil"} and fields["completed_percentage"] == 50.0
    assert fields["seq"] == {"$max": ["$seq", 4]} and "completed_at" not in fields
    flt, pipeline = q.touch_session_ops(session_id="s", position_seconds=600, duration_seconds=600, quality=None,
                                        seq=4, at=T0, completed=True)
    assert flt == {"_id": "s"}
    assert pipeline[0]["$set"]["completed_at"] == {"$ifNull": ["$completed_at", T0]}


def test_event_documents_use_spec_names_and_round_trip() -> None:
    event = EngagementEvent(type="quality_change", profile_id="p", content_id="c", at=T0, session_id="s",
                            payload={"from": "360p", "to": "720p"})
    doc = q.event_document(event)
    assert doc["event_type"] == "quality_change" and doc["timestamp"] == T0 and doc["metadata"]["to"] == "720p"
    assert q.event_from_document(doc) == event
    assert q.events_filter(session_id="s", profile_id=None) == {"session_id": "s"}


def test_watchlist_ops_are_conditional() -> None:
    flt, upd = q.watchlist_add_ops(profile_id="p", content_id="c", at=T0)
    assert flt == {"profile_id": "p", "watchlist.content_id": {"$ne": "c"}}
    assert upd["$push"] == {"watchlist": {"content_id": "c", "added_at": T0}}
    flt, upd = q.watchlist_remove_ops(profile_id="p", content_id="c")
    assert flt["watchlist.content_id"] == "c" and upd == {"$pull": {"watchlist": {"content_id": "c"}}}


def test_indexes_follow_the_spec() -> None:
    assert ([("user_id", 1), ("profile_id", 1)], {}) in q.INDEXES["viewing_sessions"]
    assert ([("content_id", 1), ("timestamp", -1)], {}) in q.INDEXES["engagement_events"]
    assert any(opts.get("unique") for _, opts in q.INDEXES["watch_history"])


async def test_mongo_store_builds_without_connecting_and_satisfies_the_protocol() -> None:
    store = MongoActivityStore(url="mongodb://127.0.0.1:9/ott_unit")  # nothing listens there; no I/O happens
    assert isinstance(store, ActivityStore) and store.backend == "mongo"
    await store.close()
