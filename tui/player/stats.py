"""The live playback statistics the stats panel shows (a plain model, no UI)."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field, replace

from tui.format import human_bytes, kbps

HISTORY = 60
SWITCH_LOG = 3


@dataclass(frozen=True, slots=True)
class Switch:
    """One rendition change: when, from, to and why."""

    at: float
    frm: str
    to: str
    reason: str
    by: str = "abr"
    to_screen_s: float | None = None

    def line(self) -> str:
        """``12:03:04 144p→360p 1.8 s to screen · reason`` (``…`` while the new rendition is not on screen)."""
        shown = f"{self.to_screen_s:.1f} s" if self.to_screen_s is not None else "…"
        return f"{time.strftime('%H:%M:%S', time.localtime(self.at))} {self.frm}→{self.to} {shown} · {self.reason}"


@dataclass
class PlaybackStats:
    """Counters and gauges of one play."""

    network_profile: str = "off"
    network_step: str = ""
    rendition: str = "–"
    rendition_kbps: float = 0.0
    video_bitrate_kbps: float = 0.0
    resolution: str = "–"
    throughput_kbps: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY))
    buffer_s: float = 0.0
    stalls: int = 0
    stall_total_s: float = 0.0
    stall_started: float | None = None
    stream_start_ms: float | None = None
    ad_time_s: float = 0.0
    switches: list[Switch] = field(default_factory=list)
    dropped_frames: int = 0
    bytes_downloaded: int = 0
    quality_mode: str = "auto"
    estimate_kbps: float = 0.0

    def stall_began(self, *, now: float | None = None) -> None:
        """mpv paused for the cache."""
        if self.stall_started is None:
            self.stall_started = time.monotonic() if now is None else now
            self.stalls += 1

    def stall_ended(self, *, now: float | None = None) -> float:
        """mpv resumed; returns the stall's length in seconds (0 when none was running)."""
        if self.stall_started is None:
            return 0.0
        length = max(0.0, (time.monotonic() if now is None else now) - self.stall_started)
        self.stall_total_s += length
        self.stall_started = None
        return length

    def add_throughput(self, value_kbps: float) -> None:
        """One throughput sample for the sparkline."""
        self.throughput_kbps.append(max(0.0, value_kbps))

    def lines(self) -> list[str]:
        """The panel's text rows."""
        recent = self.throughput_kbps[-1] if self.throughput_kbps else 0.0
        start = f"{self.stream_start_ms:.0f} ms" if self.stream_start_ms is not None else "…"
        if self.ad_time_s:
            start += f" (+ ads {self.ad_time_s:.1f} s)"
        return [
            f"Rendition  {self.rendition} ({self.resolution}) · {kbps(self.rendition_kbps)} · mode {self.quality_mode}",
            f"Bitrate    {kbps(self.video_bitrate_kbps)} video · estimate {kbps(self.estimate_kbps)}",
            f"Throughput {kbps(recent)} · buffer {self.buffer_s:.1f} s",
            f"Stalls     {self.stalls} ({self.stall_total_s:.1f} s) · dropped frames {self.dropped_frames}",
            f"Start      {start} · {human_bytes(self.bytes_downloaded)}",
            f"Network    {self.network_profile}" + (f" · {self.network_step}" if self.network_step else ""),
            f"Switches   {len(self.switches)}" + (" (time, from→to, to screen, reason)" if self.switches else ""),
            *(f"  {s.line()}" for s in self.switches[-SWITCH_LOG:]),
        ]

    def shown(self, rendition: str, *, after_s: float) -> None:
        """``rendition`` reached the screen ``after_s`` after the last switch to it was asked for."""
        for i in range(len(self.switches) - 1, -1, -1):
            if self.switches[i].to == rendition and self.switches[i].to_screen_s is None:
                self.switches[i] = replace(self.switches[i], to_screen_s=after_s)
                return
