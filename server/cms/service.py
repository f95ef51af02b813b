"""CMS operations: create, edit, workflow transitions, restore — each versioned and audited.

Every function runs inside the caller's transaction on ``conn`` so an operation over many titles
(bulk, CSV import) is all-or-nothing. Ownership: a creator edits and submits only their own drafts;
an admin may edit any title in any state.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import asyncpg

from server.auth import audit
from server.cms import store
from server.cms.models import CONTENT_FIELDS, ContentCreate, ContentPatch, TransitionOut
from server.cms.workflow import next_state
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.routing import Principal

log = logging.getLogger(__name__)


def _is_admin(who: Principal | None) -> bool:
    return who is not None and "admin" in who.roles


async def _audit(conn: asyncpg.Connection, *, who: Principal | None, action: str, content_id: str,
                 details: dict[str, Any], request_id: str | None) -> None:
    await audit.record(conn, action=f"cms.{action}", actor_id=who.user_id if who else None, target_type="content",
                       target_id=content_id, details=details, request_id=request_id)


async def _apply_patch(conn: asyncpg.Connection, *, content_id: str, patch: ContentPatch) -> None:
    await store.update_fields(conn, content_id=content_id, fields=patch.changes())
    row = await store.fetch_content(conn, content_id=content_id)
    if row["available_from"] and row["available_until"] and row["available_from"] >= row["available_until"]:
        raise ValidationFailed("available_from must be before available_until", errors=[
            {"field": "available_until", "message": "must be after available_from", "type": "value_error"}])
    relink = False
    if patch.genres is not None:
        await store.set_genres(conn, content_id=content_id, genres=[str(g) for g in patch.genres])
        relink = True
    if patch.cast is not None:
        await store.set_cast(conn, content_id=content_id, cast=patch.cast)
        relink = True
    if relink:
        await store.refresh_search(conn, content_ids=[content_id])


async def create(conn: asyncpg.Connection, *, body: ContentCreate, who: Principal,
                 request_id: str | None = None, action: str = "create") -> tuple[str, int]:
    """A new draft owned by ``who``; (id, version 1)."""
    cid = await store.insert_content(conn, fields=body.changes(), author_id=who.user_id)
    relink = ContentPatch.model_construct(genres=body.genres, cast=body.cast)
    relink.model_fields_set.update(k for k in ("genres", "cast") if getattr(body, k) is not None)
    await _apply_patch(conn, content_id=cid, patch=relink)
    version = await store.record_version(conn, content_id=cid, action=action, author_id=who.user_id)
    await _audit(conn, who=who, action=f"content.{action}", content_id=cid,
                 details={"version": version, "title": body.title}, request_id=request_id)
    return cid, version


def check_may_edit(*, row: asyncpg.Record, who: Principal) -> None:
    """Admins edit anything; a creator only their own drafts (403 not theirs, 409 not a draft)."""
    if _is_admin(who):
        return
    if str(row["created_by"]) != who.user_id:
        raise Forbidden("creators may edit only their own content")
    if row["workflow_state"] != "draft":
        raise Conflict(f"only drafts can be edited; this one is {row['workflow_state']}",
                       extra={"workflow_state": row["workflow_state"]})


async def update(conn: asyncpg.Connection, *, content_id: str, patch: ContentPatch, who: Principal,
                 request_id: str | None = None, action: str = "update", checked: bool = False) -> int:
    """Apply a partial update; the new version number (``checked``: the caller already decided who may)."""
    row = await store.fetch_content(conn, content_id=content_id, lock=True)
    cid = str(row["id"])
    if not checked:
        check_may_edit(row=row, who=who)
    before = await store.snapshot(conn, content_id=cid)
    await _apply_patch(conn, content_id=cid, patch=patch)
    version = await store.record_version(conn, content_id=cid, action=action, author_id=who.user_id)
    after = await store.snapshot(conn, content_id=cid)
    changed = sorted(k for k in after if before.get(k) != after.get(k))
    await _audit(conn, who=who, action=f"content.{action}", content_id=cid,
                 details={"version": version, "fields": changed}, request_id=request_id)
    return version


async def transition(conn: asyncpg.Connection, *, content_id: str, action: str, who: Principal | None,
                     comments: str | None = None, publish_at: datetime | None = None,
                     request_id: str | None = None) -> TransitionOut:
    """Move the title through the workflow; 409 when illegal from its state, 403 when not the owner."""
    row = await store.fetch_content(conn, content_id=content_id, lock=True)
    cid, current = str(row["id"]), row["workflow_state"]
    target = next_state(action=action, current=current, archived_from=row["archived_from"])
    if action == "submit" and who is not None and not _is_admin(who) and str(row["created_by"]) != who.user_id:
        raise Forbidden("creators may submit only their own drafts")
    recorded = action
    if action == "submit":
        await conn.execute("UPDATE content SET workflow_state = $2, submitted_at = now() WHERE id = $1::uuid",
                           cid, target)
    elif action == "approve":
        await conn.execute("UPDATE content SET workflow_state = $2, approved_at = now(), review_comments = $3"
                           " WHERE id = $1::uuid", cid, target, comments)
    elif action == "reject":
        await conn.execute("UPDATE content SET workflow_state = $2, review_comments = $3 WHERE id = $1::uuid",
                           cid, target, comments)
    elif action == "publish" and publish_at is not None and publish_at > datetime.now(UTC):
        recorded, target = "schedule_publish", current
        await conn.execute("UPDATE content SET publish_at = $2 WHERE id = $1::uuid", cid, publish_at)
    elif action == "publish":
        at = publish_at or datetime.now(UTC)
        await conn.execute("UPDATE content SET workflow_state = $2, published_at = $3, publish_at = NULL"
                           " WHERE id = $1::uuid", cid, target, at)
    elif action == "archive":
        await conn.execute("UPDATE content SET workflow_state = $2, archived_from = $3, publish_at = NULL"
                           " WHERE id = $1::uuid", cid, target, current)
    else:  # unarchive
        await conn.execute("UPDATE content SET workflow_state = $2, archived_from = NULL WHERE id = $1::uuid",
                           cid, target)
    author = who.user_id if who else None
    version = await store.record_version(conn, content_id=cid, action=recorded, author_id=author, comment=comments)
    details: dict[str, Any] = {"from": current, "to": target, "version": version}
    if comments:
        details["comments"] = comments
    if recorded == "schedule_publish" and publish_at is not None:
        details["publish_at"] = publish_at.isoformat()
    if who is None:
        details["by"] = "scheduler"
    await _audit(conn, who=who, action=f"content.{recorded}", content_id=cid, details=details, request_id=request_id)
    after = await store.fetch_content(conn, content_id=cid)
    return TransitionOut(id=cid, workflow_state=after["workflow_state"], version=version,
                         publish_at=store.jsonable(after["publish_at"]),
                         published_at=store.jsonable(after["published_at"]),
                         review_comments=after["review_comments"])


async def restore(conn: asyncpg.Connection, *, content_id: str, version: int, who: Principal,
                  request_id: str | None = None) -> int:
    """Put back the fields, genres and cast of ``version`` (workflow state is kept); the new version.

    A published title is rolled back live by a publisher or an admin (spec FR-CMS-004); anything else
    follows the edit rules (a creator: only their own drafts).
    """
    cid = store.parse_id(content_id)
    row = await store.fetch_content(conn, content_id=cid, lock=True)
    live = row["workflow_state"] == "published" and who.has_any(("publisher",))
    if not live:
        check_may_edit(row=row, who=who)
    snap = await conn.fetchval("SELECT snapshot FROM content_versions WHERE content_id = $1::uuid AND version = $2",
                               cid, version)
    if snap is None:
        await store.fetch_content(conn, content_id=cid)  # 404 for an unknown title first
        raise NotFound(f"content {cid} has no version {version}")
    data = {k: snap.get(k) for k in (*CONTENT_FIELDS, "genres", "cast") if k in snap}
    for c in data.get("cast") or []:
        c.pop("name", None)
    patch = ContentPatch.model_validate(data)
    return await update(conn, content_id=cid, patch=patch, who=who, request_id=request_id, action="restore",
                        checked=True)
