"""Exact link delivery, as Mahimahi's `mm-link` does it: the one model every consumer shares.

A trace line is one delivery opportunity for 1,500 bytes at its millisecond timestamp; the
trace repeats with a period equal to its last timestamp. Bytes leave the link only at
opportunities, so an outage of any length (even 200 ms) delivers nothing. A constant profile
step delivers at its nominal rate (fluid). Everything here is pure arithmetic: the shaping
proxy and `LinkPacer` (through `TracePacer`), Locust's paced link and the ABR simulator
(`media.abr_sim.LinkIntegrator`) all ask these functions, so they agree to the millisecond.

Conventions: times in seconds unless a name says `_ms`; an opportunity at time T counts as
delivered in any interval [a, b) with a <= T < b; a transfer of n bytes asked at `start` on an
idle link ends at the opportunity carrying its last byte (`transfer_end_s`).
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from netem_profiles.traces import PACKET_BYTES, MahimahiTrace

if TYPE_CHECKING:
    from netem_profiles.profiles import Profile
    from netem_profiles.schedules import Schedule

#: A transfer that has not ended this long after it started never will (dead link).
HORIZON_S = 7 * 24 * 3600.0


def opportunity_time_ms(trace: MahimahiTrace, index: int) -> float:
    """Time (ms since trace start) of global opportunity `index` (repetitions included)."""
    stamps = trace.timestamps_ms
    loop, i = divmod(index, len(stamps))
    return loop * trace.period_ms + stamps[i]


def first_index_at_or_after(trace: MahimahiTrace, t_ms: float) -> int:
    """Global index of the first opportunity whose time is >= `t_ms` (0 for t <= 0)."""
    stamps, period = trace.timestamps_ms, trace.period_ms
    n = len(stamps)
    loop = max(0, math.floor(t_ms / period))
    i = bisect.bisect_left(stamps, t_ms - loop * period)
    if i >= n:
        loop += 1
        i = bisect.bisect_left(stamps, t_ms - loop * period)
    return loop * n + i


def opportunities_before(trace: MahimahiTrace, t_ms: float) -> int:
    """Number of opportunities strictly before `t_ms` (counted from trace time 0)."""
    return 0 if t_ms <= 0 else first_index_at_or_after(trace, t_ms)


def delivered_bytes(trace: MahimahiTrace, t0_s: float, t1_s: float) -> int:
    """Bytes the trace can deliver in [t0_s, t1_s) (trace time)."""
    if t1_s <= t0_s:
        return 0
    count = opportunities_before(trace, t1_s * 1000.0) - opportunities_before(trace, t0_s * 1000.0)
    return count * PACKET_BYTES


def transfer_end_s(trace: MahimahiTrace, start_s: float, nbytes: float) -> float:
    """When the last of `nbytes` asked at `start_s` (trace time, idle link) leaves the link:
    the time of the ceil(nbytes / 1500)-th opportunity at or after `start_s`."""
    if nbytes <= 0:
        return start_s
    first = first_index_at_or_after(trace, start_s * 1000.0)
    count = math.ceil(nbytes / PACKET_BYTES)
    return opportunity_time_ms(trace, first + count - 1) / 1000.0


@functools.lru_cache(maxsize=64)
def _trace(path: str) -> MahimahiTrace:
    """The trace a profile step names (cached by its string: no path resolution per call)."""
    return MahimahiTrace.load(path)


def _intervals(schedule: Schedule, t: float) -> Iterator[tuple[Profile, float, float, float]]:
    """(profile, step start, interval start, interval end) of each step from the one in force
    at `t`; the last open-ended step ends at +inf."""
    while True:
        index, step_start, _ = schedule.step_at(t)
        end = schedule.next_change_after(t)
        yield schedule.steps[index].profile, step_start, t, math.inf if end is None else end
        if end is None:
            return
        t = end
        if index == len(schedule.steps) - 1 and not schedule.loop:
            return


def schedule_bytes_between(schedule: Schedule, t0: float, t1: float) -> float:
    """Bytes a schedule's downlink delivers in [t0, t1) (seconds since it started)."""
    total = 0.0
    if t1 <= t0:
        return total
    for profile, step_start, a, b in _intervals(schedule, max(0.0, t0)):
        end = min(b, t1)
        if profile.trace:
            trace = _trace(profile.trace)
            total += delivered_bytes(trace, a - step_start, end - step_start)
        else:
            total += profile.down_kbps * 125.0 * (end - a)
        if b >= t1:
            break
    return total


def schedule_transfer_end(schedule: Schedule, start: float, nbytes: float) -> float:
    """When `nbytes` asked at `start` on an idle link have all left it (inf: never)."""
    remaining = float(nbytes)
    if remaining <= 0:
        return start
    for profile, step_start, a, b in _intervals(schedule, max(0.0, start)):
        if a - start > HORIZON_S:
            break
        if profile.trace:
            trace = _trace(profile.trace)
            capacity = delivered_bytes(trace, a - step_start, b - step_start) if b < math.inf else math.inf
            if remaining <= capacity:
                return step_start + transfer_end_s(trace, a - step_start, remaining)
        else:
            rate = profile.down_kbps * 125.0
            capacity = rate * (b - a)
            if rate > 0 and remaining <= capacity:
                return a + remaining / rate
        remaining -= capacity
    return math.inf
