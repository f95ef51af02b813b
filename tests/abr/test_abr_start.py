"""Start-choice table tests (media.abr.choose_start and AbrController.choose_start)."""

from __future__ import annotations

import math

import pytest

from media.abr import AbrController, StartHint, choose_start

LADDER = [240.0, 500.0, 1000.0, 2500.0, 5000.0]


@pytest.mark.parametrize(
    ("name", "kwargs", "expected", "phrase"),
    [
        ("2g", {"downlink_kbps": 280, "rtt_ms": 800}, 0, "round trips alone"),
        ("edge", {"downlink_kbps": 240, "rtt_ms": 840}, 0, "round trips alone"),
        ("3g-slow", {"downlink_kbps": 400, "rtt_ms": 400}, 0, "even 240 kbps"),
        ("3g", {"downlink_kbps": 1600, "rtt_ms": 300}, 1, "starts in"),
        ("4g", {"downlink_kbps": 9000, "rtt_ms": 170}, 4, "≤ 2 s"),
        ("lte", {"downlink_kbps": 12000, "rtt_ms": 70}, 4, "≤ 2 s"),
        ("5g", {"downlink_kbps": 50000, "rtt_ms": 30}, 4, "≤ 2 s"),
        ("ect slow-2g", {"ect": "slow-2g"}, 0, "ECT slow-2g"),
        ("ect 3g", {"ect": "3g"}, 0, "ECT 3g"),
        ("ect 4g", {"ect": "4g"}, 2, "ECT 4g"),
        ("ect upper case", {"ect": "4G"}, 2, "ECT"),
        ("downlink wins over ect", {"ect": "2g", "downlink_kbps": 9000, "rtt_ms": 50}, 4, "downlink"),
        ("save-data", {"downlink_kbps": 50000, "rtt_ms": 10, "save_data": True}, 0, "Save-Data"),
        ("nothing known", {}, 0, "default"),
        ("garbage", {"downlink_kbps": math.nan, "rtt_ms": -5, "ect": "6g"}, 0, "default"),
        ("infinite", {"downlink_kbps": math.inf, "rtt_ms": math.inf}, 0, "default"),
        ("unsustainable", {"downlink_kbps": 3000, "rtt_ms": 0}, 2, "starts in"),
    ],
)
def test_choose_start_table(name: str, kwargs: dict, expected: int, phrase: str) -> None:
    d = choose_start(LADDER, **kwargs)
    assert d.index == expected, (name, d.reason)
    assert phrase in d.reason
    assert d.rule == "start"


def test_longer_target_allows_higher_start() -> None:
    assert choose_start(LADDER, downlink_kbps=1600, rtt_ms=300, target_s=4.0).index == 2


def test_empty_ladder() -> None:
    d = choose_start([], downlink_kbps=1000)
    assert d.index == 0
    assert d.kbps == 0.0


def test_controller_start_from_profile_and_last_throughput() -> None:
    class P:
        down_kbps = 9000.0
        rtt_ms = 170.0

    ctl = AbrController(LADDER)
    assert ctl.choose_start(StartHint.from_profile(P())).index == 4
    assert ctl.current_index == 4
    assert ctl.estimate_kbps == pytest.approx(9000)  # the hint seeds the pre-sample default
    ctl = AbrController(LADDER)
    hint = StartHint.from_profile(P(), last_kbps=400.0)  # measured throughput wins
    assert ctl.choose_start(hint).index == 0


def test_controller_start_without_hint() -> None:
    ctl = AbrController(LADDER)
    d = ctl.choose_start()
    assert d.index == 0
    assert ctl.estimate_kbps == 500.0


def test_start_from_hint_serves_both_controllers() -> None:
    """One hint-to-downlink step: the project's controller and the baselines start alike and
    seed their estimators from the hint (last throughput, else downlink, else ECT)."""
    from media.abr import BaselineController, start_from_hint

    for hint in (StartHint(last_kbps=3000, downlink_kbps=200), StartHint(ect="3g"), None):
        d, seed = start_from_hint(LADDER, hint, segment_s=2.0, default_kbps=500.0)
        ctl = AbrController(LADDER)
        base = BaselineController(LADDER, rule="bba0")
        assert ctl.choose_start(hint).index == d.index == base.choose_start(hint).index
        assert ctl.estimator.default_kbps == base.default_kbps == (seed or 500.0)
    assert start_from_hint(LADDER, StartHint(last_kbps=3000), segment_s=2.0, default_kbps=500.0)[1] == 3000
    assert start_from_hint(LADDER, StartHint(ect="3g"), segment_s=2.0, default_kbps=500.0)[1] == 700
