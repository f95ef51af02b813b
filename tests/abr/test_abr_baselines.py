"""The literature's baselines (media.abr.baselines) on hand-computed cases, QoE_lin, the oracle's
precision, the per-segment `reasons`, trace formats and the synthetic low-band links."""

from __future__ import annotations

import itertools
import math
import statistics
from pathlib import Path

import pytest

from media.abr import (
    ALL_RULES,
    AbrController,
    BaselineController,
    bba0_rule,
    make_controller,
    mpc_plan,
    rate_based_rule,
)
from media.abr_sim import ConstantRate, LinkIntegrator, StepRate, oracle, qoe_lin, segment_sizes, simulate
from media.abr_sim.evaluate import Case, run_case
from media.abr_sim.settings import PENSIEVE as PENSIEVE_SETTING
from media.abr_sim.settings import PROJECT, SETTINGS
from media.abr_sim.traces import (
    CsvTrace,
    TraceError,
    broadband_link,
    load_csv_trace,
    load_link,
    lowband_link,
    lte_link,
    trace_files,
)

PENSIEVE = [300.0, 750.0, 1200.0, 1850.0, 2850.0, 4300.0]


# --------------------------------------------------------------------------- BBA-0


@pytest.mark.parametrize(
    ("buffer_s", "last", "expected"),
    [
        (4.0, 5, 0),  # in the reservoir: lowest rung
        (5.0, 3, 0),
        (15.0, 0, 5),  # past reservoir + cushion: top rung
        (10.0, 0, 3),  # f = 300 + 4000 × 0.5 = 2300 ≥ 750 → highest rung < 2300 = 1850
        (10.0, 3, 3),  # 1200 < 2300 < 2850: keep
        (10.0, 5, 4),  # 2300 ≤ 2850 → lowest rung > 2300 = 2850
        (6.0, 1, 1),  # f = 700: 300 < 700 < 1200: keep 750
        (6.0, 2, 1),  # f = 700 ≤ 750 → lowest rung > 700 = 750
    ],
)
def test_bba0_rate_map_and_hysteresis(buffer_s: float, last: int, expected: int) -> None:
    d = bba0_rule(PENSIEVE, buffer_s=buffer_s, last_index=last)
    assert d.index == expected, d.reason


# --------------------------------------------------------------------------- RB


def test_rate_based_uses_harmonic_mean_of_last_five() -> None:
    # last 5: 2000, 4000, 4000, 4000, 500 → 5 / (1/2000 + 3/4000 + 1/500) = 1538 kbit/s
    d = rate_based_rule(PENSIEVE, samples_kbps=[100, 2000, 4000, 4000, 4000, 500])
    assert d.index == 2
    assert "1.5 Mbps" in d.reason
    assert rate_based_rule(PENSIEVE, samples_kbps=[10_000] * 5).index == 5
    assert rate_based_rule(PENSIEVE, samples_kbps=[]).index == 0


# --------------------------------------------------------------------------- robustMPC


def test_mpc_one_step_prefers_less_rebuffering() -> None:
    # 1 Mbit/s, empty buffer: 1000 kbit/s loads in 2 s (1 − 4.3 × 2 = −7.6),
    # 2000 in 4 s (2 − 4.3 × 4 − 1 = −16.2)
    first, qoe = mpc_plan([1000.0, 2000.0], buffer_s=0, last_index=0, bandwidth_kbps=1000,
                          segment_s=2, horizon=1)  # fmt: skip
    assert (first, qoe) == (0, pytest.approx(-7.6))


def test_mpc_horizon_pays_a_switch_once() -> None:
    ladder = [1000.0, 1100.0]
    # one step: 1.1 − 0.1 = 1.0 ties with staying at 1.0 → the lower rung
    assert mpc_plan(ladder, buffer_s=10, last_index=0, bandwidth_kbps=10_000, segment_s=2,
                    horizon=1) == (0, pytest.approx(1.0))  # fmt: skip
    # two steps: (1, 1) = 1.1 − 0.1 + 1.1 = 2.1 beats (0, 0) = 2.0 and (0, 1) = 2.0
    assert mpc_plan(ladder, buffer_s=10, last_index=0, bandwidth_kbps=10_000, segment_s=2,
                    horizon=2) == (1, pytest.approx(2.1))  # fmt: skip


def test_mpc_matches_exhaustive_enumeration() -> None:
    """The merged search gives the paper's enumeration of every rung sequence."""

    def brute(buf: float, last: int, bw: float, seg: float, horizon: int) -> tuple[int, float]:
        best = (0, -math.inf)
        for seq in itertools.product(range(len(PENSIEVE)), repeat=horizon):
            b, prev, score = buf, last, 0.0
            for r in seq:
                d = PENSIEVE[r] * seg / bw
                score += PENSIEVE[r] / 1000 - 4.3 * max(d - b, 0) - abs(PENSIEVE[r] - PENSIEVE[prev]) / 1000
                b = max(b - d, 0) + seg
                prev = r
            if score > best[1] + 1e-12:
                best = (seq[0], score)
        return best

    for buf, last, bw, seg in [(0, 0, 800, 4), (3, 2, 1500, 2), (9, 5, 2200, 4), (20, 1, 5000, 2)]:
        first, qoe = mpc_plan(PENSIEVE, buffer_s=buf, last_index=last, bandwidth_kbps=bw,
                              segment_s=seg, horizon=4)  # fmt: skip
        b_first, b_qoe = brute(buf, last, bw, seg, 4)
        assert qoe == pytest.approx(b_qoe)
        assert first == b_first


def test_robust_mpc_discounts_by_the_largest_recent_error() -> None:
    ctl = BaselineController(PENSIEVE, rule="robustmpc", segment_s=4)
    for _ in range(5):
        ctl.on_download(nbytes=1_000_000, duration_s=4.0, now=0)  # 2000 kbit/s, no prediction yet
    ctl.on_buffer(level_s=8, now=0)
    ctl.decide(0)  # predicts 2000
    ctl.on_download(nbytes=500_000, duration_s=4.0, now=4)  # 1000: error |2000 − 1000| / 1000 = 1
    d = ctl.decide(4)  # harmonic mean of 4 × 2000 and 1000 = 1667, / (1 + 1) = 833
    assert "/ (1 + 1.00) = 833 kbps" in d.reason
    assert ctl.should_abandon(None) is None  # type: ignore[arg-type]


def test_every_rule_name_builds_a_controller() -> None:
    for rule in ALL_RULES:
        m = simulate(make_controller(rule, PENSIEVE, segment_s=4), source=ConstantRate(2000, 50),
                     segment_s=4, content_s=40)  # fmt: skip
        assert m.segments == 10 and m.completed
    with pytest.raises(ValueError):
        make_controller("nope", PENSIEVE)


# --------------------------------------------------------------------------- QoE_lin, reasons


def test_qoe_lin_per_segment() -> None:
    # (1 + 2 + 2 + 1 − 4.3 × 1 − (1 + 0 + 1)) / 4
    assert qoe_lin([1000.0, 2000.0], [0, 1, 1, 0], 1.0) == pytest.approx(-0.075)
    assert qoe_lin([1000.0], [], 0.0) == 0.0


def test_reasons_stay_aligned_with_rungs_after_an_abandonment() -> None:
    source = StepRate(((30, 9000, 50), (60, 150, 50), (100, 9000, 50)))
    m = simulate(AbrController([240.0, 500.0, 1000.0, 2500.0, 5000.0], rule="throughput"),
                 source=source, content_s=120)  # fmt: skip
    assert m.abandonments >= 1
    assert len(m.reasons) == len(m.rungs) == m.segments
    assert sum("abandon" in r for r in m.reasons) >= 1


# --------------------------------------------------------------------------- oracle precision


def _brute_oracle(source: StepRate, ladder: list[float], sizes: tuple[tuple[int, ...], ...],
                  seg: float, max_buf: float, first: int) -> float:  # fmt: skip
    """Every rung sequence, exact buffers: the best zero-stall average (the oracle's model)."""
    link = LinkIntegrator(source, dt=0.05)
    n = len(sizes[0])

    def arrive(t: float, r: int, i: int) -> float:
        return link.finish_time(t + source.rtt_ms_at(t) / 1000, sizes[r][i] * 8.0)

    t0 = arrive(0.0, first, 0)
    best = -1.0
    for seq in itertools.product(range(len(ladder)), repeat=n - 1):
        b, ok = seg, True
        for i, r in enumerate(seq, start=1):
            b = min(b, max_buf - seg)
            t = t0 + i * seg - b
            d = arrive(t, r, i) - t
            if d > b:
                ok = False
                break
            b = b - d + seg
        if ok:
            best = max(best, (ladder[first] + sum(ladder[r] for r in seq)) / n)
    return best


def test_oracle_is_exact_on_a_small_case_and_bracketed() -> None:
    ladder = [300.0, 800.0, 2000.0]
    source = StepRate(((5, 3000, 40), (6, 250, 40), (4, 1500, 40), (100, 900, 40)))
    sizes = segment_sizes(ladder, segment_s=2, count=9, variability=0.2, seed=3)
    lo = oracle(source=source, ladder_kbps=ladder, content_s=18, sizes=sizes, max_buffer_s=8)
    hi = oracle(source=source, ladder_kbps=ladder, content_s=18, sizes=sizes, max_buffer_s=8,
                optimistic=True)  # fmt: skip
    exact = _brute_oracle(source, ladder, sizes, 2.0, 8.0, lo.first_index)
    assert lo.avg_kbps == pytest.approx(exact)
    assert lo.avg_kbps <= hi.avg_kbps <= lo.avg_kbps * 1.002


# --------------------------------------------------------------------------- trace formats


def test_csv_trace_cooked_and_raw_norway(tmp_path: Path) -> None:
    cooked = tmp_path / "fcc.log"
    cooked.write_text("time,throughput\n0.0 1.5\n1.0,0.5\n2.0\t3.0\n")
    tr = load_csv_trace(cooked, rtt_ms=80)
    assert tr.down_kbps_at(0.5) == pytest.approx(1500)
    assert tr.down_kbps_at(1.5) == pytest.approx(500)
    assert tr.down_kbps_at(2.5) == pytest.approx(3000)
    assert tr.down_kbps_at(3.5) == pytest.approx(1500)  # repeats after 3 s
    assert tr.rtt_ms_at(0) == 80
    raw = tmp_path / "bus.log"
    raw.write_text(
        "1205760702 2008-03-17T13:31:42 59.85 10.65 125000 1000\n"
        "1205760703 2008-03-17T13:31:43 59.85 10.65 62500 1000\n"
    )
    norway = load_csv_trace(raw)
    assert norway.down_kbps_at(0.2) == pytest.approx(1000)
    assert norway.down_kbps_at(1.2) == pytest.approx(500)
    (tmp_path / "README.md").write_text("# not a trace")
    (tmp_path / "link.down").write_text("\n".join(str(i) for i in range(1, 1001)) + "\n")
    assert [p.name for p in trace_files(tmp_path)] == ["bus.log", "fcc.log", "link.down"]
    src, length = load_link(tmp_path / "link.down", rtt_ms=50)
    assert length == pytest.approx(1.0)
    assert src.down_kbps_at(0.5) == pytest.approx(12_000, rel=0.05)  # 1 packet/ms
    assert isinstance(load_link(cooked)[0], CsvTrace)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n")
    with pytest.raises(TraceError):
        load_csv_trace(bad)


def test_lowband_link_is_reproducible_and_low() -> None:
    a, b = lowband_link(7), lowband_link(7)
    assert a == b and a != lowband_link(8)
    rates = [k for _, k, _ in a.steps]
    assert max(rates) <= 600 and min(r for r in rates if r > 0) >= 100
    assert any(r == 0 for r in rates)  # outages
    assert sum(d for d, _, _ in a.steps) >= 300


def test_broadband_link_is_reproducible_steady_and_above_the_middle_rungs() -> None:
    a, b = broadband_link(7), broadband_link(7)
    assert a == b and a != broadband_link(8)
    assert len(a.steps) == 300 and all(d == 1.0 for d, _, _ in a.steps)  # 1 s samples, 300 s
    means = []
    for seed in range(1, 11):
        link = broadband_link(seed)
        rates = [k for _, k, _ in link.steps]
        mean = statistics.fmean(rates)
        means.append(mean)
        assert 300 <= mean <= 6500 and min(rates) > 0  # no outages, only dips
        assert statistics.median(rates) > 0.5 * mean  # steady: dips are short and rare
        assert all(20 <= rtt <= 80 for _, _, rtt in link.steps)
    assert max(means) > 3000 and statistics.median(means) > 1500  # mostly above the middle rungs


def test_lte_link_is_reproducible_mostly_above_the_top_rung_with_deep_dips() -> None:
    a, b = lte_link(3), lte_link(3)
    assert a == b and a != lte_link(4)
    assert len(a.steps) == 300 and all(d == 1.0 for d, _, _ in a.steps)
    above, deep = [], []
    for seed in range(1, 11):
        link = lte_link(seed)
        rates = [k for _, k, _ in link.steps]
        mean = statistics.fmean(rates)
        assert 2000 <= mean <= 30_000 and min(rates) > 0
        assert all(40 <= rtt <= 90 for _, _, rtt in link.steps)
        above.append(statistics.median(rates) > 5128)  # the project's top rung
        deep.append(sum(k < 0.25 * mean for k in rates) >= 5)  # dips to a fraction of the mean
    assert sum(above) >= 5 and all(deep)


def test_the_families_command_has_an_lte_family() -> None:
    import benchmarks.abr_families as families

    got = families.cases(trace_dirs=[], lowband_seeds=[], max_trace_s=60, lte_seeds=[1, 2])
    lte = [c for c in got if c.family == "lte"]
    assert [c.name for c in lte] == ["lte-1", "lte-2"] and all(c.content_s == 300 for c in lte)
    assert lte[0].source == lte_link(1)


def test_pensieve_setting_is_the_papers() -> None:
    assert SETTINGS == {"project": PROJECT, "pensieve": PENSIEVE_SETTING}
    assert PENSIEVE_SETTING.ladder_kbps == (300.0, 750.0, 1200.0, 1850.0, 2850.0, 4300.0)
    assert PENSIEVE_SETTING.segments_s == (4.0,) and PENSIEVE_SETTING.max_buffer_s == 60.0
    assert PENSIEVE_SETTING.content_s(300.0) == 192.0 and PENSIEVE_SETTING.content_s(100.0) == 100.0  # 48 x 4 s
    assert PROJECT.max_buffer_s == 30.0 and PROJECT.content_s(300.0) == 300.0
    assert len(PROJECT.ladder_kbps) == 6 and PROJECT.segments_s == (2.0, 4.0)


def test_pensieve_setting_buffers_up_to_60_s() -> None:
    # A link far above the top rung: the buffer fills to the setting's cap, not the project's.
    case = Case("test", "fast", ConstantRate(50_000, 40), PENSIEVE_SETTING.content_s(300.0))
    seen: list[float] = []
    ctl = make_controller("bba0", PENSIEVE_SETTING.ladder_kbps, segment_s=4.0)
    on_buffer = ctl.on_buffer

    def spy(*, level_s: float, now: float, remaining_s: float | None = None) -> None:
        seen.append(level_s)
        on_buffer(level_s=level_s, now=now, remaining_s=remaining_s)

    ctl.on_buffer = spy  # type: ignore[method-assign]
    m = simulate(ctl, source=case.source, segment_s=4.0, content_s=case.content_s,
                 max_buffer_s=PENSIEVE_SETTING.max_buffer_s)  # fmt: skip
    assert m.segments == 48 and m.rebuffer_ratio == 0
    assert 55.0 <= max(seen) <= 56.0 + 1e-6  # a 4 s segment is requested once 56 s is buffered
    runs = run_case(case, rules=["dynamic"], ladder_kbps=PENSIEVE_SETTING.ladder_kbps, segment_s=4.0,
                    max_buffer_s=PENSIEVE_SETTING.max_buffer_s)  # fmt: skip
    assert runs[0].oracle.avg_kbps == pytest.approx(4300.0)


def test_run_case_at_4_s_segments() -> None:
    case = Case("test", "step", StepRate(((20, 3000, 60), (100, 700, 60))), 40.0)
    runs = run_case(case, rules=["dynamic", "bba0"], ladder_kbps=PENSIEVE, segment_s=4.0, seed=2)
    assert [r.rule for r in runs] == ["dynamic", "bba0"]
    for r in runs:
        assert r.metrics.segments == 10
        assert 0 < r.pct_oracle <= 100.5
