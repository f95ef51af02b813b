"""Soak: mixed traffic against a real ``ott-server serve`` process; errors, p95 and RSS per minute (#16).

Usage: ``.venv/bin/python benchmarks/soak.py [--minutes 30] [--warmup 2]
[--clients 8] [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379/0]``.

Creates (and drops) a scratch database, packages a 6 s test card, starts the server as its own
process (rate limits off), registers ``--clients`` viewers and has each loop over: catalog page,
title details, search, genres, ``/auth/me``, manifest → media playlist → two segments, a position
report, and every 20th loop a token refresh. Per minute it prints requests, errors (5xx or transport
failures), p95 latency and the server's RSS (VmRSS of its process). RSS growth is the last minute
against the first minute after the warm-up. Bounded: stops after ``--minutes``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import asyncpg
from _harness import ROOT, package_card, scratch_database, server, server_env

sys.path.insert(0, str(ROOT))

ASSET_ID = "soakcard"
CARD_SECONDS = 6.0
PASSWORD = "Soak-passw0rd!"  # noqa: S105 - throwaway benchmark accounts


@dataclass
class Minute:
    """What one minute saw."""

    requests: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    rss_kib: int = 0

    def p95(self) -> float:
        """95th percentile latency in ms (0 without samples)."""
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        return statistics.quantiles(self.latencies_ms, n=20)[18]


@dataclass
class Soak:
    """Per-minute counters of the run."""

    started: float
    minutes: list[Minute] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)

    def current(self) -> Minute:
        """The bucket of the running minute."""
        index = int((time.monotonic() - self.started) // 60)
        while len(self.minutes) <= index:
            self.minutes.append(Minute())
        return self.minutes[index]

    def record(self, ms: float, ok: bool, what: str) -> None:
        """Count one request."""
        bucket = self.current()
        bucket.requests += 1
        bucket.latencies_ms.append(ms)
        if not ok:
            bucket.errors += 1
            if len(self.error_samples) < 20:
                self.error_samples.append(what)


def rss_kib(pid: int) -> int:
    """VmRSS of a process in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def _call(http: aiohttp.ClientSession, soak: Soak, method: str, url: str, **kw: Any) -> tuple[int, Any]:
    start = time.perf_counter()
    try:
        async with http.request(method, url, **kw) as resp:
            raw = await resp.read()
            status = resp.status
            body = raw if not resp.content_type.endswith("json") else await resp.json(content_type=None)
    except (TimeoutError, aiohttp.ClientError) as err:
        soak.record((time.perf_counter() - start) * 1000, False, f"{method} {urlsplit(url).path}: {err!r}")
        return 0, None
    soak.record((time.perf_counter() - start) * 1000, status < 500, f"{method} {urlsplit(url).path} -> {status}")
    return status, body


async def viewer_loop(base: str, soak: Soak, *, content_id: str, until: float, n: int) -> None:
    """One viewer: register, then loop over the mixed requests until ``until``."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        email = f"soak-{n}-{uuid.uuid4().hex[:6]}@example.com"
        _, reg = await _call(http, soak, "POST", f"{base}/api/v1/auth/register",
                             json={"email": email, "password": PASSWORD})
        tokens = {"access": reg["access_token"], "refresh": reg["refresh_token"]}
        _, profiles = await _call(http, soak, "GET", f"{base}/api/v1/auth/profiles",
                                  headers={"Authorization": f"Bearer {tokens['access']}"})
        profile_id = profiles["profiles"][0]["id"]
        loop = 0
        while time.monotonic() < until:
            loop += 1
            h = {"Authorization": f"Bearer {tokens['access']}"}
            await _call(http, soak, "GET", f"{base}/api/v1/catalog/content", params={"limit": "20"})
            await _call(http, soak, "GET", f"{base}/api/v1/catalog/content/{content_id}")
            await _call(http, soak, "GET", f"{base}/api/v1/catalog/search", params={"q": "soak"})
            await _call(http, soak, "GET", f"{base}/api/v1/catalog/genres")
            await _call(http, soak, "GET", f"{base}/api/v1/auth/me", headers=h)
            status, man = await _call(http, soak, "GET", f"{base}/api/v1/stream/{content_id}/manifest",
                                      params={"profile_id": profile_id}, headers=h)
            if status == 200:
                url = man["qualities"][0]["url"]
                _, text = await _call(http, soak, "GET", url)
                segs = [ln for ln in (text or b"").decode().splitlines() if ln and not ln.startswith("#")]
                for seg in segs[:2]:
                    await _call(http, soak, "GET", urljoin(url, seg))
                await _call(http, soak, "PUT", f"{base}/api/v1/stream/playback/position", headers=h, json={
                    "session_id": man["session_id"], "profile_id": profile_id, "content_id": content_id,
                    "position_seconds": loop % 6, "duration_seconds": CARD_SECONDS, "seq": loop})
            if loop % 20 == 0:
                status, pair = await _call(http, soak, "POST", f"{base}/api/v1/auth/refresh",
                                           json={"refresh_token": tokens["refresh"]})
                if status == 200:
                    tokens = {"access": pair["access_token"], "refresh": pair["refresh_token"]}
            await asyncio.sleep(0.2)


async def _soak(args: argparse.Namespace, *, db_url: str, base: str, pid: int) -> Soak:
    """Add the soak title, run the viewers and the RSS sampler until ``--minutes`` have passed."""
    conn = await asyncpg.connect(db_url)
    try:
        content_id = str(await conn.fetchval(
            "INSERT INTO content (type, title, maturity_rating, workflow_state, tier_requirement, asset_id,"
            " asset_duration_s, published_at) VALUES ('movie', 'Soak card', 'U', 'published', 'free', $1,"
            " $2, now()) RETURNING id::text", ASSET_ID, CARD_SECONDS))
    finally:
        await conn.close()
    soak = Soak(started=time.monotonic())
    until = soak.started + args.minutes * 60

    async def sample_rss() -> None:
        while time.monotonic() < until:
            soak.current().rss_kib = rss_kib(pid)
            await asyncio.sleep(5)

    await asyncio.gather(sample_rss(), *(viewer_loop(base, soak, content_id=content_id, until=until, n=i)
                                         for i in range(args.clients)))
    return soak


async def run(args: argparse.Namespace) -> int:
    """Set up, run the soak, print the per-minute table; 1 when any request failed."""
    async with scratch_database(prefix="ott_soak", admin_url=args.pg) as db_url:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            media = await package_card(root / "media", asset_id=ASSET_ID, seconds=CARD_SECONDS,
                                       renditions=("144p", "360p"), title="Soak card")
            env = server_env(db_url=db_url, redis_url=args.redis, extra={
                "OTT_MEDIA_DIR": str(media), "OTT_DATA_DIR": str(root / "data"), "OTT_BILLING_SWEEP_INTERVAL_S": "0"})
            async with server(env, port=args.port, quiet=True) as proc:
                soak = await _soak(args, db_url=db_url, base=f"http://127.0.0.1:{args.port}", pid=proc.pid)
    minutes = [m for m in soak.minutes if m.requests]
    print(f"soak: {args.minutes} min, {args.clients} viewers, warm-up {args.warmup} min")
    print("| minute | requests | errors | p95 ms | RSS MiB |\n|---|---|---|---|---|")
    for i, m in enumerate(minutes, start=1):
        print(f"| {i} | {m.requests} | {m.errors} | {m.p95():.0f} | {m.rss_kib / 1024:.1f} |")
    total = sum(m.requests for m in minutes)
    errors = sum(m.errors for m in minutes)
    steady = [m for m in minutes[args.warmup:] if m.rss_kib] or minutes
    growth = (steady[-1].rss_kib - steady[0].rss_kib) / steady[0].rss_kib * 100 if steady[0].rss_kib else 0.0
    print(f"\ntotal {total} requests, {errors} errors; RSS after warm-up {steady[0].rss_kib / 1024:.1f} → "
          f"{steady[-1].rss_kib / 1024:.1f} MiB ({growth:+.1f} %)")
    if soak.error_samples:
        print("first errors:\n" + "\n".join(soak.error_samples))
    return 1 if errors else 0


def main() -> int:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--warmup", type=int, default=2, help="minutes left out of the RSS growth figure")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=18916)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
