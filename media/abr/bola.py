"""BOLA (Spiteri et al.; dash.js `BolaRule`): buffer-based utility maximisation with BOLA-O."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from media.abr.base import (
    AbrConfig,
    Decision,
    as_nonneg,
    clean_ladder,
    fmt_kbps,
    highest_within,
    make_decision,
)


@dataclass(frozen=True, slots=True)
class BolaParams:
    """BOLA's derived constants: per-rung utilities, Vp and gp (dash.js naming)."""

    utilities: tuple[float, ...]
    vp: float
    gp: float


def bola_params(ladder_kbps: Sequence[float], *, config: AbrConfig = AbrConfig()) -> BolaParams:
    """Utilities ln(b/b0) + 1 and the Vp/gp that put the lowest rung below `bola_min_buffer_s`
    and the top rung near `bola_target_s` (dash.js `calculateBolaParameters`)."""
    ladder = [b for b in clean_ladder(ladder_kbps)]
    if not ladder or not math.isfinite(ladder[0]):
        return BolaParams(tuple(1.0 for _ in ladder), 1.0, 1.0)
    utilities = tuple(
        (math.log(b / ladder[0]) + 1.0) if math.isfinite(b) else -math.inf for b in ladder
    )
    min_buf = max(config.bola_min_buffer_s, 1e-3)
    target = config.bola_target_s
    if target is None:
        target = max(12.0, min_buf + 2.0 * len(ladder))
    target = max(target, min_buf + 1e-3)
    top = max(u for u in utilities)
    gp = (top - 1.0) / (target / min_buf - 1.0)
    if gp <= 0:
        return BolaParams(utilities, 1.0, 1.0)
    return BolaParams(utilities, min_buf / gp, gp)


def bola_min_buffer_for(ladder_kbps: Sequence[float], index: int, *, params: BolaParams) -> float:
    """Buffer level (s) above which BOLA prefers rung `index` to every lower rung."""
    ladder = clean_ladder(ladder_kbps)
    if not ladder or index <= 0:
        return 0.0
    index = min(index, len(ladder) - 1)
    qb, qu = ladder[index], params.utilities[index]
    level = 0.0
    for i in range(index - 1, -1, -1):
        ib, iu = ladder[i], params.utilities[i]
        if iu < qu and math.isfinite(qb) and math.isfinite(ib) and qb != ib:
            level = max(level, params.vp * (params.gp + (qb * iu - ib * qu) / (qb - ib)))
    return level


def bola_max_buffer_for(index: int, *, params: BolaParams) -> float:
    """Buffer level (s) above which BOLA's score for rung `index` turns negative."""
    if not params.utilities:
        return 0.0
    index = max(0, min(index, len(params.utilities) - 1))
    return params.vp * (params.utilities[index] + params.gp)


def bola_rule(
    ladder_kbps: Sequence[float],
    *,
    buffer_s: float,
    placeholder_s: float = 0.0,
    last_index: int | None = None,
    estimate_kbps: float | None = None,
    variable: bool = False,
    config: AbrConfig = AbrConfig(),
) -> Decision:
    """BOLA: maximise (Vp·(utility + gp) − buffer) / bitrate over rungs.

    `buffer_s + placeholder_s` is the (virtual) buffer. With `last_index` and `estimate_kbps`,
    BOLA-O applies: an up-switch beyond what the throughput (× `bola_throughput_factor`)
    sustains is limited to max(throughput rung, last rung), which stops oscillation. On a
    `variable` link (the caller's judgement) a deep buffer pays for more: BOLA's choice, or
    the highest rung below it, stands while its download at `bola_guard_factor` × the
    estimate leaves `bola_guard_buffer_s` buffered.
    """
    ladder = clean_ladder(ladder_kbps)
    if not ladder:
        return make_decision(ladder, 0, "no rungs", "bola")
    params = bola_params(ladder, config=config)
    buf = as_nonneg(buffer_s, 0.0)
    ph = as_nonneg(placeholder_s, 0.0)
    level = buf + ph
    best, best_score = 0, -math.inf
    for i, b in enumerate(ladder):
        if not math.isfinite(b):
            continue
        score = (params.vp * (params.utilities[i] + params.gp) - level) / b
        if score >= best_score:
            best, best_score = i, score
    reason = f"BOLA buffer {buf:.1f} s"
    if ph > 0:
        reason += f" + {ph:.1f} s placeholder"
    reason += f" → {fmt_kbps(ladder[best])}"
    if last_index is not None and estimate_kbps is not None:
        est = as_nonneg(estimate_kbps, 0.0)
        safe = est * config.bola_throughput_factor
        tput = highest_within(ladder, safe)
        if best > last_index and best > tput:
            capped = max(tput, last_index)
            guard = config.bola_guard_buffer_s
            seg = max(as_nonneg(config.segment_s, 2.0), 1e-3)
            if guard is not None and est > 0 and variable:
                # A deep buffer pays for a segment the throughput alone does not sustain: BOLA's
                # choice (or the highest rung below it) stands while its download leaves at
                # least `guard` seconds buffered; BOLA's own buffer logic steps down as it drains.
                slow = est * config.bola_guard_factor
                for i in range(best, capped, -1):
                    if buf - ladder[i] * seg / slow >= guard:
                        capped = i
                        break
            if capped != best:
                reason += (
                    f"; BOLA-O: {fmt_kbps(ladder[best])} > throughput {fmt_kbps(est)} × "
                    f"{config.bola_throughput_factor:g}, hold {fmt_kbps(ladder[capped])}"
                )
                best = capped
    return make_decision(ladder, best, reason, "bola")
