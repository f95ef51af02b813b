"""Degraded recommendations: the trending list, filtered to what the viewer may see (spec NFR-REL-003)."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from server import keys
from server.auth.viewer import Viewer
from server.catalog.availability import visibility_sql
from server.catalog.trending import compute_trending, trending_for
from server.recs.scoring import TRENDING_REASON

log = logging.getLogger(__name__)


async def trending_items(app: web.Application, *, viewer: Viewer, limit: int,
                         exclude: set[str] | None = None) -> list[dict[str, Any]]:
    """Up to ``limit`` trending titles the viewer may see, each with ``reason: "Trending now"``.

    Never raises: with trending itself unavailable the list is empty.
    """
    try:
        try:
            entries = await trending_for(app, period="7d")
        except Exception:  # Redis trouble: rank straight from the database
            entries = await compute_trending(app[keys.DB], period="7d")
        ids = [e.content_id for e in entries if e.content_id not in (exclude or set())]
        params: list[Any] = [ids]
        cond = visibility_sql(viewer=viewer, params=params)
        rows = await app[keys.DB].fetch(
            f"SELECT c.id::text AS id, c.title, c.poster_url, c.type FROM content c"  # noqa: S608
            f" WHERE c.id = ANY($1::uuid[]) AND {cond}", *params)
    except Exception:
        log.exception("trending fallback failed too; answering an empty list")
        return []
    by_id = {r["id"]: r for r in rows}
    score = {e.content_id: e.score for e in entries}
    out = [{"content_id": cid, "title": by_id[cid]["title"], "poster_url": by_id[cid]["poster_url"],
            "type": by_id[cid]["type"], "score": score.get(cid, 0.0), "reason": TRENDING_REASON}
           for cid in ids if cid in by_id]
    return out[:limit]
