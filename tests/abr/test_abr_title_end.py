"""The end of a title (#18 eighth pass): a buffer still full when the last segment arrives is
bitrate never played, so "dynamic" spends it on the last segments (`AbrConfig.end_reserve_s`),
and robustMPC's horizon stops at the last segment as in its authors' code."""

from __future__ import annotations

import pytest

from media.abr import AbrController, BaselineController, DownloadProgress
from media.abr_sim import ConstantRate, StepRate, simulate

LADDER = [240.0, 500.0, 1000.0, 2500.0, 5000.0]
PENSIEVE = [300.0, 750.0, 1200.0, 1850.0, 2850.0, 4300.0]


def steady(ctl: AbrController, *, index: int, kbps: float, count: int = 6, start: float = 0.0) -> float:
    """Feed `count` 2 s segments of rung `index` downloaded at `kbps` from `start`; return the end time."""
    now = start
    for _ in range(count):
        nbytes = LADDER[index] * 1000 / 8 * 2
        duration = nbytes * 8 / 1000 / kbps
        now += duration
        ctl.on_download(nbytes=nbytes, duration_s=duration, now=now, index=index)
    return now


def decide(ctl: AbrController, *, buffer_s: float, remaining_s: float | None, now: float) -> int:
    """The rung `ctl` picks with `buffer_s` buffered and `remaining_s` of the title to request."""
    ctl.on_buffer(level_s=buffer_s, now=now, remaining_s=remaining_s)
    return ctl.decide(now).index


def test_last_segments_spend_the_buffer() -> None:
    # 1.5 Mbit/s, 20 s buffered: mid-title 1 Mbit/s; with 10 s left, 2.5 Mbit/s loads every
    # remaining segment (10 s × 2.5 ÷ (0.9 × 1.5) = 18.5 s) before the playhead gets there.
    ctl = AbrController(LADDER, rule="dynamic")
    now = steady(ctl, index=2, kbps=1500.0)
    assert decide(ctl, buffer_s=20.0, remaining_s=None, now=now) == 2
    assert decide(ctl, buffer_s=20.0, remaining_s=200.0, now=now) == 2
    assert decide(ctl, buffer_s=20.0, remaining_s=10.0, now=now) == 3
    assert ctl.last_decision is not None and ctl.last_decision.rule == "end"
    assert "10 s left" in ctl.last_decision.reason
    # ... but never a rung whose remaining segments would not arrive in time
    assert decide(ctl, buffer_s=20.0, remaining_s=10.0, now=now) != 4


@pytest.mark.parametrize("remaining", [40.0, None, -1.0, float("nan"), float("inf"), "soon"])
def test_far_from_the_end_or_unknown_changes_nothing(remaining: object) -> None:
    ctl = AbrController(LADDER, rule="dynamic")
    now = steady(ctl, index=2, kbps=1500.0)
    assert decide(ctl, buffer_s=20.0, remaining_s=remaining, now=now) == 2  # type: ignore[arg-type]


def test_off_on_a_low_link_and_when_switched_off() -> None:
    # A link under 4 × the lowest rung: the buffer is the only cover for an outage.
    low = AbrController(LADDER, rule="dynamic")
    now = steady(low, index=0, kbps=700.0)
    assert low.low_link
    assert decide(low, buffer_s=20.0, remaining_s=4.0, now=now) <= 1
    assert low.last_decision is not None and low.last_decision.rule != "end"
    off = AbrController(LADDER, rule="dynamic", end_reserve_s=None)
    now = steady(off, index=2, kbps=1500.0)
    assert decide(off, buffer_s=20.0, remaining_s=10.0, now=now) == 2


def test_a_title_played_to_its_end_plays_more_of_its_last_segments_high() -> None:
    # 1.8 Mbit/s steady: the throughput holds 1 Mbit/s; told where the title ends, the last
    # segments go to 2.5 Mbit/s with no stall.
    def run(reserve: float | None) -> tuple[list[int], float]:
        ctl = AbrController(LADDER, rule="dynamic", end_reserve_s=reserve)
        m = simulate(ctl, source=ConstantRate(1800.0, 40.0), segment_s=2.0, content_s=120.0)
        return list(m.rungs), m.stall_s

    off, stall_off = run(None)
    on, stall_on = run(2.0)
    assert stall_off == 0 and stall_on == 0
    assert on[:40] == off[:40]
    assert sum(LADDER[r] for r in on) > sum(LADDER[r] for r in off)
    assert off[-20:] == [2] * 20 and on[-1] > 2


def test_robust_mpc_horizon_stops_at_the_last_segment() -> None:
    # 2 Mbit/s, 20 s buffered, two 4 s segments left: a 5-segment plan keeps 1850 kbit/s (each
    # segment above the link costs the next ones), a 2-segment plan takes the top rung.
    def choose(remaining: float | None, end_horizon: bool = True) -> int:
        ctl = BaselineController(PENSIEVE, rule="robustmpc", segment_s=4, end_horizon=end_horizon)
        for _ in range(5):
            ctl.on_download(nbytes=1_000_000, duration_s=4.0, now=0, index=3)
        ctl.on_buffer(level_s=20.0, now=0, remaining_s=remaining)
        return ctl.decide(0).index

    assert choose(None) == choose(400.0)
    assert choose(8.0) == 5
    assert choose(8.0, end_horizon=False) == choose(None) < 5


def test_simulator_tells_the_controller_what_is_left() -> None:
    seen: list[float | None] = []
    ctl = AbrController(LADDER, rule="dynamic")
    on_buffer = ctl.on_buffer

    def spy(*, level_s: float, now: float, remaining_s: float | None = None) -> None:
        seen.append(remaining_s)
        on_buffer(level_s=level_s, now=now, remaining_s=remaining_s)

    ctl.on_buffer = spy  # type: ignore[method-assign]
    simulate(ctl, source=StepRate(((10, 3000, 40), (100, 3000, 40))), segment_s=2.0, content_s=20.0)
    assert seen == [20.0, 18.0, 16.0, 14.0, 12.0, 10.0, 8.0, 6.0, 4.0, 2.0]


def test_not_straight_back_up_after_an_abandonment() -> None:
    # review of the eighth pass: the end rule re-raised the rung on the segment after an abandonment, which
    # was then abandoned again
    ctl = AbrController(LADDER, rule="dynamic")
    now = steady(ctl, index=2, kbps=1500.0)
    ctl.on_buffer(level_s=6.0, now=now)
    ctl.playing = True
    # 1 Mbit/s segment (250 kB) at 40 kbit/s for 1.5 s: it cannot arrive before 6 s of buffer run dry
    for k in range(1, 7):
        a = ctl.should_abandon(DownloadProgress(index=2, loaded_bytes=7_500 * k / 6, total_bytes=250_000,
                                                elapsed_s=0.25 * k + 1.0, buffer_s=6.0, ttfb_s=0.05,
                                                now=now + 0.25 * k + 1.0))
        if a is not None:
            break
    assert a is not None and a.index < 2
    ctl.on_download(nbytes=7_500, duration_s=2.5, now=now + 2.5)
    back = steady(ctl, index=a.index, kbps=1500.0, count=3, start=now + 2.5)  # the link is back
    decide(ctl, buffer_s=20.0, remaining_s=6.0, now=back)
    assert ctl.last_decision is not None and ctl.last_decision.rule != "end"
    assert decide(ctl, buffer_s=20.0, remaining_s=4.0, now=now + 12.0) >= 3  # after the hold: the end rule again
    assert ctl.last_decision is not None and ctl.last_decision.rule == "end"


def test_nothing_left_to_request_keeps_the_rung() -> None:
    ctl = AbrController(LADDER, rule="dynamic")
    now = steady(ctl, index=3, kbps=400.0)
    assert decide(ctl, buffer_s=3.0, remaining_s=0.0, now=now) == 3  # all buffered: no switch to announce
    assert decide(ctl, buffer_s=3.0, remaining_s=None, now=now) < 3


@pytest.mark.parametrize("drop_at", [96.0, 104.0, 110.0])
def test_a_drop_under_the_end_rung_stalls_no_more_with_the_abandonment_wait(drop_at: float) -> None:
    # review of the eighth pass: the end rule raises the rung with 20+ s buffered, then the link falls to a rate
    # where only lower rungs are sustainable; holding the download from 12 s (abandon_wait_above_s) must not
    # make that worse than judging it at once
    source = StepRate(((drop_at, 1800.0, 40.0), (200.0, 600.0, 40.0)))

    def stall(wait: float | None) -> tuple[float, bool]:
        m = simulate(AbrController(LADDER, rule="dynamic", abandon_wait_above_s=wait), source=source,
                     segment_s=2.0, content_s=120.0)
        return m.stall_s, any(why.startswith("end:") for why in m.reasons)

    (held, end_used), (judged, _) = stall(12.0), stall(None)
    assert end_used
    assert held <= judged + 1e-9
