"""Shared vocabulary of the ABR rules: number hygiene, ladders, `Decision` and `AbrConfig`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: Rule names accepted by `AbrConfig.rule` / `AbrController`.
RULES: tuple[str, ...] = ("throughput", "bola", "dynamic")
#: Chosen from `benchmarks/abr_eval.py` (see benchmarks/RESULTS.md, "ABR evaluation").
DEFAULT_RULE = "dynamic"


def as_finite(value: Any, default: float) -> float:
    """`value` as a float if it is a finite number, else `default`."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return default
    return f if math.isfinite(f) else default


def as_nonneg(value: Any, default: float = 0.0) -> float:
    """`value` as a finite float ≥ 0, else `default`."""
    f = as_finite(value, default)
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
        f = as_finite(v, math.inf)
        out.append(f if f > 0 else math.inf)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Decision:
    """A rung choice: `index` into the ladder, its bitrate, the rule that chose it and why."""

    index: int
    kbps: float
    reason: str
    rule: str


def make_decision(ladder: Sequence[float], index: int, reason: str, rule: str) -> Decision:
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
        segment_s: segment duration (seconds): of the segments after the first, as a client reads
            them from the title's media playlist (`media.segment_timing`).
        first_segment_s: the first segment's duration when the title's playlist is known (the
            packager's first segment is 3 s): `choose_start` sizes that segment, and checks that
            the next one (`segment_s`) arrives before it has played out, as the server's start
            choice does. None: nothing is known, a first segment of `segment_s` and no such check.
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
        bola_guard_buffer_s / bola_guard_factor: BOLA-O lets BOLA's choice (or the highest
            rung below it) through when its next segment, at `bola_guard_factor` × the
            throughput, loads leaving at least `bola_guard_buffer_s` buffered: a deep buffer is
            used, BOLA's buffer logic steps down as it drains (None: the plain BOLA-O cap).
        bola_guard_min_cv: the guard applies only while the recent throughput samples vary
            (coefficient of variation ≥ this): on a steady link the throughput alone decides
            and the rung does not flap (0.1: an LTE link varying by ~10 % with a full buffer
            is not steady, #18).
        abandon_deep_s: with at least this much buffered an abandonment re-requests one rung
            down, never the lowest rung (None: dash.js's choice, whatever rung fits).
        abandon_wait_above_s: the controller abandons no download while at least this much is
            buffered: waiting costs only buffer, and the verdict is taken, with more of the
            download seen, once the buffer is under it. A deep dip on a cellular link mostly
            passes within seconds, and the bytes of an abandoned segment are lost (synthetic LTE
            links at 4 s segments: QoE_lin 4.368 → 4.579; None: judge at any buffer; 0: never
            abandon; #18 eighth pass). Its cost: a dip that deepens while waited out is abandoned
            later (Verizon EVDO at 4 s, seed 2: 34.2 → 39.0 s of stalls, a trace where the
            oracle stalls too).
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
            when that is lower than the average since the first byte (see `abandon_recent_below_s`).
        split_samples: record a download during which the link collapsed as two samples.
        abandon_recent_below_s: the controller judges a download in flight at its rate over
            the last `abandon_window_s` (an outage is waited out, a collapse seen at once); with
            at least this much buffered it abandons only if the average since the first byte
            also says the segment cannot arrive in time (None: the recent rate alone). On the
            cellular traces a one-second dip at that rate threw away downloads the buffer
            would have carried (benchmarks/RESULTS.md, #18).
        low_link_factor / low_link_extra_s: while the slow throughput average is under
            `low_link_factor` × the lowest rung, every buffer level of "dynamic" (BOLA's minimum
            and target, the switch to and from BOLA, the BOLA-O guard) is `low_link_extra_s`
            higher: on such a link any dip below the lowest rung stalls, and spending buffer
            buys little bitrate (0: off).
        mpc_horizon: "dynamic" decides with robustMPC's lookahead (`baselines.mpc_plan`: the rung
            sequence over this many segments that maximises QoE_lin) where it would use BOLA,
            while the link varies (`mpc_min_cv`) and is not a low link; the throughput floor
            and the safety cap still apply (0: BOLA alone, as before #18's fourth pass).
        mpc_reserve_s: the plan treats this much buffer as already spent: it stalls, for the
            plan, when the buffer would fall under it.
        mpc_min_cv: the plan decides only while the recent samples' coefficient of variation
            is at least this; on a steady link (a constant one measures 0) BOLA with BOLA-O
            decides, so the rung settles below the link rate and does not cycle.
        mpc_max_error: the plan's throughput is the recent harmonic mean ÷ (1 + the largest
            relative error of the last 5 such predictions), as robustMPC's, with the error
            capped at this (uncapped, one dip's error of 5–40 holds the lowest rung long after
            the link is back).
        mpc_min_buffer_s: plan from this much buffer instead of only where BOLA would decide
            (None: where BOLA would, from `dynamic_on_s` until under `dynamic_off_s`).
        mpc_up_run_s: the plan's up-switch to a rung its throughput does not sustain stands
            only when the buffer beyond `mpc_reserve_s` can play that rung for this many
            seconds (it loses rung ÷ throughput − 1 s of buffer per second played); else the
            highest rung between that does. The 5-segment horizon alone went up as soon as 5
            segments fitted and came down at the reserve: a switch every few segments, where
            the rung above the link can be played in long runs from a deep buffer. A request
            that waited `mpc_idle_s` for room (a full buffer) goes up at once. 0 (the default):
            off; 16–24 s halve the switches on the broadband links but cost 0.1–0.3 points of
            the oracle's bitrate on the traces (benchmarks/RESULTS.md, #18 fifth pass).
        mpc_keep: the plan's down-switch waits while the buffer beyond `mpc_reserve_s` still
            loads the current rung's next segment at the plan's throughput: the plan lowers the
            rung as soon as its horizon foresees a stall, several segments early, and with 4 s
            segments went straight back up.
        mpc_cv_samples: the plan's variation gate (`mpc_min_cv`) judges the coefficient of
            variation of the last this many samples (a window of 4 on a varying link measured
            under 0.02 now and then and handed single decisions to BOLA, a switch each way).
        mpc_error_window_s: the plan's discount is the largest relative error of the predictions
            made for the last this many seconds of media: ⌈window ÷ segment⌉ predictions, at most
            robustMPC's 5. At 2 s segments that is all 5 (10 s), as before; at 4 s segments 4
            (16 s) instead of 5 (20 s): a dip's error no longer holds the plan down for 20 s of
            media (None: always 5; benchmarks/RESULTS.md, #18 sixth pass).
        end_reserve_s / end_factor / end_window_x: the end of a title (the caller tells
            `on_buffer` how much media is left to request). Once what is left is at most
            `end_window_x` × the buffer, the rung is at least the highest at which every segment
            left, downloaded at `end_factor` × the lower of the recent harmonic mean and the EWMA,
            arrives before the playhead reaches it with `end_reserve_s` to spare: a buffer still
            full when the last segment arrives is bitrate never played (the zero-rebuffer oracle
            and robustMPC, whose horizon stops at the last segment, spend it). Off on a low link,
            where the buffer is the only cover for an outage, and within `up_hold_s` of a
            down-switch or abandonment; the rung it chose stays while the plan holds with no
            reserve at all (a client deciding between segments sees the segment in flight drain
            the buffer before `remaining_s` drops); with nothing left to request the current rung
            is kept (None: off; #18 eighth pass).
    """

    rule: str = DEFAULT_RULE
    segment_s: float = 2.0
    first_segment_s: float | None = None
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
    bola_guard_buffer_s: float | None = 16.0
    bola_guard_factor: float = 0.8
    bola_guard_min_cv: float = 0.1
    low_down_factor: float | None = 0.7
    abandon_deep_s: float | None = 10.0
    abandon_wait_above_s: float | None = 12.0
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
    trust_samples: int = 1
    abandon_hold_unsustainable: bool = True
    split_samples: bool = True
    abandon_recent_below_s: float | None = 4.0
    low_link_factor: float = 4.0
    low_link_extra_s: float = 4.0
    mpc_horizon: int = 5
    mpc_reserve_s: float = 4.0
    mpc_min_cv: float = 0.02
    mpc_max_error: float = 0.5
    mpc_min_buffer_s: float | None = None
    mpc_up_run_s: float = 0.0
    mpc_keep: bool = True
    mpc_idle_s: float = 0.5
    mpc_cv_samples: int = 8
    mpc_error_window_s: float | None = 16.0
    end_reserve_s: float | None = 2.0
    end_factor: float = 0.9
    end_window_x: float = 2.0

    def __post_init__(self) -> None:
        """Reject an unknown rule name early."""
        if self.rule not in RULES:
            raise ValueError(f"unknown ABR rule {self.rule!r}; expected one of {RULES}")
