"""Schemathesis over every operation of the live OpenAPI document (#16): no 5xx, answers match the document.

A bounded run for the suite (a few positive and negative cases per operation, ~1,000 requests);
``benchmarks/fuzz.py`` runs the same harness for 10,000+ requests. The server runs for real on
127.0.0.1 with the system PostgreSQL/Redis (its own database and key namespace), an admin token,
and the path parameters bound to real ids (``tests/fuzzing.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.fuzzing import REQUIRED_CHECKS, fuzz, live_server, seed_objects
from tests.streaming.conftest import ASSET_ID, CARD_SECONDS, MediaRoot, media_root  # noqa: F401 - shared fixture

EXAMPLES = 8
NEGATIVE_EXAMPLES = 4


@pytest.fixture
def backend() -> str:
    """One backend: the answers do not depend on which servers hold the data."""
    return "system"


def test_fuzzing_every_operation_finds_no_server_error(tmp_path: Path, store_urls: tuple[str, str],
                                                        media_root: MediaRoot) -> None:  # noqa: F811
    """Every operation, positive and negative cases: 0 × 5xx and 0 answers outside the document's schemas."""
    settings = make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1],
                             media_dir=media_root.root, billing_sweep_interval_s=0)
    with live_server(settings) as server:
        seeded = seed_objects(server, asset_id=ASSET_ID, asset_seconds=CARD_SECONDS)
        tally = fuzz(server, seeded, examples=EXAMPLES, negative_examples=NEGATIVE_EXAMPLES, seed_value=16)
    print(f"\n{tally.requests} requests in {tally.seconds:.0f} s, statuses {dict(tally.statuses)}\n{tally.table()}")
    assert tally.requests >= 500, tally.table()
    for name in REQUIRED_CHECKS:
        assert tally.failed(name) == 0, "\n".join(tally.failures)
    assert tally.checks[("transport", "failed")] == 0, "\n".join(tally.failures)
