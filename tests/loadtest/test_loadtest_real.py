"""``ott-load real-players``: a real mpv process through the shaping proxy against the simulated player."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from loadtest.realplayers import mpv_command, via
from media import mpv_cli_args, streaming_options
from tests.loadtest.conftest import BIN, LoadServer


def test_mpv_command_is_headless_and_idle(tmp_path: Path) -> None:
    cmd = mpv_command(mpv="mpv", ipc=tmp_path / "s.sock")
    assert cmd[0] == "mpv" and "--no-config" in cmd and "--vo=null" in cmd and "--ao=null" in cmd
    assert "--idle=yes" in cmd and f"--input-ipc-server={tmp_path / 's.sock'}" in cmd
    # the options every client shares (media.streaming_options): one connection, bounded read-ahead
    assert set(mpv_cli_args(streaming_options(headless=True))) <= set(cmd)
    assert "--osc=no" in cmd  # no window: no on-screen scripts to wait for before the first file
    assert any(a.startswith("--demuxer-lavf-o=") and "http_multiple=0" in a for a in cmd)


def test_urls_are_routed_through_the_proxy() -> None:
    assert via("http://127.0.0.1:8080/media/s/a/b/video/auto/index.m3u8?x=1", origin="http://127.0.0.1:9999") == \
        "http://127.0.0.1:9999/media/s/a/b/video/auto/index.m3u8?x=1"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("mpv") is None, reason="mpv is not installed")
def test_real_mpv_stream_start_against_the_simulated_player(load_server: LoadServer, tmp_path: Path) -> None:
    proc = subprocess.run([str(BIN / "ott-load"), "real-players", "--host", load_server.url, "--count", "1",
                           "--profile", "3g", "--watch", "2", "--timeout", "60", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads((tmp_path / "real-players.json").read_text(encoding="utf-8"))
    row = summary["profiles"]["3g"]
    assert row["real_count"] == 1 and row["sim_count"] == 1, row
    # both cross 4+ round trips at 300 ms: neither can start faster than that
    assert row["real_p50_ms"] > 1200 and row["sim_p50_ms"] > 1200
    assert row["gap_p50_ms"] == pytest.approx(row["real_p50_ms"] - row["sim_p50_ms"], abs=0.2)
    assert "Stream start: real mpv" in proc.stdout
