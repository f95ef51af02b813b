"""Evaluator tests on tiny synthetic links with known answers (media.abr_sim)."""

from __future__ import annotations

import itertools
import math

import pytest

from media.abr import RULES, AbrController, StartHint
from media.abr_sim import (
    ConstantRate,
    LinkIntegrator,
    Playback,
    SessionMetrics,
    StepRate,
    oracle,
    segment_sizes,
    simulate,
)

LADDER = [240.0, 500.0, 1000.0, 2500.0, 5000.0]


# --------------------------------------------------------------------------- building blocks


def test_link_integrator_step_rate() -> None:
    link = LinkIntegrator(StepRate(((10, 1000, 0), (5, 0, 0), (100, 2000, 0))), dt=0.05)
    assert link.bits_between(0, 10) == pytest.approx(10_000_000)
    assert link.bits_between(10, 15) == 0
    assert link.finish_time(9.0, 2_000_000) == pytest.approx(15.5)  # 1 Mbit before, 1 after
    assert link.mean_kbps(15, 20) == pytest.approx(2000)


def test_link_integrator_dead_link_is_infinite() -> None:
    link = LinkIntegrator(ConstantRate(0, 0), dt=0.05, horizon_s=10)
    assert math.isinf(link.finish_time(0, 1))


def test_segment_sizes_nominal_and_variable() -> None:
    sizes = segment_sizes(LADDER, segment_s=2, count=3)
    assert sizes[2] == (250_000, 250_000, 250_000)
    var = segment_sizes(LADDER, segment_s=2, count=2000, variability=0.3, seed=7)
    assert var == segment_sizes(LADDER, segment_s=2, count=2000, variability=0.3, seed=7)
    mean = sum(var[2]) / len(var[2])
    assert mean == pytest.approx(250_000, rel=0.05)
    assert len(set(var[2])) > 100
    ratio = [b / a for a, b in zip(var[1], var[3], strict=True)]
    assert max(ratio) - min(ratio) < 0.01  # complexity shared across rungs


def test_playback_accounting() -> None:
    pb = Playback(t0=0.0)
    pb.advance(1.0)  # before the first segment: start-up, not a stall
    assert pb.stall_s == 0
    pb.add(2.0, 1.5)
    assert pb.stream_start_s == 1.5
    pb.advance(4.5)  # 2 s played, 1 s stalled
    assert pb.played_s == pytest.approx(2.0)
    assert pb.stall_s == pytest.approx(1.0)
    assert pb.stalls == 1
    pb.add(2.0, 5.0)
    assert pb.stall_s == pytest.approx(1.5)
    assert pb.stalls == 1
    assert pb.finish() == pytest.approx(7.0)
    assert pb.played_s == pytest.approx(4.0)


def test_playback_resumes_only_with_resume_s_buffered() -> None:
    pb = Playback(t0=0.0, resume_s=1.0)  # mpv's cache-pause-wait
    pb.add(1.0, 0.0)
    pb.advance(2.0)  # 1 s played, then stalled
    assert pb.stalls == 1 and pb.stall_s == pytest.approx(1.0)
    pb.add(0.5, 2.0)  # half a second in: not enough to resume
    pb.advance(3.0)
    assert pb.played_s == pytest.approx(1.0) and pb.stall_s == pytest.approx(2.0)
    pb.add(0.5, 3.0)  # one second buffered: plays again
    pb.advance(3.5)
    assert pb.played_s == pytest.approx(1.5) and pb.stalls == 1
    assert pb.finish() == pytest.approx(4.0)  # the end of the stream plays out whatever is left


def test_playback_runs_dry_at_what_the_decoders_hold() -> None:
    # mpv (#13's 3 s first segment, 2g): 0.96 s in at the first frame, 'Enter buffering' 0.66-0.70 s later with
    # 0.3 s still held by the decoders and audio output; cache-pause-wait counts the buffer beyond them
    pb = Playback(t0=0.0, resume_s=2.0, held_s=0.3)
    pb.add(0.96, 0.0)
    pb.advance(1.0)
    assert pb.played_s == pytest.approx(0.66) and pb.stalls == 1 and pb.buffer_s == pytest.approx(0.3)
    pb.add(1.0, 1.2)  # 1.3 s in, 1.0 beyond the held 0.3: still waiting
    pb.advance(1.4)
    assert pb.stalled and pb.played_s == pytest.approx(0.66)
    pb.add(1.0, 1.5)  # 2.3 s in, 2.0 beyond: plays
    pb.advance(1.6)
    assert not pb.stalled and pb.played_s == pytest.approx(0.76)
    pb.advance(3.7)  # plays until it is down to the held 0.3 again (at 3.5)
    assert pb.played_s == pytest.approx(2.66) and pb.stalls == 2
    pb.add(1.0, 3.8)  # 1.3 in, 1.0 beyond: waits
    pb.advance(4.0)
    assert pb.played_s == pytest.approx(2.66)
    pb.finish()  # the end plays out what the decoders hold too
    assert pb.played_s == pytest.approx(3.96) and pb.buffer_s == pytest.approx(0)


def test_playback_decoders_fill_up_as_they_play() -> None:
    # a start with less than held_s in (a 720p first frame on 4g) does not stall while bytes keep coming:
    # the decoders hold at most what has played
    pb = Playback(t0=0.0, resume_s=2.0, held_s=0.3)
    t = 0.0
    pb.add(0.2, t)
    for _ in range(20):
        t += 0.03
        pb.add(0.1, t)
    assert pb.stalls == 0 and pb.played_s == pytest.approx(0.6)


# --------------------------------------------------------------------------- sessions


def settled(m: SessionMetrics) -> tuple[int, ...]:
    """The rungs before "dynamic" starts spending its buffer on the title's last segments (its
    first "end" decision, which may come once what is left is 2 × the buffer: 60 s at most here)."""
    first = next((i for i, why in enumerate(m.reasons) if why.startswith("end:")), len(m.rungs))
    assert len(m.rungs) - first <= 30
    return m.rungs[:first]


@pytest.mark.parametrize("rule", RULES)
def test_constant_1_5_mbps_settles_on_480p_without_rebuffering(rule: str) -> None:
    m = simulate(AbrController(LADDER, rule=rule), source=ConstantRate(1500, 50), content_s=120)
    assert m.rebuffer_ratio == 0
    assert m.stalls == 0
    head = settled(m)
    assert head[-30:] == (2,) * 30
    assert sum(a != b for a, b in itertools.pairwise(head)) <= 3
    tail = m.rungs[len(head) - 1 :]
    assert list(tail) == sorted(tail)  # the title's end only steps up
    assert m.completed
    assert m.segments == 60


@pytest.mark.parametrize("rule", RULES)
def test_constant_1_mbps_settles_below_link_rate(rule: str) -> None:
    m = simulate(AbrController(LADDER, rule=rule), source=ConstantRate(1000, 50), content_s=120)
    assert m.rebuffer_ratio == 0
    assert settled(m)[-30:] == (1,) * 30  # 1000 kbit/s rung would leave no headroom
    assert 400 <= m.avg_kbps <= 1000


def test_outage_with_two_seconds_of_buffer_stalls_three_seconds() -> None:
    # Single rung, near-instant downloads, max buffer 4 s: a request goes out whenever the buffer
    # drops to 2 s. The request sent at t≈10 meets a 5 s outage: 2 s of buffer play out, then the
    # player stalls until the link returns at t=15.
    source = StepRate(((10, 1e6, 0), (5, 0, 0), (100, 1e6, 0)))
    m = simulate(
        AbrController([500.0]),
        source=source,
        content_s=30,
        max_buffer_s=4.0,
        dt=0.01,
    )
    assert m.stalls == 1
    assert m.stall_s == pytest.approx(3.0, abs=0.05)
    assert m.rebuffer_ratio == pytest.approx(3.0 / 30, abs=0.01)
    assert m.stream_start_s == pytest.approx(0.0, abs=0.01)


def test_stream_start_is_rtts_plus_first_segment() -> None:
    # one RTT (300 ms) + 240 kbit/s × 2 s over 1.6 Mbit/s (0.3 s)... at the 360p start rung
    hint = StartHint(downlink_kbps=1600, rtt_ms=300)
    m = simulate(AbrController(LADDER), source=ConstantRate(1600, 300), content_s=10, start_hint=hint)
    assert m.stream_start_s == pytest.approx(0.3 + 500 * 2 / 1600, abs=0.01)


@pytest.mark.parametrize("rule", ["throughput", "dynamic"])
def test_drop_is_detected_and_followed_by_a_down_switch(rule: str) -> None:
    source = StepRate(((60, 6000, 50), (100, 700, 50)))
    m = simulate(AbrController(LADDER, rule=rule), source=source, content_s=150)
    assert m.drops == 1
    assert m.switch_after_drop_s is not None
    assert m.switch_after_drop_s <= 25
    assert m.rungs[-10:] == (1,) * 10


def test_abandonment_happens_in_simulation() -> None:
    source = StepRate(((30, 9000, 50), (60, 150, 50), (100, 9000, 50)))
    m = simulate(AbrController(LADDER, rule="throughput"), source=source, content_s=120)
    assert m.abandonments >= 1
    assert m.completed


def test_dead_link_ends_session_without_hanging() -> None:
    m = simulate(AbrController(LADDER), source=ConstantRate(0, 50), content_s=10)
    assert not m.completed
    assert m.segments == 0
    assert m.stream_start_s is None


# --------------------------------------------------------------------------- oracle


def test_oracle_on_fast_link_is_top_rung() -> None:
    best = oracle(source=ConstantRate(20_000, 20), ladder_kbps=LADDER, content_s=60)
    assert best.avg_kbps == pytest.approx(5000)
    assert best.stall_s == 0


def test_oracle_mixes_rungs_on_in_between_link() -> None:
    best = oracle(source=ConstantRate(1500, 0), ladder_kbps=LADDER, content_s=120)
    assert 1000 < best.avg_kbps <= 1500
    assert best.stall_s == 0
    m = simulate(AbrController(LADDER), source=ConstantRate(1500, 0), content_s=120)
    assert m.avg_kbps <= best.avg_kbps


def test_oracle_reports_unavoidable_stall() -> None:
    source = StepRate(((10, 1e6, 0), (5, 0, 0), (100, 1e6, 0)))
    best = oracle(source=source, ladder_kbps=[500.0], content_s=30, max_buffer_s=4.0, dt=0.01)
    assert best.avg_kbps == pytest.approx(500)
    assert 0 < best.stall_s <= 3.05
