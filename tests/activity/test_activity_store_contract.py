"""One contract for every ActivityStore: PostgreSQL (system and embedded) and MongoDB (OTT_MONGO_URL).

No MongoDB server runs on the development machines: the MongoDB run is skipped (with the reason
printed by ``-ra``) unless ``OTT_MONGO_URL`` points at one.
"""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.activity.mongo_store import MongoActivityStore
from server.activity.postgres_store import PostgresActivityStore
from server.activity.store import ActivityStore, EngagementEvent, PositionUpdate, ViewingSession
from server.migrations import migrate
from server.storage.postgres import create_pool
from tests.conftest import make_settings, truncate_all

MONGO_SKIP = "OTT_MONGO_URL not set: MongoDB contract tests skipped"
T0 = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)


@dataclass
class Ctx:
    """The store under test and two profiles of one user."""

    store: ActivityStore
    user_id: str
    profile: str
    other: str


@pytest.fixture(params=["postgres-system", "postgres-embedded", "mongo"])
def store_kind(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """(kind, URL) of the store under test; resolved in a sync fixture (the session fixtures run loops)."""
    if request.param == "mongo":
        return "mongo", os.environ.get("OTT_MONGO_URL")
    if request.param == "postgres-system":
        return "postgres", request.getfixturevalue("system_database_url")
    return "postgres", request.getfixturevalue("embedded_urls")[0]


@pytest.fixture
async def ctx(store_kind: tuple[str, str | None], tmp_path: Path) -> AsyncIterator[Ctx]:
    """A clean store of each kind."""
    kind, url = store_kind
    if kind == "mongo":
        if not url:
            print(MONGO_SKIP)
            pytest.skip(MONGO_SKIP)
        mongo = MongoActivityStore(url=url, database=f"ott_contract_{uuid.uuid4().hex[:8]}")
        await mongo.open()
        await mongo.drop_all()
        try:
            yield Ctx(store=mongo, user_id=str(uuid.uuid4()), profile=str(uuid.uuid4()), other=str(uuid.uuid4()))
        finally:
            await mongo.drop_all()
            await mongo.close()
        return
    assert url is not None
    db_url = url
    settings = make_settings(tmp_path, database_url=db_url, redis_url="redis://127.0.0.1:6379/0")
    pool = await create_pool(db_url, settings)
    try:
        await migrate(pool)
        await truncate_all(pool)
        user_id = str(await pool.fetchval(
            "INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id", f"{uuid.uuid4().hex}@e.com"))
        profiles = [str(await pool.fetchval("INSERT INTO profiles (user_id, name) VALUES ($1::uuid, $2) RETURNING id",
                                            user_id, name)) for name in ("a", "b")]
        store = PostgresActivityStore(pool=pool)
        await store.open()
        yield Ctx(store=store, user_id=user_id, profile=profiles[0], other=profiles[1])
        await store.close()
    finally:
        await pool.close()


def _upd(ctx: Ctx, content: str, position: float, *, seq: int, rank: int = 1, minutes: int = 0,
         duration: float = 600.0, episode: str | None = None, profile: str | None = None,
         completed: bool | None = None) -> PositionUpdate:
    return PositionUpdate(profile_id=profile or ctx.profile, content_id=content, episode_id=episode,
                          position_seconds=position, duration_seconds=duration, session_rank=rank, seq=seq,
                          at=T0 + timedelta(minutes=minutes), quality="720p", device_type="tui", completed=completed)


def _ids(n: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(n)]


async def test_positions_apply_only_newer_keys(ctx: Ctx) -> None:
    (movie,) = _ids(1)
    s = ctx.store
    assert await s.apply_position(_upd(ctx, movie, 100, seq=5)) is True
    assert await s.apply_position(_upd(ctx, movie, 50, seq=4)) is False       # stale
    assert await s.apply_position(_upd(ctx, movie, 100, seq=5)) is False      # duplicate
    assert await s.apply_position(_upd(ctx, movie, 30, seq=6)) is True        # deliberate seek back
    assert await s.apply_position(_upd(ctx, movie, 20, seq=1, rank=2)) is True  # newer session, low seq
    assert await s.apply_position(_upd(ctx, movie, 500, seq=99, rank=1)) is False  # older session
    item = await s.get_position(profile_id=ctx.profile, content_id=movie, episode_id=None)
    assert item is not None
    assert (item.position_seconds, item.session_rank, item.seq) == (20, 2, 1)
    assert item.watch_duration_seconds == 100 and item.quality == "720p" and item.device_type == "tui"
    assert await s.get_position(profile_id=ctx.other, content_id=movie, episode_id=None) is None


async def test_completion_at_ninety_percent_and_explicit(ctx: Ctx) -> None:
    a, b = _ids(2)
    await ctx.store.apply_position(_upd(ctx, a, 539, seq=1))
    await ctx.store.apply_position(_upd(ctx, b, 540, seq=1))
    item_a = await ctx.store.get_position(profile_id=ctx.profile, content_id=a, episode_id=None)
    item_b = await ctx.store.get_position(profile_id=ctx.profile, content_id=b, episode_id=None)
    assert item_a is not None and not item_a.completed and item_a.completion_rate == 89.8
    assert item_b is not None and item_b.completed and item_b.completion_rate == 90.0
    await ctx.store.apply_position(_upd(ctx, a, 10, seq=2, completed=True))
    item_a = await ctx.store.get_position(profile_id=ctx.profile, content_id=a, episode_id=None)
    assert item_a is not None and item_a.completed


async def test_episodes_are_separate_items(ctx: Ctx) -> None:
    show, e1, e2 = _ids(3)
    await ctx.store.apply_position(_upd(ctx, show, 100, seq=1, episode=e1))
    await ctx.store.apply_position(_upd(ctx, show, 200, seq=1, episode=e2))
    one = await ctx.store.get_position(profile_id=ctx.profile, content_id=show, episode_id=e1)
    two = await ctx.store.get_position(profile_id=ctx.profile, content_id=show, episode_id=e2)
    assert one is not None and two is not None and (one.position_seconds, two.position_seconds) == (100, 200)
    assert await ctx.store.get_position(profile_id=ctx.profile, content_id=show, episode_id=None) is None


async def test_concurrent_shuffled_updates_end_on_max_seq(ctx: Ctx) -> None:
    (movie,) = _ids(1)
    seqs = list(range(1, 51))
    random.Random(3).shuffle(seqs)
    await asyncio.gather(*(ctx.store.apply_position(_upd(ctx, movie, s * 10.0, seq=s)) for s in seqs))
    item = await ctx.store.get_position(profile_id=ctx.profile, content_id=movie, episode_id=None)
    assert item is not None and item.seq == 50 and item.position_seconds == 500


async def test_continue_watching_rules(ctx: Ctx) -> None:
    m1, m2, m3, done, show, e1, e2 = _ids(7)
    s = ctx.store
    await s.apply_position(_upd(ctx, m1, 60, seq=1, minutes=1))
    await s.apply_position(_upd(ctx, m2, 60, seq=1, minutes=2))
    await s.apply_position(_upd(ctx, done, 590, seq=1, minutes=3))
    await s.apply_position(_upd(ctx, show, 60, seq=1, minutes=4, episode=e1))
    await s.apply_position(_upd(ctx, show, 30, seq=1, minutes=5, episode=e2))
    await s.apply_position(_upd(ctx, m3, 60, seq=1, minutes=6, profile=ctx.other))
    items = await s.continue_watching(profile_id=ctx.profile, limit=20)
    assert [(i.content_id, i.episode_id) for i in items] == [(show, e2), (m2, None), (m1, None)]
    assert [i.content_id for i in await s.continue_watching(profile_id=ctx.profile, limit=2)] == [show, m2]
    assert await s.dismiss(profile_id=ctx.profile, content_id=show) == 2
    assert [i.content_id for i in await s.continue_watching(profile_id=ctx.profile, limit=20)] == [m2, m1]
    await s.apply_position(_upd(ctx, show, 40, seq=2, minutes=7, episode=e2))  # watched again: back
    assert (await s.continue_watching(profile_id=ctx.profile, limit=20))[0].content_id == show
    # Finishing the latest episode of a show takes the show off the list.
    await s.apply_position(_upd(ctx, show, 600, seq=3, minutes=8, episode=e2))
    assert [i.content_id for i in await s.continue_watching(profile_id=ctx.profile, limit=20)] == [m2, m1]


async def test_history_window_paging_and_clear(ctx: Ctx) -> None:
    ids = _ids(5)
    for n, content in enumerate(ids):
        await ctx.store.apply_position(_upd(ctx, content, 100, seq=1, minutes=n * 60))
    await ctx.store.apply_position(_upd(ctx, ids[0], 100, seq=1, profile=ctx.other))
    page, total = await ctx.store.history(profile_id=ctx.profile, since=None, until=None, offset=0, limit=2)
    assert total == 5 and [i.content_id for i in page] == [ids[4], ids[3]]
    page, _ = await ctx.store.history(profile_id=ctx.profile, since=None, until=None, offset=4, limit=2)
    assert [i.content_id for i in page] == [ids[0]]
    page, total = await ctx.store.history(profile_id=ctx.profile, since=T0 + timedelta(minutes=60),
                                          until=T0 + timedelta(minutes=180), offset=0, limit=10)
    assert total == 3 and [i.content_id for i in page] == [ids[3], ids[2], ids[1]]
    assert await ctx.store.clear_history(profile_id=ctx.profile) == 5
    assert (await ctx.store.history(profile_id=ctx.profile, since=None, until=None, offset=0, limit=10))[1] == 0
    assert (await ctx.store.history(profile_id=ctx.other, since=None, until=None, offset=0, limit=10))[1] == 1


async def test_watchlist_is_idempotent_and_ordered(ctx: Ctx) -> None:
    a, b = _ids(2)
    s = ctx.store
    assert await s.watchlist_add(profile_id=ctx.profile, content_id=a, at=T0) is True
    assert await s.watchlist_add(profile_id=ctx.profile, content_id=a, at=T0 + timedelta(minutes=5)) is False
    assert await s.watchlist_add(profile_id=ctx.profile, content_id=b, at=T0 + timedelta(minutes=1)) is True
    entries = await s.watchlist(profile_id=ctx.profile)
    assert [e.content_id for e in entries] == [b, a] and entries[1].added_at == T0
    assert await s.watchlist(profile_id=ctx.other) == []
    assert await s.watchlist_remove(profile_id=ctx.profile, content_id=a) is True
    assert await s.watchlist_remove(profile_id=ctx.profile, content_id=a) is False
    assert [e.content_id for e in await s.watchlist(profile_id=ctx.profile)] == [b]


async def test_events_round_trip(ctx: Ctx) -> None:
    movie, session = _ids(2)
    batch = [
        EngagementEvent(type="play", profile_id=ctx.profile, content_id=movie, at=T0, session_id=session,
                        position_seconds=0.0, client_ts=T0 - timedelta(seconds=1)),
        EngagementEvent(type="quality_change", profile_id=ctx.profile, content_id=movie,
                        at=T0 + timedelta(seconds=5), session_id=session,
                        payload={"from": "360p", "to": "720p", "reason": "throughput", "nested": {"kbps": 2400}}),
        EngagementEvent(type="play", profile_id=ctx.other, content_id=movie, at=T0),
    ]
    assert await ctx.store.add_events(batch) == 3
    assert await ctx.store.add_events([]) == 0
    got = await ctx.store.events(session_id=session)
    assert [e.type for e in got] == ["play", "quality_change"]
    assert got[1].payload == {"from": "360p", "to": "720p", "reason": "throughput", "nested": {"kbps": 2400}}
    assert got[0].client_ts == T0 - timedelta(seconds=1) and got[0].position_seconds == 0.0
    assert [e.profile_id for e in await ctx.store.events(profile_id=ctx.other)] == [ctx.other]


async def test_sessions_round_trip_and_ordered_touch(ctx: Ctx) -> None:
    sid, movie = _ids(2)
    session = ViewingSession(id=sid, user_id=ctx.user_id, profile_id=ctx.profile, content_id=movie, episode_id=None,
                             device_type="tv", rank=123456789, created_at=T0)
    await ctx.store.create_session(session)
    got = await ctx.store.get_session(session_id=sid)
    assert got is not None and (got.rank, got.device_type, got.seq, got.content_id) == (123456789, "tv", 0, movie)
    assert await ctx.store.get_session(session_id=str(uuid.uuid4())) is None
    s = ctx.store
    assert await s.touch_session(session_id=sid, position_seconds=300, duration_seconds=600, quality="720p", seq=2,
                                 at=T0 + timedelta(seconds=20)) is True
    assert await s.touch_session(session_id=sid, position_seconds=100, duration_seconds=600, quality="360p", seq=1,
                                 at=T0 + timedelta(seconds=30)) is False
    assert await s.touch_session(session_id=sid, position_seconds=600, duration_seconds=600, quality=None, seq=2,
                                 at=T0 + timedelta(seconds=40), completed=True) is True
    got = await ctx.store.get_session(session_id=sid)
    assert got is not None
    assert (got.position_seconds, got.completed_percentage, got.quality, got.seq) == (600, 100, "720p", 2)
    assert got.completed_at == T0 + timedelta(seconds=40)


async def test_trending_counts_distinct_viewers_since(ctx: Ctx) -> None:
    hot, warm, old = _ids(3)
    s = ctx.store
    await s.apply_position(_upd(ctx, hot, 600, seq=1, minutes=10))
    await s.apply_position(_upd(ctx, hot, 100, seq=1, minutes=10, profile=ctx.other))
    await s.apply_position(_upd(ctx, warm, 300, seq=1, minutes=10))
    await s.apply_position(_upd(ctx, old, 300, seq=1, minutes=-600))
    rows = await s.trending(since=T0, limit=10)
    assert [(r.content_id, r.views, r.completions) for r in rows] == [(hot, 2, 1), (warm, 1, 0)]
    assert rows[0].avg_completion_rate == pytest.approx(58.35, abs=0.1)
    assert len(await s.trending(since=T0, limit=1)) == 1
