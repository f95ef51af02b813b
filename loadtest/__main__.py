"""``ott-load``: run the Locust load test headless and judge it, or calibrate against real mpv players.

    ott-load run --host http://127.0.0.1:8080 --users 20 --spawn-rate 2 --duration 2m --mix india \\
        --shape ramp --out out/load
    ott-load real-players --host http://127.0.0.1:8080 --count 4 --profile 3g --out out/real

Exit status: 0 all targets met, 1 a target missed, 2 the run could not be made.
This module never imports Locust (gevent) or mpv: each runs in its own subprocess.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from loadtest.config import DEFAULT_TARGETS, USER_CLASSES, ConfigError, list_mixes, load_mix, parse_duration
from loadtest.summary import TargetResult

log = logging.getLogger("loadtest")
console = Console()


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ConfigError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from err
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def targets_table(results: Sequence[TargetResult]) -> Table:
    """A rich table of target results (misses first)."""
    table = Table(title="Targets", show_lines=False)
    for col in ("", "target", "profile", "value", "limit", "note"):
        table.add_column(col)
    for r in sorted(results, key=lambda r: r.ok):
        table.add_row("[green]✔[/]" if r.ok else "[red]✘[/]", r.name, r.profile or "all",
                      "—" if r.value is None else f"{r.value:g}", r.limit, r.note)
    return table


def _classes_in_run(args: argparse.Namespace) -> list[str]:
    """The user classes that will run: ``--classes``, else those with a weight in the mix."""
    if args.classes:
        return list(args.classes)
    mix = load_mix(args.mix)
    users = [c for c in USER_CLASSES if mix.user_weight(c) > 0]
    if args.shape == "storm":
        users = [c for c in users if c not in ("Browser", "Editor")]
    return users


def seed(args: argparse.Namespace, *, classes: list[str]) -> tuple[Path | None, list[str]]:
    """Seed what was asked (accounts, CMS teams, ads); the accounts file and the classes to run."""
    from loadtest.accounts import (
        AdminAccess,
        SeedError,
        read_accounts,
        seed_accounts,
        seed_ads,
        seed_staff,
        write_accounts,
    )

    out: Path = args.out
    access = AdminAccess(email=args.admin_email, password=args.admin_password, database_url=args.database_url)
    accounts = args.accounts
    staff: list[dict[str, dict[str, str]]] = read_accounts(accounts)[1] if accounts else []
    if args.seed_accounts:
        made = asyncio.run(seed_accounts(host=args.host, count=args.seed_accounts))
        if "Editor" in classes and args.seed_staff and access.usable:
            staff = asyncio.run(seed_staff(host=args.host, teams=args.seed_staff, access=access))
            console.print(f"seeded {len(staff)} CMS team(s) (creator, reviewer, publisher)")
        accounts = write_accounts(out / "accounts.json", made, staff)
        console.print(f"seeded {len(made)} accounts → {accounts}")
    if "Editor" in classes and not staff:
        console.print("[yellow]ott-load: no CMS staff accounts (seed them with --seed-accounts plus --admin-email/"
                      "--admin-password or --database-url): running without Editors[/]")
        classes = [c for c in classes if c != "Editor"]
    if args.seed_ads:
        if not access.usable:
            raise SeedError("--seed-ads needs an admin: --admin-email/--admin-password or --database-url")
        ids = asyncio.run(seed_ads(host=args.host, count=args.seed_ads, asset_id=args.ad_asset,
                                   seconds=args.ad_seconds, access=access))
        console.print(f"seeded {len(ids)} ads on creative {args.ad_asset}")
    return accounts, classes


def cmd_run(args: argparse.Namespace) -> int:
    """Seed accounts if asked, run Locust, write summary.json + report.html, print the verdict."""
    from loadtest.accounts import SeedError
    from loadtest.report import write_report
    from loadtest.runner import RunError, RunSpec, run_locust
    from loadtest.samples import read_samples

    out: Path = args.out
    try:
        wanted = _classes_in_run(args)
        accounts, classes = seed(args, classes=wanted)
    except (SeedError, ConfigError) as err:
        console.print(f"[red]ott-load: {err}[/]")
        return 2
    if wanted and not classes:
        console.print("[red]ott-load: no user class left to run[/]")
        return 2
    if classes == wanted and not args.classes:
        classes = []  # every class of the mix, weighted by it
    spec = RunSpec(host=args.host, out=out, users=args.users, spawn_rate=args.spawn_rate, duration_s=args.duration,
                   mix=args.mix, shape=args.shape, abr=args.abr, workers=args.workers, targets=args.targets,
                   watch_s=args.watch, max_buffer_s=args.max_buffer, accounts=accounts, classes=tuple(classes),
                   locust_args=tuple(args.locust_arg))
    try:
        result = run_locust(spec)
    except (RunError, ConfigError) as err:
        console.print(f"[red]ott-load: {err}[/]")
        return 2
    records = list(read_samples(out / "samples.jsonl"))
    report = write_report(out / "report.html", summary=result.summary, records=records)
    console.print(targets_table(result.results))
    console.print(f"summary: {out / 'summary.json'}  report: {report}")
    if not result.passed:
        missed = sum(1 for r in result.results if not r.ok)
        console.print(f"[red]{missed} target(s) missed[/]")
        return 1
    console.print("[green]all targets met[/]")
    return 0


def cmd_real(args: argparse.Namespace) -> int:
    """Real mpv players through the shaping proxy vs the simulated player, per profile."""
    from loadtest.realplayers import RealError, run_real_players

    try:
        summary = run_real_players(host=args.host, count=args.count, profiles=args.profile, out=args.out,
                                   watch_s=args.watch, timeout_s=args.timeout, mpv=args.mpv)
    except (RealError, ConfigError) as err:
        console.print(f"[red]ott-load: {err}[/]")
        return 2
    table = Table(title="Stream start: real mpv (first frame) vs simulated player")
    for col in ("profile", "real n", "real p50 ms", "real p95 ms", "sim n", "sim p50 ms", "sim p95 ms", "gap p50 ms",
                "gap %"):
        table.add_column(col)
    for name, row in summary["profiles"].items():
        table.add_row(name, *(("—" if row[k] is None else f"{row[k]:g}") for k in (
            "real_count", "real_p50_ms", "real_p95_ms", "sim_count", "sim_p50_ms", "sim_p95_ms", "gap_p50_ms",
            "gap_pct")))
    console.print(table)
    console.print(f"summary: {args.out / 'real-players.json'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``ott-load`` argument parser."""
    parser = argparse.ArgumentParser(prog="ott-load", description="OTT Lowband load testing (Locust + real mpv)")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="headless Locust run with report.html, summary.json and a targets verdict")
    run.add_argument("--host", required=True, help="server base URL, e.g. http://127.0.0.1:8080")
    run.add_argument("--users", type=_positive_int, default=10, help="peak concurrent users (-u)")
    run.add_argument("--spawn-rate", type=float, default=2.0, help="users started per second (-r)")
    run.add_argument("--duration", type=_duration, default=60.0, help="run time: 20s, 2m, 1m30s (-t)")
    run.add_argument("--mix", default="india", help=f"network/user mix: {', '.join(list_mixes())} or a .toml path")
    run.add_argument("--shape", default="steady", choices=("steady", "ramp", "spike", "storm"))
    run.add_argument("--abr", default="client", choices=("client", "server"),
                     help="client: media.abr on the master playlist; server: the server-steered playlist")
    run.add_argument("--workers", type=_positive_int, default=0,
                     help="local Locust worker processes (Locust --processes); 0: one process")
    run.add_argument("--targets", type=Path, default=DEFAULT_TARGETS, help="targets TOML")
    run.add_argument("--out", type=Path, required=True, help="output directory")
    run.add_argument("--seed-accounts", type=_positive_int, default=0,
                     help="register N viewer accounts first (and --seed-staff CMS teams when Editors run)")
    run.add_argument("--seed-staff", type=_positive_int, default=2,
                     help="CMS teams (creator + reviewer + publisher accounts) seeded with --seed-accounts")
    run.add_argument("--seed-ads", type=_positive_int, default=0, help="create N ads in the inventory first")
    run.add_argument("--ad-asset", default="testcard-10s", help="packaged asset the seeded ads play")
    run.add_argument("--ad-seconds", type=_positive_int, default=10, help="declared length of the seeded ads")
    run.add_argument("--admin-email", default=None, help="an admin account (roles for CMS staff, ads)")
    run.add_argument("--admin-password", default=os.environ.get("OTT_LOAD_ADMIN_PASSWORD"),
                     help="its password (default: $OTT_LOAD_ADMIN_PASSWORD)")
    run.add_argument("--database-url", default=os.environ.get("OTT_DATABASE_URL"),
                     help="without --admin-email: the server's PostgreSQL, to make a fresh account admin "
                          "(default: $OTT_DATABASE_URL)")
    run.add_argument("--accounts", type=Path, default=None, help="accounts JSON from an earlier --seed-accounts")
    run.add_argument("--watch", type=float, default=0.0, help="media seconds per viewing session (0: whole title)")
    run.add_argument("--max-buffer", type=float, default=None,
                     help="simulated player's buffer in seconds (default: its player model's read-ahead)")
    run.add_argument("--classes", nargs="*", default=[], choices=USER_CLASSES, help="only these users")
    run.add_argument("--locust-arg", action="append", default=[], help="extra Locust argument (repeatable)")
    run.set_defaults(func=cmd_run)

    real = sub.add_parser("real-players", help="real mpv processes through the shaping proxy vs the simulated player")
    real.add_argument("--host", required=True)
    real.add_argument("--count", type=_positive_int, default=4, help="players per profile (run concurrently)")
    real.add_argument("--profile", nargs="+", default=["3g"], help="network profiles (netem names)")
    real.add_argument("--watch", type=float, default=6.0, help="seconds each player plays")
    real.add_argument("--timeout", type=float, default=90.0, help="give up on a player after this many seconds")
    real.add_argument("--mpv", default="mpv", help="mpv binary")
    real.add_argument("--out", type=Path, required=True)
    real.set_defaults(func=cmd_real)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
