"""Abandonment tests (media.abr.abandon_rule and AbrController.should_abandon)."""

from __future__ import annotations

import math

import pytest

from media.abr import AbrConfig, AbrController, Decision, DownloadProgress, abandon_rule

LADDER = [240.0, 500.0, 1000.0, 2500.0, 5000.0]
SEG_BYTES_720 = 2500 * 1000 / 8 * 2  # 625 000


def slow_progress(**overrides: float) -> DownloadProgress:
    """A 720p download crawling at ~170 kbit/s with 4 s of buffer left."""
    values: dict = {
        "index": 3,
        "loaded_bytes": 30_000,
        "total_bytes": SEG_BYTES_720,
        "elapsed_s": 1.5,
        "buffer_s": 4.0,
        "ttfb_s": 0.1,
    }
    values.update(overrides)
    return DownloadProgress(**values)


def test_abandons_download_that_cannot_finish() -> None:
    d = abandon_rule(LADDER, progress=slow_progress())
    assert d is not None
    assert d.index == 0  # even 500 kbit/s is not sustainable at ~137 kbit/s
    assert d.rule == "abandon"
    assert "abandon" in d.reason


def test_abandons_to_highest_sustainable_lower_rung() -> None:
    # ~1.07 Mbit/s seen, 1080p needs 10 Mbit: ~9 s left > 3 s of buffer
    p = DownloadProgress(
        index=4, loaded_bytes=200_000, total_bytes=1_250_000, elapsed_s=1.6, buffer_s=3.0, ttfb_s=0.1
    )
    d = abandon_rule(LADDER, progress=p)
    assert d is not None
    assert d.index == 1  # 500 kbit/s loads in < 2 s at 0.8 × 1.07 Mbit/s; 1000 does not


@pytest.mark.parametrize(
    "overrides",
    [
        {"buffer_s": 60.0},  # plenty of buffer: keep going
        {"elapsed_s": 0.5},  # too early to judge
        {"index": 0},  # nothing lower
        {"loaded_bytes": SEG_BYTES_720},  # done
        {"total_bytes": 0},
        {"loaded_bytes": math.nan},
        {"elapsed_s": math.inf},
        {"buffer_s": -3.0, "loaded_bytes": 600_000},  # nearly done: finishing beats refetching
    ],
)
def test_keeps_downloading(overrides: dict) -> None:
    assert abandon_rule(LADDER, progress=slow_progress(**overrides)) is None


def test_controller_abandon_only_while_playing_and_switches_rung() -> None:
    ctl = AbrController(LADDER)
    ctl.current_index = 3
    assert ctl.should_abandon(slow_progress()) is None  # before the first frame
    ctl.on_buffer(level_s=4.0, now=10.0)
    d = ctl.should_abandon(slow_progress(now=11.0))
    assert d is not None
    assert ctl.current_index == d.index == 0


def test_deep_buffer_never_abandons_to_the_lowest_rung() -> None:
    # 5000 kbit/s segment (1.25 MB), 100 kB in after 2 s (≈ 420 kbit/s): 21.9 s left. Only the
    # lowest rung would load within a segment duration at 0.8 × that rate.
    ladder = [240.0, 500.0, 1000.0, 2500.0, 5000.0]

    def progress(buffer_s: float) -> DownloadProgress:
        return DownloadProgress(index=4, loaded_bytes=100_000, total_bytes=1_250_000,
                                elapsed_s=2.0, buffer_s=buffer_s, ttfb_s=0.1)  # fmt: skip

    shallow = abandon_rule(ladder, progress=progress(5.0))
    assert shallow is not None and shallow.index == 0
    deep = abandon_rule(ladder, progress=progress(20.0))
    assert deep is not None and deep.index == 3  # one rung down: 625 kB in 14.9 s < 21.9 s
    old = abandon_rule(ladder, progress=progress(20.0), config=AbrConfig(abandon_deep_s=None))
    assert old is not None and old.index == 0


def test_controller_waits_with_a_deep_buffer_and_judges_under_it() -> None:
    # the deep-buffer download above (21.9 s left at ≈ 420 kbit/s; one rung down loads in 14.9 s): with 12 s or
    # more buffered the controller keeps it in flight (waiting costs only buffer, and a deep dip mostly passes);
    # under 12 s it abandons one rung down as before, and it always does with the wait switched off (#18)
    ladder = [240.0, 500.0, 1000.0, 2500.0, 5000.0]

    def verdict(buffer_s: float, **config: float | None) -> int | None:
        ctl = AbrController(ladder, **config)
        ctl.current_index = 4
        ctl.on_buffer(level_s=buffer_s, now=10.0)
        d = ctl.should_abandon(DownloadProgress(index=4, loaded_bytes=100_000, total_bytes=1_250_000,
                                                elapsed_s=2.0, buffer_s=buffer_s, ttfb_s=0.1, now=12.0))
        return None if d is None else d.index

    assert verdict(20.0) is None and verdict(12.0) is None
    assert verdict(11.0) == 3
    assert verdict(20.0, abandon_wait_above_s=None) == 3


def test_the_wait_ends_as_the_buffer_drains_and_judges_at_the_recent_rate() -> None:
    # one download watched every 0.25 s while the buffer drains from 14 s: the link collapses to ~40 kB/s;
    # no verdict while 12 s or more are buffered, then an abandonment whose reason quotes the last second's
    # rate (the history kept while waiting), not the average with the fast start
    ladder = [240.0, 500.0, 1000.0, 2500.0, 5000.0]
    ctl = AbrController(ladder)
    ctl.current_index = 4
    ctl.on_buffer(level_s=14.0, now=0.0)
    verdicts: list[tuple[float, Decision | None]] = []
    loaded, elapsed = 300_000.0, 1.0  # a fast first second
    while elapsed < 5.0:
        elapsed += 0.25
        loaded += 40_000 * 0.25
        buffer_s = 14.0 - elapsed
        d = ctl.should_abandon(DownloadProgress(index=4, loaded_bytes=loaded, total_bytes=1_250_000,
                                                elapsed_s=elapsed, buffer_s=buffer_s, ttfb_s=0.05, now=elapsed))
        verdicts.append((buffer_s, d))
        if d is not None:
            break
    assert all(d is None for b, d in verdicts if b >= 12.0)
    buffer_s, d = verdicts[-1]
    assert d is not None and buffer_s < 12.0
    assert "at 320 kbps" in d.reason  # 40 kB/s over the last second
