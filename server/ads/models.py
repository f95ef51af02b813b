"""Request and response models of the ad endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    UrlConstraints,
    field_validator,
    model_validator,
)

from server.input_guard import omittable
from server.listing import PageParams, Pagination

#: Spec FR-AD-001/004: video ads of 15, 30 or 60 s; the skip button appears after 5 s at the earliest.
MAX_AD_SECONDS = 60
MIN_SKIP_AFTER_S = 5
TRACK_EVENTS = ("impression", "start", "firstQuartile", "midpoint", "thirdQuartile", "complete", "click", "skip",
                "error")
TrackEvent = Literal["impression", "start", "firstQuartile", "midpoint", "thirdQuartile", "complete", "click", "skip",
                     "error"]


#: ``ads.click_url`` is VARCHAR(1000).
ClickUrl = Annotated[HttpUrl, UrlConstraints(max_length=1000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AdFields(_In):
    """Fields of an ad that may be set (all optional: PATCH semantics for updates).

    A field whose column is NOT NULL is typed without ``None`` and declared ``omittable``: it may be
    left out (unsent fields are never written) but an explicit ``null`` is a 422, not a 500.
    """

    title: str = omittable(min_length=1, max_length=255)
    advertiser: str | None = Field(default=None, max_length=255)
    campaign: str | None = Field(default=None, max_length=255)
    category: str | None = Field(default=None, max_length=100)
    asset_id: str = omittable(max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
    duration_seconds: int = omittable(ge=1, le=MAX_AD_SECONDS)
    click_url: ClickUrl | None = None
    priority: int = omittable(ge=1, le=100)
    skippable: bool = omittable()
    skip_after_seconds: int = omittable(ge=MIN_SKIP_AFTER_S, le=MAX_AD_SECONDS)
    start_date: AwareDatetime | None = None
    end_date: AwareDatetime | None = None
    max_impressions: int | None = Field(default=None, ge=1, le=10**9)
    target_genres: list[Annotated[str, StringConstraints(max_length=100)]] | None = Field(default=None, max_length=50)
    target_age_min: int | None = Field(default=None, ge=0, le=120)
    target_age_max: int | None = Field(default=None, ge=0, le=120)
    target_countries: list[Annotated[str, StringConstraints(max_length=2)]] | None = Field(default=None,
                                                                                         max_length=250)
    active: bool = omittable()

    @field_validator("target_genres")
    @classmethod
    def _genres(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        out = [v.strip().lower() for v in value]
        if not out or any(not v or len(v) > 100 for v in out):
            raise ValueError("genres are 1-100 characters; give null for any genre")
        return out

    @field_validator("target_countries")
    @classmethod
    def _countries(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        out = [v.strip().upper() for v in value]
        if not out or any(len(v) != 2 or not v.isalpha() for v in out):
            raise ValueError("countries are ISO 3166 alpha-2 codes; give null for everywhere")
        return out

    @model_validator(mode="after")
    def _ranges(self) -> AdFields:
        if self.start_date and self.end_date and self.start_date >= self.end_date:
            raise ValueError("start_date must be before end_date")
        if self.target_age_min is not None and self.target_age_max is not None \
                and self.target_age_min > self.target_age_max:
            raise ValueError("target_age_min must not exceed target_age_max")
        return self


class AdIn(AdFields):
    """A new ad: title, creative asset and duration are required."""

    title: str = Field(min_length=1, max_length=255)
    asset_id: str = Field(max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
    duration_seconds: int = Field(ge=1, le=MAX_AD_SECONDS)


class AdOut(BaseModel):
    """An ad in the inventory."""

    id: str
    title: str
    advertiser: str | None
    campaign: str | None
    category: str | None
    asset_id: str
    duration_seconds: int
    click_url: str | None
    priority: int
    skippable: bool
    skip_after_seconds: int
    start_date: datetime | None
    end_date: datetime | None
    max_impressions: int | None
    current_impressions: int
    target_genres: list[str] | None
    target_age_min: int | None
    target_age_max: int | None
    target_countries: list[str] | None
    active: bool
    created_at: datetime
    updated_at: datetime


class AdListQuery(_In, PageParams):
    """Inventory page."""

    active: bool | None = None


class AdListOut(BaseModel):
    """A page of the inventory, highest priority first."""

    ads: list[AdOut]
    pagination: Pagination


class SessionQuery(_In):
    """The playback session whose ads are wanted."""

    session_id: UUID


class VastQuery(_In):
    """An optional playback session (tracking URLs are bound to it)."""

    session_id: UUID | None = None


class TrackQuery(_In):
    """A tracking beacon: which session, ad and event."""

    session_id: UUID
    ad_id: UUID
    event: TrackEvent
    code: int | None = Field(default=None, ge=100, le=999)   # VAST error code for ``error``
    showing: int | None = Field(default=None, ge=1, le=1000, description="which break of the VMAP (from 1)")


class TrackOut(BaseModel):
    """Whether the beacon was recorded (a repeated impression is not counted twice)."""

    recorded: bool
    counted: bool
