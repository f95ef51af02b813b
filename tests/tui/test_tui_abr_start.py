"""The terminal client's first rung comes from what is known (the prefetch's measurement), not a fixed default."""

from __future__ import annotations

import time
from pathlib import Path

from tui.payloads import Manifest, Quality
from tui.player.abr_loop import AbrLoop
from tui.player.prefetch import Prefetched

LADDER = [Quality(quality=n, bitrate_kbps=k, width=w, height=h)
          for n, k, w, h in (("144p", 110, 256, 144), ("360p", 600, 640, 360), ("720p", 2500, 1280, 720))]


def prefetched(nbytes: int, segment_s: float) -> Prefetched:
    return Prefetched(content_id="c", episode_id=None, manifest=Manifest(steered_url="u"), steered_url="u",
                      local_playlist=Path("/tmp/x.m3u8"), first_segment_bytes=nbytes, took_s=segment_s + 0.5,
                      fetched_at=time.time(), segment_s=segment_s)


def test_prefetch_measures_the_link_from_its_first_segment() -> None:
    assert prefetched(450_000, 0.4).measured_kbps == 9_000
    assert prefetched(0, 0.4).measured_kbps is None
    assert prefetched(1000, 0.0).measured_kbps is None


def test_first_decision_uses_the_prefetch_measurement() -> None:
    measured = prefetched(450_000, 0.4).measured_kbps  # a 9 Mbit/s link
    loop = AbrLoop(qualities=LADDER, start="144p", known_kbps=measured)
    first = loop.tick(now=1.0, dt=1.0, cache_speed_bps=0, buffer_s=0.0)  # mpv has measured nothing yet
    assert first is not None and first.rendition == "720p"
    assert loop.estimate_kbps == measured
    # without it, a fixed 500 kbit/s default kept the lowest rung on the same link
    assert AbrLoop(qualities=LADDER, start="144p").tick(now=1.0, dt=1.0, cache_speed_bps=0, buffer_s=0.0) is None
    slow = AbrLoop(qualities=LADDER, start="360p", known_kbps=prefetched(12_000, 0.4).measured_kbps)  # 240 kbit/s
    down = slow.tick(now=1.0, dt=1.0, cache_speed_bps=0, buffer_s=0.0)
    assert down is not None and down.rendition == "144p"
