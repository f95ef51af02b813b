"""One simulated viewer's network link: every request of the viewer crosses it, paced to its profile.

The request really goes to the server (over loopback, fast); the link then holds the caller until
the time the same exchange would have taken on the profile: one RTT (plus one more to open the
connection on first use) and the response bytes booked on a `netem_profiles.LinkPacer` shared by
all of the viewer's requests. Clock and sleep are injected, so the pacing is testable without a
network and works under gevent (Locust) and plain threads alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from netem_profiles import LinkPacer, Profile, Schedule

#: Bytes of HTTP response headers counted on the link on top of the body.
HEADER_BYTES = 300

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Paced(Generic[T]):
    """A paced exchange: the reply, when it started and ended (clock seconds), and its link costs."""

    reply: T
    nbytes: int
    started: float
    finished: float
    ttfb_s: float
    modelled_s: float

    @property
    def duration_s(self) -> float:
        """Request sent → last byte received."""
        return self.finished - self.started


class PacedLink:
    """A viewer's link following a profile or schedule from ``start`` (clock seconds)."""

    def __init__(self, source: Profile | Schedule | str | Path, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] = time.sleep, start: float | None = None) -> None:
        """Pace exchanges to ``source``; schedules count from ``start`` (default: now)."""
        self.clock = clock
        self.sleep = sleep
        self.pacer = LinkPacer(source, direction="down", start=clock() if start is None else start)
        self.connected = False
        self.bytes_down = 0
        self.busy_s = 0.0

    @property
    def profile_name(self) -> str:
        """Name of the profile in force now (changes along a schedule)."""
        self.pacer.one_way_delay_s(self.clock())
        return self.pacer.profile.name

    def down_kbps(self) -> float:
        """Nominal downlink rate in force now (kbit/s)."""
        return self.pacer.rate_bps(self.clock()) * 8 / 1000

    def rtt_s(self) -> float:
        """Round-trip time in force now (s)."""
        return 2 * self.pacer.one_way_delay_s(self.clock())

    def exchange(self, call: Callable[[], T], *, size: Callable[[T], int]) -> Paced[T]:
        """Run ``call`` (the real request), then wait until the modelled exchange time has passed.

        ``size(reply)`` is the response body length in bytes.
        """
        t0 = self.clock()
        rtt = 2 * self.pacer.one_way_delay_s(t0)
        setup = 0.0 if self.connected else rtt
        reply = call()
        self.connected = True
        nbytes = max(0, int(size(reply))) + HEADER_BYTES
        wait = self.pacer.delay_for(nbytes, t0 + setup + rtt / 2)
        modelled = setup + rtt + wait
        elapsed = self.clock() - t0
        if modelled > elapsed:
            self.sleep(modelled - elapsed)
        done = self.clock()
        self.bytes_down += nbytes
        self.busy_s += done - t0
        return Paced(reply=reply, nbytes=nbytes, started=t0, finished=done, ttfb_s=setup + rtt, modelled_s=modelled)
