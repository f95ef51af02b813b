"""The controller takes the title's segment lengths (a media playlist's EXTINF) instead of a fixed 2 s:
the start choice sees a 3 s first segment, and BOLA, the MPC plan and the caps see 4 s segments."""

from __future__ import annotations

import math

import pytest

from media import PlaylistSegment, SegmentTiming, segment_timing
from media.abr import AbrController, StartHint, choose_start

LADDER = [240.0, 500.0, 1000.0, 2500.0, 5000.0]
THREE_G = StartHint(downlink_kbps=1600, rtt_ms=300)


def segments(*lengths: float) -> list[PlaylistSegment]:
    return [PlaylistSegment(url=f"seg{i}.ts", duration=d) for i, d in enumerate(lengths)]


@pytest.mark.parametrize(("lengths", "timing"), [
    ((3.0, 2.0, 2.0, 2.0, 1.4), SegmentTiming(3.0, 2.0)),  # the packager's 3 s first segment, a short last one
    ((4.0, 4.0, 4.0, 2.5), SegmentTiming(4.0, 4.0)),  # ott-media package --segment 4
    ((3.0, 2.0, 4.0, 2.0, 4.0), SegmentTiming(3.0, 3.0)),  # an even count of the rest: the mean of the middle two
    ((6.0,), SegmentTiming(6.0, 6.0)),
    ((0.0, math.nan, 2.0, 2.0), SegmentTiming(2.0, 2.0)),
])
def test_segment_timing_is_the_first_extinf_and_the_median_of_the_rest(lengths: tuple[float, ...],
                                                                       timing: SegmentTiming) -> None:
    assert segment_timing(segments(*lengths)) == timing


def test_segment_timing_without_lengths_is_unknown() -> None:
    assert segment_timing([]) is None
    assert segment_timing(segments(0.0, -1.0)) is None


def test_the_start_choice_sees_the_3s_first_segment_and_the_2s_ones_after_it() -> None:
    ctl = AbrController(LADDER)
    ctl.set_segments(segment_s=2.0, first_segment_s=3.0)
    d = ctl.choose_start(THREE_G)
    # the same choice as the server's (choose_start with first_segment_s and next_segment_s)
    server = choose_start(LADDER, downlink_kbps=1600, rtt_ms=300, first_segment_s=3.0, next_segment_s=2.0)
    assert (d.index, d.reason) == (server.index, server.reason) == (0, server.reason)
    # a 3 s segment of 500 kbit/s does not arrive in 2 s at 3g; as a 2 s one it did
    assert AbrController(LADDER).choose_start(THREE_G).index == 1
    assert AbrController(LADDER, segment_s=2.0, first_segment_s=3.0).choose_start(THREE_G).index == 0


def feed(ctl: AbrController, kbps: list[float]) -> list[int]:
    """Two-second downloads at the rates given, buffer growing 1 s per segment; the rungs decided."""
    out = []
    for i, rate in enumerate(kbps):
        now = 10.0 + 2 * i
        ctl.on_buffer(level_s=4.0 + i, now=now)
        out.append(ctl.decide(now).index)
        ctl.on_download(nbytes=rate * 1000 / 8 * 2, duration_s=2.0, now=now + 2, index=out[-1], ttfb_s=0.2)
    return out


def test_set_segments_keeps_the_state_and_decides_as_a_controller_built_for_4s_segments() -> None:
    rates = [3000, 800, 4000, 900, 5000, 700, 6000, 1200, 2500, 8000, 600, 3000, 7000, 900, 4000]
    warm = AbrController(LADDER)
    warm.choose_start(THREE_G)
    warm.on_download(nbytes=200_000, duration_s=1.0, now=5.0, index=1, ttfb_s=0.3)
    estimator, samples, index = warm.estimator, warm.estimator.samples, warm.current_index
    warm.set_segments(segment_s=4.0, first_segment_s=3.0)
    assert (warm.config.segment_s, warm.config.first_segment_s) == (4.0, 3.0)
    assert warm.estimator is estimator and estimator.samples == samples and warm.current_index == index
    built = AbrController(LADDER, segment_s=4.0, first_segment_s=3.0)
    built.choose_start(THREE_G)
    built.on_download(nbytes=200_000, duration_s=1.0, now=5.0, index=1, ttfb_s=0.3)
    assert feed(warm, rates) == feed(built, rates)
    assert feed(AbrController(LADDER, segment_s=4.0), rates) != feed(AbrController(LADDER), rates)


def test_set_segments_ignores_bad_numbers() -> None:
    ctl = AbrController(LADDER, segment_s=4.0, first_segment_s=3.0)
    ctl.set_segments(segment_s=math.nan, first_segment_s=-1.0)
    assert (ctl.config.segment_s, ctl.config.first_segment_s) == (4.0, 3.0)
    ctl.set_segments(segment_s=0.0)
    assert ctl.config.segment_s == 4.0
