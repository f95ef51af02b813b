"""Mahimahi trace replay: arithmetic on synthetic traces, sanity on the real ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from netem_profiles import LinkPacer, MahimahiTrace, ProfileError, TracePacer, rate_source


def _trace(tmp_path: Path, stamps: list[int]) -> Path:
    path = tmp_path / "t.down"
    path.write_text("".join(f"{s}\n" for s in stamps))
    return path


def test_bytes_and_capacity_of_a_regular_trace(tmp_path: Path) -> None:
    # one packet every ms for 1 s = 12 Mbit/s
    trace = MahimahiTrace.load(_trace(tmp_path, list(range(1, 1001))))
    assert trace.duration_s == 1.0
    assert trace.mean_kbps == pytest.approx(12000)
    assert trace.bytes_between(0, 0.5) == pytest.approx(500 * 1500, rel=0.01)
    assert trace.capacity_kbps_at(3.2) == pytest.approx(12000, rel=0.01)  # repeats


def test_trace_repeats_and_burst_pattern(tmp_path: Path) -> None:
    # 10 packets at t=100 ms, nothing else, period 1000 ms
    trace = MahimahiTrace.load(_trace(tmp_path, [100] * 10 + [1000]))
    assert trace.bytes_between(0, 0.1) == 0
    assert trace.bytes_between(0.1, 0.2) == 15000
    assert trace.bytes_between(1.1, 1.2) == 15000


def test_trace_pacer_uses_opportunities(tmp_path: Path) -> None:
    trace = MahimahiTrace.load(_trace(tmp_path, list(range(1, 1001))))
    pacer = TracePacer(trace=trace)
    assert pacer.delay_for(15000, 0.0) == pytest.approx(0.010, abs=0.002)
    # idle gap: missed opportunities are not banked
    assert pacer.delay_for(1500, 0.5) == pytest.approx(0.0, abs=0.002)


def test_bad_trace_files(tmp_path: Path) -> None:
    text = tmp_path / "x.down"
    text.write_text("a\n")
    with pytest.raises(ProfileError, match="not an integer"):
        MahimahiTrace.load(text)
    bad = tmp_path / "dec.down"
    bad.write_text("5\n3\n")
    with pytest.raises(ProfileError, match="non-decreasing"):
        MahimahiTrace.load(bad)


def test_real_traces_match_published_means(traces_dir: Path) -> None:
    expected = {
        "Verizon-EVDO-driving.down": 520,
        "TMobile-UMTS-driving.down": 2020,
        "ATT-LTE-driving-2016.down": 4560,
    }
    for name, mean in expected.items():
        trace = MahimahiTrace.load(traces_dir / name)
        assert trace.mean_kbps == pytest.approx(mean, rel=0.05)
        src = rate_source(traces_dir / name, rtt_ms=80)
        assert src.rtt_ms_at(5) == 80
        samples = [src.down_kbps_at(t) for t in range(0, 100, 5)]
        assert max(samples) > min(samples)  # real links vary


def test_link_pacer_on_real_trace_long_run_matches_mean(traces_dir: Path) -> None:
    trace = MahimahiTrace.load(traces_dir / "TMobile-UMTS-driving.down")
    pacer = LinkPacer(trace.as_profile(), start=0.0)
    now, sent = 0.0, 0
    while now < trace.duration_s:  # saturate the link for one full repetition
        now += pacer.delay_for(64_000, now)
        sent += 64_000
    assert sent * 8 / now / 1000 == pytest.approx(trace.mean_kbps, rel=0.05)
