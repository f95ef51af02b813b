"""Shaping proxy behaviour on loopback: rate, delay, shared budget, live switching, errors.

Bounds are generous (noisy shared machine): never faster than 0.8x ideal, and it finishes.
"""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from netem_profiles import ProfileError, ShapingProxy, load_profile
from netem_profiles.control import create_control_app
from netem_profiles.measure import download, ping
from netem_profiles.proxy import ProxyError

HOST = "127.0.0.1"


async def test_3g_transfer_is_rate_limited_but_finishes(blob_port: int) -> None:
    nbytes = 300_000
    async with ShapingProxy("3g", upstream=(HOST, blob_port)) as proxy:
        result = await download(host=HOST, port=proxy.port, nbytes=nbytes, limit_s=30)
        stats = proxy.stats()
    ideal = nbytes * 8 / 1_600_000
    assert result.total_s - result.first_byte_s >= 0.8 * ideal
    assert result.total_s < 5 * ideal + 2
    assert stats["down"]["bytes"] >= nbytes
    assert stats["profile"]["name"] == "3g"
    assert stats["connections"]["total"] == 1


async def test_rtt_is_added(blob_port: int) -> None:
    async with ShapingProxy("3g-slow", upstream=(HOST, blob_port)) as proxy:
        rtts = await ping(host=HOST, port=proxy.port, count=3)
    steady = rtts[1:]  # the first includes the emulated handshake round trip
    assert min(steady) >= 0.8 * 0.400
    assert max(steady) < 0.400 * 3
    assert rtts[0] >= 0.8 * 0.800


async def test_recorded_events_follow_one_exchange(blob_port: int) -> None:
    """``record=True``: the accept, the request read and delivered, the answer read and delivered, in order."""
    nbytes = 20_000
    async with ShapingProxy("3g", upstream=(HOST, blob_port), record=True) as proxy:
        await download(host=HOST, port=proxy.port, nbytes=nbytes, limit_s=30)
        events = list(proxy.events or [])
    async with ShapingProxy("3g", upstream=(HOST, blob_port)) as plain:
        await download(host=HOST, port=plain.port, nbytes=1000, limit_s=30)
        assert plain.events is None
    kinds = [(e.direction, e.kind) for e in events]
    assert kinds[0] == ("up", "accept") and {e.conn for e in events} == {1}
    first = {k: next(e.at for e in events if (e.direction, e.kind) == k) for k in set(kinds)}
    assert first[("up", "accept")] <= first[("up", "read")] <= first[("up", "deliver")]
    assert first[("up", "deliver")] <= first[("down", "read")] <= first[("down", "deliver")]
    # the request waited for the emulated handshake (one RTT) and half an RTT on the way
    assert first[("up", "deliver")] - first[("up", "accept")] >= 0.8 * 1.5 * 0.300
    assert sum(e.nbytes for e in events if (e.direction, e.kind) == ("down", "deliver")) >= nbytes


async def test_parallel_connections_share_one_link(blob_port: int) -> None:
    nbytes, conns = 60_000, 4
    async with ShapingProxy("3g", upstream=(HOST, blob_port)) as proxy:
        t0 = time.monotonic()
        await asyncio.gather(
            *(download(host=HOST, port=proxy.port, nbytes=nbytes) for _ in range(conns))
        )
        elapsed = time.monotonic() - t0
        assert proxy.stats()["connections"]["total"] == conns
    # one link of 1.6 Mbit/s for all of them, not 4 links
    assert elapsed >= 0.8 * (conns * nbytes * 8 / 1_600_000)


async def test_set_profile_live_changes_rate(blob_port: int) -> None:
    async with ShapingProxy("lte", upstream=(HOST, blob_port)) as proxy:
        fast = await download(host=HOST, port=proxy.port, nbytes=100_000)
        await proxy.set_profile("2g")
        assert proxy.current_profile().name == "2g"
        slow = await download(host=HOST, port=proxy.port, nbytes=20_000)
        with pytest.raises(ProfileError):
            await proxy.set_profile("nope")
    assert slow.total_s - slow.first_byte_s >= 0.8 * 20_000 * 8 / 280_000
    assert fast.goodput_kbps > 3 * slow.goodput_kbps


async def test_schedule_switches_rate_over_time(tmp_path: Path, blob_port: int) -> None:
    sched = tmp_path / "quick.toml"
    sched.write_text(
        '[[steps]]\nprofile = "lte"\nduration_s = 1\n[[steps]]\nprofile = "2g"\n'
    )
    async with ShapingProxy(sched, upstream=(HOST, blob_port)) as proxy:
        assert proxy.stats()["profile"]["name"] == "lte"
        await asyncio.sleep(1.1)
        assert proxy.stats()["profile"]["name"] == "2g"
        assert proxy.stats()["step"] == 1


async def test_loss_causes_stalls(blob_port: int) -> None:
    lossy = load_profile("3g").model_copy(update={"name": "x", "loss_pct": 5.0, "rtt_ms": 40})
    nbytes = 150_000
    async with ShapingProxy(lossy, upstream=(HOST, blob_port), seed=7) as proxy:
        result = await download(host=HOST, port=proxy.port, nbytes=nbytes, limit_s=60)
        lost = proxy.stats()["down"]["lost_packets"]
    assert lost >= 1
    # each loss stalls ~one RTO (>= 200 ms): slower than the lossless ideal
    assert result.total_s >= nbytes * 8 / 1_600_000 + 0.8 * 0.2 * lost


async def test_trace_replay_through_proxy(traces_dir: Path, blob_port: int) -> None:
    trace = traces_dir / "ATT-LTE-driving-2016.down"
    async with ShapingProxy(trace, upstream=(HOST, blob_port), trace_rtt_ms=40) as proxy:
        result = await download(host=HOST, port=proxy.port, nbytes=300_000, limit_s=60)
        stats = proxy.stats()
    assert stats["profile"]["trace"] == str(trace)
    assert result.nbytes == 300_000


async def test_upstream_down_closes_client_cleanly_and_keeps_running() -> None:
    with socket.socket() as s:
        s.bind((HOST, 0))
        dead_port = s.getsockname()[1]
    async with ShapingProxy("lte", upstream=(HOST, dead_port)) as proxy:
        for _ in range(2):
            reader, writer = await asyncio.open_connection(HOST, proxy.port)
            writer.write(b"10\n")
            assert await asyncio.wait_for(reader.read(), 5) == b""  # clean close
            writer.close()
        assert proxy.stats()["connections"]["upstream_failures"] == 2


async def test_port_in_use_is_a_proxy_error(blob_port: int) -> None:
    with pytest.raises(ProxyError, match="cannot listen"):
        async with ShapingProxy("3g", listen=(HOST, blob_port), upstream=(HOST, blob_port)):
            pass


async def test_control_api(blob_port: int) -> None:
    proxy = ShapingProxy("3g", upstream=(HOST, blob_port))
    async with proxy, TestClient(TestServer(create_control_app(proxy=proxy))) as client:
            resp = await client.get("/stats")
            body = await resp.json()
            assert resp.status == 200 and body["profile"]["name"] == "3g"
            assert {"bytes", "recent_kbps", "queue_delay_ms"} <= set(body["down"])
            resp = await client.put("/profile", json={"profile": "storm"})
            assert resp.status == 200
            assert (await client.get("/stats")).status == 200
            assert proxy.schedule.name == "storm"
            resp = await client.put("/profile", json={"profile": "6g"})
            assert resp.status == 400 and "6g" in (await resp.json())["detail"]
            resp = await client.put("/profile", data=b"not json")
            assert resp.status == 400
            resp = await client.get("/profiles")
            assert "commute" in (await resp.json())["schedules"]
