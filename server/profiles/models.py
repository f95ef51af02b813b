"""Request and response models of the profile endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Rating = Literal["U", "U/A", "A"]
Language = Literal["en", "hi"]
Quality = Literal["auto", "108p", "144p", "360p", "480p", "720p", "1080p"]


def _check_avatar(value: str | None) -> str | None:
    if value is not None and not value.startswith(("https://", "http://")):
        raise ValueError("avatar_url must be an http(s) URL")
    return value


def _check_name(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise ValueError("name must not be blank")
    return value


class ProfileIn(BaseModel):
    """POST /auth/profiles. A kids profile is always rated U (omitting the rating gives U)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    avatar_url: str | None = Field(default=None, max_length=500)
    maturity_rating: Rating | None = None
    language_preference: Language = "en"
    is_kids_profile: bool = False
    preferred_quality: Quality | None = None

    _name = field_validator("name")(_check_name)
    _avatar = field_validator("avatar_url")(_check_avatar)


class ProfilePatch(BaseModel):
    """PATCH /auth/profiles/{id}: only the fields sent change; nullable ones may be set to null."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    avatar_url: str | None = Field(default=None, max_length=500)
    maturity_rating: Rating | None = None
    language_preference: Language | None = None
    is_kids_profile: bool | None = None
    preferred_quality: Quality | None = None

    _name = field_validator("name")(_check_name)
    _avatar = field_validator("avatar_url")(_check_avatar)


class ProfileOut(BaseModel):
    """One profile."""

    id: str
    name: str
    avatar_url: str | None
    maturity_rating: Rating
    language_preference: Language
    is_kids_profile: bool
    preferred_quality: Quality | None
    created_at: str


class ProfileListOut(BaseModel):
    """GET /auth/profiles."""

    profiles: list[ProfileOut]
