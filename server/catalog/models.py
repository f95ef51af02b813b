"""Request and response models of the catalog endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from server.catalog.search import normalise_query
from server.listing import Pagination

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


class ComingSoonQuery(_Query):
    """Page of the coming-soon list."""

    page: int = Field(default=1, ge=1, le=100_000, description="page number, from 1")
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT, description="items per page")


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
    playable: bool = Field(description="the caller's tier allows playing it and it is out (not coming soon)")
    coming_soon: bool = Field(description="published, but its availability window opens later")
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


class ComingSoonItemOut(CardOut):
    """A title that is announced but not out yet."""

    available_from: str = Field(description="when it can be played")


class ComingSoonOut(BaseModel):
    """One page of coming-soon titles, soonest first."""

    content: list[ComingSoonItemOut]
    pagination: Pagination
