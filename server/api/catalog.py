"""Catalog API (spec §6.2): browse, details, seasons, search, genres, trending.

Authentication is optional. Without a token the caller browses as an anonymous free viewer
with no profile (every maturity rating); ``profile_id`` applies that profile's rating / kids
rules and needs a token (401 otherwise; 404 when the profile is not the caller's). The country
comes from the trusted country header. Responses carry a weak ETag (304 on If-None-Match) and
are br/gzip compressed per Accept-Encoding.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from server import keys
from server.auth.viewer import Viewer, load_viewer, request_country
from server.catalog.models import (
    CatalogGenresOut,
    ComingSoonOut,
    ComingSoonQuery,
    DetailsOut,
    ListQuery,
    PageOut,
    SearchOut,
    SearchQuery,
    SeasonOut,
    TrendingOut,
    TrendingQuery,
    ViewerQuery,
)
from server.catalog.queries import (
    ListFilters,
    cards_by_ids,
    content_details,
    genre_counts,
    list_coming_soon,
    list_content,
    season_episodes,
)
from server.catalog.search import search_content
from server.catalog.trending import trending_for
from server.errors import Unauthorized, ValidationFailed
from server.http_cache import cached_json
from server.listing import pagination
from server.routing import ApiRouter, optional_principal

log = logging.getLogger(__name__)
router = ApiRouter(tag="catalog")

async def catalog_viewer(request: web.Request, profile_id: str | None) -> Viewer:
    """The caller as a Viewer; anonymous callers are free viewers without a profile."""
    if optional_principal(request) is None:
        if profile_id is not None:
            raise Unauthorized("profile_id needs a valid access token")
        return Viewer(user_id="", tier="free", country=request_country(request), profile=None)
    return await load_viewer(request, profile_id)


def _season_number(request: web.Request) -> int:
    raw = request.match_info["season_number"]
    if not raw.isdigit() or not 0 < int(raw) < 1000:
        raise ValidationFailed("the season number must be a positive integer", errors=[
            {"field": "season_number", "message": "expected an integer from 1 to 999", "type": "int_parsing"}])
    return int(raw)


@router.route("GET", "/api/v1/catalog/content", summary="List titles with filters, sort and pagination",
              query=ListQuery, response=PageOut, auth="optional", errors=(401, 404, 422),
              headers=("country", "If-None-Match"))
async def list_titles(request: web.Request, *, query: ListQuery) -> web.Response:
    """Visible titles: filter by type/genre/language/tier/year/maturity, sort, page (limit <= 100)."""
    viewer = await catalog_viewer(request, query.profile_id)
    trending_ids: list[str] = []
    if query.sort == "trending":
        trending_ids = [e.content_id for e in await trending_for(request.app, period="7d", country=viewer.country)]
    filters = ListFilters(type=query.type, genre=query.genre, language=query.language, tier=query.tier,
                          year=query.year, year_from=query.year_from, year_to=query.year_to, maturity=query.maturity)
    items, total = await list_content(request.app[keys.DB], viewer=viewer, filters=filters, sort=query.sort,
                                      page=query.page, limit=query.limit, trending_ids=trending_ids)
    body = {"content": items, "pagination": pagination(page=query.page, limit=query.limit, total=total)}
    return cached_json(request, body, max_age=30)


@router.route("GET", "/api/v1/catalog/coming-soon", summary="Titles announced but not out yet (not playable)",
              query=ComingSoonQuery, response=ComingSoonOut, auth="optional", errors=(401, 404, 422),
              headers=("country", "If-None-Match"))
async def coming_soon(request: web.Request, *, query: ComingSoonQuery) -> web.Response:
    """Published titles whose availability window opens later, soonest first; their details answer with
    ``coming_soon: true`` and ``playable: false``, and playback is 404 until the window opens."""
    viewer = await catalog_viewer(request, query.profile_id)
    items, total = await list_coming_soon(request.app[keys.DB], viewer=viewer, page=query.page, limit=query.limit)
    body = {"content": items, "pagination": pagination(page=query.page, limit=query.limit, total=total)}
    return cached_json(request, body, max_age=60)


@router.route("GET", "/api/v1/catalog/content/{content_id}", summary="One title: seasons, cast, genres, languages",
              query=ViewerQuery, response=DetailsOut, auth="optional", errors=(401, 404, 422),
              headers=("country", "If-None-Match"))
async def get_title(request: web.Request, *, query: ViewerQuery) -> web.Response:
    """Details of a title the caller may see (404 otherwise, or for a malformed id)."""
    viewer = await catalog_viewer(request, query.profile_id)
    details = await content_details(request.app[keys.DB], viewer=viewer, content_id=request.match_info["content_id"])
    return cached_json(request, details, max_age=60)


@router.route("GET", "/api/v1/catalog/content/{content_id}/seasons/{season_number}",
              summary="One season of a show with its episodes", query=ViewerQuery, response=SeasonOut,
              auth="optional", errors=(401, 404, 422),
              headers=("country", "If-None-Match"))
async def get_season(request: web.Request, *, query: ViewerQuery) -> web.Response:
    """The episodes of season ``season_number`` of a visible show."""
    number = _season_number(request)
    viewer = await catalog_viewer(request, query.profile_id)
    season = await season_episodes(request.app[keys.DB], viewer=viewer, content_id=request.match_info["content_id"],
                                   season_number=number)
    return cached_json(request, season, max_age=60)


@router.route("GET", "/api/v1/catalog/search", summary="Search titles, cast and genres (English and Hindi)",
              query=SearchQuery, response=SearchOut, auth="optional", errors=(401, 404, 422),
              headers=("country", "If-None-Match"))
async def search(request: web.Request, *, query: SearchQuery) -> web.Response:
    """Ranked, typo-tolerant search; each hit has ``match_score`` in [0, 1]."""
    viewer = await catalog_viewer(request, query.profile_id)
    results, total = await search_content(request.app[keys.DB], viewer=viewer, q=query.q, type_=query.type,
                                          page=query.page, limit=query.limit)
    body = {"query": query.q, "results": results, "total": total,
            "pagination": pagination(page=query.page, limit=query.limit, total=total)}
    return cached_json(request, body, max_age=30)


@router.route("GET", "/api/v1/catalog/genres", summary="Genres with counts of available titles",
              query=ViewerQuery, response=CatalogGenresOut, auth="optional", errors=(401, 404, 422),
              headers=("country", "If-None-Match"))
async def genres(request: web.Request, *, query: ViewerQuery) -> web.Response:
    """Every genre, with how many titles in it the caller may see."""
    viewer = await catalog_viewer(request, query.profile_id)
    return cached_json(request, {"genres": await genre_counts(request.app[keys.DB], viewer=viewer)}, max_age=300)


@router.route("GET", "/api/v1/catalog/trending", summary="Trending titles from real playback",
              query=TrendingQuery, response=TrendingOut, auth="optional", errors=(401, 404, 422),
              headers=("country", "If-None-Match"))
async def trending(request: web.Request, *, query: TrendingQuery) -> web.Response:
    """Titles ranked by views and completion in the period (ties by popularity), visible ones only; what
    viewers in the caller's region (country header) watch comes first."""
    viewer = await catalog_viewer(request, query.profile_id)
    entries = await trending_for(request.app, period=query.period, country=viewer.country)
    cards = await cards_by_ids(request.app[keys.DB], viewer=viewer, ids=[e.content_id for e in entries])
    items: list[dict[str, Any]] = []
    for entry in entries:
        found = cards.get(entry.content_id)
        if found is None:
            continue
        items.append({**found, "rank": len(items) + 1, "trend_score": entry.score, "views": entry.views,
                      "completion_rate": entry.completion_rate})
        if len(items) >= query.limit:
            break
    return cached_json(request, {"period": query.period, "trending": items}, max_age=60)
