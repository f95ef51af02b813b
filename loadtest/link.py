"""One simulated viewer's network link: every request of the viewer crosses it, paced to its profile.

The request really goes to the server (over loopback, fast); the link then holds the caller until
the time the same exchange would have taken on the profile: one RTT (plus one more to open the
connection on first use), then the response bytes, booked piece by piece on a
`netem_profiles.LinkPacer` shared by all of the viewer's requests (so a schedule step in the middle
of a download changes its rate from that moment on). A download can be watched while in flight
(`exchange(..., watch=...)`): every ``every_s`` the watcher sees the bytes received so far and may
abandon the transfer, as a player abandons a segment. Clock and sleep are injected, so the pacing
is testable without a network and works under gevent (Locust) and plain threads alike.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from netem_profiles import LinkPacer, Profile, Schedule

#: Bytes of HTTP response headers counted on the link on top of the body.
HEADER_BYTES = 300
#: How often a watched download is offered to its watcher (media/ABR.md: every ~250 ms).
WATCH_EVERY_S = 0.25

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Progress:
    """A download in flight as its watcher sees it (bytes include the response headers)."""

    loaded_bytes: int
    total_bytes: int
    elapsed_s: float  # since the request was sent
    ttfb_s: float
    now: float


Watch = Callable[[Progress], bool]  # True: abandon the download now


@dataclass(frozen=True, slots=True)
class Paced(Generic[T]):
    """A paced exchange: the reply, when it started and ended (clock seconds), and its link costs.

    ``nbytes`` are the bytes received (all of them, or those received before an abandonment);
    ``arrivals`` are (clock time, bytes received by then) along the transfer."""

    reply: T
    nbytes: int
    started: float
    finished: float
    ttfb_s: float
    modelled_s: float
    abandoned: bool = False
    total_bytes: int = 0
    arrivals: tuple[tuple[float, int], ...] = ()

    @property
    def duration_s(self) -> float:
        """Request sent → last byte received (or the abandonment)."""
        return self.finished - self.started

    def received_at(self, nbytes: int) -> float:
        """Clock time the first ``nbytes`` bytes had been received (``finished`` if they never were)."""
        times = [n for _, n in self.arrivals]
        i = bisect.bisect_left(times, nbytes)
        return self.arrivals[i][0] if i < len(self.arrivals) else self.finished


class _Flow:
    """The response bytes of one exchange leaving the server piece by piece on the viewer's pacer."""

    def __init__(self, pacer: LinkPacer, *, send: float, owd: float, total: int) -> None:
        self.pacer = pacer
        self.send = send  # when the next piece starts to leave the server
        self.owd = owd
        self.total = total
        self.booked = 0
        self.arrivals: list[tuple[float, int]] = []

    @property
    def done(self) -> bool:
        """Every byte has been booked on the link."""
        return self.booked >= self.total

    def book_until(self, limit: float) -> None:
        """Book the pieces that start leaving the server before ``limit`` (all of them: ``inf``)."""
        while self.booked < self.total and self.send < limit:
            piece = min(self.pacer.piece_size(self.send), self.total - self.booked)
            self.send += self.pacer.delay_for(piece, self.send)
            self.booked += piece
            self.arrivals.append((self.send + self.owd, self.booked))

    def received_by(self, t: float) -> int:
        """Bytes received by clock time ``t``."""
        i = bisect.bisect_right([a for a, _ in self.arrivals], t)
        return self.arrivals[i - 1][1] if i else 0


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

    def start_schedule(self, *, at: float | None = None) -> None:
        """Restart the schedule at ``at`` (default: now): its first step is in force from then on."""
        self.pacer = LinkPacer(self.pacer.schedule, direction="down", start=self.clock() if at is None else at)

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

    def carry(self, nbytes: int) -> None:
        """Book ``nbytes`` of a side exchange (one that never holds up its caller) on the link now: they
        take their share of the link from later transfers and count in ``bytes_down``."""
        self.pacer.delay_for(nbytes, self.clock())
        self.bytes_down += nbytes

    def _sleep_until(self, t: float) -> None:
        wait = t - self.clock()
        if wait > 0:
            self.sleep(wait)

    def exchange(self, call: Callable[[], T], *, size: Callable[[T], int], watch: Watch | None = None,
                 every_s: float = WATCH_EVERY_S, new_connection: bool = False) -> Paced[T]:
        """Run ``call`` (the real request), then wait until the modelled exchange time has passed.

        ``size(reply)`` is the response body length in bytes. The first byte arrives one RTT after
        the request was sent (two on a new connection: the first request, or ``new_connection``)
        plus the time the server really took to answer.
        With ``watch``, the transfer is offered to it every ``every_s`` (from the request); when it
        returns True the transfer stops there (``abandoned``; only the bytes received count).
        """
        t0 = self.clock()
        owd = self.pacer.one_way_delay_s(t0)
        rtt = 2 * owd
        setup = 0.0 if self.connected and not new_connection else rtt
        reply = call()
        self.connected = True
        total = max(0, int(size(reply))) + HEADER_BYTES
        first_byte = self.clock() + setup + rtt  # the server's time (the real call) adds to the round trips
        flow = _Flow(self.pacer, send=first_byte - owd, owd=owd, total=total)
        done, abandoned = self._deliver(flow, t0=t0, ttfb=first_byte - t0, watch=watch, every_s=every_s)
        self._sleep_until(done)
        finished = self.clock()
        nbytes = flow.received_by(done) if abandoned else total
        self.bytes_down += nbytes
        self.busy_s += finished - t0
        return Paced(reply=reply, nbytes=nbytes, started=t0, finished=finished, ttfb_s=first_byte - t0,
                     modelled_s=done - t0, abandoned=abandoned, total_bytes=total, arrivals=tuple(flow.arrivals))

    def _deliver(self, flow: _Flow, *, t0: float, ttfb: float, watch: Watch | None,
                 every_s: float) -> tuple[float, bool]:
        """Book the transfer (checking it with ``watch`` on the way); its end time and whether it was abandoned."""
        if watch is None or every_s <= 0:
            flow.book_until(float("inf"))
            return flow.arrivals[-1][0], False
        k = 1
        while True:
            check = t0 + k * every_s
            flow.book_until(check - flow.owd)
            if flow.done and flow.arrivals[-1][0] <= check:
                return flow.arrivals[-1][0], False
            self._sleep_until(check)
            progress = Progress(loaded_bytes=flow.received_by(check), total_bytes=flow.total,
                                elapsed_s=check - t0, ttfb_s=ttfb, now=check)
            if watch(progress):
                return check, True
            k += 1
