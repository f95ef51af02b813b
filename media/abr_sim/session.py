"""`simulate`: one trace-driven playback with an ABR controller choosing each segment's rung."""

from __future__ import annotations

import itertools
import logging
import math
import statistics
from collections.abc import Sequence
from typing import Protocol

from media.abr import Decision, DownloadProgress, StartHint
from media.abr_sim.link import LinkIntegrator, RateSource, safe_rate
from media.abr_sim.metrics import SessionMetrics, detect_drops, qoe_lin, switch_reaction_s
from media.abr_sim.playback import Playback, segment_sizes

log = logging.getLogger(__name__)


class Controller(Protocol):
    """What the simulator drives: `media.abr.AbrController` or any rule with its interface."""

    ladder: tuple[float, ...]

    def choose_start(self, hint: StartHint | None = None) -> Decision:
        """The first segment's rung."""
        ...

    def on_buffer(self, *, level_s: float, now: float, remaining_s: float | None = None) -> None:
        """The buffer level before a decision, and the media left to request (this segment
        included)."""
        ...

    def decide(self, now: float) -> Decision:
        """The next segment's rung."""
        ...

    def on_download(
        self,
        *,
        nbytes: float,
        duration_s: float,
        now: float,
        index: int | None = None,
        ttfb_s: float = 0.0,
    ) -> bool:
        """A finished (or abandoned) download."""
        ...

    def should_abandon(self, progress: DownloadProgress) -> Decision | None:
        """Whether to give up the download in flight (and the rung to re-request at)."""
        ...


def segment_count(content_s: float, segment_s: float, sizes: Sequence[Sequence[int]]) -> int:
    """Segments to play: `content_s` in `segment_s` steps, at most as many as `sizes` holds."""
    n = max(1, math.ceil(content_s / segment_s - 1e-9))
    return min(n, min((len(s) for s in sizes), default=0))


def give_up_after_s(content_s: float) -> float:
    """How long past its start a session may run before the link is declared dead."""
    return content_s * 4 + 600


class _Session:
    """One playback in progress: the loop's state and its named steps."""

    def __init__(
        self,
        controller: Controller,
        *,
        source: RateSource,
        link: LinkIntegrator,
        sizes: Sequence[Sequence[int]],
        segment_s: float,
        max_buffer_s: float,
        abandon_check_s: float,
        t_start: float,
        give_up_s: float,
        count: int,
    ) -> None:
        """A session of `count` segments that has not requested anything yet."""
        self.controller = controller
        self.source = source
        self.link = link
        self.sizes = sizes
        self.segment_s = segment_s
        self.max_buffer_s = max_buffer_s
        self.abandon_check_s = abandon_check_s
        self.t_start = t_start
        self.give_up_s = give_up_s
        self.pb = Playback(t0=t_start)
        self.t = t_start
        self.rungs: list[int] = []
        self.reasons: list[str] = []
        self.decisions: list[tuple[float, int]] = []
        self.abandonments = 0
        self.completed = True
        self.count = count  # segments in the title

    def wait_for_room(self) -> None:
        """Idle (playing) until one more segment fits under `max_buffer_s`."""
        room = self.pb.buffer_s + self.segment_s - self.max_buffer_s
        if room > 0 and self.pb.started_at is not None:
            self.t += room
            self.pb.advance(self.t)

    def choose(self, segment: int, start: Decision) -> Decision:
        """The rung for `segment`: the start decision for the first, else the controller's."""
        left = (self.count - segment) * self.segment_s
        self.controller.on_buffer(level_s=self.pb.buffer_s, now=self.t, remaining_s=left)
        decision = start if segment == 0 else self.controller.decide(self.t)
        self.decisions.append((self.t, decision.index))
        self.reasons.append(decision.reason)
        return decision

    def fetch(self, segment: int, index: int) -> int | None:
        """Download `segment` starting at rung `index`, re-requesting at the rung an abandonment
        names; returns the rung that arrived, or None if the link never delivered it."""
        while True:
            abandoned = self._download(segment, index)
            if abandoned is None:
                return index if self.completed else None
            self.abandonments += 1
            index = abandoned.index
            self.decisions.append((self.t, index))
            # One reason per segment (aligned with `rungs`): the abandonment joins the
            # reason of the segment it re-requested.
            self.reasons[-1] += f"; {abandoned.reason}"

    def _download(self, segment: int, index: int) -> Decision | None:
        """One request for `segment` at rung `index`: one RTT, then its bytes over the link.
        Returns the abandonment decision if the controller gave it up, else None (arrived, or
        `completed` cleared when it never could)."""
        req_t = self.t
        rtt = safe_rate(self.source.rtt_ms_at(req_t)) / 1000.0
        first_byte = req_t + rtt
        size = self.sizes[index][segment]
        done = self.link.finish_time(first_byte, size * 8.0)
        if index > 0 and self.abandon_check_s > 0:
            abandoned = self._watch(index, size, req_t, rtt, done)
            if abandoned is not None:
                return abandoned
        if not math.isfinite(done):
            self.completed = False
            return None
        self.pb.add(self.segment_s, done)
        self.controller.on_download(
            nbytes=size, duration_s=done - req_t, now=done, index=index, ttfb_s=rtt
        )
        self.t = done
        return None

    def _watch(
        self, index: int, size: int, req_t: float, rtt: float, done: float
    ) -> Decision | None:
        """Offer the download in flight to `should_abandon` every `abandon_check_s` until it
        arrives at `done`; on an abandonment, record the partial download and stop there."""
        first_byte = req_t + rtt
        c = req_t + self.abandon_check_s
        while c < done:
            self.pb.advance(c)
            loaded = self.link.bits_between(first_byte, c) / 8.0
            progress = DownloadProgress(
                index=index,
                loaded_bytes=loaded,
                total_bytes=size,
                elapsed_s=c - req_t,
                buffer_s=self.pb.buffer_s,
                ttfb_s=rtt,
                now=c,
            )
            abandoned = self.controller.should_abandon(progress)
            if abandoned is not None:
                self.controller.on_download(nbytes=loaded, duration_s=c - req_t, now=c, ttfb_s=rtt)
                self.t = c
                return abandoned
            c += self.abandon_check_s
            if c - req_t > self.give_up_s:
                break
        return None

    def cut_short(self, segment: int) -> None:
        """The link never delivered `segment`: stall until the give-up horizon."""
        log.debug("link never delivered segment %d; session cut short", segment)
        self.pb.advance(self.t_start + self.give_up_s)

    def metrics(self, drop_times: Sequence[float] | None) -> SessionMetrics:
        """Play the buffer out and summarise the session."""
        pb, link, ladder = self.pb, self.link, self.controller.ladder
        end = pb.finish()
        if drop_times is None:
            horizon = link.t0 + link.max_cells * link.dt
            drop_times = detect_drops(link, start=self.t_start, end=min(end, horizon))
        reaction, drops = switch_reaction_s(
            drops=drop_times, decisions=self.decisions, link=link, ladder_kbps=ladder
        )
        rungs = self.rungs
        avg = statistics.fmean(ladder[r] for r in rungs) if rungs else 0.0
        played = pb.played_s
        return SessionMetrics(
            avg_kbps=avg,
            rebuffer_ratio=pb.stall_s / played if played > 0 else (1.0 if pb.stall_s else 0.0),
            stall_s=pb.stall_s,
            stalls=pb.stalls,
            switches=sum(1 for a, b in itertools.pairwise(rungs) if a != b),
            abandonments=self.abandonments,
            stream_start_s=pb.stream_start_s,
            switch_after_drop_s=reaction,
            drops=drops,
            played_s=played,
            segments=len(rungs),
            completed=self.completed,
            rungs=tuple(rungs),
            reasons=tuple(self.reasons),
            qoe_lin=qoe_lin(ladder, rungs, pb.stall_s),
        )


def simulate(
    controller: Controller,
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
    if sizes is None:
        count = max(1, math.ceil(content_s / segment_s - 1e-9))
        sizes = segment_sizes(controller.ladder, segment_s=segment_s, count=count)
    give_up_s = give_up_after_s(content_s)
    session = _Session(
        controller,
        source=source,
        link=link or LinkIntegrator(source, dt=dt, t0=t_start, horizon_s=give_up_s),
        sizes=sizes,
        segment_s=segment_s,
        max_buffer_s=max_buffer_s,
        abandon_check_s=abandon_check_s,
        t_start=t_start,
        give_up_s=give_up_s,
        count=segment_count(content_s, segment_s, sizes),
    )
    start = controller.choose_start(start_hint)
    for segment in range(session.count):
        session.wait_for_room()
        decision = session.choose(segment, start)
        arrived = session.fetch(segment, decision.index)
        if arrived is None:
            session.cut_short(segment)
            break
        session.rungs.append(arrived)
    return session.metrics(drop_times)
