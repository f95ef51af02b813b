"""Profiles and schedules: shipped data, validation errors, timelines, rate sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from netem_profiles import (
    Profile,
    ProfileError,
    Schedule,
    ScheduleStep,
    list_profiles,
    list_schedules,
    load_profile,
    load_schedule,
    rate_source,
)

ANCHORS = {  # DESIGN.md §5
    "2g": (280, 256, 800),
    "edge": (240, 200, 840),
    "3g-slow": (400, 400, 400),
    "3g": (1600, 768, 300),
    "4g": (9000, 9000, 170),
    "lte": (12000, 12000, 70),
}


def test_all_required_profiles_ship_and_load() -> None:
    names = list_profiles()
    for required in [*ANCHORS, "5g", "wifi", "3g-lossy", "edge-lossy"]:
        assert required in names
    for name in names:
        profile = load_profile(name)
        assert profile.name == name
        assert profile.source.strip()


@pytest.mark.parametrize("name", sorted(ANCHORS))
def test_profiles_match_design_anchor_values(name: str) -> None:
    profile = load_profile(name)
    assert (profile.down_kbps, profile.up_kbps, profile.rtt_ms) == ANCHORS[name]


def test_lossy_variants_have_one_percent_loss() -> None:
    assert load_profile("edge-lossy").loss_pct == 1
    assert load_profile("3g-lossy").loss_pct == 1
    assert load_profile("3g-jittery").jitter_ms > 0


def test_5g_is_documented_and_faster_than_lte() -> None:
    five, lte = load_profile("5g"), load_profile("lte")
    assert five.down_kbps > lte.down_kbps and five.rtt_ms < lte.rtt_ms
    assert "README" in five.source


def test_profile_is_frozen() -> None:
    with pytest.raises(ValueError):
        load_profile("3g").down_kbps = 1  # type: ignore[misc]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_unknown_field_names_file_and_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "bad.toml",
        'down_kbps = 1\nup_kbps = 1\nrtt_ms = 1\nsource = "x"\nbandwidth = 5\n',
    )
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert str(path) in str(info.value) and "bandwidth" in str(info.value)
    assert "unknown field" in str(info.value)


def test_negative_rate_names_file_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "neg.toml", 'down_kbps = -5\nup_kbps = 1\nrtt_ms = 1\nsource = "x"\n')
    with pytest.raises(ProfileError, match=r"neg\.toml.*down_kbps"):
        load_profile(path)


def test_missing_source_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="source"):
        load_profile(_write(tmp_path, "a.toml", "down_kbps = 5\nup_kbps = 1\nrtt_ms = 1\n"))
    with pytest.raises(ProfileError, match="invalid TOML"):
        load_profile(_write(tmp_path, "b.toml", "down_kbps = = 5\n"))


def test_unknown_profile_lists_known_names() -> None:
    with pytest.raises(ProfileError, match=r"unknown profile 'nope'.*3g"):
        load_profile("nope")
    with pytest.raises(ProfileError, match="unknown profile or schedule"):
        load_schedule("nope")
    assert issubclass(ProfileError, ValueError)


def test_shipped_schedules() -> None:
    assert {"commute", "storm", "tunnel"} <= set(list_schedules())
    commute = load_schedule("commute")
    assert [s.profile.name for s in commute.steps] == ["4g", "2g", "3g", "4g"]
    assert commute.profile_at(0).name == "4g"
    assert commute.profile_at(35).name == "2g"
    assert commute.profile_at(60).name == "3g"
    assert commute.profile_at(10_000).name == "4g"
    storm = load_schedule("storm")
    assert storm.loop and storm.profile_at(25).name == "2g"
    assert storm.profile_at(60 + 25).name == "2g"  # loops
    tunnel = load_schedule("tunnel")
    drop = tunnel.profile_at(26)
    assert drop.down_kbps < 100 and drop.rtt_ms >= 1000


def test_plain_profile_loads_as_one_step_schedule() -> None:
    schedule = load_schedule("3g")
    assert len(schedule.steps) == 1 and schedule.steps[0].duration_s is None
    assert schedule.profile_at(1e6).name == "3g"


def test_schedule_rules(tmp_path: Path) -> None:
    p = load_profile("3g")
    with pytest.raises(ProfileError, match="duration_s"):
        Schedule(name="x", steps=(ScheduleStep(p, None), ScheduleStep(p, 5)), loop=False)
    with pytest.raises(ProfileError, match="duration_s"):
        Schedule(name="x", steps=(ScheduleStep(p, 5), ScheduleStep(p, None)), loop=True)
    bad = _write(tmp_path, "s.toml", '[[steps]]\nprofile = "3g"\nduration = 5\n')
    with pytest.raises(ProfileError, match=r"s\.toml.*steps\.0\.duration"):
        load_schedule(bad)
    unknown = _write(tmp_path, "u.toml", '[[steps]]\nprofile = "6g"\n')
    with pytest.raises(ProfileError, match=r"steps\.0\.profile.*6g"):
        load_schedule(unknown)


def test_schedule_file_with_relative_profile_path(tmp_path: Path) -> None:
    _write(tmp_path, "mine.toml", 'down_kbps = 100\nup_kbps = 50\nrtt_ms = 10\nsource = "t"\n')
    sched = _write(
        tmp_path,
        "sched.toml",
        'loop = true\n[[steps]]\nprofile = "mine.toml"\nduration_s = 2\n'
        '[[steps]]\nprofile = "lte"\nduration_s = 3\n',
    )
    schedule = load_schedule(sched)
    assert schedule.name == "sched"
    assert schedule.profile_at(1).name == "mine"
    assert schedule.profile_at(3).name == "lte"
    assert schedule.next_change_after(1) == 2


def test_rate_source_for_profiles_and_schedules() -> None:
    src = rate_source("commute")
    assert src.down_kbps_at(0) == 9000 and src.rtt_ms_at(0) == 170
    assert src.down_kbps_at(31) == 280 and src.rtt_ms_at(31) == 800
    lte = rate_source("lte")
    assert lte.down_kbps_at(123.4) == 12000
    assert rate_source(load_profile("2g")).rtt_ms_at(0) == 800
    assert isinstance(load_profile("2g"), Profile)
