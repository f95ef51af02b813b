"""Per-session figures: `SessionMetrics`, capacity drops and the time to react to them."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from media.abr import clean_ladder
from media.abr.baselines import REBUF_PENALTY, SMOOTH_PENALTY
from media.abr_sim.link import LinkIntegrator


@dataclass(frozen=True, slots=True)
class SessionMetrics:
    """Per-session figures (DESIGN.md §6)."""

    avg_kbps: float
    rebuffer_ratio: float
    stall_s: float
    stalls: int
    switches: int
    abandonments: int
    stream_start_s: float | None
    switch_after_drop_s: float | None
    drops: int
    played_s: float
    segments: int
    completed: bool
    rungs: tuple[int, ...] = field(default=(), repr=False)
    reasons: tuple[str, ...] = field(default=(), repr=False)
    qoe_lin: float = 0.0


def qoe_lin(ladder_kbps: Sequence[float], rungs: Sequence[int], stall_s: float) -> float:
    """QoE_lin per segment: (Σ bitrate Mbit/s − 4.3 × rebuffer s − Σ |Δ bitrate Mbit/s|) / segments.

    `rungs` are the rungs played, in order; `stall_s` the rebuffering after playback started
    (stream start is not counted). 0 with no segments.
    """
    if not rungs:
        return 0.0
    ladder = clean_ladder(ladder_kbps)
    mbps = [ladder[r] / 1000.0 for r in rungs]
    smooth = sum(abs(b - a) for a, b in itertools.pairwise(mbps))
    return (sum(mbps) - REBUF_PENALTY * stall_s - SMOOTH_PENALTY * smooth) / len(mbps)


def detect_drops(
    link: LinkIntegrator,
    *,
    start: float,
    end: float,
    window_s: float = 5.0,
    history_s: float = 10.0,
    ratio: float = 0.5,
    refractory_s: float = 20.0,
) -> list[float]:
    """Times (1 s resolution) where both the next second's and the next `window_s` mean
    capacity fall below `ratio` × the previous `history_s` mean; at most one drop per
    `refractory_s`."""
    drops: list[float] = []
    t = start + history_s
    while t + window_s <= end:
        before = link.mean_kbps(t - history_s, t)
        after = link.mean_kbps(t, t + window_s)
        first = link.mean_kbps(t, t + 1.0)
        low = before > 0 and after < ratio * before and first < ratio * before
        if low and (not drops or t - drops[-1] >= refractory_s):
            drops.append(t)
        t += 1.0
    return drops


def switch_reaction_s(
    *,
    drops: Sequence[float],
    decisions: Sequence[tuple[float, int]],
    link: LinkIntegrator,
    ladder_kbps: Sequence[float],
    window_s: float = 5.0,
    max_wait_s: float = 30.0,
) -> tuple[float | None, int]:
    """Median time from a capacity drop to the first down-switch decision after it, over drops
    that made the rung in use unsustainable (post-drop mean capacity < its bitrate). A drop with
    no down-switch within `max_wait_s` counts as `max_wait_s`. Returns (median or None, count)."""
    ladder = clean_ladder(ladder_kbps)
    waits: list[float] = []
    for td in drops:
        prior = [idx for (t, idx) in decisions if t <= td]
        if not prior:
            continue
        cur = prior[-1]
        if link.mean_kbps(td, td + window_s) >= ladder[cur]:
            continue
        wait = max_wait_s
        prev = cur
        for t, idx in decisions:
            if t <= td:
                continue
            if idx < prev:
                wait = min(t - td, max_wait_s)
                break
            prev = idx
        waits.append(wait)
    if not waits:
        return None, 0
    return statistics.median(waits), len(waits)
