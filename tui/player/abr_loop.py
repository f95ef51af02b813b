"""The client-side ABR loop: mpv's live numbers feed ``media.abr.AbrController``; its choice steers the server."""

from __future__ import annotations

import math
from dataclasses import dataclass

from media import AbrController, SegmentTiming
from tui.payloads import Quality
from tui.player.link_probe import ProbeResult

#: A probe counts up to this multiple of the top rung: the controller only needs to know that the top rung
#: fits, and an estimate far above it would take seconds to come down when the link drops.
PROBE_CAP_X_TOP = 2.0


@dataclass(frozen=True, slots=True)
class RenditionChoice:
    """A new rendition the controller wants, and why."""

    rendition: str
    previous: str
    reason: str


def ladder_from(qualities: list[Quality]) -> list[tuple[str, float]]:
    """(name, kbit/s) of the offered qualities, lowest first."""
    rungs = [(q.quality, q.bitrate_kbps) for q in qualities]
    return sorted(rungs, key=lambda r: r[1])


class AbrLoop:
    """One play's ABR state. ``mode`` is ``auto`` or a pinned rendition name."""

    def __init__(self, *, qualities: list[Quality], start: str, known_kbps: float | None = None,
                 timing: SegmentTiming | None = None) -> None:
        """Ladder from the manifest's qualities; the controller starts on ``start``.

        ``known_kbps``: what is already known about the link (the prefetch's measurement, else the
        network profile); until mpv reports its first download the estimate is that, not a default.
        ``timing``: the title's segment lengths when its playlist is already known (the prefetch's);
        else :meth:`learn_segments` once it is.
        """
        self.rungs = ladder_from(qualities)
        self.names = [n for n, _ in self.rungs]
        self.controller = AbrController([k for _, k in self.rungs])
        self.timing: SegmentTiming | None = None
        self.learn_segments(timing)
        if known_kbps is not None and math.isfinite(known_kbps) and known_kbps > 0:
            self.controller.estimator.default_kbps = known_kbps
        self.current = start if start in self.names else (self.names[0] if self.names else "")
        self.controller.current_index = self.names.index(self.current) if self.current in self.names else 0
        self.heights = {q.height: q.quality for q in qualities if q.height}
        self.mode = "auto"
        self.probed_kbps: float | None = None  # the link as probed since the buffer last filled

    def learn_segments(self, timing: SegmentTiming | None) -> None:
        """The title's segment lengths from its media playlist: the controller's BOLA, MPC plan and caps
        use them from its next decision (its estimate and state are kept)."""
        if timing is not None:
            self.timing = timing
            self.controller.set_segments(segment_s=timing.next_s, first_segment_s=timing.first_s)

    def kbps_of(self, name: str) -> float:
        """Nominal bitrate of rendition ``name`` (0 when unknown)."""
        return next((k for n, k in self.rungs if n == name), 0.0)

    def name_for_height(self, height: int) -> str | None:
        """The rendition whose picture is ``height`` lines high."""
        return self.heights.get(height)

    def modes(self) -> list[str]:
        """``auto`` then every rendition, lowest first (the quality menu's order)."""
        return ["auto", *self.names]

    def pin(self, mode: str) -> RenditionChoice | None:
        """Choose a mode; a rendition name pins it (returned as a choice when it changes the rendition)."""
        if mode != "auto" and mode not in self.names:
            raise ValueError(f"unknown rendition {mode}")
        self.mode = mode
        if mode == "auto" or mode == self.current:
            return None
        previous, self.current = self.current, mode
        self.controller.current_index = self.names.index(mode)
        return RenditionChoice(rendition=mode, previous=previous, reason="viewer's choice")

    def probe_target(self) -> str | None:
        """The rung above the one playing (what a link probe fetches a piece of); None at the top."""
        if self.current not in self.names:
            return None
        i = self.names.index(self.current)
        return self.names[i + 1] if i + 1 < len(self.names) else None

    def probed(self, result: ProbeResult, *, now: float) -> None:
        """A link probe's result (see :mod:`tui.player.link_probe`): its first-byte wait feeds the controller's
        latency; its rate (capped at PROBE_CAP_X_TOP × the top rung) stands for the link while the buffer stays
        full."""
        if result.kbps <= 0:
            return
        self.controller.on_download(nbytes=result.nbytes, duration_s=result.total_s, ttfb_s=result.ttfb_s, now=now)
        top = self.rungs[-1][1] if self.rungs else result.kbps
        self.probed_kbps = min(result.kbps, PROBE_CAP_X_TOP * top)

    def tick(self, *, now: float, dt: float, cache_speed_bps: float, buffer_s: float,
             full: bool = False, remaining_s: float | None = None) -> RenditionChoice | None:
        """Feed one sample (bytes/s over ``dt`` seconds, buffer level) and return a switch, if any.

        ``remaining_s``: the title's media not yet buffered (duration − position − buffer; None when the
        duration is unknown): near the end the controller spends the buffer on the last segments.
        ``full``: the buffer is at mpv's read-ahead, so mpv reads only as fast as it plays and
        ``cache_speed_bps`` says nothing about the link; the last probe's rate stands in for it (nothing
        is fed until a probe has measured the link since the buffer filled)."""
        if full:
            if self.probed_kbps is not None and dt > 0:
                self.controller.on_download(nbytes=self.probed_kbps * 1000 / 8 * dt, duration_s=dt, now=now)
        else:
            self.probed_kbps = None
            if cache_speed_bps > 0 and dt > 0:
                self.controller.on_download(nbytes=cache_speed_bps * dt, duration_s=dt, now=now)
        self.controller.on_buffer(level_s=buffer_s, now=now, remaining_s=remaining_s)
        if self.mode != "auto" or not self.names:
            return None
        decision = self.controller.decide(now)
        target = self.names[decision.index]
        if target == self.current:
            return None
        previous, self.current = self.current, target
        return RenditionChoice(rendition=target, previous=previous, reason=decision.reason)

    @property
    def estimate_kbps(self) -> float:
        """The controller's throughput estimate."""
        return float(self.controller.estimate_kbps)
