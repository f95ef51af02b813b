"""Offline quality of the recommender: hit-rate@10 against a popularity baseline.

Creates a scratch database on the system PostgreSQL, seeds the demo catalog (``seed_catalog``,
the same one ``ott-server seed`` writes), loads the titles exactly as the server does
(``server.recs.features.load_titles``) and generates synthetic, genre-affine viewers: each has
one or two favourite genres and watches 8-15 titles, 80 % from those genres and 20 % anything,
both weighted by the catalog's popularity. The last title each viewer watched is held out; the
rest is the training history (co-occurrence is computed from the other viewers' training
histories only). A hit is the held-out title in the viewer's top 10. The baseline recommends the
10 most-watched titles the viewer has not watched.

    .venv/bin/python benchmarks/recs_hit_rate.py [--viewers 600] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.auth.viewer import Viewer  # noqa: E402
from server.catalog.seed import seed_catalog  # noqa: E402
from server.migrations import migrate  # noqa: E402
from server.recs.features import load_titles  # noqa: E402
from server.recs.scoring import WEIGHTS, Pair, Title, personalize  # noqa: E402

PG_ADMIN = os.environ.get("OTT_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
K = 10


def make_histories(titles: dict[str, Title], *, viewers: int, rng: random.Random) -> list[list[str]]:
    """Genre-affine synthetic histories (oldest first)."""
    by_genre: dict[str, list[Title]] = defaultdict(list)
    for t in titles.values():
        for g in t.genres:
            by_genre[g].append(t)
    genres = sorted(g for g, ts in by_genre.items() if len(ts) >= 15)
    everything = list(titles.values())
    histories = []
    for _ in range(viewers):
        favourites = rng.sample(genres, k=rng.choice((1, 2)))
        pool = [t for g in favourites for t in by_genre[g]]
        seen: list[str] = []
        for _ in range(rng.randint(8, 15)):
            source = pool if rng.random() < 0.8 else everything
            for _ in range(20):
                pick = rng.choices(source, weights=[1.0 + max(0.0, t.popularity) for t in source])[0]
                if pick.id not in seen:
                    seen.append(pick.id)
                    break
        histories.append(seen)
    return histories


def evaluate(titles: dict[str, Title], histories: list[list[str]], *, rng: random.Random,
             weights: dict[str, float] | None = None) -> tuple[float, float]:
    """(hit-rate@K of the recommender, hit-rate@K of the popularity baseline)."""
    train = [h[:-1] for h in histories]
    watchers: dict[str, set[int]] = defaultdict(set)
    for i, h in enumerate(train):
        for cid in h:
            watchers[cid].add(i)
    popular = [cid for cid, _ in Counter(c for h in train for c in h).most_common()]
    saved = dict(WEIGHTS)
    if weights:
        WEIGHTS.update(weights)
    hits = base_hits = 0
    try:
        for i, h in enumerate(train):
            seeds = {cid: max(0.3, rng.uniform(0.3, 1.0)) * 0.97 ** rank for rank, cid in enumerate(reversed(h))}
            counts: Counter[tuple[str, str]] = Counter()
            for seed in seeds:
                for j in watchers[seed] - {i}:
                    for other in train[j]:
                        if other != seed:
                            counts[(seed, other)] += 1
            pairs = [Pair(seed=s, other=o, profiles=n) for (s, o), n in counts.items()]
            top = personalize(titles=titles, seeds=seeds, pairs=pairs, language=rng.choice(("en", "hi")),
                              exclude=set(), limit=K)
            hits += histories[i][-1] in {s.content_id for s in top}
            baseline = [c for c in popular if c not in seeds][:K]
            base_hits += histories[i][-1] in baseline
    finally:
        WEIGHTS.clear()
        WEIGHTS.update(saved)
    return hits / len(train), base_hits / len(train)


async def main(viewers: int, seed: int) -> None:
    """Seed a scratch database, evaluate, drop it."""
    name = f"ott_bench_recs_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        pool = await asyncpg.create_pool(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", min_size=1, max_size=4)
        try:
            await migrate(pool)
            summary = await seed_catalog(pool)
            titles = await load_titles(pool, viewer=Viewer(user_id="bench", tier="premium", country="IN", profile=None))
        finally:
            await pool.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    print(summary.line())
    rng = random.Random(seed)
    histories = make_histories(titles, viewers=viewers, rng=rng)
    watches = sum(map(len, histories))
    print(f"{len(titles)} titles, {viewers} synthetic viewers, {watches} watches; hold-out: last title")
    blend, baseline = evaluate(titles, histories, rng=random.Random(seed))
    content_only, _ = evaluate(titles, histories, rng=random.Random(seed), weights={"co": 0.0})
    co_only, _ = evaluate(titles, histories, rng=random.Random(seed),
                          weights={"genre": 0.0, "person": 0.0, "language": 0.0, "popularity": 0.0})
    print(f"| recommender (blend) | {blend:.3f} |")
    print(f"| content-based only (co-occurrence weight 0) | {content_only:.3f} |")
    print(f"| co-occurrence only | {co_only:.3f} |")
    print(f"| popularity baseline | {baseline:.3f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main(args.viewers, args.seed))
