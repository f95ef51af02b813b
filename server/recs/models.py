"""Request and response models of the recommendation endpoints."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonalizedQuery(_In):
    """Whose recommendations and how many."""

    profile_id: UUID
    limit: int = Field(default=20, ge=1, le=50)


class SimilarQuery(_In):
    """How many similar titles; ``profile_id`` applies that profile's rating limits."""

    profile_id: UUID | None = None
    limit: int = Field(default=10, ge=1, le=50)


class FeedbackIn(_In):
    """A like or dislike of a title by a profile."""

    profile_id: UUID
    content_id: UUID
    signal: Literal["like", "dislike"]


class Recommendation(BaseModel):
    """A recommended title and why."""

    content_id: str
    title: str
    poster_url: str | None
    type: str
    score: float
    reason: str


class PersonalizedOut(BaseModel):
    """``degraded`` is true when the recommender failed and trending titles were answered instead;
    ``personalized`` is false when the account opted out (trending titles, not from its history)."""

    recommendations: list[Recommendation]
    degraded: bool = False
    personalized: bool = True


class SimilarItem(BaseModel):
    """A similar title."""

    content_id: str
    title: str
    poster_url: str | None
    type: str
    similarity_score: float


class SimilarOut(BaseModel):
    """Most similar first; ``degraded`` as for personalised recommendations."""

    similar: list[SimilarItem]
    degraded: bool = False


class FeedbackOut(BaseModel):
    """Feedback stored."""

    profile_id: str
    content_id: str
    signal: str
