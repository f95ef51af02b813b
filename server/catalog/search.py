"""Catalog search: titles (English and Hindi), cast and crew, genres; typo tolerant, ranked in [0, 1].

Two signals, both in PostgreSQL:
- full text: ``search_vector`` (English stemming + the ``simple`` configuration, so Devanagari words
  match whole) against a prefix query of the words typed;
- trigram similarity (``ott_similarity`` / ``ott_word_similarity``: pg_trgm when the server has it,
  the same measure in SQL/plpgsql otherwise, see migration 0010) against titles, people and genres,
  which is what forgives typos ("lagan" finds "Lagaan").

Rows sharing too few trigrams with the query to reach a threshold skip the exact similarity (the
shared count bounds both measures from above), which keeps the SQL fallback fast.

``match_score`` = the best of: title similarity (1.0 for an exact title), 0.85 x the best cast/crew
name similarity, 0.7 x genre-name similarity, 0.6 x the normalised full-text rank.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from server.auth.viewer import Viewer
from server.catalog.availability import Db, visibility_sql
from server.catalog.queries import CARD_COLUMNS, card

log = logging.getLogger(__name__)

TITLE_MIN = 0.3  # word similarity for a title to count as a match
NAME_MIN = 0.45  # word similarity for a person's name
GENRE_MIN = 0.5
_SPACES = re.compile(r"\s+")


def normalise_query(q: str) -> str:
    """Collapse whitespace and trim; control characters become spaces."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in q)
    return _SPACES.sub(" ", cleaned).strip()


SEARCH_SQL = """
WITH q AS (
    SELECT $1::text AS q, lower($1::text) AS lq, ott_trigram_set($1) AS trg,
           greatest(1, cardinality(ott_trigram_set($1))) AS ntrg,
           CASE WHEN cardinality(ott_words($1)) = 0 THEN NULL
                ELSE to_tsquery('simple', (SELECT string_agg(quote_literal(w) || ':*', ' & ')
                                           FROM unnest(ott_words($1)) AS w))
                     || websearch_to_tsquery('english', $1) END AS tsq
),
people_scored AS (
    SELECT p.id, greatest(ott_word_similarity(q.q, p.name), ott_word_similarity(q.q, coalesce(p.name_hi, ''))) AS s
    FROM people p, q
    WHERE ott_shared_trigrams(q.trg, p.name_trigrams) >= {name_min} * q.ntrg
),
person_hits AS (
    SELECT cp.content_id, max(ps.s) AS s FROM people_scored ps JOIN content_people cp ON cp.person_id = ps.id
    WHERE ps.s >= {name_min} GROUP BY cp.content_id
),
genres_scored AS (
    SELECT g.id, greatest(ott_word_similarity(q.q, g.name), ott_word_similarity(q.q, coalesce(g.name_hi, ''))) AS s
    FROM genres g, q
),
genre_hits AS (
    SELECT cg.content_id, max(gs.s) AS s FROM genres_scored gs JOIN content_genres cg ON cg.genre_id = gs.id
    WHERE gs.s >= {genre_min} GROUP BY cg.content_id
),
scored AS (
    SELECT c.*,
           CASE WHEN lower(c.title) = q.lq OR lower(coalesce(c.title_hi, '')) = q.lq THEN 1.0
                WHEN ott_shared_trigrams(q.trg, c.title_trigrams) < {title_min} * q.ntrg THEN 0.0
                ELSE 0.8 * greatest(ott_word_similarity(q.q, c.title),
                                    ott_word_similarity(q.q, coalesce(c.title_hi, '')))
                   + 0.2 * greatest(ott_similarity(q.q, c.title), ott_similarity(q.q, coalesce(c.title_hi, '')))
           END AS title_score,
           coalesce(ph.s, 0) AS person_score,
           coalesce(gh.s, 0) AS genre_score,
           CASE WHEN q.tsq IS NOT NULL AND c.search_vector @@ q.tsq THEN ts_rank(c.search_vector, q.tsq, 32)
                ELSE 0 END AS text_score
    FROM content c CROSS JOIN q
    LEFT JOIN person_hits ph ON ph.content_id = c.id
    LEFT JOIN genre_hits gh ON gh.content_id = c.id
    WHERE {where}
),
ranked AS (
    SELECT s.*, least(1.0, greatest(s.title_score, 0.85 * s.person_score, 0.7 * s.genre_score,
                                    0.6 * least(1.0, s.text_score * 4))) AS match_score
    FROM scored s
    WHERE s.title_score >= {title_min} OR s.person_score > 0 OR s.genre_score > 0 OR s.text_score > 0
)
SELECT {columns}, round(c.match_score::numeric, 4)::float8 AS match_score, count(*) OVER () AS total
FROM ranked c
ORDER BY c.match_score DESC, c.popularity DESC, c.id
LIMIT ${limit} OFFSET ${offset}
"""


async def search_content(db: Db, *, viewer: Viewer, q: str, type_: str | None, page: int,
                         limit: int) -> tuple[list[dict[str, Any]], int]:
    """Visible titles matching ``q``, best first, each with ``match_score``; and the total count."""
    params: list[Any] = [normalise_query(q)]
    where = visibility_sql(viewer=viewer, params=params)
    if type_:
        params.append(type_)
        where += f" AND c.type = ${len(params)}"
    params += [limit, (page - 1) * limit]
    sql = SEARCH_SQL.format(where=where, columns=CARD_COLUMNS, limit=len(params) - 1, offset=len(params),
                            name_min=NAME_MIN, genre_min=GENRE_MIN, title_min=TITLE_MIN)
    rows = await db.fetch(sql, *params)
    results = [{**card(r), "match_score": float(r["match_score"])} for r in rows]
    total = int(rows[0]["total"]) if rows else 0
    return results, total
