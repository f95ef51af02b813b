"""One evaluation run: every rule on one link, beside the oracle, with the same segment sizes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from media.abr import StartHint, make_controller
from media.abr_sim.link import LinkIntegrator, RateSource
from media.abr_sim.metrics import SessionMetrics
from media.abr_sim.oracle import OracleResult, oracle
from media.abr_sim.playback import segment_sizes
from media.abr_sim.session import give_up_after_s, simulate


@dataclass(frozen=True)
class Case:
    """One link to replay: its family ("schedule", "trace", "lowband", ...), name, rate source,
    content length and start hint."""

    family: str
    name: str
    source: RateSource
    content_s: float
    hint: StartHint | None = None


@dataclass(frozen=True)
class Run:
    """One rule on one case at one segment duration and size seed, with the case's oracle."""

    case: Case
    rule: str
    segment_s: float
    seed: int
    metrics: SessionMetrics
    oracle: OracleResult

    @property
    def pct_oracle(self) -> float:
        """Average bitrate as a percentage of the oracle's (nan if the oracle has none)."""
        o = self.oracle.avg_kbps
        return 100.0 * self.metrics.avg_kbps / o if o > 0 else math.nan


def run_case(
    case: Case,
    *,
    rules: Sequence[str],
    ladder_kbps: Sequence[float],
    segment_s: float = 2.0,
    seed: int = 1,
    variability: float = 0.2,
    max_buffer_s: float = 30.0,
    oracle_result: OracleResult | None = None,
    overrides: dict[str, Any] | None = None,
) -> list[Run]:
    """Simulate every rule on `case` and compute its oracle (unless `oracle_result` is given),
    all with the same per-segment sizes (log-normal σ = `variability`, drawn from `seed`).
    `overrides` patch the `AbrConfig` of the project's rules."""
    n = max(1, math.ceil(case.content_s / segment_s - 1e-9))
    sizes = segment_sizes(ladder_kbps, segment_s=segment_s, count=n, variability=variability, seed=seed)
    link = LinkIntegrator(case.source, dt=0.05, horizon_s=give_up_after_s(case.content_s))
    best = oracle_result or oracle(
        source=case.source,
        ladder_kbps=ladder_kbps,
        segment_s=segment_s,
        content_s=case.content_s,
        sizes=sizes,
        max_buffer_s=max_buffer_s,
        link=link,
    )
    runs = []
    for rule in rules:
        m = simulate(
            make_controller(rule, ladder_kbps, segment_s=segment_s, **(overrides or {})),
            source=case.source,
            segment_s=segment_s,
            content_s=case.content_s,
            sizes=sizes,
            max_buffer_s=max_buffer_s,
            start_hint=case.hint,
            link=link,
        )
        runs.append(Run(case, rule, segment_s, seed, m, best))
    return runs
