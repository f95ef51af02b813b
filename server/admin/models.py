"""Request and response models of the admin user-management endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from server.listing import PageParams, Pagination
from server.routing import Role


class UsersQuery(PageParams):
    """GET /admin/users filters and page."""

    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(default=None, max_length=255, description="case-insensitive substring")
    role: Role | None = None


class AdminUserOut(BaseModel):
    """One account as admins see it."""

    user_id: str
    email: str
    roles: list[str]
    subscription_tier: Literal["free", "premium"]
    status: str
    email_verified: bool
    created_at: str
    last_login_at: str | None


class UsersOut(BaseModel):
    """A page of accounts."""

    users: list[AdminUserOut]
    pagination: Pagination


class RolesIn(BaseModel):
    """PUT /admin/users/{id}/roles: the complete role set ("user" is always kept)."""

    model_config = ConfigDict(extra="forbid")
    roles: list[Role] = Field(max_length=6)


class StatusIn(BaseModel):
    """PUT /admin/users/{id}/status."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["active", "suspended"]


class StatusOut(BaseModel):
    """The account's new status."""

    user_id: str
    status: str
