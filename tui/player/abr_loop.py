"""The client-side ABR loop: mpv's live numbers feed ``media.abr.AbrController``; its choice steers the server."""

from __future__ import annotations

import math
from dataclasses import dataclass

from media import AbrController
from tui.payloads import Quality


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

    def __init__(self, *, qualities: list[Quality], start: str, known_kbps: float | None = None) -> None:
        """Ladder from the manifest's qualities; the controller starts on ``start``.

        ``known_kbps``: what is already known about the link (the prefetch's measurement, else the
        network profile); until mpv reports its first download the estimate is that, not a default.
        """
        self.rungs = ladder_from(qualities)
        self.names = [n for n, _ in self.rungs]
        self.controller = AbrController([k for _, k in self.rungs])
        if known_kbps is not None and math.isfinite(known_kbps) and known_kbps > 0:
            self.controller.estimator.default_kbps = known_kbps
        self.current = start if start in self.names else (self.names[0] if self.names else "")
        self.controller.current_index = self.names.index(self.current) if self.current in self.names else 0
        self.heights = {q.height: q.quality for q in qualities if q.height}
        self.mode = "auto"

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

    def tick(self, *, now: float, dt: float, cache_speed_bps: float, buffer_s: float) -> RenditionChoice | None:
        """Feed one sample (bytes/s over ``dt`` seconds, buffer level) and return a switch, if any."""
        if cache_speed_bps > 0 and dt > 0:
            self.controller.on_download(nbytes=cache_speed_bps * dt, duration_s=dt, now=now)
        self.controller.on_buffer(level_s=buffer_s, now=now)
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
