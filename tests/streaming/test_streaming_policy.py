"""Manifest policy table (tier × preference × hints × headers × estimate → variants and start), hints, steering."""

from __future__ import annotations

import pytest

from server.streaming.hints import from_headers
from server.streaming.policy import Estimate, Hints, NetHint, Rung, header_value, plan_variants
from server.streaming.steering import steer

# Measured-looking figures (kbit/s, audio included): peak, average.
LADDER = [
    Rung("144p", 144, 500, 425), Rung("360p", 360, 834, 690), Rung("480p", 480, 1500, 1270),
    Rung("720p", 720, 3013, 2763), Rung("1080p", 1080, 6000, 5300),
]
TWO_G = NetHint("2g", 280, 800)
THREE_G = NetHint("3g", 1600, 300)
FOUR_G = NetHint("4g", 9000, 170)

CASES = [
    # id, tier, preferred, hints, estimate, expected variants (start first)
    ("free-no-hints", "free", None, Hints(), None, ("144p", "360p", "480p", "720p")),
    ("premium-no-hints", "premium", None, Hints(), None, ("144p", "360p", "480p", "720p", "1080p")),
    ("premium-4g", "premium", None, Hints(net=FOUR_G), None, ("1080p", "144p", "360p", "480p", "720p")),
    ("free-4g-tier-cap", "free", None, Hints(net=FOUR_G), None, ("720p", "144p", "360p", "480p")),
    ("free-3g", "free", None, Hints(net=THREE_G), None, ("360p", "144p", "480p")),
    ("free-2g", "free", None, Hints(net=TWO_G), None, ("144p",)),
    ("premium-prefers-480p", "premium", "480p", Hints(net=FOUR_G), None, ("480p", "144p", "360p")),
    ("preferred-auto-caps-nothing", "premium", "auto", Hints(net=FOUR_G), None,
     ("1080p", "144p", "360p", "480p", "720p")),
    ("save-data", "premium", None, Hints(save_data=True, downlink_kbps=50_000), None, ("144p", "360p")),
    ("max-kbps-900", "premium", None, Hints(max_kbps=900, net=FOUR_G), None, ("360p", "144p")),
    ("max-kbps-below-lowest", "premium", None, Hints(max_kbps=100), None, ("144p",)),
    ("downlink-header-1.2mbps", "free", None, Hints(downlink_kbps=1200, rtt_ms=100), None, ("360p", "144p", "480p")),
    ("ect-2g-header", "free", None, Hints(ect="2g"), None, ("144p",)),
    ("ect-4g-header", "premium", None, Hints(ect="4g"), None, ("480p", "144p", "360p")),  # 2 Mbit/s × 1.2 drops 720p
    ("estimate-beats-downlink", "premium", None, Hints(downlink_kbps=50_000), Estimate(600, 6), ("144p", "360p")),
    ("one-sample-estimate-ignored", "premium", None, Hints(downlink_kbps=50_000), Estimate(600, 1),
     ("1080p", "144p", "360p", "480p", "720p")),
    ("net-beats-estimate", "free", None, Hints(net=TWO_G), Estimate(50_000, 9), ("144p",)),
    ("high-rtt-lowers-start", "premium", None, Hints(downlink_kbps=20_000, rtt_ms=450), None,
     ("720p", "144p", "360p", "480p", "1080p")),
    ("rtt-alone-misses-target", "premium", None, Hints(downlink_kbps=20_000, rtt_ms=600), None,
     ("144p", "360p", "480p", "720p", "1080p")),
]


@pytest.mark.parametrize(("tier", "preferred", "hints", "estimate", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_policy_table(tier: str, preferred: str | None, hints: Hints, estimate: Estimate | None,
                      expected: tuple[str, ...]) -> None:
    plan = plan_variants(ladder=LADDER, tier=tier, preferred_quality=preferred, hints=hints, estimate=estimate,
                         first_segment_s=1.0)
    assert plan.variants == expected
    assert plan.start == expected[0]
    assert plan.reason


def test_reasons_name_their_source_and_caps() -> None:
    plan = plan_variants(ladder=LADDER, tier="free", preferred_quality=None, hints=Hints(net=THREE_G),
                         estimate=None, first_segment_s=1.0)
    assert plan.reason.startswith("net=3g: downlink 1.6 Mbps")
    assert "tier free" in plan.reason and plan.link_source == "net=3g"
    header = header_value(plan)
    assert header.startswith("start=360p; reason=net=3g")
    assert header.isascii() and "\n" not in header


def test_empty_ladder_is_an_error() -> None:
    with pytest.raises(ValueError, match="no video renditions"):
        plan_variants(ladder=[], tier="free", preferred_quality=None, hints=Hints(), estimate=None)


@pytest.mark.parametrize(("headers", "expected"), [
    ({"Downlink": "1.2", "RTT": "300", "ECT": "3G", "Save-Data": "on"}, Hints(downlink_kbps=1200, rtt_ms=300,
                                                                               ect="3g", save_data=True)),
    ({"Downlink": "nan", "RTT": "-1", "ECT": "6g", "Save-Data": "off"}, Hints()),
    ({"Downlink": "1e309", "RTT": "x" * 100, "Save-Data": "on; extra"}, Hints(save_data=True)),
    ({"Downlink": "0"}, Hints()),
    ({}, Hints()),
])
def test_client_hints_are_read_leniently(headers: dict[str, str], expected: Hints) -> None:
    assert from_headers(headers) == expected


STEER_LADDER = [Rung("144p", 144, 500, 425), Rung("360p", 360, 834, 690), Rung("720p", 720, 3013, 2763)]


@pytest.mark.parametrize(("current", "estimate", "buffer_s", "playing", "expected"), [
    ("144p", None, 0.0, False, "144p"),          # no estimate: keep
    ("144p", 10_000, 0.0, False, "720p"),        # fast link before playback: throughput rule alone
    ("720p", 10_000, 0.0, True, "144p"),         # buffer empty while playing: lowest rung
    ("720p", 10_000, 8.0, True, "720p"),         # healthy buffer, fast link: stay
    ("144p", 1000, 8.0, True, "360p"),           # 690 ≤ 0.7 × 1000: up one rung
    ("360p", 700, 8.0, True, "144p"),            # 690 > 0.95 × 700: down
    ("360p", 3000, 8.0, True, "360p"),           # 2763 > 0.7 × 3000: no up-switch (hysteresis band)
])
def test_steering_rules(current: str, estimate: float | None, buffer_s: float, playing: bool, expected: str) -> None:
    decision = steer(rungs=STEER_LADDER, current=current, estimate_kbps=estimate, buffer_s=buffer_s,
                     playing=playing, segment_s=2.0)
    assert decision.rendition == expected
    assert decision.reason


# The packaged ladder since the 2G rung was added (media/README.md): 108p ≈ 150 kbit/s on the wire,
# 144p ≈ 330 kbit/s since its muxed audio went down to 48 kbit/s.
LADDER_2G = [Rung("108p", 108, 175, 148), Rung("144p", 144, 390, 327), *LADDER[1:]]


@pytest.mark.parametrize(("hints", "expected"), [
    (Hints(net=TWO_G), ("108p", "144p")),
    (Hints(net=NetHint("edge", 240, 840)), ("108p",)),  # 240 kbit/s × 1.2 cannot carry 144p
    (Hints(ect="2g"), ("108p",)),
    (Hints(save_data=True, downlink_kbps=50_000), ("108p", "144p", "360p")),
    (Hints(net=THREE_G), ("360p", "108p", "144p", "480p")),
], ids=["net-2g", "net-edge", "ect-2g", "save-data", "3g-unchanged"])
def test_2g_rung_is_where_slow_links_and_save_data_start(hints: Hints, expected: tuple[str, ...]) -> None:
    plan = plan_variants(ladder=LADDER_2G, tier="free", preferred_quality=None, hints=hints, estimate=None,
                         first_segment_s=1.0)
    assert plan.variants == expected and plan.start == expected[0]


def test_steering_decides_with_the_default_rule() -> None:
    """Server `auto` mode asks the same rule as the terminal client and the simulated viewers."""
    from media.abr import DEFAULT_RULE, AbrController

    rates = [(60_000, 0.5), (60_000, 0.6), (20_000, 0.9)]  # a link that just slowed down
    decision = steer(rungs=STEER_LADDER, current="360p", estimate_kbps=600.0, buffer_s=3.0, playing=True,
                     segment_s=2.0, rates=rates)
    assert decision.rule == DEFAULT_RULE
    ctrl = AbrController([r.average_kbps for r in STEER_LADDER], rule=DEFAULT_RULE, segment_s=2.0,
                         min_sample_bytes=8_000)
    for nbytes, seconds in rates:
        ctrl.on_download(nbytes=nbytes, duration_s=seconds, now=float("nan"))
    ctrl.current_index = 1
    ctrl.on_buffer(level_s=3.0, now=0.0)
    assert decision.rendition == STEER_LADDER[ctrl.decide(0.0).index].name


@pytest.mark.parametrize(("buffer_s", "fill_age_s", "estimate", "expected"), [
    (8.0, None, 160.0, "144p"),     # paced at 108p, no fills: 327 kbit/s × 2 s ÷ 160 = 4.1 s ≤ 8 − 2 s: probe up
    (8.0, 30.0, 1000.0, "144p"),    # the fills are old (another link): probe
    (5.0, None, 160.0, "108p"),     # 4.1 s > 5 − 2 s: the probe could drain the buffer: keep
    (8.0, 4.0, 1000.0, "108p"),     # fresh fills say more than the floor: the controller's choice stands
])
def test_steering_probes_up_from_a_paced_player(buffer_s: float, fill_age_s: float | None, estimate: float,
                                                expected: str) -> None:
    rungs = LADDER_2G[:3]
    # the controller is fed a paced 108p download (160 kbit/s), so on its own it keeps 108p
    decision = steer(rungs=rungs, current="108p", estimate_kbps=estimate, buffer_s=buffer_s, playing=True,
                     segment_s=2.0, rates=[(37_000, 1.85)], floor_kbps=160.0, fill_age_s=fill_age_s, keeps_up=True)
    assert decision.rendition == expected, decision.reason
    if expected == "144p":
        assert decision.reason.startswith("probe 144p")
    # the segment's real size decides when the server knows it: 200 kB at 160 kbit/s is 10 s > 8 − 2 s
    big = steer(rungs=rungs, current="108p", estimate_kbps=estimate, buffer_s=buffer_s, playing=True,
                segment_s=2.0, rates=[(37_000, 1.85)], floor_kbps=160.0, fill_age_s=fill_age_s, up_bytes=200_000,
                keeps_up=True)
    assert big.rendition == "108p"


def test_no_probe_without_a_paced_gap_or_above_the_top() -> None:
    rungs = LADDER_2G[:3]
    filling = steer(rungs=rungs, current="108p", estimate_kbps=160.0, buffer_s=8.0, playing=True, segment_s=2.0,
                    rates=[(37_000, 1.85)])
    assert filling.rendition == "108p"
    top = steer(rungs=rungs, current="360p", estimate_kbps=5_000.0, buffer_s=8.0, playing=True, segment_s=2.0,
                rates=[(1_250_000, 2.0)], floor_kbps=5_000.0, keeps_up=True)
    assert top.rendition == "360p"
    slow = steer(rungs=rungs, current="108p", estimate_kbps=160.0, buffer_s=8.0, playing=True, segment_s=2.0,
                 rates=[(37_000, 1.85)], floor_kbps=160.0, keeps_up=False)
    assert slow.rendition == "108p"  # the paced gap did not show the link keeping up: no probe


def test_a_player_keeping_up_is_not_stepped_down_on_its_floor() -> None:
    # paced at 360p: the floor (≈ the rung's own bitrate) is under the down-switch factor × the rung
    rates = [(180_000, 1.8)]  # 800 kbit/s
    paced = steer(rungs=STEER_LADDER, current="360p", estimate_kbps=800.0, buffer_s=8.0, playing=True,
                  segment_s=2.0, rates=rates, floor_kbps=800.0, keeps_up=True, fill_age_s=2.0)
    assert paced.rendition == "360p" and paced.reason.startswith("keep 360p: paced")
    filling = steer(rungs=STEER_LADDER, current="360p", estimate_kbps=500.0, buffer_s=8.0, playing=True,
                    segment_s=2.0, rates=[(180_000, 2.9)])
    assert filling.rendition == "144p"  # a fill slower than the rung: down


def test_a_paced_player_the_controller_would_step_down_is_probed_up() -> None:
    # after a drop, paced at 360p on a link back to 4g: the floor alone (≈ 360p's own bitrate) makes the
    # controller want a lower rung; pacing says keep, and with no fresh fills the next segment probes 480p
    rates = [(150_000, 2.0)]  # 600 kbit/s
    decision = steer(rungs=STEER_LADDER, current="360p", estimate_kbps=600.0, buffer_s=8.0, playing=True,
                     segment_s=2.0, rates=rates, floor_kbps=600.0, keeps_up=True, fill_age_s=None,
                     up_bytes=290_000)
    assert decision.rendition == "720p" and decision.reason.startswith("probe 720p")
