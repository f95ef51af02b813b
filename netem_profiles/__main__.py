"""`ott-netem`: list/show profiles, run the shaping proxy, drive `tc`.

Errors are one readable line on stderr and exit status 2 (no traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from netem_profiles import tc
from netem_profiles.control import ControlServer
from netem_profiles.profiles import Profile, ProfileError, list_profiles, load_profile
from netem_profiles.proxy import ProxyError, ShapingProxy
from netem_profiles.schedules import Schedule, list_schedules, load_schedule

log = logging.getLogger(__name__)


class CliError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


def parse_hostport(text: str) -> tuple[str, int]:
    """`host:port` (IPv6 as `[::1]:9000`) → (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _profile_table(profiles: Sequence[Profile], *, title: str) -> Table:
    """Rich table of profiles."""
    table = Table(title=title)
    for col in ("name", "down kbps", "up kbps", "RTT ms", "jitter ms", "loss %", "source"):
        table.add_column(col, overflow="fold")
    for p in profiles:
        table.add_row(
            p.name, f"{p.down_kbps:g}", f"{p.up_kbps:g}", f"{p.rtt_ms:g}",
            f"{p.jitter_ms:g}", f"{p.loss_pct:g}", p.source,
        )  # fmt: skip
    return table


def cmd_list(_: argparse.Namespace) -> int:
    """Print every shipped profile and schedule."""
    console = Console()
    console.print(_profile_table([load_profile(n) for n in list_profiles()], title="profiles"))
    table = Table(title="schedules")
    for col in ("name", "loop", "steps", "description"):
        table.add_column(col)
    for name in list_schedules():
        s = load_schedule(name)
        steps = " → ".join(
            f"{st.profile.name} {st.duration_s:g}s" if st.duration_s else st.profile.name
            for st in s.steps
        )
        table.add_row(name, "yes" if s.loop else "no", steps, s.description)
    console.print(table)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print one profile, schedule or trace."""
    schedule = load_schedule(args.profile, rtt_ms=args.rtt_ms)
    console = Console()
    title = f"{schedule.name}" + (" (loops)" if schedule.loop else "")
    console.print(_profile_table([s.profile for s in schedule.steps], title=title))
    for i, step in enumerate(schedule.steps):
        duration = "forever" if step.duration_s is None else f"{step.duration_s:g} s"
        console.print(f"step {i}: {step.profile.name} for {duration}")
    return 0


async def _run_proxy(args: argparse.Namespace) -> int:
    """Run the proxy (and control API) until SIGINT/SIGTERM."""
    source: str | Schedule = args.trace or args.profile
    proxy = ShapingProxy(
        source, listen=args.listen, upstream=args.upstream, trace_rtt_ms=args.rtt_ms
    )
    await proxy.start()
    control: ControlServer | None = None
    try:
        if args.control:
            control = ControlServer(proxy=proxy, listen=args.control)
            await control.start()
        print(
            f"ott-netem: {proxy.address} -> {args.upstream[0]}:{args.upstream[1]} "
            f"shaped as {proxy.schedule.name!r}"
            + (f", control http://{args.control[0]}:{control.port}" if control else ""),
            file=sys.stderr,
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        if control:
            await control.stop()
        await proxy.stop()
    return 0


def cmd_proxy(args: argparse.Namespace) -> int:
    """`ott-netem proxy PROFILE --listen --upstream [--control] [--trace FILE]`."""
    if not args.trace:
        load_schedule(args.profile)  # fail fast with a clean message
    return asyncio.run(_run_proxy(args))


def cmd_tc(args: argparse.Namespace) -> int:
    """`ott-netem tc PROFILE --iface IFACE [--dry-run|--apply|--clear] [--fallback-tbf]`."""
    if args.clear:
        cmds = tc.clear_commands(iface=args.iface, ifb=args.ifb, netns=args.netns)
        if args.dry_run:
            print("\n".join(" ".join(c) for c in cmds))
            return 0
        asyncio.run(tc.clear(iface=args.iface, ifb=args.ifb, netns=args.netns))
        return 0
    if not args.profile:
        raise CliError("a PROFILE is required unless --clear is given")
    profile = load_profile(args.profile)
    if not args.apply:
        kind: tc.Kind = "tbf" if args.fallback_tbf else "netem"
        cmds = tc.apply_commands(
            profile, iface=args.iface, ifb=args.ifb, kind=kind, side=args.side, netns=args.netns
        )
        print("\n".join(" ".join(c) for c in cmds))
        return 0
    used = asyncio.run(
        tc.apply(
            profile, iface=args.iface, ifb=args.ifb, netns=args.netns, side=args.side,
            fallback_tbf=args.fallback_tbf,
        )
    )  # fmt: skip
    if used == "tbf":
        print("ott-netem: kernel has no netem qdisc; applied tbf (rate only)", file=sys.stderr)
    print(f"ott-netem: {profile.name} applied on {args.iface} with {used}", file=sys.stderr)
    return 0


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CliError(message)


def build_parser() -> argparse.ArgumentParser:
    """The `ott-netem` argument parser."""
    parser = _Parser(prog="ott-netem", description="Network emulation for OTT Lowband.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("list", help="list profiles and schedules").set_defaults(func=cmd_list)

    show = sub.add_parser("show", help="show one profile, schedule or trace")
    show.add_argument("profile")
    show.add_argument("--rtt-ms", type=float, default=0.0, help="RTT for a trace file")
    show.set_defaults(func=cmd_show)

    proxy = sub.add_parser("proxy", help="run the shaping TCP proxy")
    proxy.add_argument("profile", help="profile, schedule, TOML path or Mahimahi trace")
    proxy.add_argument("--listen", type=parse_hostport, default=("127.0.0.1", 9000))
    proxy.add_argument("--upstream", type=parse_hostport, required=True)
    proxy.add_argument("--control", type=parse_hostport, default=None)
    proxy.add_argument("--trace", default=None, help="Mahimahi trace for the downlink")
    proxy.add_argument("--rtt-ms", type=float, default=0.0, help="RTT added to a trace")
    proxy.set_defaults(func=cmd_proxy)

    tcp = sub.add_parser("tc", help="shape an interface with tc")
    tcp.add_argument("profile", nargs="?")
    tcp.add_argument("--iface", required=True)
    mode = tcp.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print commands (default)")
    mode.add_argument("--apply", action="store_true")
    mode.add_argument("--clear", action="store_true")
    tcp.add_argument("--fallback-tbf", action="store_true", help="use tbf if netem is missing")
    tcp.add_argument("--side", choices=["client", "server"], default="client")
    tcp.add_argument("--ifb", default=None, help="ifb device for ingress")
    tcp.add_argument("--netns", default=None, help="run inside this network namespace")
    tcp.set_defaults(func=cmd_tc)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `ott-netem`; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        return int(args.func(args))
    except (CliError, ProfileError, ProxyError, tc.TcError) as err:
        print(f"ott-netem: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
