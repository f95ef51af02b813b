"""Exact trace replay (#14): every consumer ends transfers where Mahimahi's `mm-link` does."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from media.abr_sim import LinkIntegrator
from netem_profiles import LinkPacer, MahimahiTrace, Schedule, ScheduleStep, load_profile, rate_source
from netem_profiles.delivery import delivered_bytes, transfer_end_s

PACKET = 1500
MS = 0.001  # "within one millisecond of arithmetic"


def _trace(tmp_path: Path, stamps: list[int], name: str = "t.down") -> Path:
    path = tmp_path / name
    path.write_text("".join(f"{s}\n" for s in stamps))
    return path


@pytest.fixture
def late_burst(tmp_path: Path) -> Path:
    """1,000 packets at 5.000–5.999 s, nothing before (period 5.999 s)."""
    return _trace(tmp_path, list(range(5000, 6000)))


def _paced_end(pacer: LinkPacer, start: float, nbytes: int) -> float:
    """Book `nbytes` piece by piece from `start`, as the proxy and Locust's link do."""
    send, booked = start, 0
    while booked < nbytes:
        piece = min(pacer.piece_size(send), nbytes - booked)
        send += pacer.delay_for(piece, send)
        booked += piece
    return send


def test_the_issue_example_ends_at_five_and_a_half_seconds(late_burst: Path) -> None:
    trace = MahimahiTrace.load(late_burst)
    # the 500th packet of the burst leaves at 5.499 s; nothing exists before 5.0 s
    expected = 5.499
    assert delivered_bytes(trace, 4.0, 5.0) == 0
    assert delivered_bytes(trace, 5.0, 5.5) == 500 * PACKET
    assert transfer_end_s(trace, 4.0, 500 * PACKET) == pytest.approx(expected, abs=MS)
    # the same answer from the pacer (proxy, Locust), the schedule and the ABR simulator's link
    pacer = LinkPacer(trace.as_profile(), start=0.0)
    assert _paced_end(pacer, 4.0, 500 * PACKET) == pytest.approx(expected, abs=MS)
    src = rate_source(late_burst)
    assert src.transfer_end(4.0, 500 * PACKET) == pytest.approx(expected, abs=MS)
    link = LinkIntegrator(src, dt=0.05, horizon_s=60)
    assert link.finish_time(4.0, 500 * PACKET * 8) == pytest.approx(expected, abs=MS)
    assert link.bits_between(4.0, 5.0) == 0


def test_repetition_at_the_trace_period(late_burst: Path) -> None:
    trace = MahimahiTrace.load(late_burst)
    # asked after the burst: the next repetition starts at 5.999 + 5.000 s
    assert transfer_end_s(trace, 6.0, PACKET) == pytest.approx(10.999, abs=MS)
    # 1,500 packets asked at 5.0 s: 1,000 now, 500 in the next repetition
    assert transfer_end_s(trace, 5.0, 1500 * PACKET) == pytest.approx(10.999 + 0.499, abs=MS)


def test_sub_second_outage_is_an_outage(tmp_path: Path) -> None:
    # one packet per ms for 4 s except a 300 ms hole at 2.000–2.299 s
    stamps = [t for t in range(1, 4001) if not 2000 <= t < 2300]
    src = rate_source(_trace(tmp_path, stamps))
    assert src.bytes_between(2.0, 2.3) == 0
    assert src.down_kbps_at(2.15) == 0
    # a transfer running into the hole waits it out: 100 packets asked at 1.95 s
    assert src.transfer_end(1.95, 100 * PACKET) == pytest.approx(2.349, abs=MS)
    link = LinkIntegrator(src, dt=0.05, horizon_s=60)
    assert link.finish_time(1.95, 100 * PACKET * 8) == pytest.approx(2.349, abs=MS)
    assert _paced_end(LinkPacer(src, start=0.0), 1.95, 100 * PACKET) == pytest.approx(2.349, abs=MS)


def test_schedule_mixes_constant_and_trace_steps(late_burst: Path) -> None:
    fixed = load_profile("2g")
    trace = MahimahiTrace.load(late_burst)
    sched = Schedule(
        name="mix",
        steps=(ScheduleStep(fixed, 10.0), ScheduleStep(trace.as_profile(), None)),
    )
    rate = fixed.down_kbps * 125.0
    assert sched.bytes_between(0.0, 10.0) == pytest.approx(rate * 10.0)
    # the trace step starts at 10 s: its burst arrives at 15.000–15.999 s
    left = rate * 1.0 + 250 * PACKET  # 1 s of the fixed step, then 250 packets
    assert sched.transfer_end(9.0, left) == pytest.approx(15.249, abs=MS)
    assert math.isinf(Schedule.constant(fixed.model_copy(update={"down_kbps": 0.0})).transfer_end(0, 1))
