"""Accuracy of the shaping proxy (and of kernel `tbf`) against every profile's numbers.

For each profile: goodput of a download through `ShapingProxy` (1 MB; scaled down for the
slowest profiles so the run stays bounded — the size is printed), added RTT (median of
1-byte pings on an established connection), loss behaviour (stalls seen vs. expected), and
the same download through `tbf` in a pair of network namespaces (root only; kernel shaping is
the reference for rate). Real Mahimahi traces are replayed too when /work/shared/traces exists.

    .venv/bin/python benchmarks/netem_accuracy.py [--no-tbf] [--results benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import time
import uuid
from pathlib import Path

from netem_profiles import MahimahiTrace, ShapingProxy, list_profiles, load_profile, tc
from netem_profiles.measure import download, ping, start_blob_server

HOST = "127.0.0.1"
SIZES = {"2g": 150_000, "edge": 150_000, "edge-lossy": 150_000, "3g-slow": 400_000}
DEFAULT_SIZE = 1_000_000
TRACES = Path("/work/shared/traces")
HEADING = "## Network emulation accuracy"


def pct(measured: float, target: float) -> str:
    """Signed relative error."""
    return f"{(measured / target - 1) * 100:+.1f} %"


async def proxy_row(name: str, *, blob_port: int) -> dict[str, object]:
    """Measure one profile through the proxy."""
    profile = load_profile(name)
    nbytes = SIZES.get(name, DEFAULT_SIZE)
    async with ShapingProxy(profile, upstream=(HOST, blob_port), seed=1) as proxy:
        rtts = await ping(host=HOST, port=proxy.port, count=6)
        result = await download(host=HOST, port=proxy.port, nbytes=nbytes, limit_s=300)
        lost = proxy.stats()["down"]["lost_packets"]
    rtt_ms = statistics.median(rtts[1:]) * 1000
    return {
        "name": name,
        "nbytes": nbytes,
        "target_kbps": profile.down_kbps,
        "goodput_kbps": result.goodput_kbps,
        "target_rtt": profile.rtt_ms,
        "rtt_ms": rtt_ms,
        "loss_pct": profile.loss_pct,
        "stalls": lost,
        "expected_stalls": nbytes / 1500 * profile.loss_pct / 100,
        # TCP-as-felt model: serialization + one RTO (RTT + 200 ms) per stall seen
        "model_kbps": nbytes * 8 / 1000
        / (nbytes * 8 / 1000 / profile.down_kbps + lost * (profile.rtt_ms / 1000 + 0.2)),
    }


async def trace_row(path: Path, *, blob_port: int) -> dict[str, object]:
    """Replay a trace and compare goodput with the trace's capacity over the same window."""
    trace = MahimahiTrace.load(path)
    nbytes = DEFAULT_SIZE
    async with ShapingProxy(path, upstream=(HOST, blob_port), trace_rtt_ms=0) as proxy:
        offset = time.monotonic() - proxy.schedule_started
        result = await download(host=HOST, port=proxy.port, nbytes=nbytes, limit_s=300)
    span = result.total_s - result.first_byte_s
    start = offset + result.first_byte_s
    capacity = trace.bytes_between(start, start + span) * 8 / span / 1000
    return {"name": path.name, "nbytes": nbytes, "goodput_kbps": result.goodput_kbps,
            "capacity_kbps": capacity, "mean_kbps": trace.mean_kbps}  # fmt: skip


async def _exec(*argv: str) -> bytes:
    """Run a command (no shell), return stdout."""
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    out, _ = await proc.communicate()
    return out


async def tbf_rows(names: list[str]) -> dict[str, float]:
    """Goodput through kernel tbf (down rate on the client's ingress) in two netns."""
    tag = uuid.uuid4().hex[:6]
    client, server = f"obc{tag}", f"obs{tag}"
    rows: dict[str, float] = {}
    srv = None
    try:
        await _exec("ip", "netns", "add", client)
        await _exec("ip", "netns", "add", server)
        await _exec("ip", "link", "add", "vc", "netns", client, "type", "veth",
                    "peer", "name", "vs", "netns", server)  # fmt: skip
        for ns, dev, addr in ((client, "vc", "10.78.0.1/24"), (server, "vs", "10.78.0.2/24")):
            await _exec("ip", "-n", ns, "addr", "add", addr, "dev", dev)
            await _exec("ip", "-n", ns, "link", "set", dev, "up")
        srv = await asyncio.create_subprocess_exec(
            "ip", "netns", "exec", server, sys.executable, "-m", "netem_profiles.measure",
            "serve", "--host", "10.78.0.2", "--port", "5001", stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert srv.stdout is not None
        await asyncio.wait_for(srv.stdout.readline(), 20)
        for name in names:
            await tc.apply(load_profile(name), iface="vc", netns=client, fallback_tbf=True)
            out = await _exec(
                "ip", "netns", "exec", client, sys.executable, "-m", "netem_profiles.measure",
                "get", "--host", "10.78.0.2", "--port", "5001",
                "--bytes", str(SIZES.get(name, DEFAULT_SIZE)),
            )  # fmt: skip
            rows[name] = float(json.loads(out)["goodput_kbps"])
    finally:
        if srv is not None:
            srv.terminate()
            await srv.wait()
        await _exec("ip", "netns", "del", client)
        await _exec("ip", "netns", "del", server)
    return rows


def render(rows: list[dict], tbf: dict[str, float], traces: list[dict]) -> str:  # type: ignore[type-arg]
    """Markdown tables of the figures."""
    lines = [
        "| profile | size | target kbps | proxy goodput kbps | err | tbf goodput kbps | err |"
        " target RTT ms | proxy RTT ms | err | loss % | stalls seen / expected |"
        " loss-model kbps | proxy vs model |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        t = tbf.get(str(r["name"]))
        tbf_cells = f"{t:.0f} | {pct(t, float(r['target_kbps']))}" if t else "— | —"  # type: ignore[arg-type]
        lines.append(
            f"| {r['name']} | {int(r['nbytes']) // 1000} kB | {r['target_kbps']:g} "  # type: ignore[call-overload]
            f"| {r['goodput_kbps']:.0f} | {pct(r['goodput_kbps'], r['target_kbps'])} "  # type: ignore[arg-type]
            f"| {tbf_cells} | {r['target_rtt']:g} | {r['rtt_ms']:.1f} "
            f"| {pct(r['rtt_ms'], r['target_rtt']) if r['target_rtt'] else '—'} "  # type: ignore[arg-type]
            f"| {r['loss_pct']:g} | {r['stalls']} / {r['expected_stalls']:.1f} "
            f"| {r['model_kbps']:.0f} | {pct(r['goodput_kbps'], r['model_kbps'])} |"  # type: ignore[arg-type]
        )
    if traces:
        lines += ["", "| trace | size | trace capacity over the transfer kbps | proxy goodput kbps"
                  " | err | trace mean kbps |", "|---|---|---|---|---|---|"]  # fmt: skip
        for r in traces:
            lines.append(
                f"| {r['name']} | {int(r['nbytes']) // 1000} kB | {r['capacity_kbps']:.0f} "
                f"| {r['goodput_kbps']:.0f} | {pct(r['goodput_kbps'], r['capacity_kbps'])} "
                f"| {r['mean_kbps']:.0f} |"
            )
    return "\n".join(lines)


def write_results(path: Path, body: str) -> None:
    """Replace (or append) only our section of RESULTS.md."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    section = f"{HEADING}\n\n{body}\n"
    if HEADING in text:
        head, _, rest = text.partition(HEADING)
        nxt = rest.find("\n## ")
        tail = rest[nxt + 1 :] if nxt >= 0 else ""
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


async def main() -> None:
    """Run every measurement and print (optionally record) the tables."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-tbf", action="store_true")
    parser.add_argument("--results", type=Path, default=None)
    parser.add_argument("--profiles", nargs="*", default=None)
    args = parser.parse_args()
    names = args.profiles or list_profiles()
    server = await start_blob_server()
    blob_port = int(server.sockets[0].getsockname()[1])
    rows = []
    for name in names:
        rows.append(await proxy_row(name, blob_port=blob_port))
        print(f"proxy {name}: {rows[-1]['goodput_kbps']:.0f} kbps", file=sys.stderr)
    traces = []
    trace_files = sorted(TRACES.glob("*.down")) if TRACES.is_dir() else []  # noqa: ASYNC240
    if trace_files:
        for path in trace_files:
            traces.append(await trace_row(path, blob_port=blob_port))
    else:
        print(f"skipping trace replay: {TRACES} missing", file=sys.stderr)
    server.close()
    tbf: dict[str, float] = {}
    if not args.no_tbf and os.geteuid() == 0 and shutil.which("tc"):
        tbf = await tbf_rows(names)
    table = render(rows, tbf, traces)
    print(table)
    if args.results:
        cmd = "sudo .venv/bin/python benchmarks/netem_accuracy.py --results benchmarks/RESULTS.md"
        body = (
            f"Command: `{cmd}` (root for the tbf column; `--no-tbf` otherwise).\n"
            f"Measured {time.strftime('%Y-%m-%d')} on a shared, noisy 2-core machine, loopback.\n"
            "Goodput = first to last byte of one download (1 MB; 150 kB for 2g/edge/edge-lossy"
            " and 400 kB for 3g-slow, to bound the run). RTT = median of 1-byte pings on an"
            " established connection. tbf = kernel rate limit on the client's ingress (ifb) in"
            " two network namespaces (this kernel has no netem: rate only, no delay). Lossy"
            " profiles: each lost packet stalls its connection ~1 RTO (RTT + 200 ms), so"
            " goodput is expected to be below the link rate.\n\n" + table
        )
        write_results(args.results, body)


if __name__ == "__main__":
    asyncio.run(main())
