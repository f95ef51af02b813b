"""PostgreSQL statements and pool resets per API request (#19): the Locust viewer's requests, once each.

An in-process app (``create_app``) on a scratch database seeded like ``serving.py``'s, every pooled
connection with a query logger; each request's statements are counted, asyncpg's reset on release
(``pg_advisory_unlock_all(); CLOSE ALL; ...``) apart. Round trips = statements + resets. Not a timing:

    .venv/bin/python benchmarks/api_round_trips.py [--project DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from _harness import ROOT, package_card, scratch_database, server_env
from aiohttp.test_utils import TestClient, TestServer

ASSET_ID = "benchcard"


async def measure(project: Path) -> dict[str, list[tuple[int, int]]]:
    """(statements, resets) of every request of one viewer's session, by endpoint."""
    sys.path.insert(0, str(project))
    import server.storage.postgres as pg
    from server.app import create_app
    from server.settings import Settings

    logged: list[str] = []
    plain_init = pg._init_connection

    async def init(conn: asyncpg.Connection) -> None:
        await plain_init(conn)
        conn.add_query_logger(lambda q: logged.append(q.query))

    pg._init_connection = init  # type: ignore[assignment]
    media = await package_card(Path("/tmp/ott-bench-serving/media"), asset_id=ASSET_ID, seconds=12.0,
                               renditions=("108p", "720p"), width=1280, height=720)
    counts: dict[str, list[tuple[int, int]]] = collections.defaultdict(list)
    async with scratch_database(prefix="ott_bench_rt") as db_url:
        env = server_env(db_url=db_url, extra={"OTT_MEDIA_DIR": str(media),
                                               "OTT_DATA_DIR": f"/tmp/ott-rt-{os.getpid()}",
                                               "OTT_URL_SIGNING_SECRET": "bench-round-trips-0123456789",
                                               "OTT_CATALOG_TRENDING_INTERVAL_S": "0"})
        seed = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server", "seed", "--movies", "40", "--shows", "5", "--sports", "5",
            env={**env, "PYTHONPATH": str(project)}, cwd=project, stdout=subprocess.DEVNULL)
        if await seed.wait() != 0:
            raise RuntimeError("seeding failed")
        conn = await asyncpg.connect(db_url)
        await conn.execute("UPDATE content SET asset_id = $1, asset_duration_s = 12 WHERE asset_id IS NOT NULL",
                           ASSET_ID)
        await conn.execute("UPDATE episodes SET asset_id = $1, asset_duration_s = 12", ASSET_ID)
        await conn.close()
        os.environ.update({k: v for k, v in env.items() if k.startswith("OTT_")})
        async with TestClient(TestServer(create_app(Settings()))) as api:
            async def call(name: str, method: str, url: str, **kw: Any) -> Any:
                await asyncio.sleep(0.05)  # let background work of the previous request settle
                before = len(logged)
                resp = await api.request(method, url, **kw)
                body = await resp.read()
                await asyncio.sleep(0.05)
                assert resp.status < 300, (name, resp.status, body[:200])
                mine = logged[before:]
                resets = sum("pg_advisory_unlock_all" in q for q in mine)
                counts[name].append((len(mine) - resets, resets))
                return json.loads(body) if body[:1] in (b"{", b"[") else body

            password = "Load-test-1!"  # noqa: S105
            account = {"email": "rt@example.com", "password": password}
            await call("register", "POST", "/api/v1/auth/register", json=account)
            login = await call("login", "POST", "/api/v1/auth/login", json=account)
            h = {"Authorization": f"Bearer {login['access_token']}"}
            pid = (await call("profiles", "GET", "/api/v1/auth/profiles", headers=h))["profiles"][0]["id"]
            page = await call("content list", "GET",
                              f"/api/v1/catalog/content?type=movie&tier=free&limit=50&profile_id={pid}", headers=h)
            titles = [x["id"] for x in page["content"]]
            await call("genres", "GET", f"/api/v1/catalog/genres?profile_id={pid}", headers=h)
            await call("trending", "GET", f"/api/v1/catalog/trending?profile_id={pid}&limit=20", headers=h)
            await call("continue-watching", "GET", f"/api/v1/activity/continue-watching?profile_id={pid}", headers=h)
            await call("search", "GET", f"/api/v1/catalog/search?q=river&profile_id={pid}", headers=h)
            await call("watchlist add", "POST", "/api/v1/activity/watchlist", headers=h,
                       json={"profile_id": pid, "content_id": titles[0]})
            await call("watchlist", "GET", f"/api/v1/activity/watchlist?profile_id={pid}", headers=h)
            for title in titles[:3]:
                await call("details", "GET", f"/api/v1/catalog/content/{title}?profile_id={pid}", headers=h)
                ids = {"profile_id": pid, "content_id": title}
                start = await call("playback/start", "POST", "/api/v1/stream/playback/start", headers=h,
                                   json={**ids, "device_type": "loadtest"})
                ids["session_id"] = start["session_id"]
                man = await call("manifest", "GET", f"/api/v1/stream/{title}/manifest?profile_id={pid}"
                                 f"&session_id={start['session_id']}&net=4g", headers=h)
                url = urlsplit(man["manifest_url"])
                await call("media master", "GET", f"{url.path}?{url.query}" if url.query else url.path)
                for seq in (1, 2):
                    await call("position", "PUT", "/api/v1/stream/playback/position", headers=h,
                               json={**ids, "position_seconds": 4 * seq, "duration_seconds": 12, "seq": seq})
                await call("complete", "POST", "/api/v1/stream/playback/complete", headers=h,
                           json={**ids, "watch_duration_seconds": 12, "completion_rate": 100, "seq": 9})
    return counts


def main() -> int:
    """Print statements / resets / round trips per endpoint."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, default=ROOT, help="checkout whose server is measured")
    args = parser.parse_args()
    counts = asyncio.run(measure(args.project.resolve()))
    print(f"{'request':<20}{'statements':>12}{'resets':>8}{'round trips':>13}")
    def span(values: list[int]) -> str:
        return f"{min(values)}" if min(values) == max(values) else f"{min(values)}-{max(values)}"

    for name, seen in counts.items():
        print(f"{name:<20}{span([s for s, _ in seen]):>12}{span([r for _, r in seen]):>8}"
              f"{span([s + r for s, r in seen]):>13}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
