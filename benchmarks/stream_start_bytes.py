"""Bytes mpv downloads before its first frame: full signed master vs. what the streaming policy hands out.

Runs the real server (system PostgreSQL/Redis on 127.0.0.1, a throw-away database), packages a
test card with the default 5-rung ladder, and plays each scenario with libmpv (--vo=null
--ao=null) through a counting TCP proxy: the figure is every byte the server sent to mpv from
``loadfile`` to the first ``video-params``.

    .venv/bin/python benchmarks/stream_start_bytes.py [--seconds 8] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import mpv
from aiohttp import ClientSession, web

from media.pipeline import package_asset
from media.testcard import make_testcard
from server.app import create_app
from server.settings import Settings


class CountingProxy:
    """A TCP relay to the server counting bytes sent towards the client."""

    def __init__(self, *, target_port: int) -> None:
        """Relay to 127.0.0.1:``target_port``."""
        self.target_port = target_port
        self.down_bytes = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen on a free port; return it."""
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, count: bool) -> None:
        try:
            while data := await reader.read(65536):
                if count:
                    self.down_bytes += len(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(self._pipe(reader, up_writer, count=False), self._pipe(up_reader, writer, count=True))


def first_frame_bytes(url: str, proxy: CountingProxy, **options: Any) -> tuple[int, int]:
    """Play ``url`` until the first video-params; (bytes received, picture height)."""
    player = mpv.MPV(vo="null", ao="null", config=False, ytdl=False, demuxer_lavf_o="http_multiple=0", **options)
    seen = threading.Event()
    height: list[int] = []

    def on_params(_name: str, value: Any) -> None:
        if value and value.get("h") and not seen.is_set():
            height.append(int(value["h"]))
            seen.set()

    try:
        player.observe_property("video-params", on_params)
        proxy.down_bytes = 0
        player.play(url)
        if not seen.wait(60):
            raise RuntimeError(f"no first frame from {url}")
        got = proxy.down_bytes
    finally:
        player.terminate()
    return got, height[0]


async def main() -> None:
    """Package, start the server and measure every scenario."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/ott-bench-stream"))
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    media_dir = args.work / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    card = args.work / "card1080.mp4"
    if not card.exists():
        await make_testcard(card, duration=args.seconds, width=1920, height=1080)
    asset = await package_asset(card, media_dir / "bench")
    db_name = f"ott_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(args.pg_admin)
    await admin.execute(f'CREATE DATABASE "{db_name}"')
    try:
        settings = Settings(data_dir=args.work / "data", media_dir=media_dir,
                            database_url=args.pg_admin.rsplit("/", 1)[0] + "/" + db_name, redis_url=args.redis,
                            redis_namespace=f"bench{uuid.uuid4().hex[:6]}",
                            url_signing_secret="bench-secret-0123456789",  # noqa: S106 - throw-away server
                            rate_limits_enabled=False, log_json=False, bcrypt_rounds=4)
        runner = web.AppRunner(create_app(settings))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        proxy = CountingProxy(target_port=port)
        base = f"http://127.0.0.1:{await proxy.start()}"
        try:
            await run_scenarios(base, proxy, settings=settings, runner=runner, asset_name=asset.asset_id,
                                runs=args.runs, rungs=len(asset.renditions))
        finally:
            await runner.cleanup()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        await admin.close()


async def run_scenarios(base: str, proxy: CountingProxy, *, settings: Settings, runner: web.AppRunner,
                        asset_name: str, runs: int, rungs: int) -> None:
    """Register a premium viewer, add the title, and print one line per scenario."""
    from server import keys

    app = runner.app
    async with ClientSession(base) as http:
        reg = await (await http.post("/api/v1/auth/register", json={
            "email": f"bench-{uuid.uuid4().hex[:8]}@example.com", "password": "Sup3r-secret!"})).json()
        token = reg["access_token"]
        hdr = {"Authorization": f"Bearer {token}"}
        db = app[keys.DB]
        await db.execute("UPDATE users SET subscription_tier = 'premium' WHERE id = $1::uuid", reg["user_id"])
        profile = (await (await http.get("/api/v1/auth/profiles", headers=hdr)).json())["profiles"][0]["id"]
        cid = await db.fetchval(
            "INSERT INTO content (type, title, maturity_rating, workflow_state, tier_requirement, asset_id)"
            " VALUES ('movie', 'Bench', 'U', 'published', 'free', $1) RETURNING id::text", asset_name)

        async def fresh(extra: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
            await app[keys.REDIS].delete(f"{settings.redis_namespace}:stream:tput:{reg['user_id']}")
            resp = await http.get(f"/api/v1/stream/{cid}/manifest", params={"profile_id": profile, **(extra or {})},
                                  headers={**hdr, **(headers or {})})
            body: dict[str, Any] = await resp.json()
            assert resp.status == 200, body
            return body

        async def pin(body: dict[str, Any], rendition: str) -> None:
            await http.put(f"/api/v1/stream/sessions/{body['session_id']}/rendition", json={"rendition": rendition},
                           headers=hdr)

        async def full(opts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
            body = await fresh(headers={"Downlink": "50"})
            return body["manifest_url"], opts

        async def slow_manifest(opts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
            body = await fresh({"net": "2g"})
            return body["manifest_url"], opts

        async def steered(opts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
            body = await fresh({"net": "2g"})
            await pin(body, "144p")
            return body["steered_url"], opts

        scenarios: list[tuple[str, Any, dict[str, Any]]] = [
            (f"full master ({rungs} variants), mpv default (hls-bitrate=max)", full, {}),
            (f"full master ({rungs} variants), mpv --hls-bitrate=min", full, {"hls_bitrate": "min"}),
            ("policy: net=2g manifest (rungs a 2g link carries)", slow_manifest, {}),
            ("policy: steered playlist, 144p", steered, {}),
        ]
        print(f"{'scenario':<58} {'first frame at':>14} {'bytes before first frame (median of ' + str(runs) + ')':>40}")
        for name, make, opts in scenarios:
            figures = []
            height = 0
            for _ in range(runs):
                url, options = await make(opts)
                got, height = await asyncio.to_thread(first_frame_bytes, url, proxy, **options)
                figures.append(got)
            med = statistics.median(figures)
            print(f"{name:<58} {str(height) + 'p':>14} {med / 1e6:>12.2f} MB ({int(med):,} B)")


if __name__ == "__main__":
    asyncio.run(main())
