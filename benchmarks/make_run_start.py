"""Time from ``make run`` to a usable terminal client, on a fresh data directory and on a warm one.

Usage: .venv/bin/python benchmarks/make_run_start.py [--warm-runs 1] [--keep DIR]

What a new user waits for: ``scripts/run.sh`` (what ``make run`` runs once the system packages and the
venv are there) builds the sample media, seeds the catalog, starts the server on the embedded
PostgreSQL/Redis and opens the terminal client. The script runs it in a pseudo-terminal (80×24) with
a fresh ``OTT_DATA_DIR`` and reports when the server said it was ready and when the client's login
screen ("Log in") was on the terminal; then it quits the client with Ctrl+Q and checks that the
server stopped with it.

Reference measured in the same run: the long title's own step (``media.samples.build_long_sample``,
re-run with ``force=True`` on the data directory the cold start just filled), so "without the long
title" is the cold start less that step. A warm start (every sample cached) follows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[@-Z\\-_])")
READY = b"server ready on"
LOGIN = b"Log in"
CTRL_Q = b"\x11"


@dataclass
class Start:
    """One ``make run`` start: seconds to the server's ready line and to the login screen; how it ended."""

    ready_s: float
    client_s: float
    quit_s: float
    server_stopped: bool


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def run_once(data_dir: Path, *, timeout_s: float = 900.0) -> Start:
    """Run ``scripts/run.sh`` in a pseudo-terminal on DATA_DIR until the login screen shows, then quit it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTT_")}
    env |= {"OTT_DATA_DIR": str(data_dir), "OTT_PORT": str(port), "TERM": "xterm-256color",
            "COLUMNS": "80", "LINES": "24"}  # fmt: skip
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen([str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=env, stdin=slave, stdout=slave,
                            stderr=slave, start_new_session=True)  # fmt: skip
    os.close(slave)
    seen = b""
    ready_s = client_s = float("nan")
    try:
        while time.perf_counter() - start < timeout_s and proc.poll() is None:
            readable, _, _ = select.select([master], [], [], 0.2)
            if not readable:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            seen = (seen + ANSI.sub(b"", chunk))[-65536:]
            now = time.perf_counter() - start
            if ready_s != ready_s and READY in seen:
                ready_s = now
            if ready_s == ready_s and LOGIN in seen.split(READY)[-1]:
                client_s = now
                break
        if client_s != client_s:
            raise RuntimeError(f"no login screen within {timeout_s:.0f} s; last output: {seen[-600:]!r}")
        time.sleep(0.5)
        quit_at = time.perf_counter()
        os.write(master, CTRL_Q)
        _drain_until_exit(master, proc, timeout_s=60)
        quit_s = time.perf_counter() - quit_at
        return Start(ready_s, client_s, quit_s, server_stopped=not _port_open(port))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=30)
        os.close(master)


def _drain_until_exit(master: int, proc: subprocess.Popen[bytes], *, timeout_s: float) -> None:
    end = time.perf_counter() + timeout_s
    while proc.poll() is None and time.perf_counter() < end:
        if select.select([master], [], [], 0.2)[0]:
            with contextlib.suppress(OSError):
                os.read(master, 65536)
    proc.wait(timeout=max(1.0, end - time.perf_counter()))


def long_title_step_s(data_dir: Path) -> float:
    """Seconds to assemble the long sample title again from the packaged 60 s card (``force=True``)."""
    from media.samples import build_long_sample

    start = time.perf_counter()
    asyncio.run(build_long_sample(data_dir / "media", force=True))
    return time.perf_counter() - start


def main() -> int:
    """Cold start, the long title's step, warm starts; one table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warm-runs", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="data directory to use and keep (must not exist)")
    args = ap.parse_args()
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="ott-make-run-")) / "data"
    if data_dir.exists():
        ap.error(f"{data_dir} exists: a cold start needs a fresh data directory")
    try:
        cold = run_once(data_dir)
        long_s = long_title_step_s(data_dir)
        warm = [run_once(data_dir) for _ in range(args.warm_runs)]
    finally:
        if args.keep is None:
            shutil.rmtree(data_dir.parent, ignore_errors=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores")
    print("| start | server ready | login screen (usable client) | quit → exit | server stopped with the client |")
    print("|---|---|---|---|---|")
    rows = [("cold (fresh data dir)", cold)] + [(f"warm {i + 1} (samples cached)", w) for i, w in enumerate(warm)]
    for name, s in rows:
        print(f"| {name} | {s.ready_s:.1f} s | **{s.client_s:.1f} s** | {s.quit_s:.1f} s | "
              f"{'yes' if s.server_stopped else '**no**'} |")  # fmt: skip
    print(f"\nlong title's step (re-timed, same run): {long_s:.1f} s → cold start without it ≈ "
          f"{cold.client_s - long_s:.1f} s")  # fmt: skip
    return 0 if all(s.server_stopped for _, s in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
