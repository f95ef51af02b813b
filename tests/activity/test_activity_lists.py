"""Continue watching, history and watchlist endpoints on both backends."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp.test_utils import TestClient

from server import keys
from server.keys import POSITION_CACHE
from tests.activity.conftest import Catalog, report, start
from tests.helpers import Viewer, new_viewer

CW = "/api/v1/activity/continue-watching"
HISTORY = "/api/v1/activity/history"
WATCHLIST = "/api/v1/activity/watchlist"


async def _get(api: TestClient, v: Viewer, path: str, **params: Any) -> dict[str, Any]:
    resp = await api.get(path, params={"profile_id": v.profile_id, **params}, headers=v.headers)
    body: dict[str, Any] = await resp.json()
    assert resp.status == 200, body
    return body


async def _watch(api: TestClient, v: Viewer, content: str, position: float, episode: str | None = None,
                 duration: float = 600.0) -> dict[str, Any]:
    session = await start(api, v, content, episode)
    await report(api, v, session, position, duration=duration, seq=1)
    return session


async def test_continue_watching_most_recent_first_with_progress(api: TestClient, catalog: Catalog,
                                                                 viewer: Viewer) -> None:
    await _watch(api, viewer, catalog.movies[0], 60)
    await _watch(api, viewer, catalog.movies[1], 300)
    await _watch(api, viewer, catalog.movies[2], 590)  # 98 %: finished, not listed
    await _watch(api, viewer, catalog.show, 600, catalog.episodes[0], duration=1200)
    items = (await _get(api, viewer, CW))["items"]
    assert [i["content_id"] for i in items] == [catalog.show, catalog.movies[1], catalog.movies[0]]
    show = items[0]
    assert show["episode_id"] == catalog.episodes[0] and show["episode_title"] == "Episode 1.1"
    assert show["title"] == "The Show" and show["progress_percentage"] == 50.0
    assert items[1]["progress_percentage"] == 50.0 and items[1]["position_seconds"] == 300
    assert items[2]["title"] == "Movie 00" and items[2]["thumbnail_url"] == "/img/Movie 00.jpg"


async def test_continue_watching_shows_the_latest_episode_once(api: TestClient, catalog: Catalog,
                                                               viewer: Viewer) -> None:
    await _watch(api, viewer, catalog.show, 100, catalog.episodes[0], duration=1200)
    await _watch(api, viewer, catalog.show, 200, catalog.episodes[1], duration=1200)
    items = (await _get(api, viewer, CW))["items"]
    assert len(items) == 1 and items[0]["episode_id"] == catalog.episodes[1]


async def test_continue_watching_limit_and_cap_of_twenty(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    for content in catalog.movies:  # 22 titles
        await _watch(api, viewer, content, 30)
    assert len((await _get(api, viewer, CW))["items"]) == 20
    three = (await _get(api, viewer, CW, limit=3))["items"]
    assert [i["content_id"] for i in three] == list(reversed(catalog.movies))[:3]
    resp = await api.get(CW, params={"profile_id": viewer.profile_id, "limit": 21}, headers=viewer.headers)
    assert resp.status == 422


async def test_dismiss_hides_until_watched_again(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    session = await _watch(api, viewer, catalog.movie, 100)
    url = f"{CW}/{catalog.movie}"
    for _ in range(2):  # idempotent
        resp = await api.delete(url, params={"profile_id": viewer.profile_id}, headers=viewer.headers)
        assert resp.status == 204
    assert (await _get(api, viewer, CW))["items"] == []
    await report(api, viewer, session, 150, seq=2)
    assert [i["content_id"] for i in (await _get(api, viewer, CW))["items"]] == [catalog.movie]
    resp = await api.delete(f"{CW}/not-a-uuid", params={"profile_id": viewer.profile_id}, headers=viewer.headers)
    assert resp.status == 404


async def test_history_pages_and_totals(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    for content in catalog.movies[:5]:
        await _watch(api, viewer, content, 580)
    page1 = await _get(api, viewer, HISTORY, page=1, limit=2)
    page3 = await _get(api, viewer, HISTORY, page=3, limit=2)
    assert page1["pagination"] == {"page": 1, "limit": 2, "total": 5, "total_pages": 3}
    assert [h["content_id"] for h in page1["history"]] == [catalog.movies[4], catalog.movies[3]]
    assert [h["content_id"] for h in page3["history"]] == [catalog.movies[0]]
    first = page1["history"][0]
    assert first["completed"] is True and first["completion_rate"] == 96.7 and first["title"] == "Movie 04"
    assert (await _get(api, viewer, HISTORY, page=4, limit=2))["history"] == []


async def test_history_date_range(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    for content in catalog.movies[:3]:
        await _watch(api, viewer, content, 100)
    db = api.app[keys.DB]
    for content, day in zip(catalog.movies[:3], ("2024-01-10", "2024-01-15", "2024-01-20"), strict=True):
        await db.execute("UPDATE watch_history SET last_watched_at = $2::text::timestamptz"
                         " WHERE content_id = $1::uuid", content, f"{day}T12:00:00Z")
    body = await _get(api, viewer, HISTORY, **{"from": "2024-01-12T00:00:00Z", "to": "2024-01-20T00:00:00Z"})
    assert [h["content_id"] for h in body["history"]] == [catalog.movies[1]]
    body = await _get(api, viewer, HISTORY, **{"from": "2024-01-12T00:00:00+00:00"})
    assert [h["content_id"] for h in body["history"]] == [catalog.movies[2], catalog.movies[1]]
    resp = await api.get(HISTORY, headers=viewer.headers, params={
        "profile_id": viewer.profile_id, "from": "2024-02-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"})
    assert resp.status == 422
    resp = await api.get(HISTORY, headers=viewer.headers, params={"profile_id": viewer.profile_id,
                                                                  "from": "yesterday"})
    assert resp.status == 422 and resp.content_type == "application/problem+json"


async def test_clear_history_forgets_positions(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    await _watch(api, viewer, catalog.movie, 240)
    await _watch(api, viewer, catalog.movies[0], 120)
    resp = await api.delete(HISTORY, params={"profile_id": viewer.profile_id}, headers=viewer.headers)
    assert resp.status == 200 and await resp.json() == {"success": True, "removed": 2}
    assert (await _get(api, viewer, HISTORY))["pagination"]["total"] == 0
    assert (await _get(api, viewer, CW))["items"] == []
    cached = await api.app[POSITION_CACHE].get(user_id=viewer.user_id, profile_id=viewer.profile_id,
                                               content_id=catalog.movie, episode_id=None)
    assert cached is None
    assert (await start(api, viewer, catalog.movie))["resume_position"] == 0


async def test_watchlist_add_is_idempotent_and_lists_newest_first(api: TestClient, catalog: Catalog,
                                                                  viewer: Viewer) -> None:
    payload = {"profile_id": viewer.profile_id, "content_id": catalog.movie}
    first = await api.post(WATCHLIST, json=payload, headers=viewer.headers)
    assert first.status == 201 and (await first.json())["message"] == "Added to watchlist"
    again = await api.post(WATCHLIST, json=payload, headers=viewer.headers)
    assert again.status == 200 and (await again.json())["success"] is True
    resp = await api.post(WATCHLIST, json={**payload, "content_id": catalog.show}, headers=viewer.headers)
    assert resp.status == 201
    items = (await _get(api, viewer, WATCHLIST))["watchlist"]
    assert [i["content_id"] for i in items] == [catalog.show, catalog.movie]
    assert items[1]["title"] == "Free Movie" and items[1]["poster_url"] == "/poster/Free Movie.jpg"


async def test_watchlist_remove_is_idempotent(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    await api.post(WATCHLIST, json={"profile_id": viewer.profile_id, "content_id": catalog.movie},
                   headers=viewer.headers)
    for _ in range(2):
        resp = await api.delete(f"{WATCHLIST}/{catalog.movie}", params={"profile_id": viewer.profile_id},
                                headers=viewer.headers)
        assert resp.status == 204
    assert (await _get(api, viewer, WATCHLIST))["watchlist"] == []


async def test_watchlist_rejects_unknown_content(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    resp = await api.post(WATCHLIST, json={"profile_id": viewer.profile_id, "content_id": str(uuid.uuid4())},
                          headers=viewer.headers)
    assert resp.status == 404 and resp.content_type == "application/problem+json"


async def test_lists_are_per_profile_and_foreign_profiles_are_404(api: TestClient, catalog: Catalog,
                                                                   viewer: Viewer) -> None:
    other = await new_viewer(api)
    await _watch(api, viewer, catalog.movie, 100)
    await api.post(WATCHLIST, json={"profile_id": viewer.profile_id, "content_id": catalog.movie},
                   headers=viewer.headers)
    assert (await _get(api, other, CW))["items"] == []
    assert (await _get(api, other, WATCHLIST))["watchlist"] == []
    for method, path in (("GET", CW), ("GET", HISTORY), ("DELETE", HISTORY), ("GET", WATCHLIST),
                         ("DELETE", f"{WATCHLIST}/{catalog.movie}"), ("DELETE", f"{CW}/{catalog.movie}")):
        resp = await api.request(method, path, params={"profile_id": viewer.profile_id}, headers=other.headers)
        assert resp.status == 404, (method, path)
        assert resp.content_type == "application/problem+json"
    resp = await api.post(WATCHLIST, json={"profile_id": viewer.profile_id, "content_id": catalog.movie},
                          headers=other.headers)
    assert resp.status == 404
    # Nothing of the owner's changed.
    assert len((await _get(api, viewer, HISTORY))["history"]) == 1
    assert len((await _get(api, viewer, WATCHLIST))["watchlist"]) == 1


async def test_activity_lists_revalidate_with_etags(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    for path in (CW, WATCHLIST):
        params = {"profile_id": viewer.profile_id}
        first = await api.get(path, params=params, headers=viewer.headers)
        assert first.status == 200
        assert first.headers["Cache-Control"] == "private, no-cache"
        assert "Authorization" in first.headers["Vary"]
        etag = first.headers["ETag"]
        again = await api.get(path, params=params, headers={**viewer.headers, "If-None-Match": etag})
        assert again.status == 304 and await again.read() == b""
        assert again.headers["ETag"] == etag
        other = await api.get(path, params=params, headers={**viewer.headers, "If-None-Match": 'W/"stale"'})
        assert other.status == 200
        assert set(await other.json()) == ({"items"} if path == CW else {"watchlist"})


async def test_a_new_watchlist_item_changes_the_etag(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    params = {"profile_id": viewer.profile_id}
    before = await api.get(WATCHLIST, params=params, headers=viewer.headers)
    etag = before.headers["ETag"]
    resp = await api.post(WATCHLIST, json={"profile_id": viewer.profile_id, "content_id": catalog.movie},
                          headers=viewer.headers)
    assert resp.status == 201
    after = await api.get(WATCHLIST, params=params, headers={**viewer.headers, "If-None-Match": etag})
    assert after.status == 200
    assert after.headers["ETag"] != etag
    assert [i["content_id"] for i in (await after.json())["watchlist"]] == [catalog.movie]


async def test_continue_watching_etag_follows_progress(api: TestClient, catalog: Catalog, viewer: Viewer) -> None:
    params = {"profile_id": viewer.profile_id}
    session = await _watch(api, viewer, catalog.movies[0], 60)
    etag = (await api.get(CW, params=params, headers=viewer.headers)).headers["ETag"]
    await report(api, viewer, session, 120, seq=2)
    after = await api.get(CW, params=params, headers={**viewer.headers, "If-None-Match": etag})
    assert after.status == 200 and after.headers["ETag"] != etag
    assert (await after.json())["items"][0]["position_seconds"] == 120
