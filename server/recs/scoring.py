"""Pure scoring: content-based affinity blended with co-occurrence, and title-to-title similarity.

No I/O here: the engine loads titles, history and co-occurrence and hands them in, and the offline
benchmark (``benchmarks/recs_hit_rate.py``) calls the same functions.

Personalised score of a candidate (each part normalised to 0-1 over the candidates):
``0.40 genre + 0.15 cast/director + 0.10 language + 0.30 co-occurrence + 0.05 popularity``.
The reason shown is the part that contributed most.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

WEIGHTS = {"genre": 0.40, "person": 0.15, "language": 0.10, "co": 0.30, "popularity": 0.05}
TRENDING_REASON = "Trending now"
POPULAR_REASON = "Popular on OTT Lowband"


@dataclass(frozen=True, slots=True)
class Title:
    """What scoring needs to know about a title."""

    id: str
    title: str
    poster_url: str | None
    type: str
    languages: tuple[str, ...]
    original_language: str
    genres: tuple[str, ...]
    people: tuple[str, ...]
    popularity: float
    visible: bool = True


@dataclass(frozen=True, slots=True)
class Pair:
    """"Viewers of ``seed`` also watched ``other``": how many profiles."""

    seed: str
    other: str
    profiles: int


@dataclass(frozen=True, slots=True)
class Scored:
    """A recommended title with its score (0-1) and the reason to show."""

    content_id: str
    score: float
    reason: str


def _affinity(seeds: Mapping[str, float], titles: Mapping[str, Title], attr: str) -> dict[str, float]:
    """Share of the seed weight carried by each genre (or person)."""
    total = sum(seeds.values()) or 1.0
    out: dict[str, float] = defaultdict(float)
    for cid, weight in seeds.items():
        title = titles.get(cid)
        if title is not None:
            for value in getattr(title, attr):
                out[value] += weight / total
    return dict(out)


def _normalise(values: dict[str, float]) -> dict[str, float]:
    top = max(values.values(), default=0.0)
    return {k: v / top for k, v in values.items()} if top > 0 else {k: 0.0 for k in values}


def personalize(*, titles: Mapping[str, Title], seeds: Mapping[str, float], pairs: Iterable[Pair],
                language: str | None, exclude: set[str], limit: int) -> list[Scored]:
    """Rank visible titles not in ``exclude`` for a profile whose taste is ``seeds`` (title → weight)."""
    genre_aff = _affinity(seeds, titles, "genres")
    person_aff = _affinity(seeds, titles, "people")
    co_raw: dict[str, float] = defaultdict(float)
    co_best: dict[str, tuple[float, str]] = {}
    for pair in pairs:
        if pair.seed not in seeds:
            continue
        gain = seeds[pair.seed] * math.log1p(pair.profiles)
        co_raw[pair.other] += gain
        if gain > co_best.get(pair.other, (0.0, ""))[0]:
            co_best[pair.other] = (gain, pair.seed)
    candidates = [t for t in titles.values() if t.visible and t.id not in exclude and t.id not in seeds]
    parts: dict[str, dict[str, float]] = {
        "genre": _normalise({t.id: sum(genre_aff.get(g, 0.0) for g in t.genres) / math.sqrt(len(t.genres))
                             if t.genres else 0.0 for t in candidates}),
        "person": _normalise({t.id: max((person_aff.get(p, 0.0) for p in t.people), default=0.0)
                              for t in candidates}),
        "language": {t.id: 1.0 if language and (language == t.original_language or language in t.languages)
                     else 0.0 for t in candidates},
        "co": _normalise({t.id: co_raw.get(t.id, 0.0) for t in candidates}),
        "popularity": _normalise({t.id: max(0.0, t.popularity) for t in candidates}),
    }
    if not seeds:  # cold start: what is popular, in the profile's language first
        parts["genre"] = parts["person"] = parts["co"] = {t.id: 0.0 for t in candidates}
    scored: list[Scored] = []
    for t in candidates:
        contributions = {name: WEIGHTS[name] * parts[name][t.id] for name in WEIGHTS}
        score = sum(contributions.values())
        scored.append(Scored(content_id=t.id, score=round(score, 4),
                             reason=_reason(t, contributions, titles=titles, genre_aff=genre_aff,
                                            person_aff=person_aff, co_seed=co_best.get(t.id, (0.0, ""))[1])))
    scored.sort(key=lambda s: (-s.score, -titles[s.content_id].popularity, s.content_id))
    return scored[:limit]


def _reason(t: Title, contributions: dict[str, float], *, titles: Mapping[str, Title], genre_aff: dict[str, float],
            person_aff: dict[str, float], co_seed: str) -> str:
    best = max(("co", "person", "genre", "language"), key=lambda k: contributions[k])
    if contributions[best] <= 0:
        return POPULAR_REASON
    if best == "co" and co_seed in titles:
        return f"Viewers who watched {titles[co_seed].title} also watched this"
    if best == "person":
        person = max(t.people, key=lambda p: person_aff.get(p, 0.0))
        return f"Because you watched titles with {person}"
    if best == "genre":
        genre = max(t.genres, key=lambda g: genre_aff.get(g, 0.0))
        return f"Because you like {genre}"
    return "In your language"


def _jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 0.0


def similar(*, target: Title, titles: Mapping[str, Title], co_counts: Mapping[str, int],
            limit: int) -> list[tuple[str, float]]:
    """Titles like ``target``: ``0.5 genres + 0.25 cast/crew (Jaccard) + 0.15 co-watched + 0.1 language``."""
    top_co = max(co_counts.values(), default=0)
    out: list[tuple[str, float]] = []
    for t in titles.values():
        if t.id == target.id or not t.visible:
            continue
        score = (0.5 * _jaccard(t.genres, target.genres) + 0.25 * _jaccard(t.people, target.people)
                 + (0.15 * co_counts.get(t.id, 0) / top_co if top_co else 0.0)
                 + (0.1 if t.original_language == target.original_language else 0.0))
        if score > 0:
            out.append((t.id, round(score, 4)))
    out.sort(key=lambda x: (-x[1], -titles[x[0]].popularity, x[0]))
    return out[:limit]
