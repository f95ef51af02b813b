"""``ott-server serve`` with no database URLs starts embedded PostgreSQL and Redis and stops them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from server.settings import load_settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("OTT_")}


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback test URL
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _postmaster_pid(data_dir: Path) -> int | None:
    pidfile = data_dir / "postgres" / "postmaster.pid"
    if not pidfile.exists():
        return None
    return int(pidfile.read_text().split()[0])


@pytest.mark.slow
def test_serve_starts_and_stops_embedded_stores(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", _free_port()
    cmd = [sys.executable, "-m", "server", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    proc = subprocess.Popen(cmd, env=_clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        status = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/ready")
                if status == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        assert status == 200, proc.stderr.read().decode() if proc.poll() is not None else "not ready"
        assert b'"postgres":true' in body.replace(b" ", b"") and b'"redis":true' in body.replace(b" ", b"")
        pg_pid = _postmaster_pid(data_dir)
        assert pg_pid is not None
        assert (data_dir / "redis" / "redis.sock").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0
    assert not (data_dir / "redis" / "redis.sock").exists()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _postmaster_pid(data_dir) is not None:
        time.sleep(0.2)
    assert _postmaster_pid(data_dir) is None, "embedded PostgreSQL still running after the server stopped"


def test_migrate_command_on_embedded_default(tmp_path: Path) -> None:
    env = _clean_env()
    cmd = [sys.executable, "-m", "server", "migrate", "--data-dir", str(tmp_path / "d")]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert first.returncode == 0, first.stderr
    assert "schema at version" in first.stdout
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert again.returncode == 0 and again.stdout == first.stdout


def test_serve_reports_port_in_use_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**_clean_env(), "OTT_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/postgres",
               "OTT_REDIS_URL": "redis://127.0.0.1:6379/0"}
        cmd = [sys.executable, "-m", "server", "serve", "--port", str(port), "--data-dir", str(tmp_path)]
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("ott-server:")]
    assert len(lines) == 1 and str(port) in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_setting_is_one_line_error(tmp_path: Path) -> None:
    env = {**_clean_env(), "OTT_PORT": "not-a-port"}
    result = subprocess.run([sys.executable, "-m", "server", "serve"], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("ott-server: invalid settings")


def test_toml_file_then_environment_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "ott.toml"
    conf.write_text('port = 9100\nhost = "0.0.0.0"\ncors_origins = ["http://a.example"]\n')
    monkeypatch.setenv("OTT_PORT", "9200")
    settings = load_settings(conf)
    assert settings.port == 9200
    assert settings.host == "0.0.0.0"
    assert settings.cors_origins == ["http://a.example"]
    monkeypatch.setenv("OTT_CORS_ORIGINS", "http://x.example, http://y.example")
    assert load_settings(conf).cors_origins == ["http://x.example", "http://y.example"]
    bad = tmp_path / "bad.toml"
    bad.write_text("no_such_setting = 1\n")
    with pytest.raises(ValueError):
        load_settings(bad)
