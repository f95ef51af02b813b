"""Playback endpoints on both backends: start/resume, ordered position reports, races, completion."""

from __future__ import annotations

import asyncio
import random

from aiohttp.test_utils import TestClient

from server import keys
from server.keys import ACTIVITY_STORE, POSITION_CACHE
from tests.activity.conftest import Catalog, report, start
from tests.helpers import Viewer, new_viewer, set_tier


async def test_start_returns_session_duration_and_empty_ads(api: TestClient, catalog: Catalog,
                                                            viewer: Viewer) -> None:
    body = await start(api, viewer, catalog.movie)
    assert body["resume_position"] == 0
    assert body["duration_s"] == 600
    assert body["ads"] == []
    assert body["title"] == "Free Movie"
    session = await api.app[ACTIVITY_STORE].get_session(session_id=body["session_id"])
    assert session is not None and session.profile_id == viewer.profile_id and session.device_type == "tui"


async def test_resume_after_restart_uses_last_position(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    first = await start(api, viewer, catalog.movie)
    await report(api, viewer, first, 120, seq=1)
    await report(api, viewer, first, 245, seq=2)
    again = await start(api, viewer, catalog.movie)
    assert again["resume_position"] == 245
    assert again["session_id"] != first["session_id"]


async def test_resume_falls_back_to_the_store_when_redis_lost_it(api: TestClient, catalog: Catalog,
                                                                 viewer: Viewer) -> None:
    first = await start(api, viewer, catalog.movie)
    await report(api, viewer, first, 300, seq=5)
    cache = api.app[POSITION_CACHE]
    await cache.forget_profile(user_id=viewer.user_id, profile_id=viewer.profile_id)
    assert (await start(api, viewer, catalog.movie))["resume_position"] == 300
    # A stale report after the cache loss is still refused: the cache is seeded from the store first.
    body = await report(api, viewer, first, 10, seq=4)
    assert body["applied"] is False and body["position_seconds"] == 300


async def test_position_response_and_completion_threshold(api: TestClient, catalog: Catalog,
                                                          viewer: Viewer) -> None:
    session = await start(api, viewer, catalog.movie)
    body = await report(api, viewer, session, 245, seq=1)
    assert body == {"success": True, "applied": True, "completed": False, "completed_percentage": 40.8,
                    "position_seconds": 245}
    body = await report(api, viewer, session, 540, seq=2)
    assert body["completed"] is True and body["completed_percentage"] == 90.0
    # Completed: the next start begins at 0.
    assert (await start(api, viewer, catalog.movie))["resume_position"] == 0


async def test_out_of_order_and_duplicate_reports_never_move_back(api: TestClient, catalog: Catalog,
                                                                  viewer: Viewer) -> None:
    session = await start(api, viewer, catalog.movie)
    await report(api, viewer, session, 100, seq=10)
    stale = await report(api, viewer, session, 50, seq=9)
    assert stale["applied"] is False and stale["position_seconds"] == 100
    dup = await report(api, viewer, session, 100, seq=10)
    assert dup["applied"] is False
    # A deliberate seek backwards carries a newer seq and is applied.
    seek = await report(api, viewer, session, 30, seq=11)
    assert seek["applied"] is True
    item = await api.app[ACTIVITY_STORE].get_position(profile_id=viewer.profile_id, content_id=catalog.movie,
                                                      episode_id=None)
    assert item is not None and item.position_seconds == 30 and item.seq == 11


async def test_fifty_concurrent_shuffled_updates_end_on_the_highest_seq(api: TestClient, catalog: Catalog,
                                                                        viewer: Viewer) -> None:
    session = await start(api, viewer, catalog.movie)
    seqs = [*range(1, 51), 17, 33, 50]  # with duplicates
    random.Random(7).shuffle(seqs)
    results = await asyncio.gather(*(report(api, viewer, session, float(s * 10), duration=600.0, seq=s)
                                     for s in seqs))
    assert all(r["success"] for r in results)
    assert sum(1 for r in results if r["applied"]) <= 50
    item = await api.app[ACTIVITY_STORE].get_position(profile_id=viewer.profile_id, content_id=catalog.movie,
                                                      episode_id=None)
    assert item is not None and item.seq == 50 and item.position_seconds == 500
    cached = await api.app[POSITION_CACHE].get(user_id=viewer.user_id, profile_id=viewer.profile_id,
                                               content_id=catalog.movie, episode_id=None)
    assert cached is not None and cached.seq == 50 and cached.position_seconds == 500
    row = await api.app[keys.DB].fetchrow("SELECT position_seconds, seq FROM viewing_sessions WHERE id = $1::uuid",
                                          session["session_id"])
    assert row["seq"] == 50 and row["position_seconds"] == 500


async def test_a_newer_session_wins_over_late_reports_of_an_older_one(api: TestClient, catalog: Catalog,
                                                                      viewer: Viewer) -> None:
    phone = await start(api, viewer, catalog.movie, device_type="mobile")
    await report(api, viewer, phone, 400, seq=900)
    tv = await start(api, viewer, catalog.movie, device_type="tv")
    await report(api, viewer, tv, 60, seq=1)  # the TV restarted from a minute in
    late = await report(api, viewer, phone, 410, seq=901)  # the phone's last report arrives late
    assert late["applied"] is False
    assert (await start(api, viewer, catalog.movie))["resume_position"] == 60


async def test_reports_without_seq_apply_in_arrival_order(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    session = await start(api, viewer, catalog.movie)
    assert (await report(api, viewer, session, 200))["applied"] is True
    assert (await report(api, viewer, session, 150))["applied"] is True
    assert (await start(api, viewer, catalog.movie))["resume_position"] == 150


async def test_position_is_clamped_to_duration(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    session = await start(api, viewer, catalog.movie)
    body = await report(api, viewer, session, 700, duration=600, seq=1)
    assert body["position_seconds"] == 600 and body["completed_percentage"] == 100


async def test_complete_show_episode_returns_next_episode_across_seasons(api: TestClient, catalog: Catalog,
                                                                         viewer: Viewer) -> None:
    s1e2 = await start(api, viewer, catalog.show, catalog.episodes[1])
    resp = await api.post("/api/v1/stream/playback/complete", headers=viewer.headers, json={
        "session_id": s1e2["session_id"], "profile_id": viewer.profile_id, "content_id": catalog.show,
        "episode_id": catalog.episodes[1], "watch_duration_seconds": 1150, "completion_rate": 96.7})
    body = await resp.json()
    assert resp.status == 200, body
    assert body["success"] is True
    nxt = body["next_episode"]
    assert nxt["id"] == catalog.episodes[2] and nxt["season_number"] == 2 and nxt["episode_number"] == 1
    assert nxt["title"] == "Episode 2.1"
    item = await api.app[ACTIVITY_STORE].get_position(profile_id=viewer.profile_id, content_id=catalog.show,
                                                      episode_id=catalog.episodes[1])
    assert item is not None and item.completed and item.completion_rate == 100
    assert item.watch_duration_seconds == 1150
    events = await api.app[ACTIVITY_STORE].events(session_id=s1e2["session_id"])
    assert [e.type for e in events] == ["complete"]


async def test_complete_last_episode_and_movie_have_no_next(api: TestClient, catalog: Catalog,
                                                            viewer: Viewer) -> None:
    for content, episode in ((catalog.show, catalog.episodes[2]), (catalog.movie, None)):
        session = await start(api, viewer, content, episode)
        resp = await api.post("/api/v1/stream/playback/complete", headers=viewer.headers, json={
            "session_id": session["session_id"], "profile_id": viewer.profile_id, "content_id": content,
            "episode_id": episode})
        body = await resp.json()
        assert resp.status == 200 and body["next_episode"] is None


async def test_stale_report_after_complete_does_not_uncomplete(api: TestClient, catalog: Catalog,
                                                               viewer: Viewer) -> None:
    session = await start(api, viewer, catalog.movie)
    await report(api, viewer, session, 500, seq=3)
    resp = await api.post("/api/v1/stream/playback/complete", headers=viewer.headers, json={
        "session_id": session["session_id"], "profile_id": viewer.profile_id, "content_id": catalog.movie})
    assert resp.status == 200
    late = await report(api, viewer, session, 510, seq=3)
    assert late["applied"] is False and late["completed"] is True
    assert (await start(api, viewer, catalog.movie))["resume_position"] == 0


async def test_premium_title_needs_premium_tier(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    payload = {"profile_id": viewer.profile_id, "content_id": catalog.premium_movie}
    resp = await api.post("/api/v1/stream/playback/start", json=payload, headers=viewer.headers)
    assert resp.status == 403
    assert resp.content_type == "application/problem+json"
    await set_tier(api, viewer.user_id, "premium")
    resp = await api.post("/api/v1/stream/playback/start", json=payload, headers=viewer.headers)
    assert resp.status == 200


async def test_a_premium_subscription_past_its_expiry_plays_as_free(api: TestClient, catalog: Catalog,
                                                                    viewer: Viewer) -> None:
    payload = {"profile_id": viewer.profile_id, "content_id": catalog.premium_movie}
    db = api.app[keys.DB]
    await set_tier(api, viewer.user_id, "premium")
    await db.execute("UPDATE users SET subscription_expires_at = now() + interval '1 day' WHERE id = $1::uuid",
                     viewer.user_id)
    resp = await api.post("/api/v1/stream/playback/start", json=payload, headers=viewer.headers)
    assert resp.status == 200, await resp.text()
    await db.execute("UPDATE users SET subscription_expires_at = now() - interval '1 second' WHERE id = $1::uuid",
                     viewer.user_id)  # the same token: the tier is read on every request
    resp = await api.post("/api/v1/stream/playback/start", json=payload, headers=viewer.headers)
    assert resp.status == 403
    assert (await resp.json())["type"] == "/problems/upgrade-required"


async def test_show_needs_an_episode_and_unknown_content_is_404(api: TestClient, catalog: Catalog,
                                                                viewer: Viewer) -> None:
    resp = await api.post("/api/v1/stream/playback/start", headers=viewer.headers,
                          json={"profile_id": viewer.profile_id, "content_id": catalog.show})
    assert resp.status == 422
    resp = await api.post("/api/v1/stream/playback/start", headers=viewer.headers,
                          json={"profile_id": viewer.profile_id, "content_id": "00000000-0000-4000-8000-000000000000"})
    assert resp.status == 404


async def test_foreign_profile_and_foreign_session_are_404(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    other = await new_viewer(api)
    resp = await api.post("/api/v1/stream/playback/start", headers=viewer.headers,
                          json={"profile_id": other.profile_id, "content_id": catalog.movie})
    assert resp.status == 404
    assert resp.content_type == "application/problem+json"
    session = await start(api, viewer, catalog.movie)
    # The other account cannot report on this session, even with its own profile.
    resp = await api.put("/api/v1/stream/playback/position", headers=other.headers, json={
        "session_id": session["session_id"], "profile_id": other.profile_id, "content_id": catalog.movie,
        "position_seconds": 10, "duration_seconds": 600})
    assert resp.status == 404
    # Nor on another title with the right session.
    resp = await api.put("/api/v1/stream/playback/position", headers=viewer.headers, json={
        "session_id": session["session_id"], "profile_id": viewer.profile_id, "content_id": catalog.movies[0],
        "position_seconds": 10, "duration_seconds": 600})
    assert resp.status == 404


async def test_playback_needs_a_token(api: TestClient, catalog: Catalog) -> None:
    resp = await api.post("/api/v1/stream/playback/start", json={"profile_id": catalog.movie,
                                                                 "content_id": catalog.movie})
    assert resp.status == 401
    assert resp.content_type == "application/problem+json"
