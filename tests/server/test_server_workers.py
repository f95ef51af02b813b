"""``ott-server serve --workers 2``: two processes on one port (SO_REUSEPORT), stopped together."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import asyncpg

from server.settings import Settings
from server.workers import child_command, child_env
from tests.conftest import SYSTEM_PG_ADMIN, SYSTEM_REDIS

BIN = Path(sys.executable).parent


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(SYSTEM_PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat[1]) == pid and b"--reuse-port" in cmdline:
                out.append(int(entry.name))
    return out


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 (127.0.0.1)
        return int(resp.status)


def test_worker_command_and_environment(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, port=9123, host="127.0.0.1")
    env = child_env(settings, database_url="postgresql://x/y", redis_url="redis://z")
    assert env["OTT_DATABASE_URL"] == "postgresql://x/y" and env["OTT_REDIS_URL"] == "redis://z"
    assert env["OTT_PORT"] == "9123" and env["OTT_DATA_DIR"] == str(tmp_path)
    assert child_command(None)[-2:] == ["serve", "--reuse-port"]
    assert child_command(tmp_path / "c.toml")[3:5] == ["--config", str(tmp_path / "c.toml")]


def test_two_workers_share_the_port_and_stop_together(tmp_path: Path) -> None:
    name = f"ott_workers_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    port = free_port()
    env = {**os.environ, "OTT_DATABASE_URL": f"{SYSTEM_PG_ADMIN.rsplit('/', 1)[0]}/{name}",
           "OTT_REDIS_URL": SYSTEM_REDIS, "OTT_REDIS_NAMESPACE": f"wk{uuid.uuid4().hex[:10]}",
           "OTT_DATA_DIR": str(tmp_path), "OTT_PORT": str(port), "OTT_HOST": "127.0.0.1",
           "OTT_LOG_LEVEL": "WARNING", "OTT_URL_SIGNING_SECRET": "workers-test-secret"}
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen([str(BIN / "ott-server"), "serve", "--workers", "2"], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        ready = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                ready = _get(f"http://127.0.0.1:{port}/ready") == 200
            except OSError:
                ready = False
            if ready and len(_children(proc.pid)) == 2:
                break
            time.sleep(0.2)
        assert proc.poll() is None, (tmp_path / "server.log").read_text()
        assert ready and len(_children(proc.pid)) == 2
        time.sleep(1)  # the second worker may still be binding
        assert len(_children(proc.pid)) == 2  # both bound the same port (no EADDRINUSE exit)
        assert all(_get(f"http://127.0.0.1:{port}/health") == 200 for _ in range(20))
        children = _children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert not [c for c in children if Path(f"/proc/{c}").exists()
                    and "Z" not in Path(f"/proc/{c}/stat").read_text().rsplit(")", 1)[1].split()[0]]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
