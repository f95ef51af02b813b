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
from pathlib import Path

from _harness import ROOT, package_card, scratch_database

sys.path.insert(0, str(ROOT))

from server.settings import Settings
from tests.fuzzing import EXTRA_CHECKS, REQUIRED_CHECKS, Tally, fuzz, live_server, seed_objects

ASSET_ID = "fuzzcard"
CARD_SECONDS = 6.0


def _progress(label: str, tally: Tally) -> None:
    failed = sum(n for (_, outcome), n in tally.checks.items() if outcome == "failed")
    print(f"  {tally.requests:6d} requests, {failed} failed checks — done {label}", file=sys.stderr, flush=True)


async def _run(args: argparse.Namespace) -> Tally:
    """A scratch database and a packaged card, the app on 127.0.0.1, the fuzzer over every operation."""
    async with scratch_database(prefix="ott_fuzz", admin_url=args.pg) as db_url:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            await package_card(root / "media", asset_id=ASSET_ID, seconds=CARD_SECONDS, renditions=("144p", "360p"),
                               title="Fuzz card")
            settings = Settings(data_dir=root / "data", media_dir=root / "media", database_url=db_url,
                                redis_url=args.redis, redis_namespace=db_url.rsplit("/", 1)[1],
                                rate_limits_enabled=False, bcrypt_rounds=4, log_json=False, log_level="ERROR",
                                billing_sweep_interval_s=0)
            return await asyncio.to_thread(_fuzz, args, settings)


def _fuzz(args: argparse.Namespace, settings: Settings) -> Tally:
    with live_server(settings) as server:
        seeded = seed_objects(server, asset_id=ASSET_ID, asset_seconds=CARD_SECONDS)
        return fuzz(server, seeded, examples=args.examples, negative_examples=args.negative, seed_value=args.seed,
                    checks={**REQUIRED_CHECKS, **EXTRA_CHECKS}, keep=40, progress=_progress)


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
    tally = asyncio.run(_run(args))
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(tally.statuses.items()))
    print(f"{tally.requests} requests in {tally.seconds:.0f} s ({args.examples} positive + {args.negative} negative"
          f" cases per operation, seed {args.seed})\nstatuses: {statuses}\n\n{tally.table()}")
    if tally.failures:
        print("\nfirst failures:\n" + "\n".join(tally.failures))
    return 1 if any(tally.failed(c) for c in REQUIRED_CHECKS) else 0


if __name__ == "__main__":
    raise SystemExit(main())
