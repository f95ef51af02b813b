"""Fast start (spec FR-VP-005): fetch the manifest, the steered playlist and its first segment ahead of Play.

The result is a local playlist whose first segment is a local file and whose other segments are
the server's (signed, absolute) steered URLs, so pressing Play starts from local data.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from media import PlaylistError, SegmentTiming, parse_media, segment_timing
from tui.api import ApiClient
from tui.payloads import Manifest

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Prefetched:
    """What is ready before Play: the manifest, the steered URL and a local playlist."""

    content_id: str
    episode_id: str | None
    manifest: Manifest
    steered_url: str
    local_playlist: Path | None
    first_segment_bytes: int
    took_s: float
    fetched_at: float
    segment_s: float = 0.0  # how long the first segment's request took (request to last byte)
    timing: SegmentTiming | None = None  # the steered playlist's segment lengths (for the ABR loop)

    @property
    def measured_kbps(self) -> float | None:
        """The link as the first segment's fetch measured it (kbit/s; a round trip included), or None."""
        if self.first_segment_bytes <= 0 or self.segment_s <= 0:
            return None
        return self.first_segment_bytes * 8 / 1000 / self.segment_s


def localise_playlist(text: str, *, base_url: str, first_segment: Path | None) -> str:
    """``text`` with every URI made absolute against ``base_url``, the first one replaced by ``first_segment``."""
    out, seen_first = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            local = not seen_first and first_segment is not None
            line = str(first_segment) if local else urljoin(base_url, stripped)
            seen_first = True
        out.append(line)
    return "\n".join(out) + "\n"


async def prefetch(*, api: ApiClient, content_id: str, profile_id: str, episode_id: str | None = None,
                   net: str | None = None, rewrite: Callable[[str], str] = lambda u: u,
                   directory: Path | None = None, with_segment: bool = True) -> Prefetched:
    """Fetch the manifest, steered playlist and (optionally) its first segment; write the local playlist."""
    started = time.monotonic()
    manifest = await api.manifest(content_id, profile_id=profile_id, episode_id=episode_id, net=net)
    steered = rewrite(manifest.steered_url)
    local: Path | None = None
    nbytes = 0
    segment_s = 0.0
    timing: SegmentTiming | None = None
    if with_segment:
        playlist, _ = await api.fetch_bytes(steered)
        text = playlist.decode("utf-8", errors="replace")
        try:
            segments = parse_media(text, base=steered)
            first: str | None = segments[0].url
            timing = segment_timing(segments)
        except PlaylistError:
            first = None
        if first is not None:
            seg_started = time.monotonic()
            segment, _ = await api.fetch_bytes(first)
            segment_s = time.monotonic() - seg_started
            nbytes = len(segment)
            where = directory or Path(tempfile.mkdtemp(prefix="ott-tui-"))
            where.mkdir(parents=True, exist_ok=True)
            seg_path = where / "first.ts"
            seg_path.write_bytes(segment)
            local = where / "start.m3u8"
            local.write_text(localise_playlist(text, base_url=steered, first_segment=seg_path), encoding="utf-8")
    took = time.monotonic() - started
    log.info("prefetched %s: %d bytes in %.2f s", content_id, nbytes, took)
    return Prefetched(content_id=content_id, episode_id=episode_id, manifest=manifest, steered_url=steered,
                      local_playlist=local, first_segment_bytes=nbytes, took_s=took, fetched_at=time.time(),
                      segment_s=segment_s, timing=timing)
