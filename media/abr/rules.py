"""The throughput rule (hls.js) and the insufficient-buffer safety cap (dash.js)."""

from __future__ import annotations

from collections.abc import Sequence

from media.abr.base import (
    AbrConfig,
    Decision,
    as_nonneg,
    clean_ladder,
    fmt_kbps,
    highest_within,
    make_decision,
)


def throughput_rule(
    ladder_kbps: Sequence[float],
    *,
    estimate_kbps: float,
    current_index: int | None,
    config: AbrConfig = AbrConfig(),
) -> Decision:
    """hls.js-style throughput rule.

    A rung at or below the current one is allowed when its bitrate ≤ `down_factor` × estimate,
    a rung above only when ≤ `up_factor` × estimate; the highest allowed rung wins.
    """
    ladder = clean_ladder(ladder_kbps)
    est = as_nonneg(estimate_kbps, 0.0)
    if not ladder:
        return make_decision(ladder, 0, "no rungs", "throughput")
    cur = len(ladder) if current_index is None else current_index
    chosen = 0
    for i in range(len(ladder) - 1, -1, -1):
        factor = config.down_factor if i <= cur else config.up_factor
        if ladder[i] <= factor * est:
            chosen = i
            break
    factor = config.down_factor if chosen <= cur else config.up_factor
    reason = f"throughput {fmt_kbps(est)} × {factor:g} = {fmt_kbps(est * factor)}"
    if ladder[chosen] <= factor * est:
        reason += f" ≥ {fmt_kbps(ladder[chosen])}"
    else:
        reason += f" < {fmt_kbps(ladder[chosen])} (lowest rung)"
    if chosen + 1 < len(ladder):
        nf = config.down_factor if chosen + 1 <= cur else config.up_factor
        reason += f"; {fmt_kbps(est)} × {nf:g} < {fmt_kbps(ladder[chosen + 1])}"
    return make_decision(ladder, chosen, reason, "throughput")


def insufficient_buffer_rule(
    ladder_kbps: Sequence[float],
    *,
    estimate_kbps: float,
    buffer_s: float,
    config: AbrConfig = AbrConfig(),
) -> Decision:
    """Safety cap (dash.js InsufficientBufferRule): the highest rung whose next segment
    downloads within `safety_factor × buffer` at the estimate; the lowest rung when empty."""
    ladder = clean_ladder(ladder_kbps)
    est = as_nonneg(estimate_kbps, 0.0)
    buf = as_nonneg(buffer_s, 0.0)
    if buf <= 0:
        return make_decision(ladder, 0, "buffer empty → lowest rung", "insufficient-buffer")
    seg = max(as_nonneg(config.segment_s, 2.0), 1e-3)
    budget = est * config.safety_factor * buf / seg
    idx = highest_within(ladder, budget)
    reason = (
        f"buffer {buf:.1f} s: segment must load in {config.safety_factor * buf:.1f} s "
        f"→ ≤ {fmt_kbps(budget)}"
    )
    return make_decision(ladder, idx, reason, "insufficient-buffer")
