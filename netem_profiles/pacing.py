"""Pure-arithmetic pacers (no sockets, no sleeping): token bucket, trace link, LinkPacer.

Every pacer answers "if `nbytes` enter the link at `now`, how long until they have left it
(serialization + queueing behind earlier bytes)?" and books the link for them.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Literal

from netem_profiles.delivery import first_index_at_or_after, opportunity_time_ms
from netem_profiles.profiles import Profile
from netem_profiles.schedules import Schedule, load_schedule
from netem_profiles.traces import PACKET_BYTES, MahimahiTrace

Direction = Literal["down", "up"]


class TokenBucket:
    """Token bucket with debt: bytes may be booked ahead; the answer is the wait to repay."""

    def __init__(self, *, rate_bps: float, burst_bytes: float, now: float = 0.0) -> None:
        if rate_bps <= 0 or burst_bytes <= 0:
            raise ValueError("rate_bps and burst_bytes must be > 0")
        self.rate_bps = float(rate_bps)  # bytes per second
        self.burst_bytes = float(burst_bytes)
        self.tokens = float(burst_bytes)
        self.last = now

    def _refill(self, now: float) -> None:
        """Add the tokens earned since the last call (capped at the burst)."""
        if now > self.last:
            self.tokens = min(self.burst_bytes, self.tokens + (now - self.last) * self.rate_bps)
            self.last = now

    def set_rate(self, *, rate_bps: float, now: float, burst_bytes: float | None = None) -> None:
        """Change the rate from `now` on (debt already booked is repaid at the new rate)."""
        self._refill(now)
        self.rate_bps = float(rate_bps)
        if burst_bytes is not None:
            self.burst_bytes = float(burst_bytes)
            self.tokens = min(self.tokens, self.burst_bytes)

    def delay_for(self, nbytes: int, now: float) -> float:
        """Book `nbytes` at `now`; return seconds until they have been sent (0 if immediate)."""
        self._refill(now)
        self.tokens -= nbytes
        if self.tokens >= 0:
            return 0.0
        return -self.tokens / self.rate_bps

    def reset(self, *, now: float) -> None:
        """Forget any debt (e.g. after an outage)."""
        self.tokens = self.burst_bytes
        self.last = now


class TracePacer:
    """Mahimahi link: bytes leave only at the trace's delivery opportunities (1500 B each).

    Opportunities that pass with nothing queued are lost, as in `mm-link`; a booking that
    arrives within `busy_slack_s` of the previous departure counts as queued (the sender
    was merely waiting for its timer), so timer lateness does not waste capacity.
    `t` is trace time.
    """

    def __init__(self, *, trace: MahimahiTrace, busy_slack_s: float = 0.020) -> None:
        self.trace = trace
        self.busy_slack_ms = busy_slack_s * 1000.0
        self.next_index = 0  # first opportunity not yet (fully) booked
        self.credit = 0  # bytes left in opportunity next_index - 1
        self.last_depart_ms = -1e18

    def delay_for(self, nbytes: int, now: float) -> float:
        """Book `nbytes` entering at trace time `now` (s); seconds until the last byte leaves."""
        t_ms = now * 1000.0
        busy = t_ms - self.last_depart_ms <= self.busy_slack_ms
        first = first_index_at_or_after(self.trace, t_ms - self.busy_slack_ms if busy else t_ms)
        if first >= self.next_index:
            self.next_index = first
            self.credit = 0
        remaining = nbytes - self.credit
        if remaining <= 0:
            self.credit -= nbytes
            depart = opportunity_time_ms(self.trace, self.next_index - 1)
            self.last_depart_ms = max(self.last_depart_ms, depart)
            return max(0.0, (depart - t_ms) / 1000.0)
        count = math.ceil(remaining / PACKET_BYTES)
        last = self.next_index + count - 1
        self.credit = count * PACKET_BYTES - remaining
        self.next_index = last + 1
        depart = opportunity_time_ms(self.trace, last)
        self.last_depart_ms = depart
        return max(0.0, (depart - t_ms) / 1000.0)


def default_burst(rate_bps: float) -> float:
    """Bucket depth: ~10 ms of data, at least two full packets."""
    return max(2 * PACKET_BYTES, rate_bps * 0.010)


def piece_size(rate_bps: float) -> int:
    """Chunk size for smooth pacing: ~5 ms of data, between one MTU and 64 KiB."""
    return int(min(65536, max(PACKET_BYTES, rate_bps * 0.005)))


class LinkPacer:
    """One direction of a link following a profile, schedule or trace over time.

    `delay_for(nbytes, now)` books bytes on the link and returns the serialization/queueing
    wait; `one_way_delay_s(now)` is the propagation delay (RTT/2) to add on top.
    `now` defaults to `time.monotonic()`; the schedule's t=0 is `start` (first call if None).
    """

    def __init__(
        self,
        source: Profile | Schedule | str | Path,
        *,
        direction: Direction = "down",
        start: float | None = None,
    ) -> None:
        self.schedule = load_schedule(source)
        self.direction: Direction = direction
        self.start = start
        self._bucket: TokenBucket | None = None
        self._trace: TracePacer | None = None
        self._step_key: tuple[int, float] | None = None
        self.profile = self.schedule.steps[0].profile

    def _now(self, now: float | None) -> float:
        """Resolve `now` and pin the start time on first use."""
        if now is None:
            now = time.monotonic()
        if self.start is None:
            self.start = now
        return now

    def _sync(self, now: float) -> float:
        """Apply the step in force at `now`; return the time into that step."""
        assert self.start is not None
        index, step_start, into = self.schedule.step_at(now - self.start)
        key = (index, step_start)
        if key != self._step_key:
            self._step_key = key
            self.profile = self.schedule.steps[index].profile
            rate = self.profile.rate_bytes_per_s(direction=self.direction)
            if self._bucket is None:
                self._bucket = TokenBucket(rate_bps=rate, burst_bytes=default_burst(rate), now=now)
            else:
                self._bucket.set_rate(rate_bps=rate, now=now, burst_bytes=default_burst(rate))
            use_trace = self.profile.trace and self.direction == "down"
            self._trace = (
                TracePacer(trace=MahimahiTrace.load(self.profile.trace))
                if use_trace and self.profile.trace
                else None
            )
        return into

    def delay_for(self, nbytes: int, now: float | None = None) -> float:
        """Book `nbytes` entering the link at `now`; seconds until they have left it."""
        now = self._now(now)
        into = self._sync(now)
        if self._trace is not None:
            return self._trace.delay_for(nbytes, into)
        assert self._bucket is not None
        return self._bucket.delay_for(nbytes, now)

    def one_way_delay_s(self, now: float | None = None) -> float:
        """Propagation delay (RTT/2, without jitter) in force at `now`."""
        now = self._now(now)
        self._sync(now)
        return self.profile.rtt_ms / 2000.0

    def rate_bps(self, now: float | None = None) -> float:
        """Nominal link rate in bytes/s at `now` (trace mean for trace steps)."""
        now = self._now(now)
        self._sync(now)
        return self.profile.rate_bytes_per_s(direction=self.direction)

    def piece_size(self, now: float | None = None) -> int:
        """Chunk size to book at a time for smooth pacing at the current rate."""
        return piece_size(self.rate_bps(now))

    def fetch_time(self, nbytes: int, now: float | None = None) -> float:
        """Seconds for a request/response of `nbytes` started at `now`: RTT + serialization."""
        now = self._now(now)
        rtt = 2 * self.one_way_delay_s(now)
        return rtt + self.delay_for(nbytes, now + rtt / 2)
