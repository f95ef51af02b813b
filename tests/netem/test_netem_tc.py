"""tc command builders (pure) and a live tbf check inside network namespaces we create."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator

import pytest

from netem_profiles import load_profile, tc


def test_netem_builder_both_directions() -> None:
    cmds = tc.apply_commands(load_profile("3g-lossy"), iface="eth9")
    assert cmds[0] == [
        "tc", "qdisc", "replace", "dev", "eth9", "root", "netem", "delay", "150ms", "15ms",
        "loss", "1%", "rate", "768kbit", "limit", "1000",
    ]  # fmt: skip
    assert ["ip", "link", "add", "ifb-eth9", "type", "ifb"] in cmds
    assert cmds[-1][:6] == ["tc", "qdisc", "replace", "dev", "ifb-eth9", "root"]
    assert "1600kbit" in cmds[-1]  # ingress = downlink on the client side
    assert all(isinstance(a, str) for c in cmds for a in c)


def test_builder_server_side_and_netns() -> None:
    cmds = tc.apply_commands(load_profile("3g"), iface="v0", side="server", netns="ns1")
    assert cmds[0][:3] == ["tc", "-n", "ns1"] and "1600kbit" in cmds[0]
    assert cmds[1][:3] == ["ip", "-n", "ns1"]
    assert "loss" not in cmds[0]  # no loss/jitter arguments when zero


def test_tbf_builder_and_clear() -> None:
    cmds = tc.apply_commands(load_profile("2g"), iface="e0", kind="tbf", ingress=False)
    assert len(cmds) == 1 and cmds[0][6:9] == ["tbf", "rate", "256kbit"]
    assert "burst" in cmds[0] and "limit" in cmds[0]
    clear = tc.clear_commands(iface="e0")
    assert clear[0] == ["tc", "qdisc", "del", "dev", "e0", "root"]
    assert clear[-1] == ["ip", "link", "del", "ifb-e0"]


def _can_netns() -> bool:
    return os.geteuid() == 0 and shutil.which("ip") is not None and shutil.which("tc") is not None


async def _run(*argv: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    await proc.wait()


@pytest.fixture
async def netns_pair() -> AsyncIterator[tuple[str, str]]:
    """Two namespaces joined by a veth pair: client 10.77.0.1 (dev vc), server 10.77.0.2."""
    if not _can_netns():
        pytest.skip("needs root, ip and tc")
    tag = uuid.uuid4().hex[:6]
    client, server = f"ottc{tag}", f"otts{tag}"
    try:
        await _run("ip", "netns", "add", client)
        await _run("ip", "netns", "add", server)
        await _run("ip", "link", "add", "vc", "netns", client, "type", "veth",
                   "peer", "name", "vs", "netns", server)  # fmt: skip
        for ns, dev, addr in ((client, "vc", "10.77.0.1/24"), (server, "vs", "10.77.0.2/24")):
            await _run("ip", "-n", ns, "addr", "add", addr, "dev", dev)
            await _run("ip", "-n", ns, "link", "set", dev, "up")
            await _run("ip", "-n", ns, "link", "set", "lo", "up")
        yield client, server
    finally:
        await _run("ip", "netns", "del", client)
        await _run("ip", "netns", "del", server)


async def test_live_tbf_in_netns_limits_rate(netns_pair: tuple[str, str]) -> None:
    client, server = netns_pair
    profile = load_profile("3g")
    used = await tc.apply(profile, iface="vc", netns=client, fallback_tbf=True)
    assert used in ("netem", "tbf")
    srv = await asyncio.create_subprocess_exec(
        "ip", "netns", "exec", server, sys.executable, "-m", "netem_profiles.measure", "serve",
        "--host", "10.77.0.2", "--port", "5001", stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert srv.stdout is not None
        assert b"ready" in await asyncio.wait_for(srv.stdout.readline(), 20)
        nbytes = 300_000
        get = await asyncio.create_subprocess_exec(
            "ip", "netns", "exec", client, sys.executable, "-m", "netem_profiles.measure", "get",
            "--host", "10.77.0.2", "--port", "5001", "--bytes", str(nbytes),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(get.communicate(), 60)
        result = json.loads(out)
        assert result["total_s"] >= 0.8 * nbytes * 8 / 1_600_000
        assert result["goodput_kbps"] < 1600 * 1.25
    finally:
        srv.terminate()
        await srv.wait()
        await tc.clear(iface="vc", netns=client)


async def test_apply_without_fallback_reports_missing_netem(
    netns_pair: tuple[str, str],
) -> None:
    client, _ = netns_pair
    try:
        used = await tc.apply(load_profile("3g"), iface="vc", netns=client)
    except tc.NetemUnavailable as err:
        assert "\n" not in str(err) and "--fallback-tbf" in str(err)
    else:
        assert used == "netem"  # a kernel with sch_netem
        await tc.clear(iface="vc", netns=client)
