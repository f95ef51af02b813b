"""Trace-driven player simulator and zero-rebuffer oracle for the ABR rules in `media.abr`.

Pure and side-effect-free: a rate source (anything with `down_kbps_at(t)` and `rtt_ms_at(t)`),
per-rung segment sizes and an `AbrController` go in, per-session metrics come out. Each request
costs one RTT, then its bytes cross a link whose capacity is integrated over time (piecewise
constant over `dt`-second cells, sampled at each cell's midpoint).

Reusable pieces for other players (e.g. Locust's simulated player):

- `Playback`: buffer / playhead / stall accounting driven by "time passed" and "segment added".
- `LinkIntegrator`: bits deliverable between two times and the finish time of a transfer.
- `SessionMetrics` / `switch_reaction_s`: the figures every evaluation reports.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from media.abr import AbrController, DownloadProgress, StartHint, clean_ladder

log = logging.getLogger(__name__)


class RateSource(Protocol):
    """A link: downlink capacity (kbit/s) and round-trip time (ms) as functions of time (s)."""

    def down_kbps_at(self, t: float) -> float:
        """Downlink capacity at time `t` in kbit/s."""
        ...

    def rtt_ms_at(self, t: float) -> float:
        """Round-trip time at time `t` in ms."""
        ...


@dataclass(frozen=True, slots=True)
class ConstantRate:
    """A steady link."""

    kbps: float
    rtt_ms: float = 0.0

    def down_kbps_at(self, t: float) -> float:
        """Always `kbps`."""
        return self.kbps

    def rtt_ms_at(self, t: float) -> float:
        """Always `rtt_ms`."""
        return self.rtt_ms


@dataclass(frozen=True, slots=True)
class StepRate:
    """Piecewise-constant link: `steps` of (duration_s, kbps, rtt_ms); the last step holds
    forever unless `loop` repeats the whole schedule."""

    steps: tuple[tuple[float, float, float], ...]
    loop: bool = False

    def _step(self, t: float) -> tuple[float, float, float]:
        """The step in force at `t`."""
        if not self.steps:
            return (math.inf, 0.0, 0.0)
        total = sum(s[0] for s in self.steps)
        if self.loop and total > 0 and math.isfinite(total):
            t = t % total
        acc = 0.0
        for step in self.steps:
            acc += step[0]
            if t < acc:
                return step
        return self.steps[-1]

    def down_kbps_at(self, t: float) -> float:
        """Capacity of the step in force at `t`."""
        return self._step(t)[1]

    def rtt_ms_at(self, t: float) -> float:
        """RTT of the step in force at `t`."""
        return self._step(t)[2]


def _safe(value: float, default: float = 0.0) -> float:
    """A finite value ≥ 0, else `default`."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return default
    return f if math.isfinite(f) and f >= 0 else default


class LinkIntegrator:
    """Cumulative bits a `RateSource` can deliver, on a grid of `dt` seconds from `t0`.

    Capacity is taken as constant within each cell (sampled at the cell's midpoint). Cells are
    computed lazily up to `horizon_s` after `t0`.
    """

    def __init__(
        self, source: RateSource, *, dt: float = 0.05, t0: float = 0.0, horizon_s: float = 7200.0
    ) -> None:
        """Integrate `source` from `t0` in `dt`-second cells, at most `horizon_s` ahead."""
        self.source = source
        self.dt = dt
        self.t0 = t0
        self.max_cells = int(horizon_s / dt) + 1
        self.cum: list[float] = [0.0]  # cum[k] = bits delivered in [t0, t0 + k*dt)
        self.rate: list[float] = []  # bits/s in cell k

    def _extend_to(self, cells: int) -> None:
        """Compute cells up to index `cells` (bounded by the horizon)."""
        cells = min(cells, self.max_cells)
        dt, src, t0 = self.dt, self.source, self.t0
        cum, rate = self.cum, self.rate
        while len(rate) < cells:
            k = len(rate)
            bps = _safe(src.down_kbps_at(t0 + (k + 0.5) * dt)) * 1000.0
            rate.append(bps)
            cum.append(cum[-1] + bps * dt)

    def bits_by(self, t: float) -> float:
        """Bits deliverable in [t0, t)."""
        x = max(0.0, (t - self.t0) / self.dt)
        k = int(x)
        self._extend_to(k + 1)
        if k >= len(self.rate):
            return self.cum[-1]
        return self.cum[k] + self.rate[k] * (x - k) * self.dt

    def bits_between(self, t_a: float, t_b: float) -> float:
        """Bits deliverable in [t_a, t_b)."""
        if t_b <= t_a:
            return 0.0
        return self.bits_by(t_b) - self.bits_by(t_a)

    def finish_time(self, start: float, bits: float) -> float:
        """Earliest time by which `bits` sent from `start` have arrived; inf past the horizon."""
        target = self.bits_by(start) + max(bits, 0.0)
        cum = self.cum
        while cum[-1] < target and len(self.rate) < self.max_cells:
            self._extend_to(min(len(self.rate) * 2 + 64, self.max_cells))
        if cum[-1] < target:
            return math.inf
        k = bisect.bisect_left(cum, target) - 1  # cum[k] < target <= cum[k+1]
        k = max(k, 0)
        r = self.rate[k] if k < len(self.rate) else 0.0
        if r <= 0:
            return self.t0 + (k + 1) * self.dt
        t = self.t0 + k * self.dt + (target - cum[k]) / r
        return max(t, start)

    def mean_kbps(self, t_a: float, t_b: float) -> float:
        """Mean capacity over [t_a, t_b) in kbit/s."""
        if t_b <= t_a:
            return 0.0
        return self.bits_between(t_a, t_b) / (t_b - t_a) / 1000.0


def segment_sizes(
    ladder_kbps: Sequence[float],
    *,
    segment_s: float,
    count: int,
    variability: float = 0.0,
    seed: int = 0,
) -> tuple[tuple[int, ...], ...]:
    """Bytes of each segment per rung: `sizes[rung][segment]`.

    Nominal size is bitrate × duration; `variability` > 0 multiplies segment j of every rung by
    the same log-normal factor (mean 1, σ = `variability`: scene complexity is shared across
    renditions), drawn from a private `random.Random(seed)`.
    """
    rng = random.Random(seed)
    factors = [
        math.exp(rng.gauss(0.0, variability) - variability**2 / 2) if variability > 0 else 1.0
        for _ in range(count)
    ]
    ladder = clean_ladder(ladder_kbps)
    return tuple(
        tuple(int(k * 1000 / 8 * segment_s * f) if math.isfinite(k) else 0 for f in factors)
        for k in ladder
    )


class Playback:
    """Buffer and stall accounting for one player.

    `advance(t)` lets wall time pass (playing from the buffer once started, counting stalls
    when it runs dry); `add(seconds, t)` appends a received segment. Playback starts with the
    first segment; after a stall it resumes as soon as a segment arrives. Time before the first
    segment is stream start, not a stall.
    """

    def __init__(self, *, t0: float = 0.0) -> None:
        """A player with an empty buffer whose play command was issued at `t0`."""
        self.t0 = t0
        self.t = t0
        self.buffer_s = 0.0
        self.played_s = 0.0
        self.stall_s = 0.0
        self.stalls = 0
        self.stalled = False
        self.started_at: float | None = None
        self.finished = False

    def advance(self, t: float) -> None:
        """Let time pass until `t` (no-op if `t` is not later than now)."""
        if t <= self.t:
            return
        elapsed = t - self.t
        self.t = t
        if self.started_at is None:
            return
        play = min(self.buffer_s, elapsed)
        self.buffer_s -= play
        self.played_s += play
        if elapsed - play > 1e-9 and not self.finished:
            self.stall_s += elapsed - play
            if not self.stalled:
                self.stalls += 1
                self.stalled = True

    def add(self, seconds: float, t: float) -> None:
        """A segment of `seconds` of media arrived at `t`."""
        self.advance(t)
        if self.started_at is None:
            self.started_at = t
        self.buffer_s += seconds
        self.stalled = False

    def finish(self) -> float:
        """No more segments: play the buffer out; return the end time."""
        self.finished = True
        end = self.t + self.buffer_s
        self.advance(end)
        return end

    @property
    def stream_start_s(self) -> float | None:
        """Play command → first segment received, or None if none arrived."""
        return None if self.started_at is None else self.started_at - self.t0


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


def simulate(
    controller: AbrController,
    *,
    source: RateSource,
    segment_s: float = 2.0,
    content_s: float = 120.0,
    sizes: Sequence[Sequence[int]] | None = None,
    max_buffer_s: float = 30.0,
    start_hint: StartHint | None = None,
    t_start: float = 0.0,
    dt: float = 0.05,
    abandon_check_s: float = 0.25,
    drop_times: Sequence[float] | None = None,
    link: LinkIntegrator | None = None,
) -> SessionMetrics:
    """Play `content_s` of media over `source` with `controller` choosing each segment's rung.

    Segments are requested back to back while there is room for one more in `max_buffer_s`;
    each costs one RTT plus its bytes over the time-varying capacity. In-flight downloads are
    offered to `controller.should_abandon` every `abandon_check_s`. `drop_times` (default:
    detected from the capacity) feed the switch-after-drop figure.
    """
    ladder = controller.ladder
    n = max(1, math.ceil(content_s / segment_s - 1e-9))
    if sizes is None:
        sizes = segment_sizes(ladder, segment_s=segment_s, count=n)
    n = min(n, min((len(s) for s in sizes), default=0))
    link = link or LinkIntegrator(source, dt=dt, t0=t_start, horizon_s=content_s * 4 + 600)
    pb = Playback(t0=t_start)
    t = t_start
    rungs: list[int] = []
    reasons: list[str] = []
    decisions: list[tuple[float, int]] = []
    abandonments = 0
    completed = True
    decision = controller.choose_start(start_hint)
    for i in range(n):
        room = pb.buffer_s + segment_s - max_buffer_s
        if room > 0 and pb.started_at is not None:
            t += room
            pb.advance(t)
        controller.on_buffer(level_s=pb.buffer_s, now=t)
        if i > 0:
            decision = controller.decide(t)
        idx = decision.index
        decisions.append((t, idx))
        reasons.append(decision.reason)
        while True:
            req_t = t
            rtt = _safe(source.rtt_ms_at(t)) / 1000.0
            first_byte = req_t + rtt
            size = sizes[idx][i]
            done = link.finish_time(first_byte, size * 8.0)
            abandoned = None
            if idx > 0 and abandon_check_s > 0:
                c = req_t + abandon_check_s
                while c < done:
                    pb.advance(c)
                    loaded = link.bits_between(first_byte, c) / 8.0
                    prog = DownloadProgress(
                        index=idx,
                        loaded_bytes=loaded,
                        total_bytes=size,
                        elapsed_s=c - req_t,
                        buffer_s=pb.buffer_s,
                        ttfb_s=rtt,
                        now=c,
                    )
                    abandoned = controller.should_abandon(prog)
                    if abandoned is not None:
                        controller.on_download(
                            nbytes=loaded, duration_s=c - req_t, now=c, ttfb_s=rtt
                        )
                        t = c
                        break
                    c += abandon_check_s
                    if c - req_t > content_s * 4 + 600:
                        break
            if abandoned is not None:
                abandonments += 1
                idx = abandoned.index
                decisions.append((t, idx))
                reasons.append(abandoned.reason)
                continue
            if not math.isfinite(done):
                completed = False
                break
            pb.add(segment_s, done)
            controller.on_download(
                nbytes=size, duration_s=done - req_t, now=done, index=idx, ttfb_s=rtt
            )
            t = done
            break
        if not completed:
            log.debug("link never delivered segment %d; session cut short", i)
            pb.advance(t_start + content_s * 4 + 600)
            break
        rungs.append(idx)
    end = pb.finish()
    if drop_times is None:
        drop_times = detect_drops(link, start=t_start, end=min(end, link.t0 + link.max_cells * dt))
    reaction, drops = switch_reaction_s(
        drops=drop_times, decisions=decisions, link=link, ladder_kbps=ladder
    )
    avg = statistics.fmean(ladder[r] for r in rungs) if rungs else 0.0
    switches = sum(1 for a, b in itertools.pairwise(rungs) if a != b)
    return SessionMetrics(
        avg_kbps=avg,
        rebuffer_ratio=pb.stall_s / pb.played_s if pb.played_s > 0 else (1.0 if pb.stall_s else 0.0),
        stall_s=pb.stall_s,
        stalls=pb.stalls,
        switches=switches,
        abandonments=abandonments,
        stream_start_s=pb.stream_start_s,
        switch_after_drop_s=reaction,
        drops=drops,
        played_s=pb.played_s,
        segments=len(rungs),
        completed=completed,
        rungs=tuple(rungs),
        reasons=tuple(reasons),
    )


@dataclass(frozen=True, slots=True)
class OracleResult:
    """The offline optimum: average bitrate (kbit/s), forced stall time, first rung used."""

    avg_kbps: float
    stall_s: float
    first_index: int


def oracle(
    *,
    source: RateSource,
    ladder_kbps: Sequence[float],
    segment_s: float = 2.0,
    content_s: float = 120.0,
    sizes: Sequence[Sequence[int]] | None = None,
    max_buffer_s: float = 30.0,
    t_start: float = 0.0,
    buffer_step_s: float = 0.1,
    start_target_s: float = 2.0,
    dt: float = 0.05,
    link: LinkIntegrator | None = None,
) -> OracleResult:
    """Best average bitrate the trace allowed with zero rebuffering, knowing the future.

    Dynamic programming over segments × rungs × buffer level (discretised to
    `buffer_step_s`, rounded down, so every plan found is feasible): with no stall, segment
    i's request time is fixed by the buffer (t = first arrival + i × segment − buffer), and a
    state with more buffer dominates one with less (it can wait), so only the Pareto front of
    (buffer, bitrate sum) is kept. The first segment is the highest rung that arrives within
    `start_target_s` (else the lowest). If even the best plan must stall (e.g. a dead link),
    the least-stalling lowest-rung download is taken and its stall reported.
    """
    ladder = clean_ladder(ladder_kbps)
    n = max(1, math.ceil(content_s / segment_s - 1e-9))
    if sizes is None:
        sizes = segment_sizes(ladder, segment_s=segment_s, count=n)
    n = min(n, min((len(s) for s in sizes), default=0))
    if not ladder or n == 0:
        return OracleResult(0.0, 0.0, 0)
    link = link or LinkIntegrator(source, dt=dt, t0=t_start, horizon_s=content_s * 4 + 600)
    step = buffer_step_s
    cap_b = max(max_buffer_s - segment_s, 0.0)

    def arrival(t: float, rung: int, seg: int) -> float:
        rtt = _safe(source.rtt_ms_at(t)) / 1000.0
        return link.finish_time(t + rtt, sizes[rung][seg] * 8.0)

    first = 0
    for r in range(len(ladder) - 1, -1, -1):
        if arrival(t_start, r, 0) - t_start <= start_target_s:
            first = r
            break
    t0 = arrival(t_start, first, 0)
    if not math.isfinite(t0):
        return OracleResult(0.0, math.inf, first)
    stall = 0.0
    # frontier: buffer index -> best bitrate sum
    frontier: dict[int, float] = {round(segment_s / step): ladder[first]}
    for i in range(1, n):
        new: dict[int, float] = {}
        for b_idx, val in frontier.items():
            b = min(b_idx * step, cap_b)
            t = t0 + i * segment_s - b
            for r in range(len(ladder)):
                dur = arrival(t, r, i) - t
                if dur > b:
                    break  # higher rungs take longer still
                nb = int((b - dur + segment_s) / step + 1e-9)
                v = val + ladder[r]
                if new.get(nb, -1.0) < v:
                    new[nb] = v
        if not new:
            best_b, best_val, best_stall = 0, 0.0, math.inf
            for b_idx, val in frontier.items():
                b = min(b_idx * step, cap_b)
                t = t0 + i * segment_s - b
                extra = arrival(t, 0, i) - t - b
                if extra < best_stall or (extra == best_stall and val > best_val):
                    best_b, best_val, best_stall = b_idx, val, extra
            if not math.isfinite(best_stall):
                return OracleResult((best_val) / i, math.inf, first)
            stall += best_stall
            t0 += best_stall
            new = {round(segment_s / step): best_val + ladder[0]}
            del best_b
        # Pareto front: keep a state only if no state with more buffer has a higher sum.
        front: dict[int, float] = {}
        best = -1.0
        for b_idx in sorted(new, reverse=True):
            if new[b_idx] > best:
                front[b_idx] = new[b_idx]
                best = new[b_idx]
        frontier = front
    return OracleResult(max(frontier.values()) / n, stall, first)
