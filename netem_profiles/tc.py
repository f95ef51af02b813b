"""Kernel shaping with `tc`: pure command builders (argument lists) and one async runner.

Layout on IFACE (side="client", i.e. IFACE is the interface of the machine playing video):
egress (root qdisc) = uplink, ingress (redirected through an `ifb` device) = downlink.
Each direction gets `netem delay RTT/2 [jitter] loss L% rate R`; with `kind="tbf"` (kernels
without sch_netem) each direction gets a `tbf` rate limit only.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from typing import Literal

from netem_profiles.profiles import Profile

log = logging.getLogger(__name__)

Kind = Literal["netem", "tbf"]
Side = Literal["client", "server"]
MTU_FRAME = 1514
NETEM_MISSING = ("specified qdisc kind is unknown", 'unknown qdisc "netem"', "unknown qdisc")


class TcError(RuntimeError):
    """A tc/ip command failed."""


class NetemUnavailable(TcError):
    """The kernel has no netem qdisc (sch_netem)."""


def _fmt(value: float) -> str:
    """Compact number for tc arguments (no trailing .0)."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _tc(netns: str | None) -> list[str]:
    """`tc` prefix, inside `netns` when given."""
    return ["tc", "-n", netns] if netns else ["tc"]


def _ip(netns: str | None) -> list[str]:
    """`ip` prefix, inside `netns` when given."""
    return ["ip", "-n", netns] if netns else ["ip"]


def default_ifb(iface: str) -> str:
    """Name of the ifb device used for IFACE's ingress (max 15 chars)."""
    return f"ifb-{iface}"[:15]


def direction_kbps(profile: Profile, *, egress: bool, side: Side) -> float:
    """Rate for egress/ingress: on the client side egress is the uplink."""
    up = egress if side == "client" else not egress
    return profile.up_kbps if up else profile.down_kbps


def netem_qdisc(profile: Profile, *, kbps: float) -> list[str]:
    """`netem ...` arguments: RTT/2 delay (+ jitter/2), loss, rate, queue big enough."""
    owd = profile.rtt_ms / 2
    args = ["netem", "delay", f"{_fmt(owd)}ms"]
    if profile.jitter_ms:
        args.append(f"{_fmt(profile.jitter_ms / 2)}ms")
    if profile.loss_pct:
        args += ["loss", f"{_fmt(profile.loss_pct)}%"]
    args += ["rate", f"{_fmt(kbps)}kbit"]
    packets = math.ceil(kbps * 1000 / 8 * (owd / 1000 + 1.0) / 1500)
    args += ["limit", str(max(1000, packets))]
    return args


def tbf_qdisc(*, kbps: float) -> list[str]:
    """`tbf ...` arguments: rate only; burst ~10 ms (>= 2 frames), queue ~250 ms."""
    rate_bytes = kbps * 1000 / 8
    burst = max(2 * MTU_FRAME, int(rate_bytes / 100))
    limit = max(3 * burst, int(rate_bytes * 0.25))
    return ["tbf", "rate", f"{_fmt(kbps)}kbit", "burst", str(burst), "limit", str(limit)]


def qdisc_for(profile: Profile, *, kind: Kind, kbps: float) -> list[str]:
    """The qdisc arguments of `kind` for one direction."""
    return netem_qdisc(profile, kbps=kbps) if kind == "netem" else tbf_qdisc(kbps=kbps)


def egress_commands(
    profile: Profile, *, iface: str, kind: Kind = "netem", side: Side = "client",
    netns: str | None = None,
) -> list[list[str]]:
    """Root qdisc on IFACE (egress)."""
    kbps = direction_kbps(profile, egress=True, side=side)
    qdisc = qdisc_for(profile, kind=kind, kbps=kbps)
    return [[*_tc(netns), "qdisc", "replace", "dev", iface, "root", *qdisc]]


def ingress_commands(
    profile: Profile, *, iface: str, ifb: str | None = None, kind: Kind = "netem",
    side: Side = "client", netns: str | None = None,
) -> list[list[str]]:
    """Redirect IFACE ingress to an ifb device and shape that device's egress."""
    ifb = ifb or default_ifb(iface)
    kbps = direction_kbps(profile, egress=False, side=side)
    qdisc = qdisc_for(profile, kind=kind, kbps=kbps)
    return [
        [*_ip(netns), "link", "add", ifb, "type", "ifb"],
        [*_ip(netns), "link", "set", "dev", ifb, "up"],
        [*_tc(netns), "qdisc", "add", "dev", iface, "handle", "ffff:", "ingress"],
        [
            *_tc(netns), "filter", "add", "dev", iface, "parent", "ffff:", "protocol", "all",
            "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect",
            "dev", ifb,
        ],
        [*_tc(netns), "qdisc", "replace", "dev", ifb, "root", *qdisc],
    ]


def apply_commands(
    profile: Profile, *, iface: str, ifb: str | None = None, kind: Kind = "netem",
    side: Side = "client", netns: str | None = None, ingress: bool = True,
) -> list[list[str]]:
    """All commands shaping both directions of IFACE (egress, then ingress via ifb)."""
    cmds = egress_commands(profile, iface=iface, kind=kind, side=side, netns=netns)
    if ingress:
        cmds += ingress_commands(profile, iface=iface, ifb=ifb, kind=kind, side=side, netns=netns)
    return cmds


def clear_commands(
    *, iface: str, ifb: str | None = None, netns: str | None = None
) -> list[list[str]]:
    """Commands removing everything `apply_commands` set up (errors are expected/ignored)."""
    ifb = ifb or default_ifb(iface)
    return [
        [*_tc(netns), "qdisc", "del", "dev", iface, "root"],
        [*_tc(netns), "qdisc", "del", "dev", iface, "ingress"],
        [*_ip(netns), "link", "del", ifb],
    ]


@dataclass(frozen=True)
class CommandResult:
    """Outcome of one command."""

    argv: list[str]
    returncode: int
    stderr: str


async def run_command(argv: list[str]) -> CommandResult:
    """Run one command without a shell; capture stderr."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
    except FileNotFoundError as err:
        raise TcError(f"{argv[0]}: command not found (install iproute2)") from err
    _, err_bytes = await proc.communicate()
    result = CommandResult(argv, proc.returncode or 0, err_bytes.decode(errors="replace").strip())
    log.debug("%s -> %s %s", " ".join(argv), result.returncode, result.stderr)
    return result


async def run_commands(cmds: list[list[str]], *, ignore_errors: bool = False) -> None:
    """Run commands in order; raise `NetemUnavailable`/`TcError` on the first failure."""
    for argv in cmds:
        result = await run_command(argv)
        if result.returncode == 0 or ignore_errors:
            continue
        lowered = result.stderr.lower()
        if "netem" in argv and any(m in lowered for m in NETEM_MISSING):
            raise NetemUnavailable(
                "this kernel has no netem qdisc (sch_netem); use --fallback-tbf for rate-only"
                " shaping"
            )
        first_line = result.stderr.splitlines()[0] if result.stderr else "failed"
        raise TcError(f"{' '.join(argv)}: {first_line}")


async def apply(
    profile: Profile, *, iface: str, ifb: str | None = None, netns: str | None = None,
    side: Side = "client", fallback_tbf: bool = False, ingress: bool = True,
) -> Kind:
    """Clear IFACE, then shape it with netem (or tbf when netem is missing and allowed)."""
    await run_commands(clear_commands(iface=iface, ifb=ifb, netns=netns), ignore_errors=True)
    try:
        await run_commands(
            apply_commands(
                profile, iface=iface, ifb=ifb, kind="netem", side=side, netns=netns,
                ingress=ingress,
            )
        )
        return "netem"
    except NetemUnavailable:
        await run_commands(clear_commands(iface=iface, ifb=ifb, netns=netns), ignore_errors=True)
        if not fallback_tbf:
            raise
        log.warning("kernel has no netem qdisc: falling back to tbf (rate only)")
    except TcError:
        await run_commands(clear_commands(iface=iface, ifb=ifb, netns=netns), ignore_errors=True)
        raise
    try:
        await run_commands(
            apply_commands(
                profile, iface=iface, ifb=ifb, kind="tbf", side=side, netns=netns,
                ingress=ingress,
            )
        )
    except TcError:
        await run_commands(clear_commands(iface=iface, ifb=ifb, netns=netns), ignore_errors=True)
        raise
    return "tbf"


async def clear(*, iface: str, ifb: str | None = None, netns: str | None = None) -> None:
    """Remove shaping from IFACE (ignores "nothing to delete" errors)."""
    await run_commands(clear_commands(iface=iface, ifb=ifb, netns=netns), ignore_errors=True)
