"""Bytes and time to a usable home screen on the ``2g`` profile, the TUI's API traffic through the shaping proxy.

Usage: .venv/bin/python benchmarks/tui_home_2g.py [--profile 2g] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Starts the real server (system PostgreSQL/Redis, a scratch database, the full demo catalog) on a loopback
port, runs the Textual app headless (``App.run_test``) with ``network_profile=2g`` and ``shape_api=true``,
and measures: connect + login, then profile picked → every home tray filled (cold cache), then the
same again with the on-disk ETag cache warm (304 revalidation). "Bytes" are the proxy's downstream bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web

from server import keys
from server.app import create_app
from server.catalog.seed import seed_catalog
from server.settings import Settings
from tui.app import OttApp
from tui.config import TuiConfig
from tui.screens.home import HomeScreen
from tui.widgets.tray import Tray

PASSWORD = "Sup3r-secret!"  # noqa: S105 - a throwaway benchmark account


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """The app on its own loop in a thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings, self.port = settings, _free_port()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.runner: web.AppRunner | None = None

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(300)

    async def start(self) -> None:
        app = create_app(self.settings)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        await seed_catalog(app[keys.DB])

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


async def wait(pilot: Any, predicate: Any, *, limit_s: float = 300) -> None:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > limit_s:
            raise TimeoutError("the app did not get there")
        await pilot.pause(0.02)


def home_ready(app: OttApp) -> bool:
    screen = app.screen
    if not isinstance(screen, HomeScreen) or not screen.children:
        return False
    status = str(screen.query_one("#home-status").render())
    return "Loading" not in status and bool(screen.query_one("#tray-genres", Tray).items)


async def measure(url: str, email: str, profile: str, cache_dir: Path) -> dict[str, float]:
    app = OttApp(config=TuiConfig(server_url=url, network_profile=profile, shape_api=True), headless=True,
                 persist_config=False, http_cache_dir=cache_dir)
    out: dict[str, float] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        t0 = time.monotonic()
        await wait(pilot, lambda: type(app.screen).__name__ == "LoginScreen")
        await app.api.login(email=email, password=PASSWORD)
        profiles = await app.api.profiles()
        out["login_s"] = time.monotonic() - t0
        out["login_bytes"] = app.shaper.down_bytes()
        b0, t1 = app.shaper.down_bytes(), time.monotonic()
        app.profile_chosen(profiles[0])
        await wait(pilot, lambda: home_ready(app))
        out["home_cold_s"] = time.monotonic() - t1
        out["home_cold_bytes"] = app.shaper.down_bytes() - b0
        out["home_cold_requests"] = app.api.stats.requests
        b1, r1, t2 = app.shaper.down_bytes(), app.api.stats.requests, time.monotonic()
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        screen.query_one("#home-status").update("Loading")  # type: ignore[attr-defined]
        screen.action_refresh()
        await wait(pilot, lambda: home_ready(app))
        out["home_warm_s"] = time.monotonic() - t2
        out["home_warm_bytes"] = app.shaper.down_bytes() - b1
        out["home_warm_304"] = app.api.stats.not_modified
        out["home_warm_requests"] = app.api.stats.requests - r1
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--profile", default="2g")
    p.add_argument("--pg", default=os.environ.get("OTT_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    p.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = p.parse_args()
    name = f"ott_bench_tui_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(args.pg)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", database_url=args.pg.rsplit("/", 1)[0] + "/" + name,
                            redis_url=args.redis, redis_namespace=f"bench{uuid.uuid4().hex[:8]}", log_json=False,
                            rate_limits_enabled=False, bcrypt_rounds=4, log_level="WARNING")
        server = Server(settings)
        try:
            server.run(server.start())
            url = f"http://127.0.0.1:{server.port}"
            email = f"bench-{uuid.uuid4().hex[:6]}@example.com"
            import json
            import urllib.request

            req = urllib.request.Request(url + "/api/v1/auth/register", method="POST",  # noqa: S310
                                         data=json.dumps({"email": email, "password": PASSWORD}).encode(),
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=30).read()  # noqa: S310 - loopback
            result = asyncio.run(measure(url, email, args.profile, Path(tmp) / "cache"))
        finally:
            server.run(server.stop())
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"profile {args.profile}: API traffic through the shaping proxy")
    print(f"  connect+login+profiles: {result['login_s']:.2f} s, {result['login_bytes'] / 1000:.1f} kB")
    print(f"  home (cold cache):      {result['home_cold_s']:.2f} s, {result['home_cold_bytes'] / 1000:.1f} kB, "
          f"{result['home_cold_requests']:.0f} requests so far")
    print(f"  home (warm, ETag):      {result['home_warm_s']:.2f} s, {result['home_warm_bytes'] / 1000:.1f} kB, "
          f"{result['home_warm_requests']:.0f} requests, {result['home_warm_304']:.0f} answered 304")


if __name__ == "__main__":
    main()
