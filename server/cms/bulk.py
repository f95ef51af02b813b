"""Bulk operations over many titles (spec FR-CMS-005), all-or-nothing in one transaction."""

from __future__ import annotations

import logging
import uuid
from typing import Literal

import asyncpg
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from server.cms import service, store
from server.cms.models import ContentPatch, Tier
from server.errors import ValidationFailed
from server.routing import Principal

log = logging.getLogger(__name__)

BulkOp = Literal["add_genres", "remove_genres", "set_genres", "set_availability", "set_tier", "archive",
                 "unarchive"]
MAX_IDS = 1000


class BulkIn(BaseModel):
    """One operation over ``ids``: genres (add/remove/set), availability window, tier, (un)archive."""

    model_config = ConfigDict(extra="forbid")
    op: BulkOp
    ids: list[str] = Field(min_length=1, max_length=MAX_IDS)
    genres: list[uuid.UUID] | None = Field(default=None, max_length=30)
    available_from: AwareDatetime | None = None
    available_until: AwareDatetime | None = None
    tier: Tier | None = None

    @model_validator(mode="after")
    def _fields_for_op(self) -> BulkIn:
        if self.op.endswith("_genres") and self.genres is None:
            raise ValueError(f"{self.op} needs genres")
        if self.op == "set_tier" and self.tier is None:
            raise ValueError("set_tier needs tier")
        if self.op == "set_availability":
            if "available_from" not in self.model_fields_set and "available_until" not in self.model_fields_set:
                raise ValueError("set_availability needs available_from and/or available_until")
            if self.available_from and self.available_until and self.available_from >= self.available_until:
                raise ValueError("available_from must be before available_until")
        return self


class BulkItem(BaseModel):
    """One title after the operation."""

    id: str
    workflow_state: str
    version: int


class BulkOut(BaseModel):
    """What the operation did."""

    op: BulkOp
    count: int
    items: list[BulkItem]


async def _lock_all(conn: asyncpg.Connection, ids: list[str]) -> list[str]:
    """Canonical ids, every one existing and locked (in id order, so two bulk calls cannot deadlock)."""
    errors, canonical = [], []
    for i, raw in enumerate(ids):
        try:
            canonical.append(str(uuid.UUID(raw)))
        except ValueError:
            errors.append({"field": f"ids[{i}]", "message": f"not a content id: {raw[:64]}", "type": "uuid_parsing"})
    if not errors:
        found = {r["id"] for r in await conn.fetch(
            "SELECT id::text AS id FROM content WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE", canonical)}
        errors = [{"field": f"ids[{i}]", "message": f"no content {cid}", "type": "not_found"}
                  for i, cid in enumerate(canonical) if cid not in found]
    if errors:
        raise ValidationFailed(f"{len(errors)} of {len(ids)} ids are not titles; nothing was changed", errors=errors)
    if len(set(canonical)) != len(canonical):
        raise ValidationFailed("ids repeat", errors=[
            {"field": "ids", "message": "each id once", "type": "value_error"}])
    return canonical


async def _patch_for(conn: asyncpg.Connection, *, body: BulkIn, content_id: str) -> ContentPatch:
    if body.op == "set_tier":
        return ContentPatch(tier_requirement=body.tier)
    if body.op == "set_availability":
        fields = {k: getattr(body, k) for k in ("available_from", "available_until") if k in body.model_fields_set}
        return ContentPatch.model_validate(fields)
    wanted = {str(g) for g in body.genres or []}
    current = set(await store.genre_ids(conn, content_id=content_id))
    new = wanted if body.op == "set_genres" else (current | wanted if body.op == "add_genres" else current - wanted)
    return ContentPatch(genres=[uuid.UUID(g) for g in sorted(new)])


async def run_bulk(conn: asyncpg.Connection, *, body: BulkIn, who: Principal, request_id: str | None) -> BulkOut:
    """Apply ``body`` to every title inside the caller's transaction; any failure raises (and rolls back)."""
    ids = await _lock_all(conn, body.ids)
    items = []
    for cid in ids:
        if body.op in ("archive", "unarchive"):
            out = await service.transition(conn, content_id=cid, action=body.op, who=who, request_id=request_id)
            items.append(BulkItem(id=cid, workflow_state=out.workflow_state, version=out.version))
            continue
        patch = await _patch_for(conn, body=body, content_id=cid)
        version = await service.update(conn, content_id=cid, patch=patch, who=who, request_id=request_id,
                                       action=f"bulk_{body.op}")
        state = await conn.fetchval("SELECT workflow_state FROM content WHERE id = $1::uuid", cid)
        items.append(BulkItem(id=cid, workflow_state=state, version=version))
    log.info("bulk %s over %d titles", body.op, len(ids))
    return BulkOut(op=body.op, count=len(items), items=items)
