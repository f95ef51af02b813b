"""Request and response models of the CMS endpoints (one model = validation + OpenAPI schema)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from server.cms.workflow import State
from server.listing import PageParams, Pagination

ContentType = Literal["movie", "tv_show", "sports"]
Rating = Literal["U", "U/A", "A"]
Tier = Literal["free", "premium"]
PersonRole = Literal["actor", "director", "writer", "producer", "music"]
Lang = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Url = Annotated[str, StringConstraints(max_length=500, pattern=r"^(https?://|/)\S+$")]
Comment = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class CastIn(_In):
    """One cast or crew credit of a title."""

    person_id: UUID
    role: PersonRole = "actor"
    billing: int = Field(default=0, ge=0, le=1000)
    character_name: str | None = Field(default=None, max_length=200)


#: Columns of ``content`` a CMS user edits directly (the only names ever put into SQL text).
CONTENT_FIELDS: tuple[str, ...] = (
    "type", "title", "title_hi", "description", "description_hi", "original_language", "languages",
    "subtitle_languages", "release_date", "year", "duration_minutes", "maturity_rating", "poster_url",
    "thumbnail_url", "trailer_url", "tier_requirement", "geo_restriction", "available_from", "available_until",
)


class ContentPatch(_In):
    """PUT /cms/content/{id}: any subset of the fields; ``null`` clears an optional one."""

    type: ContentType | None = None
    title: str | None = Field(default=None, min_length=1, max_length=500)
    title_hi: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=10_000)
    description_hi: str | None = Field(default=None, max_length=10_000)
    original_language: Lang | None = None
    languages: list[Lang] | None = Field(default=None, max_length=20)
    subtitle_languages: list[Lang] | None = Field(default=None, max_length=20)
    release_date: date | None = None
    year: int | None = Field(default=None, ge=1880, le=2200)
    duration_minutes: int | None = Field(default=None, ge=0, le=100_000)
    maturity_rating: Rating | None = None
    poster_url: Url | None = None
    thumbnail_url: Url | None = None
    trailer_url: Url | None = None
    tier_requirement: Tier | None = None
    geo_restriction: list[Country] | None = Field(default=None, min_length=1, max_length=250)
    available_from: AwareDatetime | None = None
    available_until: AwareDatetime | None = None
    genres: list[UUID] | None = Field(default=None, max_length=30, description="genre ids (replaces the set)")
    cast: list[CastIn] | None = Field(default=None, max_length=200, description="credits (replaces the list)")

    @model_validator(mode="after")
    def _window(self) -> ContentPatch:
        if self.available_from and self.available_until and self.available_from >= self.available_until:
            raise ValueError("available_from must be before available_until")
        for name in ("type", "title", "maturity_rating", "tier_requirement", "original_language", "languages",
                     "subtitle_languages"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """The content columns the caller sent (not genres/cast), with their new values."""
        return {k: getattr(self, k) for k in CONTENT_FIELDS if k in self.model_fields_set}


class ContentCreate(ContentPatch):
    """POST /cms/content: a new draft; ``type`` and ``title`` are required."""

    type: ContentType
    title: str = Field(min_length=1, max_length=500)


class CreditOut(BaseModel):
    """One credit of a title as the CMS shows it: the person, their name and part."""

    person_id: str
    name: str
    role: PersonRole
    billing: int
    character_name: str | None


class ContentOut(BaseModel):
    """A title as the CMS sees it (every state), with its genres and cast."""

    id: str
    workflow_state: State
    version: int
    created_by: str | None
    created_at: str
    updated_at: str
    published_at: str | None
    publish_at: str | None
    submitted_at: str | None
    approved_at: str | None
    review_comments: str | None
    asset_id: str | None
    fields: dict[str, Any]
    genres: list[str]
    cast: list[CreditOut]


class ContentListQuery(_In, PageParams):
    """GET /cms/content filters and page."""

    state: State | None = None
    type: ContentType | None = None
    tier: Tier | None = None
    created_by: UUID | None = None
    mine: bool = False
    q: str | None = Field(default=None, min_length=1, max_length=200, description="title substring")


class ContentListOut(BaseModel):
    """A page of titles."""

    content: list[ContentOut]
    pagination: Pagination


class ReviewIn(_In):
    """approve (optional comment) / reject (comment required, checked by the handler)."""

    comments: Comment | None = None


class RejectIn(_In):
    """reject: the reviewer says why the draft goes back."""

    comments: Comment


class PublishIn(_In):
    """publish now, or at ``publish_at`` (the content stays approved until then)."""

    publish_at: AwareDatetime | None = None


class EmptyIn(_In):
    """No fields."""


class TransitionOut(BaseModel):
    """The content's state after a workflow action."""

    id: str
    workflow_state: State
    version: int
    publish_at: str | None = None
    published_at: str | None = None
    review_comments: str | None = None


class VersionOut(BaseModel):
    """One stored version (without the snapshot unless asked)."""

    version: int
    action: str
    author_id: str | None
    at: str
    comment: str | None
    snapshot: dict[str, Any] | None = None


class VersionsOut(BaseModel):
    """Every version of a title, newest first."""

    content_id: str
    versions: list[VersionOut]


class FieldChange(BaseModel):
    """One field that differs between two versions."""

    field: str
    before: Any
    after: Any


class DiffOut(BaseModel):
    """Field-level differences from version ``a`` to version ``b``."""

    content_id: str
    a: int
    b: int
    changes: list[FieldChange]


class AuditQuery(_In, PageParams):
    """GET /cms/audit filters and page."""

    content_id: UUID | None = None
    actor_id: UUID | None = None


class AuditEntry(BaseModel):
    """Who did what to which target, when."""

    id: int
    at: str
    actor_id: str | None
    action: str
    target_type: str | None
    target_id: str | None
    details: dict[str, Any]


class AuditOut(BaseModel):
    """A page of audit entries, newest first."""

    entries: list[AuditEntry]
    pagination: Pagination


class SeasonIn(_In):
    """A season of a show."""

    season_number: int = Field(ge=1, le=1000)
    title: str | None = Field(default=None, max_length=255)
    title_hi: str | None = Field(default=None, max_length=255)
    release_date: date | None = None


class EpisodeIn(_In):
    """An episode of a season; ``asset_id`` names a packaged asset directory."""

    episode_number: int = Field(ge=1, le=10_000)
    title: str = Field(min_length=1, max_length=255)
    title_hi: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=10_000)
    description_hi: str | None = Field(default=None, max_length=10_000)
    duration_minutes: int | None = Field(default=None, ge=0, le=100_000)
    air_date: date | None = None
    asset_id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class CreatedOut(BaseModel):
    """The id of what was created and the content's new version."""

    id: str
    content_id: str
    version: int


class GenreIn(_In):
    """A new genre."""

    name: str = Field(min_length=1, max_length=100)
    name_hi: str | None = Field(default=None, max_length=100)
    slug: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    sort_order: int = Field(default=0, ge=0, le=100_000)


class GenreOut(BaseModel):
    """A genre."""

    id: str
    name: str
    name_hi: str | None
    slug: str


class GenresOut(BaseModel):
    """Every genre (or those matching ``q``)."""

    genres: list[GenreOut]


class PersonIn(_In):
    """A new cast or crew member."""

    name: str = Field(min_length=1, max_length=200)
    name_hi: str | None = Field(default=None, max_length=200)


class PersonOut(BaseModel):
    """A person."""

    id: str
    name: str
    name_hi: str | None


class PeopleOut(BaseModel):
    """People matching a name prefix/substring."""

    people: list[PersonOut]


class SearchQuery(_In):
    """``q``: a case-insensitive substring (autocomplete)."""

    q: str | None = Field(default=None, min_length=1, max_length=100)
    limit: int = Field(default=20, ge=1, le=100)


class JobOut(BaseModel):
    """A packaging job: state, progress 0-100, the error of a failed one, the asset it made."""

    id: str
    content_id: str
    state: str
    progress: int
    phase: str | None
    error: str | None
    asset_id: str | None
    source_bytes: int | None
    created_at: str
    updated_at: str
    finished_at: str | None


class ImportOut(BaseModel):
    """What a CSV import wrote."""

    created: list[str]
    updated: list[str]
