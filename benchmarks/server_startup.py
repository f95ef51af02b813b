"""Time from ``ott-server serve`` to ``/ready`` = 200 on the embedded default (PostgreSQL + Redis wheels).

Usage: .venv/bin/python benchmarks/server_startup.py [--runs 3]
Prints the first start (initdb + migrations) and warm starts (existing data dir).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def time_to_ready(data_dir: Path, *, timeout_s: float = 120) -> float:
    """Start the server on ``data_dir``, return seconds until /ready answers 200, then stop it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTT_")}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "server", "serve", "--port", str(port),
                             "--data-dir", str(data_dir)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < timeout_s:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1) as resp:
                    if resp.status == 200:
                        return time.perf_counter() - start
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.02)
        raise RuntimeError("server did not become ready")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)


def main() -> None:
    """Print cold and warm start figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        cold = time_to_ready(data_dir)
        warm = [time_to_ready(data_dir) for _ in range(args.runs)]
    print(f"serve -> /ready, embedded default: first start {cold:.2f} s (initdb + migrations); "
          f"warm start median {statistics.median(warm):.2f} s over {len(warm)} runs (min {min(warm):.2f} s)")


if __name__ == "__main__":
    main()
