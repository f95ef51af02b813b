"""The hysteresis around the MPC plan in "dynamic" (#18): down-switches only when the buffer
needs them, a steady verdict on the link's variation, and (an option, `mpc_up_run_s`) long runs
of the rung above a varying link."""

from __future__ import annotations

from typing import Any

from media.abr import AbrController
from media.abr_sim import StepRate, simulate

LADDER = [240.0, 500.0, 1000.0, 2500.0, 5000.0]


def varying(ctl: AbrController, *, index: int, rates: tuple[float, ...] = (4000.0, 3200.0) * 4) -> float:
    """Feed 2 s segments of rung `index` downloaded at `rates` (kbit/s; default alternating
    4.0 / 3.2 Mbit/s, coefficient of variation 0.11); return the end time."""
    now = 0.0
    for kbps in rates:
        nbytes = LADDER[index] * 1000 / 8 * 2
        duration = nbytes * 8 / 1000 / kbps
        now += duration
        ctl.on_download(nbytes=nbytes, duration_s=duration, now=now, index=index)
    return now


def decide_at(ctl: AbrController, *, buffer_s: float, now: float) -> int:
    """The rung `ctl` picks with `buffer_s` buffered."""
    ctl.on_buffer(level_s=buffer_s, now=now)
    return ctl.decide(now).index


def test_up_switch_above_the_link_waits_for_a_buffer_that_plays_it_long() -> None:
    # ~3.5 Mbit/s: 5 Mbit/s drains ~0.4 s of buffer per second played. With 12 s buffered
    # (8 s beyond the reserve) the 5-segment plan fits, but a 24 s run of the top rung does not.
    ctl = AbrController(LADDER, rule="dynamic", mpc_up_run_s=24)
    now = varying(ctl, index=3)
    assert decide_at(ctl, buffer_s=12.0, now=now) == 3
    assert ctl.last_decision is not None and "hysteresis" in ctl.last_decision.reason
    assert decide_at(ctl, buffer_s=28.0, now=now + 1) == 4


def test_up_switch_to_a_rung_the_link_sustains_is_not_held() -> None:
    ctl = AbrController(LADDER, rule="dynamic", mpc_up_run_s=1e6)
    now = varying(ctl, index=2)  # 1 Mbit/s on a ~3.5 Mbit/s link
    assert decide_at(ctl, buffer_s=12.0, now=now) == 3


def test_down_switch_waits_while_the_buffer_loads_the_next_segment() -> None:
    ctl = AbrController(LADDER, rule="dynamic")
    now = varying(ctl, index=4)
    assert decide_at(ctl, buffer_s=12.0, now=now) == 4  # the plan decides from here on
    # 5 Mbit/s at ~3.6 Mbit/s: a segment loads in ~2.8 s. From 3 s beyond the 4 s reserve the
    # plan foresees a stall within 5 segments and goes down; the next segment still fits.
    d = decide_at(ctl, buffer_s=7.0, now=now + 1)
    assert d == 4 and ctl.last_decision is not None
    assert "hysteresis" in ctl.last_decision.reason
    # 2.5 s beyond the reserve: the next segment no longer fits, the plan's choice stands.
    assert decide_at(ctl, buffer_s=6.5, now=now + 2) == 3


def test_a_steady_stretch_of_four_samples_does_not_hand_a_varying_link_to_bola() -> None:
    rates = (4000.0, 3200.0, 4000.0, 3200.0, 3600.0, 3600.0, 3600.0, 3600.0)
    for n, rule in ((8, "mpc"), (4, "bola")):
        ctl = AbrController(LADDER, rule="dynamic", mpc_cv_samples=n)
        now = varying(ctl, index=3, rates=rates)
        decide_at(ctl, buffer_s=12.0, now=now)
        assert ctl.last_decision is not None and ctl.last_decision.rule == rule, n


def test_a_varying_link_between_two_rungs_switches_less_and_scores_more() -> None:
    # 1 s steps alternating 3.2 / 4.0 Mbit/s for 300 s: the oracle mixes 2.5 and 5 Mbit/s.
    source = StepRate(tuple((1.0, 3200.0 if i % 2 else 4000.0, 40.0) for i in range(320)))
    # (the title's end is left out: both would spend their buffer there, differently)
    now = simulate(AbrController(LADDER, rule="dynamic", end_reserve_s=None), source=source, content_s=300)
    before = AbrController(LADDER, rule="dynamic", mpc_keep=False, mpc_cv_samples=4, end_reserve_s=None)
    old = simulate(before, source=source, content_s=300)
    assert now.rebuffer_ratio == 0
    assert now.switches <= 0.6 * old.switches
    assert now.qoe_lin > old.qoe_lin
    assert now.avg_kbps >= old.avg_kbps
    # the option: long runs of the top rung, fewer switches again
    runs = simulate(AbrController(LADDER, rule="dynamic", mpc_up_run_s=24, end_reserve_s=None), source=source,
                    content_s=300)
    assert runs.rebuffer_ratio == 0 and runs.switches < now.switches


def planned_after_a_dip(segment_s: float, **overrides: Any) -> AbrController:
    """A controller on a ~3.6 Mbit/s varying link whose oldest of 5 prediction errors is a
    dip's 0.5 and the 4 newer ones 0.05, asked for a rung with 20 s buffered."""
    ctl = AbrController(LADDER, rule="dynamic", segment_s=segment_s, **overrides)
    now = 0.0
    for kbps in (4000.0, 3200.0) * 4:
        nbytes = LADDER[3] * 1000 / 8 * segment_s
        now += nbytes * 8 / 1000 / kbps
        ctl.on_download(nbytes=nbytes, duration_s=nbytes * 8 / 1000 / kbps, now=now, index=3)
    ctl.errors = [0.5, 0.05, 0.05, 0.05, 0.05]
    ctl.on_buffer(level_s=20.0, now=now)
    ctl.decide(now)
    return ctl


def test_the_plan_forgets_a_prediction_error_older_than_its_window_of_media() -> None:
    # 4 s segments: the last 16 s of media are 4 predictions; the dip's error, 20 s back, no
    # longer discounts the plan, which goes up to the top rung from 16 s beyond the reserve.
    ctl = planned_after_a_dip(4.0)
    assert ctl.recent_errors == [0.05] * 4
    assert ctl.last_decision is not None and ctl.last_decision.index == 4
    assert "(1 + 0.05)" in ctl.last_decision.reason
    # robustMPC's 5 predictions (20 s of media) keep the dip's discount: 2.5 Mbit/s stays.
    held = planned_after_a_dip(4.0, mpc_error_window_s=None)
    assert held.last_decision is not None and held.last_decision.index == 3
    # 2 s segments: 16 s of media cover all 5 kept predictions, as before.
    short = planned_after_a_dip(2.0)
    assert short.recent_errors == short.errors
    assert short.last_decision is not None and "(1 + 0.50)" in short.last_decision.reason
