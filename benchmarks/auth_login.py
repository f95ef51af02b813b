"""Login latency with bcrypt cost 12 against a real app over the system PostgreSQL and Redis.

Usage: ``.venv/bin/python -m benchmarks.auth_login [--n 30] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
[--redis redis://127.0.0.1:6379/0]``. Creates (and drops) a scratch database, serves the app on
127.0.0.1, registers one account and times ``--n`` sequential ``POST /api/v1/auth/login`` calls.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg
from aiohttp import web

from server.app import create_app
from server.settings import Settings

PASSWORD = "Bench-passw0rd!"  # noqa: S105 - a throwaway benchmark account


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def run(*, n: int, pg_admin: str, redis_url: str) -> list[float]:
    """Serve the app, register once, and return ``n`` login latencies in milliseconds."""
    name = f"ott_bench_{uuid.uuid4().hex[:8]}"
    await _admin(pg_admin, f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(data_dir=Path(tmp), database_url=f"{pg_admin.rsplit('/', 1)[0]}/{name}",
                                redis_url=redis_url, redis_namespace=name, rate_limits_enabled=False,
                                bcrypt_rounds=12, log_json=False, log_level="WARNING")
            runner = web.AppRunner(create_app(settings), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            base = f"http://127.0.0.1:{port}/api/v1/auth"
            try:
                async with aiohttp.ClientSession() as http:
                    email = f"bench-{uuid.uuid4().hex[:6]}@example.com"
                    async with http.post(f"{base}/register", json={"email": email, "password": PASSWORD}) as resp:
                        assert resp.status == 201, await resp.text()
                    samples = []
                    for _ in range(n):
                        start = time.perf_counter()
                        async with http.post(f"{base}/login", json={"email": email, "password": PASSWORD}) as resp:
                            await resp.read()
                            assert resp.status == 200
                        samples.append((time.perf_counter() - start) * 1000)
                    return samples
            finally:
                await runner.cleanup()
    finally:
        await _admin(pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    """Parse arguments, run, print p50/p95."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    samples = asyncio.run(run(n=args.n, pg_admin=args.pg, redis_url=args.redis))
    q = statistics.quantiles(samples, n=20)
    print(f"login (bcrypt cost 12), {len(samples)} sequential requests: "
          f"p50 {statistics.median(samples):.0f} ms, p95 {q[18]:.0f} ms, min {min(samples):.0f} ms, "
          f"max {max(samples):.0f} ms")


if __name__ == "__main__":
    main()
