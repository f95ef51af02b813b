"""Request and response models of the notification endpoints."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from server.listing import PageParams, Pagination


class NotificationsQuery(PageParams):
    """A page of one profile's notifications."""

    model_config = ConfigDict(extra="forbid")
    profile_id: UUID
    unread: bool = Field(default=False, description="only the unread ones")


class ProfileQuery(BaseModel):
    """The profile the notification belongs to."""

    model_config = ConfigDict(extra="forbid")
    profile_id: UUID


class NotificationOut(BaseModel):
    """One notification."""

    id: str
    kind: str
    content_id: str
    episode_id: str | None
    message: str
    created_at: str
    read: bool


class NotificationsOut(BaseModel):
    """Newest first."""

    notifications: list[NotificationOut]
    pagination: Pagination


class ReadOut(BaseModel):
    """The notification, now read."""

    id: str
    read: bool
