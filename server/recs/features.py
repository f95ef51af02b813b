"""Load titles (genres, cast and directors, languages) for scoring, restricted to what a viewer may see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server.auth.viewer import Viewer
from server.catalog.availability import Db, visibility_sql
from server.recs.scoring import Title

_SELECT = """
SELECT c.id::text AS id, c.title, c.poster_url, c.type, c.languages, c.original_language, c.popularity,
       ({visible}) AS visible,
       coalesce((SELECT array_agg(g.name ORDER BY g.name) FROM content_genres cg JOIN genres g ON g.id = cg.genre_id
                 WHERE cg.content_id = c.id), ARRAY[]::text[]) AS genres,
       coalesce((SELECT array_agg(p.name ORDER BY cp.billing, p.name) FROM content_people cp
                 JOIN people p ON p.id = cp.person_id
                 WHERE cp.content_id = c.id AND cp.role IN ('actor', 'director')), ARRAY[]::text[]) AS people
FROM content c
WHERE ({visible}) OR c.id = ANY($1::uuid[])
"""


def _title(row: Any) -> Title:
    return Title(id=row["id"], title=row["title"], poster_url=row["poster_url"], type=row["type"],
                 languages=tuple(row["languages"] or ()), original_language=row["original_language"],
                 genres=tuple(row["genres"]), people=tuple(row["people"]), popularity=float(row["popularity"]),
                 visible=bool(row["visible"]))


async def load_titles(db: Db, *, viewer: Viewer, extra_ids: Sequence[str] = ()) -> dict[str, Title]:
    """Every title the viewer may see (``visible``), plus ``extra_ids`` (their seeds) whatever their state."""
    params: list[Any] = [list(extra_ids)]
    cond = visibility_sql(viewer=viewer, params=params)
    rows = await db.fetch(_SELECT.format(visible=cond), *params)
    return {r["id"]: _title(r) for r in rows}
