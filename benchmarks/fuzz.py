"""Schemathesis over every operation of the live API, 10,000+ requests, counts per check (#16).

Usage: ``.venv/bin/python benchmarks/fuzz.py [--examples 80] [--negative 40]
[--seed 16] [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379/0]``.

Creates (and drops) a scratch database, packages a 6 s test card as the playable asset, serves the
app on 127.0.0.1 and runs the suite's harness (``tests/fuzzing.py``: admin token, real ids) with
``--examples`` positive and ``--negative`` negative cases per operation. Prints requests, statuses,
and passed/failed per check: not_a_server_error, response_schema_conformance (both must be 0 failed),
status_code_conformance and content_type_conformance. Exit status 1 when a required check failed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import uuid
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media.ladder import DEFAULT_LADDER  # noqa: E402
from media.pipeline import package_asset  # noqa: E402
from media.testcard import make_testcard  # noqa: E402
from server.settings import Settings  # noqa: E402
from tests.fuzzing import EXTRA_CHECKS, REQUIRED_CHECKS, Tally, fuzz, live_server, seed_objects  # noqa: E402

ASSET_ID = "fuzzcard"
CARD_SECONDS = 6.0


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _media(root: Path) -> None:
    card = root / "card.mp4"
    (root / "media").mkdir()
    await make_testcard(card, duration=CARD_SECONDS, width=640, height=360)
    ladder = tuple(r for r in DEFAULT_LADDER if r.name in ("144p", "360p"))
    await package_asset(card, root / "media" / ASSET_ID, ladder=ladder, title="Fuzz card")


def _progress(label: str, tally: Tally) -> None:
    failed = sum(n for (_, outcome), n in tally.checks.items() if outcome == "failed")
    print(f"  {tally.requests:6d} requests, {failed} failed checks — done {label}", file=sys.stderr, flush=True)


def main() -> int:
    """Parse arguments, run the fuzzer, print the counts; 1 when a required check failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=80, help="positive cases per operation")
    parser.add_argument("--negative", type=int, default=40, help="negative cases per operation")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    name = f"ott_fuzz_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(args.pg, f'CREATE DATABASE "{name}"'))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            asyncio.run(_media(root))
            settings = Settings(data_dir=root / "data", media_dir=root / "media",
                                database_url=f"{args.pg.rsplit('/', 1)[0]}/{name}", redis_url=args.redis,
                                redis_namespace=name, rate_limits_enabled=False, bcrypt_rounds=4, log_json=False,
                                log_level="ERROR", billing_sweep_interval_s=0)
            with live_server(settings) as server:
                seeded = seed_objects(server, asset_id=ASSET_ID, asset_seconds=CARD_SECONDS)
                tally = fuzz(server, seeded, examples=args.examples, negative_examples=args.negative,
                             seed_value=args.seed, checks={**REQUIRED_CHECKS, **EXTRA_CHECKS}, keep=40,
                             progress=_progress)
    finally:
        asyncio.run(_admin(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(tally.statuses.items()))
    print(f"{tally.requests} requests in {tally.seconds:.0f} s ({args.examples} positive + {args.negative} negative"
          f" cases per operation, seed {args.seed})\nstatuses: {statuses}\n\n{tally.table()}")
    if tally.failures:
        print("\nfirst failures:\n" + "\n".join(tally.failures))
    return 1 if any(tally.failed(c) for c in REQUIRED_CHECKS) else 0


if __name__ == "__main__":
    raise SystemExit(main())
