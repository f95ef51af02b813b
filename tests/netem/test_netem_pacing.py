"""Pure-arithmetic pacers: token bucket and LinkPacer over profiles and schedules."""

from __future__ import annotations

import pytest

from netem_profiles import LinkPacer, TokenBucket


def test_token_bucket_burst_then_rate() -> None:
    bucket = TokenBucket(rate_bps=1000, burst_bytes=500, now=0.0)
    assert bucket.delay_for(500, 0.0) == 0.0
    assert bucket.delay_for(1000, 0.0) == pytest.approx(1.0)
    # debt is repaid over time
    assert bucket.delay_for(100, 1.0) == pytest.approx(0.1)
    bucket.set_rate(rate_bps=100, now=1.1)
    assert bucket.delay_for(100, 1.1) == pytest.approx(1.0)


def test_token_bucket_rejects_bad_rates() -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate_bps=0, burst_bytes=1)


@pytest.mark.parametrize("name", ["2g", "3g", "lte", "5g"])
def test_link_pacer_saturated_rate_matches_profile(name: str) -> None:
    pacer = LinkPacer(name, start=0.0)
    rate = pacer.rate_bps(0.0)
    now, sent = 0.0, 0
    while now < 10.0:
        now += pacer.delay_for(pacer.piece_size(now), now)
        sent += pacer.piece_size(now)
    assert sent / now == pytest.approx(rate, rel=0.02)


def test_link_pacer_follows_schedule_and_direction() -> None:
    down = LinkPacer("commute", start=100.0)
    up = LinkPacer("commute", direction="up", start=100.0)
    assert down.rate_bps(100.0) == 9000 * 125
    assert down.rate_bps(135.0) == 280 * 125
    assert up.rate_bps(135.0) == 256 * 125
    assert down.one_way_delay_s(135.0) == pytest.approx(0.4)


def test_fetch_time_is_rtt_plus_serialization() -> None:
    pacer = LinkPacer("3g", start=0.0)
    t = pacer.fetch_time(200_000, 10.0)
    assert t == pytest.approx(0.3 + 200_000 * 8 / 1_600_000, rel=0.05)
