"""Personalised recommendations from real history: genres, cast, co-viewing, exclusions, reasons,
availability and rating, per-profile cache and its invalidation."""

from __future__ import annotations

import uuid

from aiohttp.test_utils import TestClient

from server import keys
from server.recs.cache import cache_key
from tests.helpers import Viewer, new_viewer
from tests.recs.conftest import recs, watch


async def test_watched_genres_and_cast_lead_with_reasons(api: TestClient, titles: dict[str, str],
                                                         viewer: Viewer) -> None:
    await watch(api, viewer.profile_id, titles["Action One"], percent=95)   # finished
    await watch(api, viewer.profile_id, titles["Action Two"], percent=40)   # in progress
    body = await recs(api, viewer)
    assert body["degraded"] is False
    got = [r["title"] for r in body["recommendations"]]
    assert "Action One" not in got, "finished titles are excluded"
    assert got[0] in ("Action Three", "Action Four"), got
    assert set(got[:2]) == {"Action Three", "Action Four"}
    reasons = {r["title"]: r["reason"] for r in body["recommendations"]}
    assert reasons["Action Three"] in ("Because you like Action", "Because you watched titles with Arjun Rao")
    assert all(r["reason"] for r in body["recommendations"])
    scores = [r["score"] for r in body["recommendations"]]
    assert scores == sorted(scores, reverse=True)
    assert "Action Draft" not in got, "unpublished titles are never recommended"
    assert "Action Adult" not in got, "the default profile (U/A) may not see A-rated titles"


async def test_kids_profile_only_gets_u_titles(api: TestClient, titles: dict[str, str]) -> None:
    kid = await new_viewer(api, is_kids_profile=True)
    await watch(api, kid.profile_id, titles["Comedy One"], percent=30)
    got = {r["title"] for r in (await recs(api, kid))["recommendations"]}
    assert got == {"Comedy Two", "Kids One"}


async def test_viewers_who_watched_x_also_watched_y(api: TestClient, titles: dict[str, str],
                                                   viewer: Viewer) -> None:
    for _ in range(3):
        other = await new_viewer(api)
        await watch(api, other.profile_id, titles["Drama One"], percent=100)
        await watch(api, other.profile_id, titles["Horror One"], percent=100)
    await watch(api, viewer.profile_id, titles["Drama One"], percent=100)
    body = await recs(api, viewer)
    top = body["recommendations"][0]
    assert top["title"] in ("Horror One", "Drama Two")
    horror = next(r for r in body["recommendations"] if r["title"] == "Horror One")
    assert horror["reason"] == "Viewers who watched Drama One also watched this"
    ranks = [r["title"] for r in body["recommendations"]]
    assert ranks.index("Horror One") < ranks.index("Comedy One"), "co-viewing lifts a title of another genre"


async def test_dislike_excludes_and_like_counts_as_taste(api: TestClient, titles: dict[str, str],
                                                        viewer: Viewer) -> None:
    await watch(api, viewer.profile_id, titles["Action Two"], percent=50)
    assert "Action Three" in {r["title"] for r in (await recs(api, viewer))["recommendations"]}
    resp = await api.post("/api/v1/recommendations/feedback", headers=viewer.headers, json={
        "profile_id": viewer.profile_id, "content_id": titles["Action Three"], "signal": "dislike"})
    assert resp.status == 200 and (await resp.json())["signal"] == "dislike"
    got = [r["title"] for r in (await recs(api, viewer))["recommendations"]]
    assert "Action Three" not in got, "the cached list was invalidated by the feedback"
    resp = await api.post("/api/v1/recommendations/feedback", headers=viewer.headers, json={
        "profile_id": viewer.profile_id, "content_id": titles["Comedy One"], "signal": "like"})
    assert resp.status == 200
    got = [r["title"] for r in (await recs(api, viewer))["recommendations"]]
    assert "Comedy One" not in got and got.index("Comedy Two") < got.index("Drama One")


async def test_cached_per_profile_and_recomputed_when_history_changes(api: TestClient, titles: dict[str, str],
                                                                      viewer: Viewer) -> None:
    redis = api.app[keys.REDIS]
    namespace = api.app[keys.SETTINGS].redis_namespace
    await watch(api, viewer.profile_id, titles["Drama One"], percent=30)
    first = await recs(api, viewer)
    assert await redis.exists(cache_key(namespace, viewer.profile_id)) == 1
    assert 0 < await redis.ttl(cache_key(namespace, viewer.profile_id)) <= api.app[keys.SETTINGS].recs_cache_ttl_s
    # A cached answer is served as is: prove it by changing the catalog behind the cache's back.
    await api.app[keys.DB].execute("UPDATE content SET popularity = popularity + 1000 WHERE id = $1::uuid",
                                   titles["Kids One"])
    assert await recs(api, viewer) == first
    # The 2G client revalidates instead of downloading the list again.
    url = f"/api/v1/recommendations/personalized?profile_id={viewer.profile_id}"
    plain = await api.get(url, headers=viewer.headers)
    assert plain.headers["Cache-Control"].endswith("no-cache") and plain.headers["ETag"]
    again = await api.get(url, headers={**viewer.headers, "If-None-Match": plain.headers["ETag"]})
    assert again.status == 304 and await again.read() == b""
    # Finishing a title through the playback API changes the history: the list is recomputed.
    start = await api.post("/api/v1/stream/playback/start", headers=viewer.headers,
                           json={"profile_id": viewer.profile_id, "content_id": titles["Drama Two"]})
    session = (await start.json())["session_id"]
    done = await api.post("/api/v1/stream/playback/complete", headers=viewer.headers, json={
        "session_id": session, "profile_id": viewer.profile_id, "content_id": titles["Drama Two"]})
    assert done.status == 200, await done.text()
    after = [r["title"] for r in (await recs(api, viewer))["recommendations"]]
    assert "Drama Two" in [r["title"] for r in first["recommendations"]] and "Drama Two" not in after


async def test_cold_start_is_popular_titles(api: TestClient, titles: dict[str, str], viewer: Viewer) -> None:
    body = await recs(api, viewer, limit=3)
    assert len(body["recommendations"]) == 3 and body["degraded"] is False
    assert {r["reason"] for r in body["recommendations"]} <= {"Popular on OTT Lowband", "In your language"}


async def test_bad_requests(api: TestClient, titles: dict[str, str], viewer: Viewer) -> None:
    other = await new_viewer(api)
    base = "/api/v1/recommendations/personalized"
    cases = [
        (f"{base}", 422), (f"{base}?profile_id=nope", 422), (f"{base}?profile_id={viewer.profile_id}&limit=0", 422),
        (f"{base}?profile_id={viewer.profile_id}&limit=x", 422),
        (f"{base}?profile_id={viewer.profile_id}&bogus=1", 422),
        (f"{base}?profile_id={other.profile_id}", 404),
    ]
    for path, status in cases:
        resp = await api.get(path, headers=viewer.headers)
        assert resp.status == status, (path, await resp.text())
        assert resp.content_type == "application/problem+json"
    fb = "/api/v1/recommendations/feedback"
    for payload, status in [
        ({"profile_id": viewer.profile_id, "content_id": titles["Comedy One"], "signal": "meh"}, 422),
        ({"profile_id": viewer.profile_id, "content_id": str(uuid.uuid4()), "signal": "like"}, 404),
        ({"profile_id": viewer.profile_id, "content_id": titles["Action Draft"], "signal": "like"}, 404),
        ({"profile_id": other.profile_id, "content_id": titles["Comedy One"], "signal": "like"}, 404),
        ({"content_id": titles["Comedy One"], "signal": "like"}, 422),
    ]:
        resp = await api.post(fb, json=payload, headers=viewer.headers)
        assert resp.status == status, (payload, await resp.text())
    assert (await api.get(f"{base}?profile_id={viewer.profile_id}")).status == 401
