"""The terminal client's ABR takes the title's segment lengths from its media playlist (the prefetch reads it
before Play): 4 s content is decided as 4 s segments, not the controller's 2 s default."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from media import SegmentTiming
from tui.api import ApiClient
from tui.payloads import Manifest, Quality
from tui.player.abr_loop import AbrLoop
from tui.player.prefetch import prefetch

LADDER = [Quality(quality=n, bitrate_kbps=k, width=w, height=h)
          for n, k, w, h in (("144p", 240, 256, 144), ("360p", 500, 640, 360), ("480p", 1000, 854, 480),
                             ("720p", 2500, 1280, 720))]
STEERED = "http://h/media/s/auto/index.m3u8"


def playlist(*lengths: float) -> bytes:
    lines = ["#EXTM3U", f"#EXT-X-TARGETDURATION:{round(max(lengths))}", "#EXT-X-MEDIA-SEQUENCE:1"]
    for i, d in enumerate(lengths, start=1):
        lines += [f"#EXTINF:{d:.3f},", f"seg_{i:05d}.ts"]
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""]).encode()


class FakeApi:
    """The two calls the prefetch makes."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def manifest(self, content_id: str, **_: Any) -> Manifest:
        return Manifest(steered_url=STEERED, start="360p", qualities=LADDER)

    async def fetch_bytes(self, url: str) -> tuple[bytes, float]:
        return (self.body, 0.1) if url == STEERED else (b"\0" * 100_000, 0.4)


async def test_a_4s_playlist_gives_the_abr_loop_4s_segments(tmp_path: Path) -> None:
    api = cast(ApiClient, FakeApi(playlist(4.0, 4.0, 4.0, 4.0, 2.5)))
    ready = await prefetch(api=api, content_id="c", profile_id="p", directory=tmp_path)
    assert ready.timing == SegmentTiming(first_s=4.0, next_s=4.0)
    loop = AbrLoop(qualities=LADDER, start="360p", known_kbps=ready.measured_kbps, timing=ready.timing)
    assert loop.controller.config.segment_s == 4.0
    # the packager's default layout: a 3 s first segment, then 2 s
    ready = await prefetch(api=cast(ApiClient, FakeApi(playlist(3.0, 2.0, 2.0, 2.0))), content_id="c",
                           profile_id="p", directory=tmp_path)
    loop = AbrLoop(qualities=LADDER, start="360p", timing=ready.timing)
    assert (loop.controller.config.first_segment_s, loop.controller.config.segment_s) == (3.0, 2.0)


def ticks(loop: AbrLoop, *, kbps: float, buffer_s: float, seconds: int, start: float = 0.0) -> list[str]:
    """One tick a second at a steady link and buffer; the renditions switched to."""
    out = []
    for i in range(seconds):
        choice = loop.tick(now=start + i + 1, dt=1.0, cache_speed_bps=kbps * 1000 / 8, buffer_s=buffer_s)
        if choice is not None:
            out.append(choice.rendition)
    return out


def test_segment_lengths_learnt_during_play_keep_the_estimate_and_change_the_decisions() -> None:
    loop, twin = (AbrLoop(qualities=LADDER, start="144p", known_kbps=4000) for _ in range(2))
    assert loop.controller.config.segment_s == 2.0 and loop.timing is None  # no prefetch: nothing known yet
    assert ticks(loop, kbps=4000, buffer_s=1.0, seconds=3) == ticks(twin, kbps=4000, buffer_s=1.0, seconds=3)
    estimate, samples = loop.estimate_kbps, loop.controller.estimator.samples
    loop.learn_segments(SegmentTiming(first_s=4.0, next_s=4.0))  # the screen read the steered playlist
    assert loop.controller.config.segment_s == 4.0 and loop.controller.estimator.samples == samples
    assert loop.estimate_kbps == estimate
    # 4 s buffered at 4 Mbit/s: a 2 s segment of 720p loads in 1.25 s (within half the buffer), a 4 s one in
    # 2.5 s (not): the loop that knows the 4 s segments stays below 720p, its twin goes there
    assert ticks(twin, kbps=4000, buffer_s=4.0, seconds=10, start=3)[-1:] == ["720p"]
    assert "720p" not in ticks(loop, kbps=4000, buffer_s=4.0, seconds=10, start=3)


def test_the_loop_spends_its_buffer_on_the_titles_last_seconds() -> None:
    # 1.5 Mbit/s with 9 s buffered holds 480p (1 Mbit/s); with 4 s of the title left to buffer, the rest at
    # 720p loads in 4 × 2.5 ÷ (0.9 × 1.5) = 7.4 s, before the playhead gets to its last segment (9 − 2 s
    # reserve + 4 − 2 s = 9 s away): the title's last seconds play at 720p (#18)
    def run(left: float | None) -> str:
        loop = AbrLoop(qualities=LADDER, start="480p", known_kbps=1500)
        current = "480p"
        for i in range(20):
            choice = loop.tick(now=i + 1.0, dt=1.0, cache_speed_bps=1500 * 1000 / 8, buffer_s=9.0,
                               remaining_s=left)
            current = choice.rendition if choice is not None else current
        return current

    assert run(None) == run(60.0) == "480p"
    assert run(4.0) == "720p"


def test_the_titles_end_does_not_flap_between_ticks() -> None:
    # mpv as the loop sees it: 0.5 s ticks, a 10 s read-ahead filled at 1.8 Mbit/s, the segment in flight not yet
    # counted in the buffer. Near the end the loop steps up once or twice and stays (review of #18: without the
    # end rung's hysteresis it went 720p ↔ 480p four times in the last 10 s)
    loop = AbrLoop(qualities=LADDER, start="480p", known_kbps=1800)
    kbps = {q.quality: q.bitrate_kbps for q in LADDER}
    current, position, buffer_s, loaded_s, duration = "480p", 0.0, 0.0, 0.0, 120.0
    switches: list[tuple[float, str]] = []
    for i in range(1, 400):
        now = i * 0.5
        fill = 0.0 if buffer_s >= 10.0 or loaded_s >= duration else 1800 * 0.5 / kbps[current]
        loaded_s = min(loaded_s + fill, duration)
        buffer_s = max(min(loaded_s - position, 10.0), 0.0)
        segment_in_flight = (loaded_s % 2.0) if loaded_s < duration else 0.0
        shown = buffer_s - segment_in_flight  # whole segments only
        choice = loop.tick(now=now, dt=0.5, cache_speed_bps=1800 * 1000 / 8 if fill else 0.0, buffer_s=shown,
                           full=buffer_s >= 10.0, remaining_s=duration - position - shown)
        if choice is not None:
            switches.append((now, choice.rendition))
            current = choice.rendition
        if now >= 2.0:
            position = min(position + 0.5, loaded_s)
        if position >= duration:
            break
    late = [s for s in switches if s[0] > 90.0]
    assert late and len(late) <= 2, switches
    assert [kbps[r] for _, r in late] == sorted(kbps[r] for _, r in late)  # the end only steps up
