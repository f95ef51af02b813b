"""Adaptive-bitrate rules shared by the server's steered `auto` mode, the TUI and Locust.

Everything here is plain data in, plain data out: no I/O, no clocks (time is passed in as
`now`, in seconds on any monotonic scale). Ladders are plain sequences of bitrates in kbit/s,
lowest first, so nominal and measured bitrates work alike.

Rules (see `media/ABR.md`):

- `throughput_rule`: hls.js style: stay/down when bitrate ≤ 0.95 × estimate, up only when
  bitrate ≤ 0.7 × estimate (the gap is the hysteresis band).
- `bola_rule`: BOLA (Spiteri et al., dash.js `BolaRule`) buffer-based utility maximisation with
  a placeholder buffer and the BOLA-O oscillation guard.
- `insufficient_buffer_rule`: a cap so the next segment can download before the buffer runs dry.
- `abandon_rule`: give up a download that cannot finish before the buffer runs dry.
- `choose_start`: the starting rung that keeps stream start under target.

`AbrController` holds one playback's state and combines them ("throughput", "bola" or
"dynamic", i.e. throughput while the buffer is low and BOLA once it is healthy).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

log = logging.getLogger(__name__)

#: Rule names accepted by `AbrConfig.rule` / `AbrController`.
RULES: tuple[str, ...] = ("throughput", "bola", "dynamic")
#: Chosen from `benchmarks/abr_eval.py` (see benchmarks/RESULTS.md, "ABR evaluation").
DEFAULT_RULE = "dynamic"

#: Network Information API effective connection types → (downlink kbps, RTT ms).
#: slow-2g/2g/3g are the WICG netinfo table's bounds; "4g" has no upper bound there, so we
#: assume a modest 2 Mbit/s, 150 ms (a real 4g client sends `Downlink`/`RTT` too).
ECT_TABLE: dict[str, tuple[float, float]] = {
    "slow-2g": (50.0, 2000.0),
    "2g": (70.0, 1400.0),
    "3g": (700.0, 270.0),
    "4g": (2000.0, 150.0),
}


def _finite(value: Any, default: float) -> float:
    """`value` as a float if it is a finite number, else `default`."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return default
    return f if math.isfinite(f) else default


def _nonneg(value: Any, default: float = 0.0) -> float:
    """`value` as a finite float ≥ 0, else `default`."""
    f = _finite(value, default)
    return f if f >= 0 else default


def fmt_kbps(kbps: float) -> str:
    """Human-readable bitrate: "500 kbps", "1.2 Mbps"."""
    if not math.isfinite(kbps):
        return "∞"
    if kbps >= 1000:
        return f"{kbps / 1000:.1f} Mbps"
    return f"{kbps:.0f} kbps"


def clean_ladder(ladder_kbps: Sequence[Any]) -> tuple[float, ...]:
    """The ladder as floats; unusable entries (NaN, inf, ≤ 0, non-numbers) become +inf.

    Indexes keep their meaning; an +inf rung is never chosen unless it is rung 0 and nothing
    else is possible.
    """
    out = []
    for v in ladder_kbps:
        f = _finite(v, math.inf)
        out.append(f if f > 0 else math.inf)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Decision:
    """A rung choice: `index` into the ladder, its bitrate, the rule that chose it and why."""

    index: int
    kbps: float
    reason: str
    rule: str


def _decision(ladder: Sequence[float], index: int, reason: str, rule: str) -> Decision:
    """Build a Decision, clamping `index` into the ladder (0 for an empty ladder)."""
    if not ladder:
        return Decision(0, 0.0, f"empty ladder: {reason}", rule)
    index = max(0, min(index, len(ladder) - 1))
    return Decision(index, ladder[index], reason, rule)


def highest_within(ladder: Sequence[float], budget_kbps: float) -> int:
    """Index of the highest rung whose bitrate ≤ `budget_kbps`; 0 if none fits."""
    best = 0
    for i, kbps in enumerate(ladder):
        if kbps <= budget_kbps:
            best = i
    return best


@dataclass(frozen=True, slots=True)
class AbrConfig:
    """Every tunable of the rules, with hls.js / dash.js defaults where they exist.

    Attributes:
        rule: "throughput", "bola" or "dynamic".
        segment_s: segment duration (seconds).
        fast_half_life_s / slow_half_life_s: EWMA half-lives in seconds of download time
            (hls.js 3/9 for VOD; Shaka uses 2/5).
        min_sample_bytes: downloads smaller than this are not throughput samples (Shaka and
            hls.js use 16 000 B: playlists and tiny requests measure RTT, not bandwidth; our
            lowest rung's 2 s segment is ~60 kB, so every media segment counts).
        default_kbps: estimate before the first sample (hls.js 500 kbit/s).
        down_factor / up_factor: throughput rule factors (hls.js 0.95 / 0.7).
        up_hold_s: no throughput-driven up-switch within this many seconds of a down-switch
            or abandonment (time hysteresis on top of the 0.95/0.7 band; BOLA decisions have
            BOLA-O instead).
        safety_factor: insufficient-buffer rule: the next segment must download within
            `safety_factor × buffer` at the current estimate (dash.js 0.5).
        keep_factor: the cap's hysteresis band: the controller keeps its current rung while
            that rung's next segment downloads within `keep_factor × buffer` (the buffer does
            not run dry), so `safety_factor` only limits up-switches. Without the band the
            cap contradicts `choose_start` (which allows 0.7 × downlink) at the first decision,
            when only one (possibly short) segment is buffered: the start rung drops after
            the first segment and comes straight back on the next.
        bola_min_buffer_s / bola_target_s: BOLA's buffer range: lowest rung below the minimum,
            top rung near the target (dash.js 10 s and max(12, 10 + 2 × rungs)).
        bola_throughput_factor: safety factor on the estimate used by BOLA-O and BOLA's
            startup (dash.js 0.9).
        dynamic_on_s / dynamic_off_s: "dynamic" uses BOLA from `on` seconds of buffer until
            it falls below `off` seconds.
        abandon_min_elapsed_s: do not judge a download younger than this (None: half a
            segment, as hls.js).
        abandon_bw_factor: safety factor on the current download rate when sizing the lower
            rung to re-request (hls.js 0.8).
        trust_low_s / trust_high_s: "dynamic" decides (and caps) on an estimate that moves
            with the buffer from pessimistic (min of the EWMA and the latest sample) at
            `trust_low_s` to optimistic (max of the EWMA and the min of the last
            `trust_samples` samples) at `trust_high_s`; the up-switch factor moves from
            `up_factor` to `trust_up_factor` over the same range. With at least `trust_low_s`
            buffered the `up_hold_s` hold is skipped.
        dynamic_tput_floor: while "dynamic" is on BOLA, the throughput rule on that estimate
            is a floor under BOLA's choice (fast recovery after a drop).
        abandon_outage_hold_s / abandon_hold_unsustainable: keep a download in flight while
            at least this much is buffered when no lower rung could arrive before the buffer
            runs dry (an outage) or, with `abandon_hold_unsustainable`, when no lower rung is
            sustainable at the current rate (switching down would only slow the drain).
        abandon_window_s: the controller judges a download at its rate over this last window
            when that is lower than the average since the first byte.
        split_samples: record a download during which the link collapsed as two samples.
    """

    rule: str = DEFAULT_RULE
    segment_s: float = 2.0
    fast_half_life_s: float = 3.0
    slow_half_life_s: float = 9.0
    min_sample_bytes: int = 16_000
    default_kbps: float = 500.0
    down_factor: float = 0.95
    up_factor: float = 0.7
    up_hold_s: float = 6.0
    safety_factor: float = 0.5
    keep_factor: float = 1.0
    bola_min_buffer_s: float = 10.0
    bola_target_s: float | None = None
    bola_throughput_factor: float = 0.9
    dynamic_on_s: float = 10.0
    dynamic_off_s: float = 6.0
    abandon_min_elapsed_s: float | None = None
    abandon_bw_factor: float = 0.8
    trust_low_s: float = 8.0
    trust_high_s: float = 16.0
    dynamic_tput_floor: bool = True
    abandon_outage_hold_s: float = 8.0
    abandon_window_s: float = 1.0
    trust_up_factor: float = 0.85
    trust_samples: int = 2
    abandon_hold_unsustainable: bool = True
    split_samples: bool = True

    def __post_init__(self) -> None:
        """Reject an unknown rule name early."""
        if self.rule not in RULES:
            raise ValueError(f"unknown ABR rule {self.rule!r}; expected one of {RULES}")


# --------------------------------------------------------------------------- estimation


class _Ewma:
    """Exponentially weighted moving average with weights in seconds (hls.js `EWMA`)."""

    def __init__(self, half_life_s: float) -> None:
        """Start empty with the given half-life."""
        self.alpha = math.exp(math.log(0.5) / max(half_life_s, 1e-3))
        self.estimate = 0.0
        self.total_weight = 0.0

    def sample(self, weight: float, value: float) -> None:
        """Add `value` with `weight` (seconds)."""
        adj = self.alpha**weight
        self.estimate = value * (1 - adj) + adj * self.estimate
        self.total_weight += weight

    def get(self) -> float:
        """Bias-corrected estimate (zero-start correction)."""
        zero_factor = 1 - self.alpha**self.total_weight
        return self.estimate / zero_factor if zero_factor > 0 else 0.0


class ThroughputEstimator:
    """Dual EWMA of download throughput weighted by download duration; estimate = min(fast, slow).

    Samples under `min_sample_bytes` or with unusable numbers are ignored; before the first
    sample the estimate is `default_kbps`. Durations are floored at 50 ms (as hls.js).
    `window_kbps` (harmonic mean of the last few samples) is the faster, count-based view
    BOLA-O uses once the buffer is healthy.
    """

    MIN_DURATION_S = 0.05

    def __init__(
        self,
        *,
        fast_half_life_s: float = 3.0,
        slow_half_life_s: float = 9.0,
        min_sample_bytes: int = 16_000,
        default_kbps: float = 500.0,
        window: int = 4,
    ) -> None:
        """Create an empty estimator; `window` is the sample count of `window_kbps`."""
        self.fast = _Ewma(fast_half_life_s)
        self.slow = _Ewma(slow_half_life_s)
        self.latency = _Ewma(2.0)  # half-life of 2 samples
        self.min_sample_bytes = min_sample_bytes
        self.default_kbps = default_kbps
        self.samples = 0
        self.window = max(1, window)
        self.recent: list[float] = []

    def sample(
        self, *, nbytes: float, duration_s: float, ttfb_s: float = 0.0, force: bool = False
    ) -> bool:
        """Record one download (`duration_s` from request to last byte, `ttfb_s` of it spent
        waiting for the first byte); return whether it counted as a throughput sample.

        Bandwidth is measured over the transfer time only (duration − TTFB, as dash.js);
        the TTFB feeds a separate latency average (`latency_s`).
        """
        nbytes = _finite(nbytes, -1.0)
        duration_s = _finite(duration_s, -1.0)
        ttfb = _nonneg(ttfb_s, 0.0)
        if (nbytes < self.min_sample_bytes and not force) or nbytes <= 0 or duration_s < 0:
            return False
        ttfb = min(ttfb, duration_s)
        transfer_s = max(duration_s - ttfb, self.MIN_DURATION_S)
        kbps = nbytes * 8 / 1000 / transfer_s
        self.fast.sample(transfer_s, kbps)
        self.slow.sample(transfer_s, kbps)
        self.latency.sample(1.0, ttfb)
        self.recent = [*self.recent[-(self.window - 1) :], kbps] if self.window > 1 else [kbps]
        self.samples += 1
        return True

    @property
    def window_kbps(self) -> float:
        """Harmonic mean of the last `window` samples (dash.js-style recent throughput; not
        duration-weighted, so a few fast downloads of small segments count fully)."""
        if not self.recent:
            return self.default_kbps
        return len(self.recent) / sum(1.0 / max(k, 1e-9) for k in self.recent)

    @property
    def last_kbps(self) -> float:
        """The most recent counted sample (the default before any): the fastest-reacting view,
        trusted for up-switches only in proportion to the buffer (`AbrConfig.trust_*`)."""
        return self.recent[-1] if self.recent else self.default_kbps

    @property
    def latency_s(self) -> float:
        """Average time to first byte of the counted samples (0 before any)."""
        return self.latency.get() if self.samples else 0.0

    @property
    def estimate_kbps(self) -> float:
        """Current estimate in kbit/s (the default before any sample)."""
        if self.samples == 0 or self.fast.total_weight < 1e-3:
            return self.default_kbps
        return min(self.fast.get(), self.slow.get())


# --------------------------------------------------------------------------- rules


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
    est = _nonneg(estimate_kbps, 0.0)
    if not ladder:
        return _decision(ladder, 0, "no rungs", "throughput")
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
    return _decision(ladder, chosen, reason, "throughput")


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
    est = _nonneg(estimate_kbps, 0.0)
    buf = _nonneg(buffer_s, 0.0)
    if buf <= 0:
        return _decision(ladder, 0, "buffer empty → lowest rung", "insufficient-buffer")
    seg = max(_nonneg(config.segment_s, 2.0), 1e-3)
    budget = est * config.safety_factor * buf / seg
    idx = highest_within(ladder, budget)
    reason = (
        f"buffer {buf:.1f} s: segment must load in {config.safety_factor * buf:.1f} s "
        f"→ ≤ {fmt_kbps(budget)}"
    )
    return _decision(ladder, idx, reason, "insufficient-buffer")


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
    config: AbrConfig = AbrConfig(),
) -> Decision:
    """BOLA: maximise (Vp·(utility + gp) − buffer) / bitrate over rungs.

    `buffer_s + placeholder_s` is the (virtual) buffer. With `last_index` and `estimate_kbps`,
    BOLA-O applies: an up-switch beyond what the throughput (× `bola_throughput_factor`)
    sustains is limited to max(throughput rung, last rung), which stops oscillation.
    """
    ladder = clean_ladder(ladder_kbps)
    if not ladder:
        return _decision(ladder, 0, "no rungs", "bola")
    params = bola_params(ladder, config=config)
    buf = _nonneg(buffer_s, 0.0)
    ph = _nonneg(placeholder_s, 0.0)
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
        est = _nonneg(estimate_kbps, 0.0)
        safe = est * config.bola_throughput_factor
        tput = highest_within(ladder, safe)
        if best > last_index and best > tput:
            capped = max(tput, last_index)
            if capped != best:
                reason += (
                    f"; BOLA-O: {fmt_kbps(ladder[best])} > throughput {fmt_kbps(est)} × "
                    f"{config.bola_throughput_factor:g}, hold {fmt_kbps(ladder[capped])}"
                )
                best = capped
    return _decision(ladder, best, reason, "bola")


# --------------------------------------------------------------------------- abandonment


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    """A segment download in flight.

    Attributes:
        index: rung being downloaded.
        loaded_bytes / total_bytes: progress (total is the segment's size).
        elapsed_s: time since the request was sent (includes time to first byte).
        buffer_s: media buffered ahead of the playhead now.
        ttfb_s: time to first byte of this request (≈ one RTT), used to cost a re-request.
        now: current time, if known (starts the up-switch hold after an abandonment).
    """

    index: int
    loaded_bytes: float
    total_bytes: float
    elapsed_s: float
    buffer_s: float
    ttfb_s: float = 0.0
    now: float | None = None


def abandon_rule(
    ladder_kbps: Sequence[float],
    *,
    progress: DownloadProgress,
    config: AbrConfig = AbrConfig(),
    recent_bps: float | None = None,
) -> Decision | None:
    """Abandonment (hls.js criterion, dash.js choice of rung).

    If the download in flight cannot finish before the buffer runs dry at the rate seen so far,
    return the highest lower rung that is sustainable at `abandon_bw_factor` × that rate (one
    segment loads, TTFB included, within a segment duration and before the buffer runs dry),
    else the lowest rung — but only if re-requesting is faster than finishing. Otherwise None
    (keep downloading). `recent_bps` (bytes/s over the last second or so, if the caller tracks
    it) is used when it is slower than the average: a link that collapsed mid-download is
    judged at its new rate, not at one inflated by the fast start. An outage (no lower rung
    arrives before the buffer runs dry either) with at least `abandon_outage_hold_s` of buffer
    is waited out: abandoning would not avoid the stall, and the link may come back."""
    ladder = clean_ladder(ladder_kbps)
    p = progress
    idx = int(p.index) if isinstance(p.index, int) else 0
    if not ladder or idx <= 0 or idx >= len(ladder):
        return None
    elapsed = _nonneg(p.elapsed_s, 0.0)
    min_elapsed = config.abandon_min_elapsed_s
    if min_elapsed is None:
        min_elapsed = config.segment_s / 2
    if elapsed < min_elapsed:
        return None
    loaded = _nonneg(p.loaded_bytes, 0.0)
    total = _nonneg(p.total_bytes, 0.0)
    buf = _nonneg(p.buffer_s, 0.0)
    ttfb = min(_nonneg(p.ttfb_s, 0.0), elapsed)
    if total <= 0 or loaded >= total or loaded <= 0:
        return None
    rate = loaded / max(elapsed - ttfb, 1e-3)  # bytes/s since first byte
    recent = _finite(recent_bps, -1.0)
    if 0 <= recent < rate:
        rate = max(recent, 1e-3)
    remaining_s = (total - loaded) / rate
    bw = rate * config.abandon_bw_factor
    reserve = 0.0
    if math.isfinite(ladder[idx]):
        # Finishing must leave time to fetch the next segment at the lowest rung, at this rate.
        reserve = ttfb + total * ladder[0] / ladder[idx] / bw
    if remaining_s <= buf - reserve:
        return None
    chosen: int | None = None
    chosen_s = math.inf
    seg = max(_nonneg(config.segment_s, 2.0), 1e-3)
    for i in range(idx - 1, -1, -1):
        size = total * ladder[i] / ladder[idx] if math.isfinite(ladder[idx]) else total
        t = ttfb + size / bw
        if t <= seg and t < buf:
            chosen, chosen_s = i, t
            break
    if chosen is None:
        size0 = total * ladder[0] / ladder[idx] if math.isfinite(ladder[idx]) else total
        chosen, chosen_s = 0, ttfb + size0 / bw
        if (chosen_s >= buf or config.abandon_hold_unsustainable) and (
            buf >= config.abandon_outage_hold_s
        ):
            # No lower rung is sustainable at this rate (an outage, or a link below the
            # ladder): switching down only slows the drain of the buffer, it cannot stop it.
            # While the buffer is deep, keep the segment in flight: if the link comes back
            # first, nothing was lost; below `abandon_outage_hold_s` the lowest rung wins.
            return None
    if chosen_s >= remaining_s:
        return None
    reason = (
        f"abandon {fmt_kbps(ladder[idx])}: {remaining_s:.1f} s left at "
        f"{fmt_kbps(rate * 8 / 1000)} > buffer {buf:.1f} s; {fmt_kbps(ladder[chosen])} "
        f"loads in {chosen_s:.1f} s"
    )
    return _decision(ladder, chosen, reason, "abandon")


# --------------------------------------------------------------------------- start choice


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
        return _decision(ladder, 0, "no rungs", "start")
    if save_data:
        return _decision(ladder, 0, "Save-Data → lowest rung", "start")
    ect_kbps, ect_rtt = ECT_TABLE.get(str(ect).lower(), (None, None)) if ect else (None, None)
    bw = _finite(downlink_kbps, -1.0)
    src = "downlink"
    if bw <= 0:
        bw, src = (ect_kbps, f"ECT {ect}") if ect_kbps else (default_kbps, "default")
    rtt = _finite(rtt_ms, -1.0)
    if rtt < 0:
        rtt = ect_rtt if ect_rtt is not None else default_rtt_ms
    seg = max(_nonneg(first_segment_s, 2.0), 1e-3)
    setup_s = max(round_trips, 0) * rtt / 1000
    spare_s = _finite(target_s, 2.0) - setup_s
    fit_kbps = bw * spare_s / seg if spare_s > 0 else 0.0
    budget = min(fit_kbps, bw * up_factor)
    nxt = _finite(next_segment_s, -1.0)
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
    return _decision(ladder, idx, reason, "start")


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


# --------------------------------------------------------------------------- controller


class AbrController:
    """One playback's ABR state; the server, the TUI and Locust drive it the same way.

    Call `choose_start(hint)` once, then per segment: `on_buffer(...)`, `decide(now)`, and after
    the download `on_download(...)`; during a download, `should_abandon(progress)`.
    """

    def __init__(
        self, ladder_kbps: Sequence[float], *, config: AbrConfig | None = None, **overrides: Any
    ) -> None:
        """Create a controller for `ladder_kbps` (lowest first); `overrides` patch `config`."""
        cfg = config or AbrConfig()
        if overrides:
            cfg = replace(cfg, **overrides)
        self.config = cfg
        self.ladder = clean_ladder(ladder_kbps)
        self.estimator = ThroughputEstimator(
            fast_half_life_s=cfg.fast_half_life_s,
            slow_half_life_s=cfg.slow_half_life_s,
            min_sample_bytes=cfg.min_sample_bytes,
            default_kbps=cfg.default_kbps,
        )
        self.current_index: int | None = None
        self.buffer_s = 0.0
        self.buffer_at: float | None = None
        self.playing = False
        self.stalled = False
        self.bola_active = False
        self.placeholder_s = 0.0
        self._last_download_end: float | None = None
        self._last_down_at: float | None = None
        self.last_decision: Decision | None = None
        self._progress: list[tuple[float, float]] = []  # (elapsed_s, loaded_bytes) in flight
        self._progress_key: tuple[int, float] | None = None
        # (bytes, seconds) of an abandoned download's last `abandon_window_s`, and its loaded
        # bytes: `on_download` of that download records the tail, not the whole average.
        self._abandon_tail: tuple[float, float, float] | None = None

    @property
    def rule(self) -> str:
        """The rule name in use."""
        return self.config.rule

    def _dead_factor(self) -> float:
        """Share of a segment's time not lost to first-byte latency (dash.js "dead time")."""
        seg = max(self.config.segment_s, 1e-3)
        return 1.0 - min(self.estimator.latency_s / seg, 0.9)

    @property
    def estimate_kbps(self) -> float:
        """Throughput the throughput rule uses (kbit/s): min(fast, slow) EWMA less latency."""
        return self.estimator.estimate_kbps * self._dead_factor()

    def _trust(self) -> float:
        """0 with `trust_low_s` of buffer or less, 1 from `trust_high_s`, linear between."""
        cfg = self.config
        span = cfg.trust_high_s - cfg.trust_low_s
        if span <= 0:
            return 1.0 if self.buffer_s >= cfg.trust_high_s else 0.0
        return min(max((self.buffer_s - cfg.trust_low_s) / span, 0.0), 1.0)

    @property
    def trusted_kbps(self) -> float:
        """Estimate for up-switches and the safety cap (kbit/s): `estimate_kbps` with an empty
        buffer, moving linearly to the latest sample (if higher) as the buffer grows from
        `trust_low_s` to `trust_high_s`. A full buffer can afford a wrong guess (abandonment
        catches it); an empty one cannot."""
        cons = self.estimate_kbps
        k = max(1, int(self.config.trust_samples))
        fast = min(self.estimator.recent[-k:] or [self.estimator.default_kbps]) * self._dead_factor()
        if self.estimator.samples == 0:
            return cons
        last = self.estimator.last_kbps * self._dead_factor()
        pess, opt = min(cons, last), max(cons, fast)
        return pess + self._trust() * (opt - pess)

    @property
    def recent_kbps(self) -> float:
        """Throughput BOLA-O uses (kbit/s): harmonic mean of recent samples less latency."""
        return self.estimator.window_kbps * self._dead_factor()

    def choose_start(self, hint: StartHint | None = None) -> Decision:
        """Pick the starting rung from `hint` (see module `choose_start`) and remember it."""
        h = hint or StartHint()
        last = _finite(h.last_kbps, -1.0)
        down = last if last > 0 else h.downlink_kbps
        d = choose_start(
            self.ladder,
            downlink_kbps=down,
            rtt_ms=h.rtt_ms,
            ect=h.ect,
            save_data=h.save_data,
            first_segment_s=self.config.segment_s,
            default_kbps=self.config.default_kbps,
            up_factor=self.config.up_factor,
        )
        seed = _finite(down, -1.0)
        if seed <= 0 and h.ect and str(h.ect).lower() in ECT_TABLE:
            seed = ECT_TABLE[str(h.ect).lower()][0]
        if seed > 0 and self.estimator.samples == 0:
            self.estimator.default_kbps = seed
        self.current_index = d.index
        self.last_decision = d
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
        """Record a finished (or abandoned) download of `nbytes` taking `duration_s` (request
        to last byte, of which `ttfb_s` waiting for the first byte, if known) of rung `index`.
        Returns whether it counted as a throughput sample."""
        tail, self._abandon_tail = self._abandon_tail, None
        if tail is not None and 0 <= _finite(nbytes, -1.0) <= tail[2] * 1.01 + 1:
            # The abandoned download: its average is inflated by the time before the link
            # collapsed; its last second is what the link does now.
            counted = self.estimator.sample(nbytes=tail[0], duration_s=tail[1])
        else:
            counted = self._sample_download(nbytes, duration_s, ttfb_s, index)
        now_f = _finite(now, math.nan)
        self._last_download_end = now_f if math.isfinite(now_f) else None
        if index is not None and 0 <= index < len(self.ladder):
            self.current_index = index
        return counted

    def _sample_download(
        self, nbytes: float, duration_s: float, ttfb_s: float, index: int | None
    ) -> bool:
        """Record a finished download; split it in two samples when the progress reports seen
        for it (`should_abandon`) show the link collapsed during it, so the estimate learns
        the rate at its end, not an average with the fast start."""
        est = self.estimator
        hist, key = self._progress, self._progress_key
        self._progress = []
        self._progress_key = None
        n = _finite(nbytes, -1.0)
        dur = _finite(duration_s, -1.0)
        ttfb = min(_nonneg(ttfb_s, 0.0), max(dur, 0.0))
        window = self.config.abandon_window_s
        same = key is not None and (index is None or key[0] == index) and abs(key[1] - n) < 1
        if self.config.split_samples and same and hist and window > 0 and n > 0 and dur > 0:
            cut = [h for h in hist if dur - h[0] >= window and h[0] > ttfb and 0 < h[1] < n]
            if cut:
                e_k, l_k = cut[-1]
                head = l_k / (e_k - ttfb)
                tail = (n - l_k) / (dur - e_k)
                if tail < 0.5 * head:
                    est.sample(nbytes=l_k, duration_s=e_k, ttfb_s=ttfb)
                    return est.sample(nbytes=n - l_k, duration_s=dur - e_k, force=True)
        return est.sample(nbytes=nbytes, duration_s=duration_s, ttfb_s=ttfb_s)

    def on_buffer(self, *, level_s: float, now: float) -> None:
        """Record the buffer level (seconds ahead of the playhead) at time `now`."""
        level = _nonneg(level_s, 0.0)
        if level > 0:
            self.playing = True
        was_stalled = self.stalled
        self.stalled = self.playing and level <= 0
        if self.stalled and not was_stalled:
            self.placeholder_s = 0.0
        self.buffer_s = level
        now_f = _finite(now, math.nan)
        self.buffer_at = now_f if math.isfinite(now_f) else self.buffer_at

    def _bola(self, now: float, est: float, cur: int) -> Decision:
        """BOLA decision with placeholder bookkeeping (idle time grows it; delay trims it)."""
        params = bola_params(self.ladder, config=self.config)
        if not self.bola_active:
            # Enter BOLA without a jump: the placeholder makes BOLA keep the current rung.
            self.bola_active = True
            need = bola_min_buffer_for(self.ladder, cur, params=params)
            self.placeholder_s = max(0.0, need + 0.01 - self.buffer_s) if cur > 0 else 0.0
        elif self._last_download_end is not None and math.isfinite(now):
            self.placeholder_s += max(0.0, now - self._last_download_end)
        self._last_download_end = None
        d = bola_rule(
            self.ladder,
            buffer_s=self.buffer_s,
            placeholder_s=self.placeholder_s,
            last_index=cur,
            estimate_kbps=self.recent_kbps,
            config=self.config,
        )
        over = self.buffer_s + self.placeholder_s - bola_max_buffer_for(d.index, params=params)
        if over > 0:
            self.placeholder_s = max(0.0, self.placeholder_s - over)
        return d

    def _rule_decision(self, now: float, est: float, cur: int) -> Decision:
        """The selected rule's raw choice (before the safety cap and hysteresis)."""
        cfg = self.config
        if cfg.rule == "throughput":
            return throughput_rule(self.ladder, estimate_kbps=est, current_index=cur, config=cfg)
        if cfg.rule == "bola":
            if not self.bola_active and self.buffer_s < cfg.segment_s:
                d = throughput_rule(
                    self.ladder,
                    estimate_kbps=est * cfg.bola_throughput_factor / cfg.down_factor,
                    current_index=cur,
                    config=cfg,
                )
                return replace(d, reason="BOLA startup: " + d.reason)
            if self.stalled:
                self.bola_active = False
                d = throughput_rule(self.ladder, estimate_kbps=est, current_index=cur, config=cfg)
                return replace(d, reason="BOLA after stall: " + d.reason)
            return self._bola(now, est, cur)
        # dynamic
        if self.bola_active and self.buffer_s < cfg.dynamic_off_s:
            self.bola_active = False
        use_bola = self.bola_active or self.buffer_s >= cfg.dynamic_on_s
        up = cfg.up_factor + self._trust() * max(cfg.trust_up_factor - cfg.up_factor, 0.0)
        tput = throughput_rule(
            self.ladder, estimate_kbps=est, current_index=cur, config=replace(cfg, up_factor=up)
        )
        if use_bola:
            d = self._bola(now, est, cur)
            if cfg.dynamic_tput_floor and tput.index > d.index:
                return replace(tput, reason=f"{tput.reason} (above {d.reason})")
            return d
        return tput

    def _keep_band(self, cap: Decision, d: Decision, est: float, cur: int) -> Decision:
        """Widen the safety cap to the current rung when the rule wants to keep (or go above)
        it and its next segment still loads within `keep_factor × buffer` at `est`."""
        cfg = self.config
        if cap.index >= cur or d.index < cur or self.buffer_s <= 0:
            return cap
        seg = max(_nonneg(cfg.segment_s, 2.0), 1e-3)
        load_s = self.ladder[cur] * seg / est if est > 0 else math.inf
        if load_s > cfg.keep_factor * self.buffer_s:
            return cap
        reason = (
            f"keep {fmt_kbps(self.ladder[cur])}: segment loads in {load_s:.1f} s ≤ "
            f"{cfg.keep_factor:g} × buffer {self.buffer_s:.1f} s"
        )
        return _decision(self.ladder, cur, reason, "insufficient-buffer")

    def decide(self, now: float) -> Decision:
        """Choose the rung for the next segment at time `now`."""
        cfg = self.config
        est = self.estimate_kbps
        if not self.ladder:
            d = _decision(self.ladder, 0, "no rungs", cfg.rule)
            self.last_decision = d
            return d
        if self.current_index is None:
            d = throughput_rule(self.ladder, estimate_kbps=est, current_index=None, config=cfg)
            self.current_index = d.index
            self.last_decision = d
            return d
        cur = self.current_index
        now_f = _finite(now, math.nan)
        if cfg.rule == "dynamic":
            est = self.trusted_kbps
        d = self._rule_decision(now_f, est, cur)
        link_down = d.index < cur
        if self.playing:
            cap = insufficient_buffer_rule(
                self.ladder, estimate_kbps=est, buffer_s=self.buffer_s, config=cfg
            )
            cap = self._keep_band(cap, d, est, cur)
            if cap.index < d.index:
                d = replace(
                    cap, reason=f"{cap.reason} (capped {fmt_kbps(d.kbps)}: {d.reason})"
                )
                # A cap because the buffer is short (e.g. at start) is not a link drop.
                link_down = link_down or est < self.ladder[cur]
        if (
            d.index > cur
            and d.rule == "throughput"
            and self._last_down_at is not None
            and math.isfinite(now_f)
            and not (cfg.rule == "dynamic" and self.buffer_s >= cfg.trust_low_s)
        ):
            since = now_f - self._last_down_at
            if since < cfg.up_hold_s:
                held = _decision(
                    self.ladder,
                    cur,
                    f"hold {fmt_kbps(self.ladder[cur])}: {since:.1f} s since a down-switch "
                    f"< {cfg.up_hold_s:g} s (wanted {fmt_kbps(d.kbps)}: {d.reason})",
                    d.rule,
                )
                self.last_decision = held
                return held
        if d.index < cur and link_down and math.isfinite(now_f):
            self._last_down_at = now_f
        if d.index != cur:
            log.debug("ABR %s: %s → %s (%s)", cfg.rule, cur, d.index, d.reason)
        self.current_index = d.index
        self.last_decision = d
        return d

    def _recent_rate(self, p: DownloadProgress) -> float | None:
        """Bytes/s of the download in flight over its last `abandon_window_s` (None until
        that much of it has been seen). Calls for a new download (another rung or size, or
        time going backwards) start a new history."""
        elapsed = _finite(p.elapsed_s, math.nan)
        loaded = _finite(p.loaded_bytes, math.nan)
        if not (math.isfinite(elapsed) and math.isfinite(loaded)):
            return None
        key = (int(p.index) if isinstance(p.index, int) else -1, _finite(p.total_bytes, -1.0))
        hist = self._progress
        if key != self._progress_key or (hist and (elapsed < hist[-1][0] or loaded < hist[-1][1])):
            hist.clear()
            self._progress_key = key
        hist.append((elapsed, loaded))
        window = self.config.abandon_window_s
        older = [h for h in hist if elapsed - h[0] >= window - 1e-9]
        if len(hist) > 64:
            del hist[: len(hist) - 64]
        if not older or window <= 0:
            return None
        e0, l0 = older[-1]
        return (loaded - l0) / max(elapsed - e0, 1e-3)

    def should_abandon(self, progress: DownloadProgress) -> Decision | None:
        """Whether to abandon the download in flight; the Decision names the rung to
        re-request the same segment at (and becomes the current rung). Never before playback
        has started (the start rung is `choose_start`'s business)."""
        if not self.playing:
            return None  # before the first frame there is no buffer to run dry
        d = abandon_rule(
            self.ladder,
            progress=progress,
            config=self.config,
            recent_bps=self._recent_rate(progress),
        )
        if d is not None:
            log.debug("ABR abandon: %s", d.reason)
            hist = self._progress
            older = [h for h in hist if hist[-1][0] - h[0] >= self.config.abandon_window_s - 1e-9]
            if older:
                e0, l0 = older[-1]
                self._abandon_tail = (hist[-1][1] - l0, hist[-1][0] - e0, hist[-1][1])
            self._progress.clear()
            self._progress_key = None
            self.current_index = d.index
            now = _finite(progress.now, math.nan)
            if math.isfinite(now):
                self._last_down_at = now
        return d
