"""CI smoke test: ``ott-load run`` for ~20 s with a handful of users against a real server subprocess."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from loadtest.samples import read_samples
from loadtest.summary import PROFILE_METRICS
from tests.loadtest.conftest import ASSET_ID, BIN, CARD_SECONDS, FLAP, LoadServer

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

MIX = """
name = "smoke"
[networks]
3g = 1
4g = 1
flap = 1
[users]
Viewer = 6
Browser = 2
AdViewer = 1
Editor = 1
"""
# FLAP (conftest) is 4g for 2 s, then 2g: each viewer's schedule starts when it presses play, so every flap viewer meets
# the drop right after its stream start (4g: ~1.1 s), with a 720p segment in flight or still to fetch
# (a 6 s buffer holds 3 of the card's segments): the player abandons it, or the next decision goes
# down; either way a switch completes a few seconds after the drop, well inside the 20 s run.

PASSING = """
[[target]]
name = "API p95 generous"
metric = "api"
stat = "p95_ms"
max = 60000
[[target]]
name = "stream start measured everywhere"
metric = "stream_start"
stat = "p95_ms"
max = 120000
"""
IMPOSSIBLE = """
[[target]]
name = "stream start faster than light"
metric = "stream_start"
stat = "p50_ms"
max = 1
"""


def _ott_load(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}  # rich wraps the targets table to the terminal width
    return subprocess.run([str(BIN / "ott-load"), *args], capture_output=True, text=True, timeout=300, check=False,
                          env=env, cwd=cwd)


@pytest.fixture(scope="module")
def smoke_run(load_server: LoadServer,
              tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One 20 s run with 10 users (6 viewers, 2 browsers, an ad viewer, a CMS team) and the passing targets.

    Seeds the accounts, one CMS team (roles granted through an admin made with ``ott-server create-admin``)
    and one ad on the card."""
    base = tmp_path_factory.mktemp("smoke")
    (base / "flap.toml").write_text(FLAP, encoding="utf-8")
    (base / "mix.toml").write_text(MIX.replace("flap = 1", f'"{base / "flap.toml"}" = 1'), encoding="utf-8")
    (base / "pass.toml").write_text(PASSING, encoding="utf-8")
    out = base / "out"
    proc = _ott_load("run", "--host", load_server.url, "--users", "10", "--spawn-rate", "5", "--duration", "20s",
                     "--mix", str(base / "mix.toml"), "--targets", str(base / "pass.toml"), "--out", str(out),
                     "--seed-accounts", "10", "--seed-staff", "1",
                     "--database-url", load_server.env["OTT_DATABASE_URL"], "--seed-ads", "1",
                     "--ad-asset", ASSET_ID, "--ad-seconds", f"{CARD_SECONDS:g}",
                     "--max-buffer", "6")
    return out, proc


def test_summary_has_every_metric_for_every_profile(smoke_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, proc = smoke_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    profiles = summary["profiles"]
    assert len(profiles) == 3 and {"3g", "4g"} <= set(profiles)
    for name, block in profiles.items():
        assert set(block) == set(PROFILE_METRICS), name
        assert block["stream_start"]["count"] > 0 and block["stream_start"]["p95_ms"] > 0, name
        assert block["avg_bitrate"]["count"] > 0 and block["avg_bitrate"]["mean_kbps"] > 0, name
        assert block["rebuffer"]["ratio_pct"] is not None, name
    flap = next(b for n, b in profiles.items() if n.endswith("flap.toml"))
    assert flap["bitrate_switch"]["count"] > 0 and flap["bitrate_switch"]["p95_ms"] > 0
    assert flap["bitrate_switch"]["down"] > 0  # the drop to 2g, in every flap viewer's first session
    # no stream start beats its floor (round trips × RTT + bytes ÷ bandwidth; 5 % slack for the link's burst)
    # (fixed profiles only: on the flap schedule a start that spans a 2g → 4g step has no single floor)
    starts = [r for r in read_samples(out / "samples.jsonl") if r["type"] == "stream_start"]
    assert starts and all(r["ms"] >= 0.95 * r["floor_ms"] > 0 for r in starts if r["net"] in ("3g", "4g"))
    assert min(r["ms"] for r in starts if r["net"] == "3g") > min(r["ms"] for r in starts if r["net"] == "4g")
    assert summary["api"]["requests"] > 0 and summary["api"]["p95_ms"] is not None
    assert summary["media"]["requests"] > 0
    assert summary["passed"] is True
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Stream start per network profile" in html and "API latency percentiles" in html
    assert "Ad-supported start" in html and "CMS workflow" in html
    assert "Users over time" in html and "no data" not in html and "Requests per endpoint" in html


def test_the_ad_viewer_and_the_editor_are_measured(smoke_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, proc = smoke_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    ads = summary["ads"]
    assert ads["sessions"] > 0 and ads["fill_rate_pct"] == 100, ads  # the seeded ad is the pre-roll
    assert ads["start_count"] > 0 and ads["start_p95_ms"] > 0 and ads["ads_played"] > 0
    assert {"impression", "start", "firstQuartile"} <= set(ads["beacons"]) and ads["beacon_failures"] == 0
    measured = [n for n, b in summary["profiles"].items() if b["ad_start"]["count"] > 0]
    assert measured and all(summary["profiles"][n]["ad_start"]["fill_pct"] == 100 for n in measured)
    cms = summary["cms"]
    assert cms["workflows"] >= 1 and cms["workflow_p95_ms"] > 0 and cms["visible_count"] >= 1, cms
    assert cms["failures"] == 0 and cms["api"]["requests"] > 0 and cms["api"]["failures"] == 0
    endpoints = summary["endpoints"]
    for name in ("POST /api/v1/cms/content/[id]/publish", "GET /api/v1/ads/vmap", "GET /api/v1/ads/vast/[id]"):
        assert endpoints[name]["requests"] > 0 and endpoints[name]["failures"] == 0, name
    samples = list(read_samples(out / "samples.jsonl"))
    assert not any(r.get("net") == "cms" for r in samples if r["k"] == "media")  # editors play nothing


def test_impossible_targets_exit_1(load_server: LoadServer, smoke_run: tuple[Path, subprocess.CompletedProcess[str]],
                                   tmp_path: Path) -> None:
    out, _ = smoke_run
    (tmp_path / "impossible.toml").write_text(IMPOSSIBLE, encoding="utf-8")
    project = sorted(p.name for p in ROOT.iterdir())
    # relative --out, --targets and --accounts, from another directory than the project's
    (tmp_path / "accounts.json").write_bytes((out / "accounts.json").read_bytes())
    proc = _ott_load("run", "--host", load_server.url, "--users", "2", "--spawn-rate", "2", "--duration", "8s",
                     "--mix", "india", "--classes", "Viewer", "--accounts", "accounts.json",
                     "--targets", "impossible.toml", "--out", "out/u2", "--workers", "2", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert sorted(p.name for p in ROOT.iterdir()) == project  # nothing written into the project folder
    assert "faster than light" in proc.stdout and "✘" in proc.stdout
    summary = json.loads((tmp_path / "out" / "u2" / "summary.json").read_text(encoding="utf-8"))
    assert summary["passed"] is False
    assert summary["run"]["workers"] == 2 and summary["api"]["requests"] > 0  # master + 2 workers: samples arrive
    light = [t for t in summary["targets"] if t["name"] == "stream start faster than light" and t["value"] is not None]
    assert light and not any(t["ok"] for t in light)
