"""The terminal client's ABR with a full buffer (#15): mpv then reads only as fast as it plays, so its
cache-speed is the bitrate playing, not the link; a probe of the rung above stands in for the link."""

from __future__ import annotations

from tui.payloads import Quality
from tui.player.abr_loop import PROBE_CAP_X_TOP, AbrLoop
from tui.player.controller import FULL_BUFFER_S
from tui.player.link_probe import ProbeResult

LADDER = [Quality(quality=n, bitrate_kbps=k, width=w, height=h)
          for n, k, w, h in (("108p", 150, 192, 108), ("144p", 370, 256, 144), ("360p", 630, 640, 360))]
BYTES_PER_S_AT_360P = 630 * 1000 / 8


def run(loop: AbrLoop, *, seconds: int, bps: float, buffer_s: float, full: bool, start: float = 0.0) -> list[str]:
    """Tick once a second; the renditions switched to."""
    out = []
    for t in range(seconds):
        choice = loop.tick(now=start + t + 1, dt=1.0, cache_speed_bps=bps, buffer_s=buffer_s, full=full)
        if choice is not None:
            out.append(choice.rendition)
    return out


def test_a_full_buffer_playing_the_top_rung_is_no_reason_to_switch_down() -> None:
    loop = AbrLoop(qualities=LADDER, start="360p", known_kbps=9000)
    assert run(loop, seconds=60, bps=BYTES_PER_S_AT_360P, buffer_s=FULL_BUFFER_S, full=True) == []
    assert loop.current == "360p"
    # mpv reads exactly the bitrate playing: taken as the link's throughput, it takes a 4g link down
    before = AbrLoop(qualities=LADDER, start="360p", known_kbps=9000)
    assert run(before, seconds=60, bps=BYTES_PER_S_AT_360P, buffer_s=FULL_BUFFER_S, full=False) == ["144p"]


def test_a_probe_lets_a_full_buffer_switch_up_and_a_draining_one_comes_down() -> None:
    loop = AbrLoop(qualities=LADDER, start="108p", known_kbps=200)
    assert loop.probe_target() == "144p"
    assert run(loop, seconds=20, bps=150 * 1000 / 8, buffer_s=10.0, full=True) == []  # no probe: no evidence
    loop.probed(ProbeResult(nbytes=48 * 1024, ttfb_s=0.3, total_s=0.55), now=20.0)  # ≈ 1.6 Mbit/s (3g)
    assert loop.probed_kbps is not None and loop.probed_kbps <= PROBE_CAP_X_TOP * 630
    ups = run(loop, seconds=30, bps=150 * 1000 / 8, buffer_s=10.0, full=True, start=20.0)
    assert ups and ups[-1] == "360p" and loop.probe_target() is None
    # the link drops to 2g: the buffer drains, mpv reads as fast as the link allows, and the probe is forgotten
    downs = run(loop, seconds=30, bps=250 * 1000 / 8, buffer_s=6.0, full=False, start=50.0)
    assert loop.probed_kbps is None
    assert downs and downs[-1] in ("108p", "144p") and loop.current != "360p"
