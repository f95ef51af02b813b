"""The server's throughput estimate from *delivery*: pure functions over a viewer's request log.

Timing the server's own socket writes says nothing on a slow link: a segment smaller than the
kernel's buffers is "written" at once. What the server does see is when the player asks for the
next thing. A player that is filling its buffer asks for segment *n+1* as soon as segment *n* has
arrived, so

    delivery time of n  ≈  arrival of request n+1 − arrival of request n − RTT

(the response travels down half a round trip after request *n*, request *n+1* travels up the other
half; one more round trip when request *n+1* came on a new connection: the TCP handshake). The
rate sample is ``bytes of n ÷ delivery time``.

Which gaps are fills: a player that waits because its buffer is full asks about once per segment
duration, so a gap close to the media duration of what it just got (between ``IDLE_LOW`` and
``IDLE_HIGH`` ×) or longer is a fill only when the player's buffer was below ``FULL_SEGMENTS``
segments — the buffer the server models for a steered player (``Request.buffer_s``, from
:mod:`server.streaming.playerbuffer`, which knows the session from its first segment), else as the log
itself tells it (media delivered minus time played since the first segment in the log arrived: low
when the log's 40 entries start in the middle of a session, so a steered player's level is preferred).
With more, the player was pacing itself (mpv with a bounded read-ahead stops reading in the middle of a
segment), and a 2g link barely twice the bitrate gives gaps near one segment
duration while the buffer slowly grows. A clearly shorter gap is always a fill (a link faster than
the bitrate); a longer one without a buffer figure is a fill on a slower link, up to
``MAX_GAP_FACTOR`` × (beyond that the player was paused). Playlists count as deliveries too
(their media time is zero, so every gap after one is a fill); a gap after a small response mostly
measures the RTT, which :func:`rtt_from_log` uses when no better RTT is known.

The samples go through :class:`media.abr.ThroughputEstimator` (the players' dual EWMA).

A gap that is not a fill still bounds the rate from below: the response had arrived by the time the
next request came, so the link moved ``bytes ÷ (gap − RTT)`` at least (:func:`paced_floor`). A player
pacing itself at rung *r* proves the link carries about *r*'s bitrate and no more — which is what the
steering's up-probe starts from (:mod:`server.streaming.steering`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from media import ThroughputEstimator

IDLE_LOW = 0.8
IDLE_HIGH = 1.25
#: A buffer under this many segments of media means the player is still filling, whatever the gap.
FULL_SEGMENTS = 1.8
MAX_GAP_FACTOR = 8.0
MAX_GAP_S = 60.0
#: Responses at most this large measure the round trip rather than the rate.
SMALL_BYTES = 8_000
#: A delivery shorter than this fraction of the gap is noise (the RTT estimate ate the gap).
MIN_DELIVERY_FRACTION = 0.1
MIN_SAMPLE_BYTES = 8_000


@dataclass(frozen=True, slots=True)
class Request:
    """One answered media request of a viewer: when it arrived, bytes sent, media seconds it held."""

    at: float
    nbytes: int
    media_s: float = 0.0
    new_connection: bool = False
    #: the steered player's buffer (server model) when this request arrived, the previous response included
    buffer_s: float | None = None
    #: the playback session the request belongs to (None: not known, e.g. an entry from before the tag)
    session: str | None = None


@dataclass(frozen=True, slots=True)
class RateSample:
    """One delivery: ``nbytes`` in ``seconds`` (RTT removed), the gap closed at ``at``; ``fill``: the player
    was filling (a measurement), else pacing itself (a lower bound on the rate)."""

    nbytes: int
    seconds: float
    at: float = 0.0
    fill: bool = True
    media_s: float = 0.0

    @property
    def keeps_up(self) -> bool:
        """The link moved this response about as fast as it plays (within ``IDLE_HIGH`` × its media: the RTT
        is not always known — the playlist that measured it leaves the 40-entry log after ~80 s)."""
        return self.media_s > 0 and self.seconds <= IDLE_HIGH * self.media_s

    @property
    def kbps(self) -> float:
        """The sample's rate in kbit/s."""
        return self.nbytes * 8 / 1000 / self.seconds


def same_player(cur: Request, nxt: Request) -> bool:
    """Whether the gap between two requests can be one player's: not when they belong to two sessions.

    A viewer's log is per user, so two players of one account (a restarted player whose predecessor's last
    segment is still being answered, a second device, load-test users sharing an account) interleave in it;
    the gap from one's segment to the other's request measures nothing of either's link.
    """
    return cur.session is None or nxt.session is None or cur.session == nxt.session


def round_trips(nxt: Request) -> int:
    """Round trips in the gap before ``nxt`` besides the delivery: 1, or 2 with a TCP handshake."""
    return 2 if nxt.new_connection else 1


def rtt_from_log(log: Sequence[Request]) -> float | None:
    """The smallest gap after a small response (playlist → segment) per round trip: an upper bound on the RTT."""
    ordered = sorted(log, key=lambda r: r.at)
    gaps = [(b.at - a.at) / round_trips(b) for a, b in itertools.pairwise(ordered)
            if a.nbytes <= SMALL_BYTES and b.at > a.at and same_player(a, b)]
    return min(gaps) if gaps else None


def session_rtt(log: Sequence[Request], *, kept: float | None) -> float | None:
    """The RTT for a session's estimate: what ``log`` measures (:func:`rtt_from_log`), else the figure the session
    kept from an earlier window (``kept``): the playlist gap that measures it leaves the 40-entry log after ~80 s,
    and without it every later fill would read one RTT slow."""
    found = rtt_from_log(log)
    return found if found is not None else kept


def is_fill(gap_s: float, media_s: float, *, buffer_s: float | None = None, modelled: bool = False) -> bool:
    """Whether a gap after a response holding ``media_s`` seconds of media was the player filling.

    ``buffer_s``: the player's buffer (that response included) when it sent the next request, if known;
    ``modelled``: it is the server's model of a steered player (from the session's first segment), so a
    gap clearly longer than the media (``IDLE_HIGH`` ×) is the link holding the player back even with a
    full buffer — a player pacing itself asks once per segment duration (the buffer replayed from a log
    that starts mid-session reads low, so without the model a long gap with a full buffer is not trusted).
    """
    if gap_s <= 0 or gap_s > MAX_GAP_S:
        return False
    if media_s <= 0:
        return True
    if gap_s > MAX_GAP_FACTOR * media_s:
        return False
    if gap_s < IDLE_LOW * media_s:
        return True  # faster than it plays: nothing but the link held it back
    if modelled and gap_s > IDLE_HIGH * media_s:
        return True
    if buffer_s is not None:  # a full buffer means the player was pacing itself (mpv stops reading mid-segment)
        return buffer_s < FULL_SEGMENTS * media_s
    return gap_s > IDLE_HIGH * media_s


class _Buffer:
    """The player's buffer as the log tells it: media delivered minus time played since the first segment arrived
    (playing stops, as a stall, when the buffer is empty)."""

    def __init__(self) -> None:
        self.media_end = 0.0
        self.played_to: float | None = None  # media time played at ``clock``
        self.clock = 0.0

    def delivered(self, media_s: float, *, at: float) -> float:
        """Add ``media_s`` delivered at ``at``; the buffer (seconds) just after."""
        if media_s <= 0:
            return self.level(at)
        if self.played_to is None:
            self.played_to, self.clock = 0.0, at
        level = self.level(at)
        self.media_end += media_s
        return level + media_s

    def level(self, at: float) -> float:
        """Buffered seconds at ``at``."""
        if self.played_to is None:
            return 0.0
        self.played_to = min(self.media_end, self.played_to + max(0.0, at - self.clock))
        self.clock = max(self.clock, at)
        return self.media_end - self.played_to


def delivery_gaps(log: Sequence[Request], *, rtt_s: float | None = None) -> list[RateSample]:
    """Every usable gap between consecutive requests (oldest first): fills and paced lower bounds."""
    ordered = sorted(log, key=lambda r: r.at)
    rtt = rtt_s if rtt_s is not None else (rtt_from_log(ordered) or 0.0)
    out: list[RateSample] = []
    buffer = _Buffer()
    for cur, nxt in itertools.pairwise(ordered):
        if not same_player(cur, nxt):
            buffer = _Buffer()  # the next session's player starts empty
            continue
        gap = nxt.at - cur.at
        replayed = buffer.delivered(cur.media_s, at=nxt.at)  # response n had arrived when request n+1 came
        level = nxt.buffer_s if nxt.buffer_s is not None else replayed
        if cur.nbytes < MIN_SAMPLE_BYTES or gap <= 0 or gap > MAX_GAP_S:
            continue
        seconds = gap - rtt * round_trips(nxt)
        if seconds < MIN_DELIVERY_FRACTION * gap:
            continue
        fill = is_fill(gap, cur.media_s, buffer_s=level, modelled=nxt.buffer_s is not None)
        if not fill and gap > MAX_GAP_FACTOR * max(cur.media_s, 0.0):
            continue  # paused: not even a bound worth keeping
        out.append(RateSample(nbytes=cur.nbytes, seconds=seconds, at=nxt.at, fill=fill, media_s=cur.media_s))
    return out


def delivery_samples(log: Sequence[Request], *, rtt_s: float | None = None) -> list[RateSample]:
    """Rate samples (oldest first) from the gaps between consecutive requests that were fills."""
    return [g for g in delivery_gaps(log, rtt_s=rtt_s) if g.fill]


def paced_floor(gaps: Sequence[RateSample]) -> RateSample | None:
    """The newest gap when it was the player pacing itself (no fill since): the link is at least its rate."""
    if not gaps or gaps[-1].fill:
        return None
    return gaps[-1]


def estimate_from(samples: Sequence[RateSample]) -> tuple[float, int] | None:
    """(kbit/s, samples counted) of ``samples`` through the dual EWMA, or None without a usable one."""
    est = ThroughputEstimator(min_sample_bytes=MIN_SAMPLE_BYTES)
    counted = sum(1 for s in samples if est.sample(nbytes=s.nbytes, duration_s=s.seconds))
    return (est.estimate_kbps, counted) if counted else None


def delivery_estimate(log: Sequence[Request], *, rtt_s: float | None = None) -> tuple[float, int] | None:
    """(kbit/s, samples) over the log through the dual EWMA, or None without a usable sample."""
    return estimate_from(delivery_samples(log, rtt_s=rtt_s))
