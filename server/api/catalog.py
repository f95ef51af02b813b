"""Catalog API (spec §6.2): browse, details, seasons, search, genres, trending.

Authentication is optional. Without a token the caller browses as an anonymous free viewer
with no profile (every maturity rating); ``profile_id`` applies that profile's rating / kids
rules and needs a token (401 otherwise; 404 when the profile is not the caller's). The country
comes from the trusted country header. Responses carry a weak ETag (304 on If-None-Match) and
are br/gzip compressed per Accept-Encoding.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from server import keys
from server.auth.viewer import Viewer, load_viewer, request_country
from server.catalog.queries import (
    ListFilters,
    cards_by_ids,
    content_details,
    genre_counts,
    list_content,
    season_episodes,
)
from server.catalog.search import normalise_query, search_content
from server.catalog.trending import trending_for
from server.errors import Unauthorized, ValidationFailed
from server.http_cache import cached_json
from server.listing import Pagination, pagination
from server.routing import ApiRouter, optional_principal

log = logging.getLogger(__name__)
router = ApiRouter(tag="catalog")

MAX_LIMIT = 100
ContentType = Literal["movie", "tv_show", "sports"]


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile_id: str | None = Field(default=None, max_length=64, description="apply this profile's rating rules")


class ListQuery(_Query):
    """Filters, sort and page of the content list."""

    type: ContentType | None = None
    genre: str | None = Field(default=None, pattern=r"^[a-z0-9-]{1,100}$", description="genre slug")
    language: Literal["en", "hi"] | None = Field(default=None, description="an available audio language")
    tier: Literal["free", "premium"] | None = None
    year: int | None = Field(default=None, ge=1880, le=2200)
    year_from: int | None = Field(default=None, ge=1880, le=2200)
    year_to: int | None = Field(default=None, ge=1880, le=2200)
    maturity: Literal["U", "U/A", "A"] | None = None
    sort: Literal["trending", "recent", "a-z", "release_date"] = "trending"
    page: int = Field(default=1, ge=1, le=100_000, description="page number, from 1")
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT, description="items per page")

    @model_validator(mode="after")
    def _year_range(self) -> ListQuery:
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise ValueError("year_from must not be after year_to")
        return self


class SearchQuery(_Query):
    """A search: free text in English or Hindi, optional type, page."""

    q: str = Field(min_length=1, max_length=200)
    type: ContentType | None = None
    page: int = Field(default=1, ge=1, le=1000, description="page number, from 1")
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT, description="items per page")

    @field_validator("q")
    @classmethod
    def _has_words(cls, value: str) -> str:
        cleaned = normalise_query(value)
        if not any(ch.isalnum() for ch in cleaned):
            raise ValueError("the query needs at least one letter or digit")
        return cleaned


class TrendingQuery(_Query):
    """Trending period and how many titles."""

    period: Literal["24h", "7d", "30d"] = "7d"
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)


class ViewerQuery(_Query):
    """Only the optional profile."""


class TitleOut(BaseModel):
    """The fields every view of a title carries (list card and details)."""

    id: str
    type: ContentType
    title: str
    title_hi: str | None
    description: str | None
    description_hi: str | None
    release_date: str | None
    year: int | None
    duration_minutes: int | None
    maturity_rating: str
    poster_url: str | None
    thumbnail_url: str | None
    original_language: str
    genres: list[str]
    tier_requirement: Literal["free", "premium"]
    premium: bool
    view_count: int
    available_until: str | None


class CardOut(TitleOut):
    """A title as shown in a list."""

    languages: list[str]


class PageOut(BaseModel):
    """One page of titles (spec §6.2) and where it sits in the whole list."""

    content: list[CardOut]
    pagination: Pagination


class SeasonSummaryOut(BaseModel):
    """A season in the details view."""

    id: str
    season_number: int
    title: str | None
    title_hi: str | None
    episode_count: int
    release_date: str | None


class GenreRefOut(BaseModel):
    """A genre of a title."""

    name: str
    name_hi: str | None
    slug: str


class CastMemberOut(BaseModel):
    """A cast member."""

    id: str
    name: str
    name_hi: str | None
    character: str | None


class AudioTrackOut(BaseModel):
    """An audio language of a title."""

    language: str
    label: str | None
    is_default: bool


class DetailsOut(TitleOut):
    """Everything about one title."""

    trailer_url: str | None
    genre_details: list[GenreRefOut]
    playable: bool = Field(description="the caller's tier allows playing it")
    seasons: list[SeasonSummaryOut]
    cast: list[str]
    cast_details: list[CastMemberOut]
    director: str | None
    directors: list[str]
    audio_languages: list[str]
    audio_tracks: list[AudioTrackOut]
    subtitle_languages: list[str]
    available_from: str | None


class EpisodeOut(BaseModel):
    """An episode of a season."""

    id: str
    episode_number: int
    title: str
    title_hi: str | None
    description: str | None
    description_hi: str | None
    duration_minutes: int | None
    thumbnail_url: str | None
    air_date: str | None


class SeasonOut(BaseModel):
    """One season with its episodes."""

    content_id: str
    season_id: str
    season_number: int
    title: str | None
    title_hi: str | None
    release_date: str | None
    tier_requirement: Literal["free", "premium"]
    playable: bool
    episodes: list[EpisodeOut]


class SearchResultOut(CardOut):
    """A search hit."""

    match_score: float = Field(ge=0, le=1)


class SearchOut(BaseModel):
    """Search hits, best first (spec §6.2: ``results`` and ``total``), and the page."""

    query: str
    results: list[SearchResultOut]
    total: int
    pagination: Pagination


class CatalogGenreOut(BaseModel):
    """A genre with the number of titles the caller may see in it."""

    id: str
    name: str
    name_hi: str | None
    slug: str
    icon_url: str | None
    content_count: int


class CatalogGenresOut(BaseModel):
    """Every genre."""

    genres: list[CatalogGenreOut]


class TrendingItemOut(CardOut):
    """A trending title."""

    rank: int
    trend_score: float
    views: int = Field(description="distinct profiles that watched it in the period")
    completion_rate: float


class TrendingOut(BaseModel):
    """The trending tray of a period."""

    period: str
    trending: list[TrendingItemOut]


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
