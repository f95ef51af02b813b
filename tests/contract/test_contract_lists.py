"""One list convention: page/limit in, ``{"<plural>": [...], "pagination": {...}}`` out; unknown query
parameters are 422 everywhere; date filters take plain ISO dates."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from tests.helpers import auth, grant_role, new_viewer, register


@pytest.fixture
def backend() -> str:
    """One backend: the convention does not depend on the stores."""
    return "system"


async def _movie(api: TestClient, title: str) -> str:
    return str(await api.app[keys.DB].fetchval(
        "INSERT INTO content (type, title, maturity_rating, workflow_state, tier_requirement, published_at)"
        " VALUES ('movie', $1, 'U', 'published', 'free', now()) RETURNING id::text", title))


async def test_catalog_pages_in_the_spec_shape(api: TestClient) -> None:
    for i in range(5):
        await _movie(api, f"Title {i}")
    resp = await api.get("/api/v1/catalog/content", params={"limit": "2", "page": "3", "sort": "a-z"})
    body = await resp.json()
    assert resp.status == 200 and set(body) == {"content", "pagination"}
    assert body["pagination"] == {"page": 3, "limit": 2, "total": 5, "total_pages": 3}
    assert [c["title"] for c in body["content"]] == ["Title 4"]


@pytest.mark.parametrize("path", [
    "/api/v1/catalog/content?offset=20", "/api/v1/catalog/content?gnere=drama", "/api/v1/catalog/genres?x=1",
    "/api/v1/catalog/search?q=a&sort=a-z", "/api/v1/catalog/trending?page=2", "/api/v1/subscriptions/plans?x=1",
])
async def test_unknown_query_parameters_are_422_naming_them(api: TestClient, path: str) -> None:
    resp = await api.get(path)
    body = await resp.json()
    assert resp.status == 422, body
    wrong = path.split("?")[1].split("&")[-1].split("=")[0]
    assert wrong in body["detail"] and body["errors"][0]["field"] == wrong


async def test_paged_lists_share_the_pagination_object(api: TestClient) -> None:
    viewer = await new_viewer(api)
    boss = await register(api)
    await grant_role(api, boss["user_id"], "admin")
    for path, noun, headers in [
        (f"/api/v1/activity/history?profile_id={viewer.profile_id}", "history", viewer.headers),
        ("/api/v1/subscriptions/payments", "payments", viewer.headers),
        ("/api/v1/subscriptions/invoices", "invoices", viewer.headers),
        ("/api/v1/ads/inventory", "ads", auth(boss["access_token"])),
    ]:
        resp = await api.get(path, params={"page": "1", "limit": "5"}, headers=headers)
        body = await resp.json()
        assert resp.status == 200, (path, body)
        assert body[noun] == [] and body["pagination"] == {"page": 1, "limit": 5, "total": 0, "total_pages": 0}
        offset = await api.get(path, params={"offset": "5"}, headers=headers)
        assert offset.status == 422, path


async def test_date_filters_take_plain_dates(api: TestClient) -> None:
    viewer = await new_viewer(api)
    resp = await api.get("/api/v1/activity/history", headers=viewer.headers,
                         params={"profile_id": viewer.profile_id, "from": "2020-01-01", "to": "2020-01-31"})
    assert resp.status == 200, await resp.text()
    boss = await register(api)
    await grant_role(api, boss["user_id"], "analyst")
    one_day = await api.get("/api/v1/analytics/overview", headers=auth(boss["access_token"]),
                            params={"from": "2024-03-01", "to": "2024-03-01"})
    body = await one_day.json()
    assert one_day.status == 200, body
    bad = await api.get("/api/v1/activity/history", headers=viewer.headers,
                        params={"profile_id": viewer.profile_id, "from": "2020-13-01"})
    assert bad.status == 422
