"""Catalog API throughput and latency: list, details and search under 50 concurrent clients.

Creates a scratch database on the system PostgreSQL, seeds the full demo catalog into it, starts
``ott-server serve`` on it (system Redis, rate limits off), logs in as a viewer with a profile,
then runs each scenario with CONCURRENCY client tasks for --requests requests (or --seconds,
whichever ends first) and prints requests/s, p50, p95 and p99. Everything is removed afterwards.

    .venv/bin/python benchmarks/catalog_api.py [--requests 3000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
from _harness import ROOT, free_port, percentile, register_viewer, scratch_database, server, server_env

QUERIES = ("lagan", "pyaar", "प्यार", "रात की दोस्ती", "the silent rivr", "thriler", "shahruk", "cricket final",
           "monsoon", "dosti", "mohabat", "kabaddi")


async def login(base: str) -> tuple[dict[str, str], dict[str, str]]:
    """Register a viewer and return (headers, extra query params); anonymous if auth is unavailable."""
    try:
        headers, profile_id, _ = await register_viewer(base)
    except (RuntimeError, KeyError, IndexError, aiohttp.ClientError) as err:
        print(f"no viewer ({err}): benchmarking anonymously", file=sys.stderr)
        return {}, {}
    return headers, {"profile_id": profile_id}


async def scenario(base: str, *, name: str, make_url: Callable[[int], str], headers: dict[str, str],
                   requests: int, seconds: float, concurrency: int) -> dict[str, float | str | int]:
    """Run one scenario; return its figures."""
    latencies: list[float] = []
    errors = 0
    counter = itertools.count()
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers={**headers, "Accept-Encoding": "gzip"}) as http:

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < deadline:
                i = next(counter)
                if i >= requests:
                    return
                start = time.perf_counter()
                try:
                    async with http.get(make_url(i)) as resp:
                        await resp.read()
                        ok = resp.status == 200
                except aiohttp.ClientError:
                    ok = False
                latencies.append(time.perf_counter() - start)
                errors += not ok

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    ms = [x * 1000 for x in latencies]
    return {"name": name, "requests": len(ms), "errors": errors, "rps": len(ms) / elapsed,
            "p50": statistics.median(ms), "p95": percentile(ms, 95), "p99": percentile(ms, 99)}


async def run(args: argparse.Namespace) -> int:
    """Set up, measure every scenario, print the table, tear down."""
    port = free_port()
    async with scratch_database(prefix="ott_bench_catalog") as db_url:
        env = server_env(db_url=db_url, extra={"OTT_DATA_DIR": args.data_dir})
        seed = await asyncio.create_subprocess_exec(sys.executable, "-m", "server", "seed", env=env, cwd=ROOT)
        if await seed.wait() != 0:
            raise RuntimeError("seeding failed")
        async with server(env, port=port):
            return await _measure(args, base=f"http://127.0.0.1:{port}")


async def _measure(args: argparse.Namespace, *, base: str) -> int:
    """Log in, run every scenario against ``base``, print the table; 1 when any request failed."""
    headers, extra = await login(base)
    qs = "".join(f"&{k}={v}" for k, v in extra.items())
    async with aiohttp.ClientSession(headers=headers) as http, http.get(
            f"{base}/api/v1/catalog/content?limit=100{qs}") as resp:
        ids = [item["id"] for item in (await resp.json())["content"]]
    async with aiohttp.ClientSession(headers=headers) as http, http.get(
            f"{base}/api/v1/catalog/content?type=movie&tier=free&limit=1{qs}") as resp:
        movie = (await resp.json())["content"][0]["id"]
    manifest_url = f"{base}/api/v1/stream/{movie}/manifest?{qs[1:]}"
    async with aiohttp.ClientSession(headers=headers) as http, http.get(manifest_url) as resp:
        master_url = (await resp.json())["manifest_url"]
    sorts = ("trending", "recent", "a-z", "release_date")
    scenarios: list[tuple[str, Callable[[int], str]]] = [
        ("list (page of 20)", lambda i: f"{base}/api/v1/catalog/content?sort={sorts[i % 4]}&page={i % 5 + 1}{qs}"),
        ("details", lambda i: f"{base}/api/v1/catalog/content/{ids[i % len(ids)]}?{qs[1:]}"),
        ("search", lambda i: f"{base}/api/v1/catalog/search?q={QUERIES[i % len(QUERIES)]}{qs}"),
        ("manifest (JSON)", lambda i: manifest_url),
        ("master playlist", lambda i: master_url),
    ]
    rows = [await scenario(base, name=name, make_url=url, headers=headers, requests=args.requests,
                           seconds=args.seconds, concurrency=args.concurrency) for name, url in scenarios]
    who = "viewer with a profile" if extra else "anonymous"
    print(f"\ncatalog API, {args.concurrency} concurrent clients, {who}, full seed (540 titles)")
    print(f"{'endpoint':<20}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for r in rows:
        print(f"{r['name']:<20}{r['requests']:>9}{r['errors']:>8}{r['rps']:>9.0f}{r['p50']:>9.1f}"
              f"{r['p95']:>9.1f}{r['p99']:>9.1f}")
    return 0 if all(r["errors"] == 0 for r in rows) else 1


def main() -> int:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000, help="requests per scenario (upper bound)")
    parser.add_argument("--seconds", type=float, default=20.0, help="time per scenario (upper bound)")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--data-dir", default=None,
                        help="server data dir with packaged samples (default: the server's, as `ott-media samples`)")
    args = parser.parse_args()
    if args.data_dir is None:
        from server.settings import default_data_dir

        args.data_dir = str(default_data_dir())
    args.data_dir = str(Path(args.data_dir).resolve())
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
