"""Recovery, trust-by-buffer, abandonment and sample-splitting tests (media.abr), plus the
schedule goal (≥ 85 % of the oracle, ≤ 0.5 % rebuffering) as a regression guard."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from media.abr import AbrController, Decision, DownloadProgress, StartHint, abandon_rule

LADDER = [240.0, 500.0, 1000.0, 2500.0, 5000.0]
TOP_BYTES = 5000 * 1000 / 8 * 2  # 1 250 000


def feed(ctl: AbrController, *, kbps: float, index: int, now: float) -> float:
    """One 2 s segment of rung `index` over a `kbps` link; return the end time."""
    nbytes = LADDER[index] * 1000 / 8 * 2
    duration = nbytes * 8 / 1000 / kbps
    ctl.on_download(nbytes=nbytes, duration_s=duration, now=now + duration, index=index)
    return now + duration


def after_long_slow_download() -> tuple[AbrController, float]:
    """A controller on a fast link that just spent 20 s on one segment, then got one fast one."""
    ctl = AbrController(LADDER, rule="dynamic")
    ctl.current_index = 4
    now = 0.0
    for _ in range(20):
        now = feed(ctl, kbps=9000, index=4, now=now)
    now = feed(ctl, kbps=500, index=4, now=now)  # 20 s over a collapsed link
    now = feed(ctl, kbps=9000, index=0, now=now)  # the link is back
    now = feed(ctl, kbps=9000, index=0, now=now)
    return ctl, now


def test_trusted_estimate_follows_recent_samples_only_with_a_deep_buffer() -> None:
    ctl, now = after_long_slow_download()
    slow = ctl.estimate_kbps
    assert slow < 3000  # the time-weighted EWMA is still dragged down by the 20 s sample
    ctl.on_buffer(level_s=2.0, now=now)
    assert ctl.trusted_kbps <= slow
    ctl.on_buffer(level_s=20.0, now=now)
    assert ctl.trusted_kbps > 8000


def test_low_buffer_takes_the_bad_news_of_the_latest_sample() -> None:
    ctl = AbrController(LADDER, rule="dynamic")
    now = 0.0
    for _ in range(10):
        now = feed(ctl, kbps=5000, index=3, now=now)
    now = feed(ctl, kbps=600, index=3, now=now)
    ctl.on_buffer(level_s=3.0, now=now)
    assert ctl.trusted_kbps == pytest.approx(600 * ctl._dead_factor())
    assert ctl.estimate_kbps > 600


def test_recovery_jumps_back_up_once_the_buffer_is_deep() -> None:
    ctl, now = after_long_slow_download()
    ctl.current_index = 0
    ctl.on_buffer(level_s=18.0, now=now)
    d = ctl.decide(now)
    assert d.index == 4, d.reason
    # the throughput floor, above the buffer rule's choice (BOLA's, or the MPC plan's on a
    # link that varies, as this one does: 9, 0.5, 9, 9 Mbit/s)
    assert d.rule == "throughput" and "(above MPC" in d.reason, d.reason


def test_startup_cap_keeps_a_start_rung_that_loads_within_the_buffer() -> None:
    ctl = AbrController(LADDER, rule="dynamic")
    ctl.choose_start(StartHint(downlink_kbps=9000, rtt_ms=50))
    assert ctl.current_index == 4
    now = feed(ctl, kbps=9000, index=4, now=0.0)
    ctl.on_buffer(level_s=2.0, now=now)
    kept = ctl.decide(now)  # 2 s of buffer, the next 5 Mbit/s segment loads in ~1.2 s: keep it
    assert kept.index == 4, kept.reason


def test_startup_cap_does_not_start_the_up_switch_hold() -> None:
    ctl = AbrController(LADDER, rule="dynamic")
    ctl.choose_start(StartHint(downlink_kbps=9000, rtt_ms=50))
    assert ctl.current_index == 4
    now = feed(ctl, kbps=9000, index=4, now=0.0)
    ctl.on_buffer(level_s=1.0, now=now)
    capped = ctl.decide(now)  # 1 s of buffer: the top rung's next segment (~1.2 s) would stall
    assert capped.index < 4 and capped.rule == "insufficient-buffer"
    now = feed(ctl, kbps=9000, index=capped.index, now=now)
    ctl.on_buffer(level_s=3.5, now=now)
    assert ctl.decide(now).index == 4  # no 6 s hold: the link never dropped


def test_outage_with_deep_buffer_is_waited_out() -> None:
    # 16 kbit/s: nothing lower arrives before the buffer runs dry either.
    p = DownloadProgress(index=4, loaded_bytes=2_000, total_bytes=TOP_BYTES, elapsed_s=1.0, buffer_s=25.0, ttfb_s=0.0)
    assert abandon_rule(LADDER, progress=p) is None
    low = DownloadProgress(index=4, loaded_bytes=2_000, total_bytes=TOP_BYTES, elapsed_s=1.0, buffer_s=5.0, ttfb_s=0.0)
    d = abandon_rule(LADDER, progress=low)
    assert d is not None and d.index == 0


def test_finishing_must_leave_time_for_the_next_segment() -> None:
    # 1.6 Mbit/s, 3.8 s left at that rate, 4 s of buffer: finishing would leave 0.2 s, less than
    # the ~0.4 s the next segment needs even at the lowest rung; 1 Mbit/s loads in ~1.6 s.
    p = DownloadProgress(index=4, loaded_bytes=490_000, total_bytes=TOP_BYTES, elapsed_s=2.45, buffer_s=4.0)
    d = abandon_rule(LADDER, progress=p)
    assert d is not None and d.index == 2
    assert abandon_rule(LADDER, progress=replace(p, buffer_s=5.0)) is None


def test_controller_judges_a_collapsed_download_at_its_recent_rate() -> None:
    ctl = AbrController(LADDER, rule="dynamic")
    ctl.current_index = 4
    ctl.on_buffer(level_s=7.0, now=0.0)
    rate_fast, rate_slow = 9000e3 / 8, 50e3 / 8  # bytes/s
    loaded, d = 0.0, None
    for step in range(1, 40):
        t = step * 0.25
        loaded += (rate_fast if t <= 0.75 else rate_slow) * 0.25
        d = ctl.should_abandon(
            DownloadProgress(
                index=4, loaded_bytes=loaded, total_bytes=TOP_BYTES, elapsed_s=t, buffer_s=7.0 - t, ttfb_s=0.0, now=t
            )
        )
        if d is not None:
            break
    assert d is not None and d.index == 0
    # The average since the first byte (≈ 850 kB in 2 s) would still have said "keep going".
    assert (
        abandon_rule(
            LADDER,
            progress=DownloadProgress(
                index=4, loaded_bytes=loaded, total_bytes=TOP_BYTES, elapsed_s=t, buffer_s=7.0 - t
            ),
        )
        is None
    )


def _collapse(
    ctl: AbrController, buffer_s: float, slow_kbps: float = 300.0, fast_s: float = 0.75, steps: int = 10
) -> Decision | None:
    """Feed a top-rung download that collapses from 9 Mbit/s to `slow_kbps` after `fast_s` to
    `ctl.should_abandon` every 0.25 s until it abandons or `steps` checks pass; the buffer
    drains as it goes."""
    ctl.current_index = 4
    ctl.on_buffer(level_s=buffer_s, now=0.0)
    loaded = 0.0
    for step in range(1, steps + 1):
        t = step * 0.25
        loaded += (9000e3 / 8 if t <= fast_s else slow_kbps * 1e3 / 8) * 0.25
        progress = DownloadProgress(
            index=4, loaded_bytes=loaded, total_bytes=TOP_BYTES, elapsed_s=t, buffer_s=buffer_s - t, now=t
        )
        d = ctl.should_abandon(progress)
        if d is not None:
            return d
    return None


def test_a_buffered_download_is_judged_at_its_average_not_a_one_second_dip() -> None:
    # From 9 s of buffer the dip's rate (300 kbit/s) says the segment cannot arrive in time,
    # the average since the first byte says it can: a deep-enough buffer keeps it (#18: judging
    # at the one-second rate alone threw away LTE downloads the buffer would have carried).
    assert _collapse(AbrController(LADDER, rule="dynamic"), 9.0) is None
    assert _collapse(AbrController(LADDER, rule="dynamic", abandon_recent_below_s=None), 9.0) is not None


def test_an_outage_under_a_deep_buffer_is_still_waited_out() -> None:
    # 16 kbit/s (a tunnel) after a fast start, from 12 s of buffer: at 3 s the average (fast
    # start included) says abandon to 500 kbit/s, the recent rate sees that no lower rung
    # arrives either (an outage): the download is kept.
    loaded = 9000e3 / 8 * 0.25 + 16e3 / 8 * 2.75
    at_average = DownloadProgress(index=4, loaded_bytes=loaded, total_bytes=TOP_BYTES, elapsed_s=3.0, buffer_s=9.0)
    assert abandon_rule(LADDER, progress=at_average) is not None
    assert _collapse(AbrController(LADDER, rule="dynamic"), 12.0, slow_kbps=16.0, fast_s=0.25, steps=16) is None


def test_finished_download_that_collapsed_is_split_into_two_samples() -> None:
    ctl = AbrController(LADDER, rule="dynamic")
    ctl.current_index = 4
    ctl.on_buffer(level_s=20.0, now=0.0)
    loaded, t = 0.0, 0.0
    while loaded < TOP_BYTES:
        t += 0.25
        rate = 9000e3 / 8 if t <= 0.75 else 280e3 / 8
        loaded = min(loaded + rate * 0.25, TOP_BYTES)
        if loaded < TOP_BYTES:
            assert (
                ctl.should_abandon(
                    DownloadProgress(
                        index=4, loaded_bytes=loaded, total_bytes=TOP_BYTES, elapsed_s=t, buffer_s=20.0, now=t
                    )
                )
                is None
            )
    assert ctl.on_download(nbytes=TOP_BYTES, duration_s=t, now=t, index=4)
    assert ctl.estimator.samples == 2
    assert 200 < ctl.estimator.last_kbps < 300  # the tail, not the ~560 kbit/s average


# --------------------------------------------------------------------------- the goal


@pytest.mark.parametrize("schedule", ["commute", "storm", "tunnel"])
def test_default_rule_meets_the_schedule_goal(schedule: str) -> None:
    netem = pytest.importorskip("netem_profiles")
    from media.abr_sim import LinkIntegrator, oracle, segment_sizes, simulate

    ladder = [304.0, 564.0, 1064.0, 2564.0, 5064.0]
    content_s = 240.0
    sizes = segment_sizes(ladder, segment_s=2.0, count=120, variability=0.2, seed=1)
    src = netem.rate_source(schedule)
    link = LinkIntegrator(src, dt=0.05, horizon_s=content_s * 4 + 600)
    hint = StartHint.from_profile(netem.load_schedule(schedule).steps[0].profile)
    best = oracle(source=src, ladder_kbps=ladder, content_s=content_s, sizes=sizes, link=link)
    m = simulate(AbrController(ladder), source=src, content_s=content_s, sizes=sizes, start_hint=hint, link=link)
    assert m.avg_kbps >= 0.85 * best.avg_kbps
    assert m.rebuffer_ratio <= 0.005
    assert math.isfinite(m.avg_kbps)


def test_a_link_near_the_lowest_rung_keeps_more_buffer() -> None:
    # The synthetic 2G link (#18): 100–600 kbit/s with outages and long stretches under the
    # lowest rung. Spending buffer there buys ~0.17 Mbit/s and risks a stall; with every buffer
    # level of "dynamic" 4 s higher while the link is under 4 × the lowest rung, the session the
    # oracle plays without stalling rebuffers ≤ 0.5 % (it was 1.2 %).
    from media.abr_sim import segment_sizes, simulate
    from media.abr_sim.traces import lowband_link

    ladder = [122.0, 288.0, 548.0, 1096.0, 2628.0, 5128.0]
    sizes = segment_sizes(ladder, segment_s=2.0, count=150, variability=0.2, seed=2)
    runs = {
        extra: simulate(
            AbrController(ladder, low_link_extra_s=extra), source=lowband_link(2), content_s=300, sizes=sizes
        )
        for extra in (0.0, 4.0)
    }
    assert runs[4.0].rebuffer_ratio <= 0.005 < runs[0.0].rebuffer_ratio
    assert runs[4.0].qoe_lin > runs[0.0].qoe_lin
