"""Request and response models of the auth endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class RegisterIn(BaseModel):
    """POST /auth/register."""

    model_config = ConfigDict(extra="forbid")
    email: EmailStr = Field(max_length=255)
    password: str = Field(min_length=1, max_length=256)
    language: Literal["en", "hi"] = "en"


class LoginIn(BaseModel):
    """POST /auth/login."""

    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=255)
    password: str = Field(min_length=1, max_length=256)


class RefreshIn(BaseModel):
    """POST /auth/refresh."""

    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=1, max_length=4096)


class LogoutIn(BaseModel):
    """POST /auth/logout: end every login of the account (spec §6.1), or only this one."""

    model_config = ConfigDict(extra="forbid")
    all_sessions: bool = Field(default=True, description="false: end only this login (this device)")


class TokenIn(BaseModel):
    """A single-use token from a mail."""

    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=512)


class EmailIn(BaseModel):
    """An email address (password-reset request)."""

    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=255)


class PasswordResetConfirmIn(BaseModel):
    """POST /auth/password-reset/confirm."""

    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=512)
    password: str = Field(min_length=1, max_length=256)


class SessionOut(BaseModel):
    """Register and login answer (spec §6.1 plus email_verified, roles and expiry)."""

    user_id: str
    email: str
    subscription_tier: Literal["free", "premium"]
    email_verified: bool
    roles: list[str]
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105
    expires_in: int


class RefreshOut(BaseModel):
    """Refresh answer: the rotated pair."""

    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105
    expires_in: int


class MeOut(BaseModel):
    """GET /auth/me."""

    user_id: str
    email: str
    roles: list[str]
    subscription_tier: Literal["free", "premium"]
    subscription_expires_at: str | None
    email_verified: bool
    language: str
    created_at: str


class VerifiedOut(BaseModel):
    """Email verification answer."""

    email_verified: bool


class AcceptedOut(BaseModel):
    """A 202 answer."""

    status: Literal["accepted"] = "accepted"
