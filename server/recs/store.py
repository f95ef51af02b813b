"""The recommendation area's tables: title facts for the answer and the viewer's feedback."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

Db: TypeAlias = asyncpg.Pool | asyncpg.Connection


async def title_facts(db: Db, *, content_ids: list[str]) -> dict[str, tuple[str, str | None, str]]:
    """(title, poster_url, type) of each existing title in ``content_ids``, by id."""
    rows = await db.fetch("SELECT id::text AS id, title, poster_url, type FROM content WHERE id = ANY($1::uuid[])",
                          content_ids)
    return {r["id"]: (r["title"], r["poster_url"], r["type"]) for r in rows}


async def record_feedback(db: Db, *, profile_id: str, content_id: str, signal: str) -> None:
    """Store the profile's latest like/dislike of a title (one per title)."""
    await db.execute(
        "INSERT INTO recs_feedback (profile_id, content_id, signal) VALUES ($1::uuid, $2::uuid, $3)"
        " ON CONFLICT (profile_id, content_id) DO UPDATE SET signal = EXCLUDED.signal, at = now()",
        profile_id, content_id, signal)
