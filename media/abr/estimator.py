"""Throughput estimation: a dual EWMA weighted by transfer time, plus recent-sample views."""

from __future__ import annotations

import math
from collections.abc import Sequence

from media.abr.base import as_finite, as_nonneg


def coefficient_of_variation(values: Sequence[float]) -> float:
    """Standard deviation ÷ mean of `values` (0 with fewer than two or a mean ≤ 0)."""
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    if mean <= 0:
        return 0.0
    return math.sqrt(sum((x - mean) ** 2 for x in values) / len(values)) / mean


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
        nbytes = as_finite(nbytes, -1.0)
        duration_s = as_finite(duration_s, -1.0)
        ttfb = as_nonneg(ttfb_s, 0.0)
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
