"""Request and response models of the account (GDPR) endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field

#: Spec §8.3: a deleted account is kept this long for recovery, then erased.
GRACE_DAYS = 90


class PreferencesIn(BaseModel):
    """PUT /account/preferences."""

    model_config = ConfigDict(extra="forbid")
    personalized_recommendations: bool = Field(description="false: recommendations ignore your history")


class PreferencesOut(BaseModel):
    """The account's privacy preferences."""

    personalized_recommendations: bool


class DeletionOut(BaseModel):
    """An erasure request: when the account goes for good unless restored."""

    status: str
    deletion_requested_at: str
    erase_after: str


class RestoreIn(BaseModel):
    """POST /account/restore: the credentials of an account scheduled for deletion."""

    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    password: str = Field(min_length=1, max_length=256)


class ExportOut(BaseModel):
    """Everything stored about the account (right of access and portability)."""

    exported_at: str
    account: dict[str, Any]
    profiles: list[dict[str, Any]]
    watch_history: list[dict[str, Any]]
    watchlist: list[dict[str, Any]]
    recommendation_feedback: list[dict[str, Any]]
    subscriptions: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    invoices: list[dict[str, Any]]
