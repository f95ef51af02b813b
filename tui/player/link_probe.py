"""What the link can do while mpv's buffer is full (#15: the ABR never switched up, and switched down on 4g).

mpv reads ahead only up to its read-ahead: with a full buffer it reads exactly as fast as it plays, so
its ``cache-speed`` is the rendition's bitrate, not the link's (an application-limited sample). Fed to
the ABR controller, such samples drag the estimate down to the bitrate playing: the controller then
switches down on a fast link and never up. The ABR loop therefore takes ``cache-speed`` only while the
buffer is filling (mpv reads as fast as the link allows), and while the buffer is full it measures the
link with a small probe: the first ``PROBE_BYTES`` of a segment of the next rung up, its transfer time
measured from the first byte to the last (dash.js's throughput, the round trip kept apart).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from media import PlaylistError, parse_media
from tui.errors import ApiError

log = logging.getLogger(__name__)

#: Bytes read by one probe: enough to time the transfer (over the controller's 16 kB sample floor), small
#: next to a 2 s segment of the rung above on a slow link.
PROBE_BYTES = 48 * 1024
#: Seconds between probes while the buffer stays full.
PROBE_EVERY_S = 8.0


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One probe: bytes read, seconds to the first byte and to the last (from the request)."""

    nbytes: int
    ttfb_s: float
    total_s: float

    @property
    def kbps(self) -> float:
        """Transfer rate from the first byte to the last (kbit/s); 0 when it cannot be told."""
        transfer = self.total_s - self.ttfb_s
        return self.nbytes * 8 / 1000 / transfer if transfer > 0 and self.nbytes > 0 else 0.0


FetchText = Callable[[str], Awaitable[str]]
FetchTimed = Callable[[str, int], Awaitable[tuple[int, float, float]]]


class LinkProbe:
    """Probes the link with a segment of a given rendition; remembers each rendition's segment URLs."""

    def __init__(self, *, fetch_text: FetchText, fetch_timed: FetchTimed, every_s: float = PROBE_EVERY_S) -> None:
        """``fetch_text(url)``: a playlist's text; ``fetch_timed(url, max_bytes)``: a timed partial GET."""
        self.fetch_text = fetch_text
        self.fetch_timed = fetch_timed
        self.every_s = every_s
        self.segments: dict[str, list[tuple[float, str]]] = {}  # playlist → (start s, URL) of each segment
        self.running = False
        self.last_started: float | None = None

    def due(self, now: float) -> bool:
        """Whether a probe may start now (none running, the last one at least ``every_s`` ago)."""
        return not self.running and (self.last_started is None or now - self.last_started >= self.every_s)

    async def measure(self, *, playlist_url: str, position_s: float) -> ProbeResult | None:
        """Probe with the segment of ``playlist_url`` (a rendition's media playlist) near ``position_s``;
        None when the playlist or the segment cannot be had (the link is then simply not probed)."""
        self.running, self.last_started = True, time.monotonic()
        try:
            segments = self.segments.get(playlist_url)
            if segments is None:
                parsed = parse_media(await self.fetch_text(playlist_url), base=playlist_url)
                starts = [sum(s.duration for s in parsed[:i]) for i in range(len(parsed))]
                segments = self.segments[playlist_url] = [(t, s.url) for t, s in zip(starts, parsed, strict=True)]
            url = next((u for t, u in reversed(segments) if t <= position_s), segments[0][1])
            nbytes, ttfb, total = await self.fetch_timed(url, PROBE_BYTES)
        except (PlaylistError, ApiError, IndexError) as err:
            log.info("link probe failed: %s", err)
            return None
        finally:
            self.running = False
        return ProbeResult(nbytes=nbytes, ttfb_s=ttfb, total_s=total)
