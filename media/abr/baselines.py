"""The literature's baselines, implemented from the papers, to compare the project's rules with.

- `bba0_rule`: BBA-0 (Huang et al., "A Buffer-Based Approach to Rate Adaptation", SIGCOMM '14):
  a linear rate map from the reservoir (lowest rung) to reservoir + cushion (top rung), with the
  paper's hysteresis (move only when the map crosses the next rung up or down).
- `rate_based_rule`: RB as in the MPC paper (Yin et al., SIGCOMM '15): the highest rung at or
  below the harmonic mean of the last 5 throughput samples.
- `mpc_rule`: robustMPC (Yin et al.): maximise QoE_lin over the next 5 segments, enumerating
  every rung sequence, at the harmonic-mean throughput discounted by the largest relative
  prediction error of the last 5 segments.

`BaselineController` drives them with the same interface as `AbrController`, so the evaluator
(`media.abr_sim.simulate`) replays them on the same links. The baselines do not abandon
downloads (the papers' players do not); they start at the rung `choose_start` picks, like
the project's rules, so only the steady-state logic differs.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

from media.abr.abandon import DownloadProgress
from media.abr.base import (
    Decision,
    as_finite,
    as_nonneg,
    clean_ladder,
    fmt_kbps,
    highest_within,
    make_decision,
)
from media.abr.start import StartHint, start_from_hint

#: Baseline names accepted by `BaselineController`.
BASELINES: tuple[str, ...] = ("bba0", "rb", "robustmpc")
#: QoE_lin weights (MPC and Pensieve papers): rebuffer penalty per second, smoothness per Mbit/s.
REBUF_PENALTY = 4.3
SMOOTH_PENALTY = 1.0


def bba0_rule(
    ladder_kbps: Sequence[float],
    *,
    buffer_s: float,
    last_index: int | None,
    reservoir_s: float = 5.0,
    cushion_s: float = 10.0,
) -> Decision:
    """BBA-0: map the buffer linearly from R_min (at `reservoir_s`) to R_max (at reservoir +
    `cushion_s`); switch up only when the map reaches the next rung up (to the highest rung
    strictly below the map), down only when it falls to the next rung down (to the lowest rung
    strictly above the map), else keep the previous rung."""
    ladder = clean_ladder(ladder_kbps)
    if not ladder:
        return make_decision(ladder, 0, "no rungs", "bba0")
    buf = as_nonneg(buffer_s, 0.0)
    top = len(ladder) - 1
    r_min, r_max = ladder[0], ladder[top]
    if buf <= reservoir_s:
        return make_decision(ladder, 0, f"BBA-0 buffer {buf:.1f} s ≤ reservoir", "bba0")
    if buf >= reservoir_s + cushion_s:
        return make_decision(ladder, top, f"BBA-0 buffer {buf:.1f} s ≥ reservoir + cushion", "bba0")
    f = r_min + (r_max - r_min) * (buf - reservoir_s) / max(cushion_s, 1e-9)
    prev = 0 if last_index is None else max(0, min(last_index, top))
    plus = ladder[min(prev + 1, top)]
    minus = ladder[max(prev - 1, 0)]
    if f >= plus:
        nxt = max(i for i, b in enumerate(ladder) if b < f or i == 0)
    elif f <= minus:
        nxt = min(i for i, b in enumerate(ladder) if b > f or i == top)
    else:
        nxt = prev
    return make_decision(ladder, nxt, f"BBA-0 buffer {buf:.1f} s → f(B) = {fmt_kbps(f)}", "bba0")


def harmonic_mean(values: Sequence[float]) -> float:
    """Harmonic mean of the positive finite `values` (0 when there are none)."""
    vals = [v for v in values if math.isfinite(v) and v > 0]
    if not vals:
        return 0.0
    return len(vals) / sum(1.0 / v for v in vals)


def rate_based_rule(ladder_kbps: Sequence[float], *, samples_kbps: Sequence[float]) -> Decision:
    """RB: the highest rung ≤ the harmonic mean of the last 5 throughput samples."""
    ladder = clean_ladder(ladder_kbps)
    pred = harmonic_mean(list(samples_kbps)[-5:])
    idx = highest_within(ladder, pred)
    return make_decision(ladder, idx, f"RB harmonic mean {fmt_kbps(pred)}", "rb")


def mpc_plan(
    ladder_kbps: Sequence[float],
    *,
    buffer_s: float,
    last_index: int,
    bandwidth_kbps: float,
    segment_s: float,
    horizon: int = 5,
    rebuf_penalty: float = REBUF_PENALTY,
    smooth_penalty: float = SMOOTH_PENALTY,
) -> tuple[int, float]:
    """The first rung of the rung sequence over the next `horizon` segments that maximises
    QoE_lin (Σ Mbit/s − `rebuf_penalty` × rebuffer s − `smooth_penalty` × Σ |Δ Mbit/s|) when
    every segment downloads at `bandwidth_kbps`, and that QoE. Exact, as the paper's enumeration
    of all len(ladder)^horizon sequences (sequences reaching the same state are merged); ties
    go to the lower first rung."""
    ladder = [b for b in clean_ladder(ladder_kbps) if math.isfinite(b)]
    if not ladder:
        return 0, 0.0
    bw = max(as_nonneg(bandwidth_kbps, 0.0), 1e-6)
    seg = max(as_nonneg(segment_s, 2.0), 1e-3)
    mbps = [b / 1000.0 for b in ladder]
    dl = [b * seg / bw for b in ladder]  # download time of one segment per rung
    n = len(ladder)
    last = max(0, min(last_index, n - 1))
    # States (rung of the last segment, buffer) → (best score, first rung of that sequence).
    # Two sequences reaching the same state have the same future, so only the better one is
    # kept: exact, and far fewer states than the n^horizon sequences.
    states: dict[tuple[int, float], tuple[float, int]] = {(last, as_nonneg(buffer_s, 0.0)): (0.0, -1)}
    for _ in range(max(1, int(horizon))):
        nxt: dict[tuple[int, float], tuple[float, int]] = {}
        for (prev, buf), (score, first) in states.items():
            for r in range(n):
                d = dl[r]
                stall = d - buf if d > buf else 0.0
                nb = round((buf - d if d < buf else 0.0) + seg, 9)
                s = score + mbps[r] - rebuf_penalty * stall - smooth_penalty * abs(mbps[r] - mbps[prev])
                f = r if first < 0 else first
                key = (r, nb)
                old = nxt.get(key)
                if old is None or s > old[0] or (s == old[0] and f < old[1]):
                    nxt[key] = (s, f)
        states = nxt
    best_score, best_first = max(((s, -f) for s, f in states.values()))
    best_first = -best_first
    return best_first, best_score


class BaselineController:
    """Drives one baseline (`BASELINES`) with `AbrController`'s interface: `choose_start`,
    `on_buffer`, `decide`, `on_download`, `should_abandon` (always None)."""

    def __init__(
        self,
        ladder_kbps: Sequence[float],
        *,
        rule: str,
        segment_s: float = 2.0,
        reservoir_s: float = 5.0,
        cushion_s: float = 10.0,
        horizon: int = 5,
        default_kbps: float = 500.0,
        end_horizon: bool = True,
    ) -> None:
        """A baseline `rule` over `ladder_kbps` (lowest first). `end_horizon`: robustMPC's
        horizon stops at the title's last segment when `on_buffer` is told what is left, as in
        the Pensieve authors' robustMPC (`future_chunk_length`), so it spends its buffer at the end."""
        if rule not in BASELINES:
            raise ValueError(f"unknown baseline {rule!r}; expected one of {BASELINES}")
        self.rule = rule
        self.ladder = clean_ladder(ladder_kbps)
        self.segment_s = segment_s
        self.reservoir_s = reservoir_s
        self.cushion_s = cushion_s
        self.horizon = horizon
        self.default_kbps = default_kbps
        self.buffer_s = 0.0
        self.current_index: int | None = None
        self.samples: deque[float] = deque(maxlen=5)  # throughput of the last 5 downloads, kbit/s
        self.errors: deque[float] = deque(maxlen=5)  # their relative prediction errors
        self._prediction: float | None = None  # harmonic mean predicted for the download ahead
        self.remaining_s: float | None = None  # media left to request, the next segment included
        self.end_horizon = end_horizon

    def choose_start(self, hint: StartHint | None = None) -> Decision:
        """The start rung, chosen as the project's rules choose it (`start_from_hint`)."""
        d, seed = start_from_hint(
            self.ladder, hint, segment_s=self.segment_s, default_kbps=self.default_kbps
        )
        if seed is not None:
            self.default_kbps = seed
        self.current_index = d.index
        return d

    def on_buffer(self, *, level_s: float, now: float, remaining_s: float | None = None) -> None:
        """Record the buffer level before a decision (`remaining_s`: see
        `AbrController.on_buffer`)."""
        self.buffer_s = as_nonneg(level_s, 0.0)
        rem = as_finite(remaining_s, -1.0)
        self.remaining_s = rem if rem >= 0 else None

    def _predict(self) -> float:
        """Harmonic mean of the last 5 samples (the default estimate before any)."""
        return harmonic_mean(list(self.samples)) if self.samples else self.default_kbps

    def decide(self, now: float) -> Decision:
        """The next segment's rung."""
        cur = 0 if self.current_index is None else self.current_index
        pred = self._predict()
        self._prediction = pred
        if self.rule == "bba0":
            d = bba0_rule(
                self.ladder,
                buffer_s=self.buffer_s,
                last_index=cur,
                reservoir_s=self.reservoir_s,
                cushion_s=self.cushion_s,
            )
        elif self.rule == "rb":
            d = rate_based_rule(self.ladder, samples_kbps=list(self.samples) or [pred])
        else:
            err = max(self.errors, default=0.0)
            bw = pred / (1.0 + err)
            horizon = self.horizon
            if self.end_horizon and self.remaining_s is not None:
                left = math.ceil(self.remaining_s / max(self.segment_s, 1e-3) - 1e-9)
                horizon = max(1, min(horizon, left))
            idx, qoe = mpc_plan(
                self.ladder,
                buffer_s=self.buffer_s,
                last_index=cur,
                bandwidth_kbps=bw,
                segment_s=self.segment_s,
                horizon=horizon,
            )
            d = make_decision(
                self.ladder,
                idx,
                f"robustMPC {fmt_kbps(pred)} / (1 + {err:.2f}) = {fmt_kbps(bw)}, buffer "
                f"{self.buffer_s:.1f} s → QoE {qoe:.2f}",
                "robustmpc",
            )
        self.current_index = d.index
        return d

    def on_download(
        self,
        *,
        nbytes: float,
        duration_s: float,
        now: float,
        index: int | None = None,
        ttfb_s: float = 0.0,
    ) -> bool:
        """Record a finished download: its throughput (bytes over request-to-last-byte time)
        and, for robustMPC, the relative error of the prediction made for it."""
        n = as_finite(nbytes, -1.0)
        dur = as_finite(duration_s, -1.0)
        if index is not None and 0 <= index < len(self.ladder):
            self.current_index = index
        if n <= 0 or dur <= 0:
            return False
        kbps = n * 8.0 / dur / 1000.0
        if self._prediction is not None:
            self.errors.append(abs(self._prediction - kbps) / kbps)
            self._prediction = None
        self.samples.append(kbps)
        return True

    def should_abandon(self, progress: DownloadProgress) -> Decision | None:
        """Never: the baselines' players do not abandon downloads."""
        return None
