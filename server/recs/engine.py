"""Compute a profile's recommendations from its history, its feedback and everyone's co-viewing."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import asyncpg

from server.activity.store import ActivityStore
from server.auth.viewer import Viewer
from server.recs.features import load_titles
from server.recs.scoring import Pair, Scored, Title, personalize, similar

log = logging.getLogger(__name__)
HISTORY_DEPTH = 200
MAX_ITEMS = 100
RECENCY_DECAY = 0.97
MIN_SEED_WEIGHT = 0.3
LIKE_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class Taste:
    """A profile's seeds (title → weight) and the titles to leave out (finished, disliked)."""

    seeds: dict[str, float]
    exclude: set[str]


async def taste(db: asyncpg.Pool, store: ActivityStore, *, profile_id: str) -> Taste:
    """Seeds from history (completion × recency) and likes; finished movies and dislikes excluded."""
    items, _ = await store.history(profile_id=profile_id, since=None, until=None, offset=0, limit=HISTORY_DEPTH)
    seeds: dict[str, float] = {}
    exclude: set[str] = set()
    for rank, item in enumerate(items):  # most recent first
        weight = max(MIN_SEED_WEIGHT, item.completion_rate / 100.0) * RECENCY_DECAY ** rank
        seeds[item.content_id] = max(seeds.get(item.content_id, 0.0), weight)
        if item.completed and item.episode_id is None:
            exclude.add(item.content_id)
    for row in await db.fetch("SELECT content_id::text AS content_id, signal FROM recs_feedback"
                              " WHERE profile_id = $1::uuid", profile_id):
        if row["signal"] == "like":
            seeds[row["content_id"]] = max(seeds.get(row["content_id"], 0.0), LIKE_WEIGHT)
        else:
            seeds.pop(row["content_id"], None)
            exclude.add(row["content_id"])
    return Taste(seeds=seeds, exclude=exclude)


async def recommend(db: asyncpg.Pool, store: ActivityStore, *, viewer: Viewer) -> tuple[list[Scored], dict[str, Title]]:
    """The profile's top ``MAX_ITEMS`` titles and the titles they refer to."""
    assert viewer.profile is not None
    t = await taste(db, store, profile_id=viewer.profile.id)
    pairs = await store.co_watched(content_ids=list(t.seeds), exclude_profile_id=viewer.profile.id,
                                   limit=5000) if t.seeds else []
    titles = await load_titles(db, viewer=viewer, extra_ids=list(t.seeds))
    ranked = personalize(titles=titles, seeds=t.seeds,
                         pairs=[Pair(seed=p.seed, other=p.other, profiles=p.profiles) for p in pairs],
                         language=viewer.profile.language, exclude=t.exclude, limit=MAX_ITEMS)
    return ranked, titles


async def similar_to(db: asyncpg.Pool, store: ActivityStore, *, viewer: Viewer, content_id: str,
                     limit: int) -> tuple[list[tuple[str, float]], dict[str, Title]]:
    """Titles similar to ``content_id`` (which the caller has checked is visible)."""
    titles = await load_titles(db, viewer=viewer, extra_ids=[content_id])
    pairs = await store.co_watched(content_ids=[content_id], exclude_profile_id=_NO_PROFILE, limit=2000)
    co = {p.other: p.profiles for p in pairs}
    return similar(target=titles[content_id], titles=titles, co_counts=co, limit=limit), titles


_NO_PROFILE = "00000000-0000-0000-0000-000000000000"
