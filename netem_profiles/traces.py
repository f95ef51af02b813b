"""Mahimahi link traces: one ms timestamp per line = one 1500-byte delivery opportunity.

The trace repeats with a period equal to its last timestamp (as Mahimahi's `mm-link` does).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path

from netem_profiles.profiles import Profile, ProfileError

log = logging.getLogger(__name__)

PACKET_BYTES = 1500


@dataclass(frozen=True)
class MahimahiTrace:
    """A loaded Mahimahi trace (timestamps in ms, sorted, repeating)."""

    path: str
    timestamps_ms: tuple[int, ...] = field(repr=False)

    @classmethod
    def load(cls, path: str | Path) -> MahimahiTrace:
        """Read and validate a Mahimahi trace file (cached per path)."""
        return _load_cached(str(Path(path).expanduser().resolve()))

    @property
    def period_ms(self) -> int:
        """Length of one repetition in milliseconds (the last timestamp)."""
        return self.timestamps_ms[-1]

    @property
    def duration_s(self) -> float:
        """Length of one repetition in seconds."""
        return self.period_ms / 1000.0

    @property
    def mean_kbps(self) -> float:
        """Average capacity over one repetition, kbit/s."""
        return len(self.timestamps_ms) * PACKET_BYTES * 8 / self.period_ms

    def opportunity_time_ms(self, index: int) -> float:
        """Time (ms since trace start) of global opportunity `index` (see `delivery`)."""
        from netem_profiles import delivery

        return delivery.opportunity_time_ms(self, index)

    def first_index_at_or_after(self, t_ms: float) -> int:
        """Global index of the first opportunity whose time is >= `t_ms` (see `delivery`)."""
        from netem_profiles import delivery

        return delivery.first_index_at_or_after(self, t_ms)

    def bytes_between(self, t0: float, t1: float) -> int:
        """Bytes the link can deliver in [t0, t1) seconds (see `delivery.delivered_bytes`)."""
        from netem_profiles import delivery

        return delivery.delivered_bytes(self, t0, t1)

    def capacity_kbps_at(self, t: float, *, window_s: float = 0.1) -> float:
        """Capacity in kbit/s over the `window_s` centred on `t` (an outage reads 0)."""
        a = max(0.0, t - window_s / 2)
        return self.bytes_between(a, a + window_s) * 8 / window_s / 1000.0

    def as_profile(self, *, rtt_ms: float = 0.0, up_kbps: float | None = None) -> Profile:
        """A `Profile` replaying this trace downstream (up rate defaults to the trace mean)."""
        mean = self.mean_kbps
        return Profile(
            name=f"trace:{Path(self.path).name}",
            down_kbps=mean,
            up_kbps=up_kbps if up_kbps is not None else mean,
            rtt_ms=rtt_ms,
            source=f"Mahimahi trace {self.path}",
            description="trace replay (downlink follows the trace)",
            trace=self.path,
        )


@functools.lru_cache(maxsize=16)
def _load_cached(path: str) -> MahimahiTrace:
    """Parse a trace file once; errors name the file and line."""
    try:
        text = Path(path).read_text()
    except OSError as err:
        raise ProfileError(f"{path}: cannot read trace: {err.strerror}") from err
    values: list[int] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            value = int(line)
        except ValueError as err:
            raise ProfileError(f"{path}:{lineno}: not an integer ms timestamp: {line!r}") from err
        if value < 0 or (values and value < values[-1]):
            raise ProfileError(f"{path}:{lineno}: timestamps must be >= 0 and non-decreasing")
        values.append(value)
    if not values or values[-1] <= 0:
        raise ProfileError(f"{path}: empty trace or last timestamp is 0")
    log.debug("loaded trace %s: %d opportunities over %d ms", path, len(values), values[-1])
    return MahimahiTrace(path=path, timestamps_ms=tuple(values))
