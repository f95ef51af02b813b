"""``ott-load run``: headless Locust as a subprocess, then summary.json, report.html and the targets verdict."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from loadtest.config import MIXES_DIR, PACKAGE_DIR, load_mix, load_targets, mix_path
from loadtest.samples import read_samples
from loadtest.summary import TargetResult, check_targets, summarize

log = logging.getLogger(__name__)

LOCUSTFILE = PACKAGE_DIR / "locustfile.py"
#: Extra seconds the Locust subprocess may take beyond the run time (start-up, stopping, final reports).
GRACE_S = 120.0


class RunError(RuntimeError):
    """The load test could not run or produced nothing to judge."""


@dataclass(frozen=True, slots=True)
class RunSpec:
    """One ``ott-load run``."""

    host: str
    out: Path
    users: int = 10
    spawn_rate: float = 2.0
    duration_s: float = 60.0
    mix: str = "india"
    shape: str = "steady"
    abr: str = "client"
    workers: int = 0
    targets: Path = PACKAGE_DIR / "targets.toml"
    watch_s: float = 0.0
    max_buffer_s: float | None = None  # None: the player model's read-ahead
    accounts: Path | None = None
    classes: tuple[str, ...] = ()
    locust_args: tuple[str, ...] = field(default_factory=tuple)


def absolute_paths(spec: RunSpec) -> RunSpec:
    """``spec`` with its output, mix, accounts and targets paths made absolute (against the current directory)."""
    mix = str(mix_path(spec.mix).absolute()) if mix_path(spec.mix).parent != MIXES_DIR else spec.mix
    return replace(spec, out=spec.out.absolute(), mix=mix, targets=spec.targets.absolute(),
                   accounts=None if spec.accounts is None else spec.accounts.absolute())


def free_local_port() -> int:
    """A TCP port free on 127.0.0.1 now (for the master of a ``--processes`` run)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def locust_command(spec: RunSpec, *, samples: Path, master_port: int = 5557) -> list[str]:
    """The headless Locust command line for ``spec`` (pure; unit-tested).

    With workers, master and workers meet on ``127.0.0.1:master_port``: Locust's default is every
    interface on 5557, where two concurrent runs would hand each other's workers their users.
    """
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", spec.host.rstrip("/"),
           "-u", str(spec.users), "-r", f"{spec.spawn_rate:g}", "-t", f"{max(1, round(spec.duration_s))}s",
           "--csv", str(spec.out / "locust"), "--csv-full-history", "--html", str(spec.out / "locust.html"),
           "--exit-code-on-error", "0", "--loglevel", "WARNING", "--only-summary",
           "--ott-mix", spec.mix, "--ott-shape", spec.shape, "--ott-abr", spec.abr,
           "--ott-watch", f"{spec.watch_s:g}", "--ott-samples", str(samples)]
    if spec.max_buffer_s is not None:
        cmd += ["--ott-max-buffer", f"{spec.max_buffer_s:g}"]
    if spec.accounts is not None:
        cmd += ["--ott-accounts", str(spec.accounts)]
    if spec.workers > 0:
        cmd += ["--processes", str(spec.workers), "--master-bind-host", "127.0.0.1",
                "--master-bind-port", str(master_port), "--master-host", "127.0.0.1",
                "--master-port", str(master_port)]
    cmd += list(spec.locust_args)
    cmd += list(spec.classes)
    return cmd


@dataclass
class RunResult:
    """What a run produced."""

    summary: dict[str, Any]
    results: list[TargetResult]
    locust_status: int

    @property
    def passed(self) -> bool:
        """Every target met."""
        return all(r.ok for r in self.results)


def run_locust(spec: RunSpec) -> RunResult:
    """Run Locust, summarize the samples, check the targets, write summary.json (report: see `report`).

    Locust runs inside the output directory (its own files land there, never in the project folder);
    every path it is given is absolute, so a relative ``--out`` works.
    """
    spec = absolute_paths(spec)
    mix = load_mix(spec.mix)
    targets = load_targets(spec.targets)
    spec.out.mkdir(parents=True, exist_ok=True)
    samples = spec.out / "samples.jsonl"
    samples.unlink(missing_ok=True)
    cmd = locust_command(spec, samples=samples, master_port=free_local_port())
    log.info("running %s", " ".join(cmd))
    started = time.time()
    with (spec.out / "locust.log").open("wb") as fh:
        try:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, timeout=spec.duration_s + GRACE_S,
                                  check=False, cwd=str(spec.out))
        except subprocess.TimeoutExpired as err:
            raise RunError(f"Locust did not finish within {spec.duration_s + GRACE_S:.0f} s") from err
    records = list(read_samples(samples))
    if not records:
        tail = (spec.out / "locust.log").read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RunError(f"Locust produced no samples (exit {proc.returncode}); log tail:\n{tail}")
    networks = ["storm-shape"] if spec.shape == "storm" else list(mix.networks)
    run = {"host": spec.host, "users": spec.users, "spawn_rate": spec.spawn_rate, "duration_s": spec.duration_s,
           "mix": mix.name, "shape": spec.shape, "abr": spec.abr, "workers": spec.workers,
           "targets": str(spec.targets), "started_at": started, "ended_at": time.time(),
           "locust_exit": proc.returncode}
    summary = summarize(records, networks=networks, run=run)
    results = check_targets(summary, targets)
    summary["targets"] = [r.as_dict() for r in results]
    summary["passed"] = all(r.ok for r in results)
    (spec.out / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
    return RunResult(summary=summary, results=results, locust_status=proc.returncode)
