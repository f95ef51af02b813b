"""Mixes, targets, durations, shapes, the Locust command line and the summary/target arithmetic."""

from __future__ import annotations

import subprocess
import sys
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
    ("[networks]\n3g = 1\n[users]\nHacker = 1\n", "unknown user classes"),
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
    cmd = locust_command(spec, samples=tmp_path / "s.jsonl", master_port=41234)
    assert cmd[1:3] == ["-m", "locust"] and "--headless" in cmd
    assert cmd[cmd.index("--host") + 1] == "http://127.0.0.1:9"
    assert cmd[cmd.index("-t") + 1] == "90s" and cmd[cmd.index("-r") + 1] == "2.5"
    assert cmd[cmd.index("--processes") + 1] == "3" and cmd[cmd.index("--ott-shape") + 1] == "spike"
    assert cmd[-1] == "Viewer"
    # master and workers of this run meet on their own loopback port, never another run's
    for flag, value in (("--master-bind-host", "127.0.0.1"), ("--master-bind-port", "41234"),
                        ("--master-host", "127.0.0.1"), ("--master-port", "41234")):
        assert cmd[cmd.index(flag) + 1] == value


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


def test_the_shipped_mixes_weigh_every_user_class() -> None:
    mix = load_mix("india")
    assert {c: mix.user_weight(c) for c in ("Viewer", "Browser", "AdViewer", "Editor")} == {
        "Viewer": 12, "Browser": 4, "AdViewer": 3, "Editor": 1}
    assert load_mix("storm").user_weight("Editor") == 0


def test_ad_and_cms_figures_in_the_summary_and_their_targets(tmp_path: Path) -> None:
    records = [_rec("metric", "ad_start", 1200, net="4g"), _rec("metric", "ad_start", 1800, net="4g"),
               _rec("metric", "ad_content_start", 11000, net="4g"), _rec("metric", "ad_fill", 100, net="4g"),
               _rec("metric", "ad_fill", 0, net="4g"),
               _rec("metric", "ad_view", 9000, net="4g", played_s=8, stall_s=0.4, skipped=False),
               _rec("metric", "ad_view", 6000, net="4g", played_s=5, stall_s=0, skipped=True),
               _rec("metric", "cms_workflow", 300, net="cms", steps=12, rejected=True),
               _rec("metric", "cms_visible", 20, net="cms"),
               _rec("metric", "cms_setup", 0, net="cms", ok=False)]
    records += [{"t": 1.0, "k": "api", "type": "GET", "name": f"/api/v1/ads/track?event={e}", "ms": 3, "ok": ok}
                for e, ok in (("impression", True), ("start", True), ("complete", False))]
    summary = summarize(records, networks=["4g"])
    assert set(summary["profiles"]) == {"4g"}  # CMS figures never make a network profile
    ad = summary["profiles"]["4g"]["ad_start"]
    assert ad["count"] == 2 and ad["p50_ms"] == 1500 and ad["content_p50_ms"] == 11000 and ad["fill_pct"] == 50
    ads = summary["ads"]
    assert ads["sessions"] == 2 and ads["fill_rate_pct"] == 50 and ads["ads_played"] == 2 and ads["ads_skipped"] == 1
    assert ads["ads_cut"] == 0
    assert ads["ad_stall_ratio_pct"] == pytest.approx(100 * 0.4 / 13, abs=1e-3)
    assert ads["beacons"] == {"complete": 1, "impression": 1, "start": 1} and ads["beacon_failures"] == 1
    cms = summary["cms"]
    assert cms["workflows"] == 1 and cms["rejected"] == 1 and cms["visible_p95_ms"] == 20 and cms["failures"] == 1
    results = {(r.name, r.profile): r for r in check_targets(summary, load_targets(DEFAULT_TARGETS))}
    assert results[("Ad start p95 < 2 s (4g and faster)", "4g")].ok

    assert not results[("Ad fill rate ≥ 95 % (seed ads: --seed-ads)", None)].ok
    assert results[("Published title in the catalog p95 < 5 s", None)].ok
    empty = check_targets(summarize([], networks=["3g"]), load_targets(DEFAULT_TARGETS))
    assert all(r.ok for r in empty if r.metric in ("ads", "cms", "ad_start"))  # no AdViewer/Editor: no verdict


def test_ad_inventory_bodies_are_valid_admin_requests() -> None:
    from loadtest.accounts import ad_bodies
    from server.ads.models import AdIn

    bodies = ad_bodies(count=3, asset_id="testcard-10s", seconds=10, tag="t")
    ads = [AdIn.model_validate(b) for b in bodies]
    assert [a.skippable for a in ads] == [True, False, True] and len({a.priority for a in ads}) == 3


def test_accounts_files_with_and_without_staff(tmp_path: Path) -> None:
    from loadtest.accounts import SeedError, read_accounts, write_accounts

    team = {r: {"email": f"{r}@example.com", "password": "x"} for r in ("creator", "reviewer", "publisher")}
    path = write_accounts(tmp_path / "a.json", [{"email": "v@example.com", "password": "x"}], [team])
    accounts, staff = read_accounts(path)
    assert accounts[0]["email"] == "v@example.com" and staff == [team]
    (tmp_path / "old.json").write_text('{"accounts": [{"email": "v@example.com", "password": "x"}]}')
    assert read_accounts(tmp_path / "old.json")[1] == []
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(SeedError):
        read_accounts(tmp_path / "bad.json")


def test_the_master_keeps_a_starved_worker() -> None:
    # A worker whose loop is starved for a few seconds (server and load tool share the cores) must not
    # end the run: Locust's master stops the test when its last worker misses 3 heartbeats. Locust
    # monkey-patches the process it is imported in, so this looks from a fresh interpreter.
    code = "from locust import runners\nimport loadtest.hooks\nprint(runners.HEARTBEAT_LIVENESS)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert int(out.strip().splitlines()[-1]) >= 30


def test_a_worker_builds_locust_defaults_once() -> None:
    # A worker compares every option of a spawn message with Locust's defaults, and Locust rebuilds its
    # whole argument parser for each (~0.5 s of blocked loop per message, one a second while users spawn).
    # With loadtest.hooks imported the defaults are built once per process; each caller gets its own copy.
    code = """
from locust import argument_parser
expected = argument_parser.default_args_dict()
import loadtest.hooks
built = 0
real = argument_parser.get_empty_argument_parser
def counting(*args, **kwargs):
    global built
    built += 1
    return real(*args, **kwargs)
argument_parser.get_empty_argument_parser = counting
seen = [argument_parser.default_args_dict() for _ in range(60)]
seen[0]["changed_by_a_caller"] = True
print(built, all(s == expected for s in seen[1:]), "changed_by_a_caller" in argument_parser.default_args_dict())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip().splitlines()[-1] == "1 True False"


def test_an_ad_the_run_cut_counts_as_played_and_as_cut() -> None:
    # an ad left mid-way by the end of the run is reported with what played so far and `cut`: counted, not dropped
    records = [_rec("metric", "ad_fill", 100, net="4g"),
               _rec("metric", "ad_view", 9000, net="4g", played_s=8, stall_s=0, skipped=False),
               _rec("metric", "ad_view", 3000, net="4g", played_s=2.5, stall_s=0.5, skipped=False, cut=True,
                    cut_reason="GreenletExit", length_s=8)]
    ads = summarize(records, networks=["4g"])["ads"]
    assert ads["ads_played"] == 2 and ads["ads_cut"] == 1 and ads["ads_skipped"] == 0
    assert ads["ad_played_s"] == 10.5 and ads["ad_stall_ratio_pct"] == pytest.approx(100 * 0.5 / 10.5, abs=1e-3)
