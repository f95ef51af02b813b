"""The break and pod rules, without I/O."""

from __future__ import annotations

from collections import Counter

import pytest

from server.ads.decision import Candidate, break_offsets, plan_breaks
from server.ads.documents import timecode


def _ads(*priorities: int) -> list[Candidate]:
    return [Candidate(id=f"ad{i}", duration_s=15, priority=p) for i, p in enumerate(priorities)]


@pytest.mark.parametrize("content_s", [300, 1800, 1801, 2 * 3600, 3 * 3600 + 120])
@pytest.mark.parametrize("count", [1, 3, 8])
def test_caps_hold_for_any_length_and_inventory(content_s: float, count: int) -> None:
    plans = plan_breaks(content_s=content_s, candidates=_ads(*range(count)))
    per_hour: Counter[int] = Counter()
    per_ad: Counter[str] = Counter()
    for p in plans:
        per_hour[int(p.offset_s // 3600)] += len(p.ads)
        per_ad.update(p.ads)
        assert len(set(p.ads)) == len(p.ads) <= 2, "pods hold distinct ads, at most two"
    assert max(per_hour.values()) <= 4
    assert max(per_ad.values()) <= 2
    assert plans[0].kind == "pre-roll" and plans[0].offset_s == 0


def test_midrolls_every_15_minutes_only_past_30_minutes() -> None:
    assert [k for k, _ in break_offsets(content_s=1800)] == ["pre-roll", "post-roll"]
    assert break_offsets(content_s=3600) == [("pre-roll", 0.0), ("mid-roll", 900.0), ("mid-roll", 1800.0),
                                             ("mid-roll", 2700.0), ("post-roll", 3600.0)]
    assert [k for k, _ in break_offsets(content_s=1200, postroll=False)] == ["pre-roll"]


def test_short_title_gets_a_preroll_pod_and_highest_priority_first() -> None:
    plans = plan_breaks(content_s=600, candidates=_ads(1, 9, 5))
    assert [(p.kind, p.ads) for p in plans] == [("pre-roll", ["ad1", "ad2"]), ("post-roll", ["ad1", "ad2"])]


def test_remaining_impressions_and_empty_inventory() -> None:
    capped = [Candidate(id="only", duration_s=15, priority=5, remaining=1)]
    plans = plan_breaks(content_s=7200, candidates=capped)
    assert [p.ads for p in plans] == [["only"]]
    assert plan_breaks(content_s=7200, candidates=[]) == []


def test_timecodes() -> None:
    assert timecode(0) == "00:00:00.000"
    assert timecode(905.5) == "00:15:05.500"
    assert timecode(3 * 3600 + 61.0004) == "03:01:01.000"
