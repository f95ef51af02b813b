"""The starting rung: stream start under target on what is known before the first segment."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from media.abr.base import (
    Decision,
    as_finite,
    as_nonneg,
    clean_ladder,
    fmt_kbps,
    highest_within,
    make_decision,
)

#: Network Information API effective connection types → (downlink kbps, RTT ms).
#: slow-2g/2g/3g are the WICG netinfo table's bounds; "4g" has no upper bound there, so we
#: assume a modest 2 Mbit/s, 150 ms (a real 4g client sends `Downlink`/`RTT` too).
ECT_TABLE: dict[str, tuple[float, float]] = {
    "slow-2g": (50.0, 2000.0),
    "2g": (70.0, 1400.0),
    "3g": (700.0, 270.0),
    "4g": (2000.0, 150.0),
}


def choose_start(
    ladder_kbps: Sequence[float],
    *,
    downlink_kbps: float | None = None,
    rtt_ms: float | None = None,
    ect: str | None = None,
    save_data: bool = False,
    first_segment_s: float = 2.0,
    target_s: float = 2.0,
    round_trips: int = 4,
    default_kbps: float = 500.0,
    default_rtt_ms: float = 200.0,
    up_factor: float = 0.7,
    next_segment_s: float | None = None,
) -> Decision:
    """Starting rung that keeps stream start ≤ `target_s`.

    Stream start ≈ `round_trips` × RTT + first segment bits ÷ downlink (4 round trips:
    connection, master playlist, media playlist, first segment). The chosen rung is the
    highest one that meets the target AND is sustainable (≤ `up_factor` × downlink).
    Save-Data → lowest rung. Missing numbers come from `ect` (Network Information API table),
    else `default_kbps` / `default_rtt_ms`. If even the lowest rung misses the target, the
    lowest rung is chosen and the reason says so.

    With `next_segment_s` (the length of the segments after a shorter first one), the rung
    must also keep playing: the second segment (one RTT + its bits ÷ downlink) must arrive
    before the first one has played out, else the first decision has to drop the start rung
    (or stall) and the session flips at its start.
    """
    ladder = clean_ladder(ladder_kbps)
    if not ladder:
        return make_decision(ladder, 0, "no rungs", "start")
    if save_data:
        return make_decision(ladder, 0, "Save-Data → lowest rung", "start")
    ect_kbps, ect_rtt = ECT_TABLE.get(str(ect).lower(), (None, None)) if ect else (None, None)
    bw = as_finite(downlink_kbps, -1.0)
    src = "downlink"
    if bw <= 0:
        bw, src = (ect_kbps, f"ECT {ect}") if ect_kbps else (default_kbps, "default")
    rtt = as_finite(rtt_ms, -1.0)
    if rtt < 0:
        rtt = ect_rtt if ect_rtt is not None else default_rtt_ms
    seg = max(as_nonneg(first_segment_s, 2.0), 1e-3)
    setup_s = max(round_trips, 0) * rtt / 1000
    spare_s = as_finite(target_s, 2.0) - setup_s
    fit_kbps = bw * spare_s / seg if spare_s > 0 else 0.0
    budget = min(fit_kbps, bw * up_factor)
    nxt = as_finite(next_segment_s, -1.0)
    if nxt > 0:
        budget = min(budget, max(seg - rtt / 1000, 0.0) * bw / nxt)
    idx = highest_within(ladder, budget)
    start_s = setup_s + ladder[idx] * seg / bw if bw > 0 else math.inf
    head = f"{src} {fmt_kbps(bw)}, RTT {rtt:.0f} ms: "
    if spare_s <= 0:
        reason = head + f"{round_trips} round trips alone take {setup_s:.1f} s ≥ {target_s:g} s"
    elif ladder[idx] > budget:
        reason = head + f"even {fmt_kbps(ladder[idx])} starts in {start_s:.1f} s > {target_s:g} s"
    else:
        reason = head + f"{fmt_kbps(ladder[idx])} starts in ≈ {start_s:.1f} s ≤ {target_s:g} s"
    return make_decision(ladder, idx, reason, "start")


@dataclass(frozen=True, slots=True)
class StartHint:
    """What is known before the first segment: link numbers, client hints, last throughput.

    `last_kbps` (a throughput measured earlier for this viewer) wins over `downlink_kbps`.
    """

    downlink_kbps: float | None = None
    rtt_ms: float | None = None
    ect: str | None = None
    save_data: bool = False
    last_kbps: float | None = None

    @classmethod
    def from_profile(cls, profile: Any, **extra: Any) -> StartHint:
        """Hint from any object with `down_kbps` and `rtt_ms` (e.g. a netem_profiles Profile)."""
        return cls(
            downlink_kbps=getattr(profile, "down_kbps", None),
            rtt_ms=getattr(profile, "rtt_ms", None),
            **extra,
        )


def start_from_hint(
    ladder_kbps: Sequence[float],
    hint: StartHint | None,
    *,
    segment_s: float,
    default_kbps: float,
    up_factor: float = 0.7,
    first_segment_s: float | None = None,
) -> tuple[Decision, float | None]:
    """The start rung for `hint` (`choose_start` on its best downlink figure: a throughput
    measured earlier for this viewer, else the reported downlink, else its ECT class) and the
    throughput (kbit/s) to seed the estimator with before the first sample (None: keep the
    default). With `first_segment_s` (the title's playlist is known) the first segment is that
    long and the segments after it `segment_s` (`choose_start`'s `next_segment_s`); without it
    the first segment is `segment_s`. Shared by `AbrController` and the baselines'
    `BaselineController`."""
    h = hint or StartHint()
    last = as_finite(h.last_kbps, -1.0)
    down = last if last > 0 else h.downlink_kbps
    d = choose_start(
        ladder_kbps,
        downlink_kbps=down,
        rtt_ms=h.rtt_ms,
        ect=h.ect,
        save_data=h.save_data,
        first_segment_s=segment_s if first_segment_s is None else first_segment_s,
        next_segment_s=None if first_segment_s is None else segment_s,
        default_kbps=default_kbps,
        up_factor=up_factor,
    )
    seed = as_finite(down, -1.0)
    if seed <= 0 and h.ect and str(h.ect).lower() in ECT_TABLE:
        seed = ECT_TABLE[str(h.ect).lower()][0]
    return d, (seed if seed > 0 else None)
