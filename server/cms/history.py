"""A title's history: its stored versions, the diff between two, and the CMS audit log."""

from __future__ import annotations

from typing import Any

import asyncpg

from server.cms import store
from server.cms.diff import diff_snapshots
from server.cms.models import AuditEntry, AuditOut, AuditQuery, DiffOut, FieldChange, VersionOut, VersionsOut
from server.errors import NotFound
from server.listing import Pagination, pagination


def _version_out(row: Any, *, with_snapshot: bool) -> VersionOut:
    return VersionOut(version=row["version"], action=row["action"],
                      author_id=str(row["author_id"]) if row["author_id"] else None, at=row["at"].isoformat(),
                      comment=row["comment"], snapshot=row["snapshot"] if with_snapshot else None)


async def versions(conn: asyncpg.Connection, *, content_id: str) -> VersionsOut:
    """Every version of the title, newest first, without snapshots; 404 unknown title."""
    row = await store.fetch_content(conn, content_id=content_id)
    rows = await conn.fetch("SELECT version, action, author_id, at, comment, NULL AS snapshot"
                            " FROM content_versions WHERE content_id = $1 ORDER BY version DESC", row["id"])
    return VersionsOut(content_id=str(row["id"]), versions=[_version_out(r, with_snapshot=False) for r in rows])


async def diff(conn: asyncpg.Connection, *, content_id: str, a: int, b: int) -> DiffOut:
    """Each field that differs from version ``a`` to version ``b``; 404 unknown title or version."""
    row = await store.fetch_content(conn, content_id=content_id)
    snaps = {r["version"]: r["snapshot"] for r in await conn.fetch(
        "SELECT version, snapshot FROM content_versions WHERE content_id = $1 AND version = ANY($2::int[])",
        row["id"], [a, b])}
    for n in (a, b):
        if n not in snaps:
            raise NotFound(f"content {row['id']} has no version {n}")
    changes = [FieldChange(**c) for c in diff_snapshots(snaps[a], snaps[b])]
    return DiffOut(content_id=str(row["id"]), a=a, b=b, changes=changes)


async def audit_page(db: store.Db, *, query: AuditQuery) -> AuditOut:
    """CMS audit entries, newest first, optionally of one title or one actor."""
    params: list[Any] = [str(query.content_id) if query.content_id else None,
                         str(query.actor_id) if query.actor_id else None]
    where = ("action LIKE 'cms.%' AND ($1::text IS NULL OR target_id = $1)"
             " AND ($2::uuid IS NULL OR actor_id = $2::uuid)")
    total = await db.fetchval(f"SELECT count(*) FROM audit_log WHERE {where}", *params)  # noqa: S608
    rows = await db.fetch(f"SELECT * FROM audit_log WHERE {where} ORDER BY at DESC, id DESC"  # noqa: S608
                          " LIMIT $3 OFFSET $4", *params, query.limit, query.offset)
    entries = [AuditEntry(id=r["id"], at=r["at"].isoformat(), actor_id=str(r["actor_id"]) if r["actor_id"] else None,
                          action=r["action"], target_type=r["target_type"], target_id=r["target_id"],
                          details=r["details"]) for r in rows]
    return AuditOut(entries=entries, pagination=Pagination(
        **pagination(page=query.page, limit=query.limit, total=total)))
