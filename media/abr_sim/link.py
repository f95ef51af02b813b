"""Links for the simulator: rate sources and the integrator of their capacity over time."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class RateSource(Protocol):
    """A link: downlink capacity (kbit/s) and round-trip time (ms) as functions of time (s)."""

    def down_kbps_at(self, t: float) -> float:
        """Downlink capacity at time `t` in kbit/s."""
        ...

    def rtt_ms_at(self, t: float) -> float:
        """Round-trip time at time `t` in ms."""
        ...


@runtime_checkable
class ExactSource(Protocol):
    """A link that knows its own delivery exactly (`netem_profiles.Schedule`: Mahimahi trace
    steps deliver 1,500-byte packets at their timestamps, as `mm-link`)."""

    def bytes_between(self, t0: float, t1: float) -> float:
        """Bytes delivered in [t0, t1)."""
        ...

    def transfer_end(self, start: float, nbytes: float) -> float:
        """When `nbytes` asked at `start` on an idle link have arrived (inf: never)."""
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


def safe_rate(value: float, default: float = 0.0) -> float:
    """A finite value ≥ 0, else `default`."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return default
    return f if math.isfinite(f) and f >= 0 else default


class LinkIntegrator:
    """Cumulative bits a `RateSource` can deliver, on a grid of `dt` seconds from `t0`.

    Capacity is taken as constant within each cell (sampled at the cell's midpoint). Cells are
    computed lazily up to `horizon_s` after `t0`. A source that is an `ExactSource` (every
    `netem_profiles` schedule, profile or trace) is asked directly instead: no sampling at all.
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
        self.exact = source if isinstance(source, ExactSource) else None

    @property
    def horizon(self) -> float:
        """The last time this integrator answers for."""
        return self.t0 + self.max_cells * self.dt

    def _extend_to(self, cells: int) -> None:
        """Compute cells up to index `cells` (bounded by the horizon)."""
        cells = min(cells, self.max_cells)
        dt, src, t0 = self.dt, self.source, self.t0
        cum, rate = self.cum, self.rate
        while len(rate) < cells:
            k = len(rate)
            bps = safe_rate(src.down_kbps_at(t0 + (k + 0.5) * dt)) * 1000.0
            rate.append(bps)
            cum.append(cum[-1] + bps * dt)

    def bits_by(self, t: float) -> float:
        """Bits deliverable in [t0, t)."""
        if self.exact is not None:
            return 8.0 * self.exact.bytes_between(self.t0, min(t, self.horizon))
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
        if self.exact is not None:
            return 8.0 * self.exact.bytes_between(max(t_a, self.t0), min(t_b, self.horizon))
        return self.bits_by(t_b) - self.bits_by(t_a)

    def finish_time(self, start: float, bits: float) -> float:
        """Earliest time by which `bits` sent from `start` have arrived; inf past the horizon."""
        if self.exact is not None:
            done = self.exact.transfer_end(max(start, self.t0), max(bits, 0.0) / 8.0)
            return done if done <= self.horizon else math.inf
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
