"""Listing (filters, sort, pagination, totals), details, seasons, genres and bad parameters."""

from __future__ import annotations

import math

import pytest

from server import keys


async def get_json(api, path: str, **params: str) -> dict:
    resp = await api.get(path, params=params)
    body = await resp.json()
    assert resp.status == 200, body
    return body


async def visible_count(api, where: str = "TRUE", *args: object) -> int:
    """How many titles an anonymous viewer in India may see, counted directly in SQL."""
    sql = ("SELECT count(*) FROM content c WHERE c.workflow_state = 'published'"  # noqa: S608
           " AND (c.available_from IS NULL OR c.available_from <= now())"
           " AND (c.available_until IS NULL OR now() < c.available_until)"
           f" AND (c.geo_restriction IS NULL OR 'IN' = ANY(c.geo_restriction)) AND {where}")
    return int(await api.app[keys.DB].fetchval(sql, *args))


async def test_pagination_walks_every_visible_title_once(api, small_catalog) -> None:
    expected = await visible_count(api)
    seen: list[str] = []
    page = 1
    while True:
        body = await get_json(api, "/api/v1/catalog/content", page=str(page), limit="7", sort="a-z")
        assert body["pagination"] == {"page": page, "limit": 7, "total": expected,
                                      "total_pages": math.ceil(expected / 7)}
        if not body["content"]:
            break
        seen += [i["id"] for i in body["content"]]
        page += 1
    assert len(seen) == len(set(seen)) == expected
    assert page - 1 == body["pagination"]["total_pages"]


async def test_filters_match_sql_counts(api, small_catalog) -> None:
    cases = [
        ({"type": "tv_show"}, "c.type = 'tv_show'"),
        ({"tier": "premium"}, "c.tier_requirement = 'premium'"),
        ({"language": "hi"}, "'hi' = ANY(c.languages)"),
        ({"maturity": "A"}, "c.maturity_rating = 'A'"),
        ({"year_from": "2015", "year_to": "2019"}, "c.year BETWEEN 2015 AND 2019"),
        ({"genre": "sports"}, "EXISTS (SELECT 1 FROM content_genres cg JOIN genres g ON g.id = cg.genre_id"
                              " WHERE cg.content_id = c.id AND g.slug = 'sports')"),
    ]
    for params, where in cases:
        body = await get_json(api, "/api/v1/catalog/content", limit="100", **params)
        assert body["pagination"]["total"] == await visible_count(api, where), params
        assert len(body["content"]) == body["pagination"]["total"]
    movies = await get_json(api, "/api/v1/catalog/content", type="movie", tier="free", limit="100")
    assert movies["content"] and all(i["type"] == "movie" and not i["premium"] for i in movies["content"])
    year = movies["content"][0]["year"]
    same_year = await get_json(api, "/api/v1/catalog/content", year=str(year), limit="100")
    assert same_year["content"] and all(i["year"] == year for i in same_year["content"])


async def test_sort_orders(api, small_catalog) -> None:
    az = (await get_json(api, "/api/v1/catalog/content", sort="a-z", limit="100"))["content"]
    assert [i["title"].lower() for i in az] == sorted(i["title"].lower() for i in az)
    by_release = (await get_json(api, "/api/v1/catalog/content", sort="release_date", limit="100"))["content"]
    dates = [i["release_date"] for i in by_release]
    assert dates == sorted(dates, reverse=True)
    trending = (await get_json(api, "/api/v1/catalog/content", limit="100"))["content"]
    pops = await api.app[keys.DB].fetch("SELECT id::text, popularity FROM content")
    popularity = {r["id"]: r["popularity"] for r in pops}
    ranked = [popularity[i["id"]] for i in trending]  # nobody watched anything: popularity decides
    assert ranked == sorted(ranked, reverse=True)
    recent = (await get_json(api, "/api/v1/catalog/content", sort="recent", limit="5"))["content"]
    assert len(recent) == 5


async def test_details_of_a_show_with_seasons_cast_and_languages(api, small_catalog) -> None:
    db = api.app[keys.DB]
    show_id = await db.fetchval(
        "SELECT c.id::text FROM content c WHERE c.type = 'tv_show' AND c.workflow_state = 'published'"
        " AND (c.available_from IS NULL OR c.available_from <= now())"
        " AND (c.available_until IS NULL OR now() < c.available_until) AND c.geo_restriction IS NULL"
        " ORDER BY c.title LIMIT 1")
    body = await get_json(api, f"/api/v1/catalog/content/{show_id}")
    n_seasons = await db.fetchval("SELECT count(*) FROM seasons WHERE content_id = $1::uuid", show_id)
    assert [s["season_number"] for s in body["seasons"]] == list(range(1, n_seasons + 1))
    assert all(6 <= s["episode_count"] <= 10 for s in body["seasons"])
    assert body["cast"] and body["director"] and body["genres"]
    assert body["title_hi"] and any("\u0900" <= ch <= "\u097f" for ch in body["description_hi"])
    assert set(body["audio_languages"]) <= {"en", "hi"} and body["subtitle_languages"] == ["en", "hi"]
    assert body["premium"] == (body["tier_requirement"] == "premium")
    season = await get_json(api, f"/api/v1/catalog/content/{show_id}/seasons/1")
    assert [e["episode_number"] for e in season["episodes"]] == list(range(1, body["seasons"][0]["episode_count"] + 1))
    missing = await api.get(f"/api/v1/catalog/content/{show_id}/seasons/99")
    assert missing.status == 404
    bad = await api.get(f"/api/v1/catalog/content/{show_id}/seasons/first")
    assert bad.status == 422 and bad.content_type == "application/problem+json"


async def test_genres_count_only_visible_titles(api, small_catalog) -> None:
    body = await get_json(api, "/api/v1/catalog/genres")
    assert len(body["genres"]) == 12
    by_slug = {g["slug"]: g for g in body["genres"]}
    assert by_slug["sports"]["name_hi"] == "खेल"
    for slug in ("sports", "drama"):
        expected = await visible_count(
            api, "EXISTS (SELECT 1 FROM content_genres cg JOIN genres g ON g.id = cg.genre_id"
                 " WHERE cg.content_id = c.id AND g.slug = $1)", slug)
        assert by_slug[slug]["content_count"] == expected


@pytest.mark.parametrize("params", [
    {"limit": "1000"}, {"limit": "0"}, {"page": "-1"}, {"page": "abc"}, {"sort": "bogus"}, {"year": "abc"},
    {"type": "cartoon"}, {"tier": "gold"}, {"language": "fr"}, {"maturity": "R"}, {"genre": "Bad Slug!"},
    {"year_from": "2020", "year_to": "2010"}, {"year": "99999"},
])
async def test_bad_list_parameters_are_422_problems(api, params) -> None:
    resp = await api.get("/api/v1/catalog/content", params=params)
    body = await resp.json()
    assert resp.status == 422, body
    assert resp.content_type == "application/problem+json" and body["errors"]


async def test_bad_ids_and_queries_are_4xx_problems(api, small_catalog) -> None:
    for path in ("/api/v1/catalog/content/not-a-uuid", "/api/v1/catalog/content/%00",
                 "/api/v1/catalog/content/00000000-0000-0000-0000-000000000000/seasons/1"):
        resp = await api.get(path)
        assert resp.status == 404, path
        assert resp.content_type == "application/problem+json"
    for params in ({"q": ""}, {"q": "   "}, {"q": "!!!"}, {"q": "x" * 201}, {}, {"q": "a", "limit": "101"}):
        resp = await api.get("/api/v1/catalog/search", params=params)
        assert resp.status == 422, params
    for params in ({"period": "1y"}, {"limit": "500"}):
        resp = await api.get("/api/v1/catalog/trending", params=params)
        assert resp.status == 422, params
