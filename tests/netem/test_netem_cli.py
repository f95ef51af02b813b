"""`ott-netem` CLI: list/show output, dry-run tc, one-line errors with exit status 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from netem_profiles.__main__ import main


def test_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "3g-lossy" in out and "commute" in out
    assert main(["show", "storm"]) == 0
    assert "step 1: 2g" in capsys.readouterr().out


def test_tc_dry_run_prints_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tc", "edge", "--iface", "eth0", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("tc qdisc replace dev eth0 root netem delay 420ms")
    assert main(["tc", "edge", "--iface", "eth0", "--fallback-tbf"]) == 0
    assert "tbf rate" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "nope"],
        ["proxy", "nope", "--upstream", "127.0.0.1:1"],
        ["proxy", "3g", "--upstream", "nohostport"],
        ["tc", "--iface", "eth0"],
        ["frobnicate"],
    ],
)
def test_errors_are_one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("ott-netem: error:") and err.count("\n") == 1


def test_port_in_use_via_real_process() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "netem_profiles", "proxy", "3g",
             "--listen", f"127.0.0.1:{port}", "--upstream", "127.0.0.1:1"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "cannot listen" in errors[0]
