"""The activity store's co-viewing query the recommender relies on (PostgreSQL), and the MongoDB
pipeline that implements the same query."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from server.activity.mongo_queries import co_watched_pipeline
from server.keys import ACTIVITY_STORE
from tests.helpers import new_viewer
from tests.recs.conftest import watch


async def test_co_watched_counts_distinct_other_profiles(api: TestClient, titles: dict[str, str]) -> None:
    me = await new_viewer(api)
    a, b, c = titles["Drama One"], titles["Horror One"], titles["Comedy One"]
    for _ in range(2):
        v = await new_viewer(api)
        await watch(api, v.profile_id, a)
        await watch(api, v.profile_id, b)
    v = await new_viewer(api)
    await watch(api, v.profile_id, a)
    await watch(api, v.profile_id, c)
    await watch(api, me.profile_id, a)
    await watch(api, me.profile_id, c)
    pairs = await api.app[ACTIVITY_STORE].co_watched(content_ids=[a], exclude_profile_id=me.profile_id, limit=10)
    assert [(p.seed, p.other, p.profiles) for p in pairs] == [(a, b, 2), (a, c, 1)]
    limited = await api.app[ACTIVITY_STORE].co_watched(content_ids=[a], exclude_profile_id=me.profile_id, limit=1)
    assert len(limited) == 1
    assert await api.app[ACTIVITY_STORE].co_watched(content_ids=[], exclude_profile_id=me.profile_id, limit=5) == []


def test_mongo_pipeline_shape() -> None:
    pipeline = co_watched_pipeline(content_ids=["a"], exclude_profile_id="me", limit=7)
    assert pipeline[0] == {"$match": {"content_id": {"$in": ["a"]}, "profile_id": {"$ne": "me"}}}
    assert pipeline[1]["$lookup"]["from"] == "watch_history"
    assert pipeline[-1] == {"$limit": 7}
    group = next(stage["$group"] for stage in pipeline if "$group" in stage)
    assert group["viewers"] == {"$addToSet": "$profile_id"}, "distinct profiles, not watch rows"
