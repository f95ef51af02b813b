"""Mixes, targets, durations, shapes, the Locust command line and the summary/target arithmetic."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from loadtest.config import DEFAULT_TARGETS, ConfigError, NetworkPicker, load_mix, load_targets, parse_duration
from loadtest.runner import RunSpec, locust_command
from loadtest.stages import STAGES, STORM, stage_at, storm_schedule
from loadtest.summary import check_targets, percentile, summarize


@pytest.mark.parametrize(("text", "seconds"), [("20s", 20), ("90", 90), ("2m", 120), ("1m30s", 90), ("1h", 3600)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0s", "abc", "2x", "-5"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_duration(text)


def test_the_india_mix_and_its_shares() -> None:
    mix = load_mix("india")
    assert mix.networks == {"2g": 15, "3g": 35, "4g": 40, "5g": 10}
    picker = NetworkPicker(mix.networks)
    picks = Counter(picker.next() for _ in range(200))
    assert picks == {"2g": 30, "3g": 70, "4g": 80, "5g": 20}
    fresh = NetworkPicker(mix.networks)
    assert len({fresh.next() for _ in range(8)}) == 4  # a handful covers every profile


@pytest.mark.parametrize(("content", "message"), [
    ("[networks]\nnope = 1\n", "nope"),
    ("[networks]\n3g = -1\n", "weights"),
    ("[networks]\n3g = 1\n[users]\nEditor = 1\n", "unknown user classes"),
    ("networks = [", "invalid TOML"),
])
def test_bad_mixes_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_mix(str(path))
    with pytest.raises(ConfigError, match="no mix"):
        load_mix("no-such-mix")


def test_the_shipped_targets_follow_the_spec() -> None:
    targets = {(t.metric, t.stat, tuple(t.profiles or ())): t.max for t in load_targets(DEFAULT_TARGETS)}
    assert targets[("api", "p95_ms", ())] == 200 and targets[("api", "p99_ms", ())] == 500
    assert targets[("all", "error_rate_pct", ())] == 0.5 and targets[("rebuffer", "ratio_pct", ())] == 0.5
    assert any(k[0] == "stream_start" and "4g" in k[2] and v == 2000 for k, v in targets.items())
    assert any(k[0] == "bitrate_switch" and "5g" in k[2] and v == 500 for k, v in targets.items())


def test_loadtest_modules_used_here_do_not_import_locust() -> None:
    import sys
    assert "locust" not in sys.modules and "gevent" not in sys.modules  # gevent would monkey-patch pytest


def test_shapes_are_stage_data() -> None:
    assert set(STAGES) == {"steady", "ramp", "spike", "storm"}
    ramp = STAGES["ramp"]
    assert [s.users for s in ramp] == sorted(s.users for s in ramp) and ramp[-1].users == 1.0
    assert stage_at(ramp, 0.1) is ramp[0] and stage_at(ramp, 1.0) is None
    storm = storm_schedule(STORM, run_s=90)
    assert [s.profile.name for s in storm.steps] == ["4g", "2g", "4g"]
    assert storm.profile_at(10).name == "4g" and storm.profile_at(45).name == "2g" and storm.profile_at(80).name == "4g"


def test_the_locust_command(tmp_path: Path) -> None:
    spec = RunSpec(host="http://127.0.0.1:9/", out=tmp_path, users=5, spawn_rate=2.5, duration_s=90, workers=3,
                   mix="metro", shape="spike", classes=("Viewer",))
    cmd = locust_command(spec, samples=tmp_path / "s.jsonl")
    assert cmd[1:3] == ["-m", "locust"] and "--headless" in cmd
    assert cmd[cmd.index("--host") + 1] == "http://127.0.0.1:9"
    assert cmd[cmd.index("-t") + 1] == "90s" and cmd[cmd.index("-r") + 1] == "2.5"
    assert cmd[cmd.index("--processes") + 1] == "3" and cmd[cmd.index("--ott-shape") + 1] == "spike"
    assert cmd[-1] == "Viewer"


def _rec(kind: str, type_: str, ms: float, net: str = "3g", ok: bool = True, **extra: object) -> dict[str, object]:
    return {"t": 1.0, "k": kind, "type": type_, "name": "/api/v1/x" if kind == "api" else net, "ms": ms, "ok": ok,
            "net": net, **extra}


def test_summary_and_targets(tmp_path: Path) -> None:
    records = [_rec("api", "GET", float(ms)) for ms in range(1, 101)] + [_rec("api", "GET", 5, ok=False)]
    records += [_rec("metric", "stream_start", 1500, floor_ms=1200), _rec("metric", "stream_start", 2500)]
    records += [_rec("metric", "rebuffer_ratio", 10, played_s=90, stall_s=10)]
    summary = summarize(records, networks=["3g", "4g"])
    assert summary["api"]["requests"] == 101 and summary["api"]["failures"] == 1
    assert summary["api"]["p95_ms"] == pytest.approx(percentile([float(str(r["ms"])) for r in records[:101]], 95))
    assert summary["profiles"]["3g"]["stream_start"]["p50_ms"] == 2000
    assert summary["profiles"]["3g"]["rebuffer"]["ratio_pct"] == pytest.approx(100 * 10 / 90, abs=1e-3)
    assert summary["profiles"]["4g"]["stream_start"]["count"] == 0  # every network of the mix has a block
    path = tmp_path / "t.toml"
    path.write_text('[[target]]\nname = "start"\nmetric = "stream_start"\nstat = "p95_ms"\nmax = 3000\n'
                    '[[target]]\nname = "errors"\nmetric = "api"\nstat = "error_rate_pct"\nmax = 0.5\n',
                    encoding="utf-8")
    results = {(r.name, r.profile): r for r in check_targets(summary, load_targets(path))}
    assert results[("start", "3g")].ok and not results[("start", "4g")].ok  # no data where data is required
    assert not results[("errors", None)].ok and results[("errors", None)].value == pytest.approx(0.99, abs=0.01)
