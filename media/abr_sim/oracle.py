"""The offline zero-rebuffer oracle: the best average bitrate a trace allowed, knowing the future."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from media.abr import clean_ladder
from media.abr_sim.link import LinkIntegrator, RateSource, safe_rate
from media.abr_sim.playback import segment_sizes
from media.abr_sim.session import give_up_after_s, segment_count


@dataclass(frozen=True, slots=True)
class OracleResult:
    """The offline optimum: average bitrate (kbit/s), forced stall time, first rung used."""

    avg_kbps: float
    stall_s: float
    first_index: int


class _Plan:
    """The dynamic programme's inputs and its frontier of (buffer step → best bitrate sum)."""

    def __init__(
        self,
        *,
        source: RateSource,
        link: LinkIntegrator,
        ladder: tuple[float, ...],
        sizes: Sequence[Sequence[int]],
        segment_s: float,
        max_buffer_s: float,
        buffer_step_s: float,
        optimistic: bool = False,
    ) -> None:
        """A plan over `ladder` whose states are merged per `buffer_step_s` of buffer (see
        `oracle`); `optimistic` merges them into a relaxation instead (an upper bound)."""
        self.source = source
        self.link = link
        self.ladder = ladder
        self.sizes = sizes
        self.segment_s = segment_s
        self.step = buffer_step_s
        # Buffer before a request: a segment must still fit under the maximum.
        self.cap_b = max(max_buffer_s - segment_s, 0.0)
        self.t0 = 0.0  # arrival of the first segment (pushed back by forced stalls)
        self.stall = 0.0
        self.optimistic = optimistic
        # buffer step → (best bitrate sum, its exact buffer in seconds)
        self.frontier: dict[int, tuple[float, float]] = {}

    def arrival(self, t: float, rung: int, segment: int) -> float:
        """When `segment` at `rung`, requested at `t`, has arrived (one RTT, then its bits)."""
        rtt = safe_rate(self.source.rtt_ms_at(t)) / 1000.0
        return self.link.finish_time(t + rtt, self.sizes[rung][segment] * 8.0)

    def start(self, rung: int, at: float) -> bool:
        """Begin with segment 0 at `rung` requested at `at`; False if it never arrives."""
        self.t0 = self.arrival(at, rung, 0)
        self.frontier = {self._index(self.segment_s): (self.ladder[rung], self.segment_s)}
        return math.isfinite(self.t0)

    def _index(self, buffer_s: float) -> int:
        """Buffer step holding `buffer_s` (rounded down)."""
        return int(buffer_s / self.step + 1e-9)

    def _buffer(self, b: float) -> float:
        """Seconds usable before a request: `b`, capped so one more segment fits."""
        return min(b, self.cap_b)

    def _request_time(self, segment: int, buffer_s: float) -> float:
        """With no stall, `segment` is requested when `buffer_s` is left: its time is fixed."""
        return self.t0 + segment * self.segment_s - buffer_s

    def expand(self, segment: int) -> dict[int, tuple[float, float]]:
        """Every state reachable by downloading `segment` at any rung without stalling."""
        new: dict[int, tuple[float, float]] = {}
        step = self.step
        for val, exact in self.frontier.values():
            b = self._buffer(exact)
            t = self._request_time(segment, b)
            for r in range(len(self.ladder)):
                dur = self.arrival(t, r, segment) - t
                if dur > b:
                    break  # higher rungs take longer still
                nb = b - dur + self.segment_s
                k = int(nb / step + 1e-9)
                v = val + self.ladder[r]
                old = new.get(k)
                if old is None:
                    new[k] = (v, nb)
                elif self.optimistic:
                    # Relaxation: the merged state has the best sum and the most buffer of both.
                    new[k] = (max(v, old[0]), max(nb, old[1]))
                elif v > old[0] or (v == old[0] and nb > old[1]):
                    new[k] = (v, nb)
        return new

    def forced_stall(self, segment: int) -> bool:
        """No plan avoids a stall at `segment`: take the least-stalling lowest-rung download,
        count its stall and restart the clock after it. False if the link never delivers."""
        best_val, best_stall = 0.0, math.inf
        for val, exact in self.frontier.values():
            b = self._buffer(exact)
            t = self._request_time(segment, b)
            extra = self.arrival(t, 0, segment) - t - b
            if extra < best_stall or (extra == best_stall and val > best_val):
                best_val, best_stall = val, extra
        if not math.isfinite(best_stall):
            self.frontier = {0: (best_val, 0.0)}
            return False
        self.stall += best_stall
        self.t0 += best_stall
        self.frontier = {self._index(self.segment_s): (best_val + self.ladder[0], self.segment_s)}
        return True

    def keep_pareto(self, states: dict[int, tuple[float, float]]) -> None:
        """Keep a state only if no state with more buffer has a higher sum (it could wait)."""
        front: dict[int, tuple[float, float]] = {}
        best = -1.0
        for k, (val, exact) in sorted(states.items(), key=lambda kv: kv[1][1], reverse=True):
            if val > best:
                front[k] = (val, exact)
                best = val
        self.frontier = front

    @property
    def best_sum(self) -> float:
        """The highest bitrate sum on the frontier."""
        return max(v for v, _ in self.frontier.values())


def oracle_start_rung(
    plan: _Plan, *, t_start: float, start_target_s: float
) -> int:
    """The highest rung whose first segment arrives within `start_target_s` (else the lowest)."""
    for r in range(len(plan.ladder) - 1, -1, -1):
        if plan.arrival(t_start, r, 0) - t_start <= start_target_s:
            return r
    return 0


def oracle(
    *,
    source: RateSource,
    ladder_kbps: Sequence[float],
    segment_s: float = 2.0,
    content_s: float = 120.0,
    sizes: Sequence[Sequence[int]] | None = None,
    max_buffer_s: float = 30.0,
    t_start: float = 0.0,
    buffer_step_s: float = 0.02,
    start_target_s: float = 2.0,
    dt: float = 0.05,
    link: LinkIntegrator | None = None,
    optimistic: bool = False,
) -> OracleResult:
    """Best average bitrate the trace allowed with zero rebuffering, knowing the future.

    Dynamic programming over segments × rungs × buffer level. States keep their exact buffer;
    states whose buffers fall in the same `buffer_step_s` step are merged (the higher bitrate
    sum wins), so every plan found is feasible and the result is a lower bound of the exact
    optimum. `optimistic=True` instead gives a merged state the highest sum and the most
    buffer of its members, a relaxation whose result is an upper bound: the two bracket the
    optimum (the default 0.02 s step is within 0.17 % of it on the shared traces: see
    benchmarks/RESULTS.md). With no stall, segment
    i's request time is fixed by the buffer (t = first arrival + i × segment − buffer), and a
    state with more buffer dominates one with less (it can wait), so only the Pareto front of
    (buffer, bitrate sum) is kept. The first segment is the highest rung that arrives within
    `start_target_s` (else the lowest). If even the best plan must stall (e.g. a dead link),
    the least-stalling lowest-rung download is taken and its stall reported.
    """
    ladder = clean_ladder(ladder_kbps)
    if sizes is None:
        count = max(1, math.ceil(content_s / segment_s - 1e-9))
        sizes = segment_sizes(ladder, segment_s=segment_s, count=count)
    n = segment_count(content_s, segment_s, sizes)
    if not ladder or n == 0:
        return OracleResult(0.0, 0.0, 0)
    plan = _Plan(
        source=source,
        link=link or LinkIntegrator(source, dt=dt, t0=t_start, horizon_s=give_up_after_s(content_s)),
        ladder=ladder,
        sizes=sizes,
        segment_s=segment_s,
        max_buffer_s=max_buffer_s,
        buffer_step_s=buffer_step_s,
        optimistic=optimistic,
    )
    first = oracle_start_rung(plan, t_start=t_start, start_target_s=start_target_s)
    if not plan.start(first, t_start):
        return OracleResult(0.0, math.inf, first)
    for i in range(1, n):
        states = plan.expand(i)
        if not states:
            if not plan.forced_stall(i):
                return OracleResult(plan.best_sum / i, math.inf, first)
            continue
        plan.keep_pareto(states)
    return OracleResult(plan.best_sum / n, plan.stall, first)
