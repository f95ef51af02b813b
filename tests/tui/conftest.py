"""TUI fixtures: a real server (system PostgreSQL/Redis) in a background thread, seeded with a small
fixed catalog whose titles play one packaged short clip, and an app factory.

The server runs on its own event loop in a thread so that both async Pilot tests and the (sync)
snapshot tests can talk to it, and so a test can kill it mid-playback.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from media.assets import Asset
from media.ladder import DEFAULT_LADDER
from media.longform import build_long_asset
from media.pipeline import package_asset
from media.testcard import make_testcard
from server import keys
from server.app import create_app
from server.catalog.seed import SAMPLE_ASSETS, seed_catalog
from server.settings import Settings
from tests.conftest import SYSTEM_REDIS, make_settings, truncate_all
from tui.app import OttApp
from tui.config import TuiConfig

CLIP_SECONDS = 8.0
#: The long sample title (``testcard-7m``) in the TUI tests: the clip played LONG_REPEATS times (by stream copy,
#: media.longform), long enough to play through the ``commute`` schedule's 4g → 2g → 3g → 4g.
LONG_ASSET, LONG_REPEATS = "testcard-7m", 16
#: The long title has the lowest rung too (as the real one, which has every rung): 2g cannot carry 144p.
LONG_LADDER = tuple(r for r in DEFAULT_LADDER if r.name in ("108p", "144p", "360p"))
CLIP_LADDER = tuple(r for r in DEFAULT_LADDER if r.name in ("144p", "360p"))
SEED_DAY = date(2024, 6, 1)
PASSWORD = "Sup3r-secret!"


#: Per-test hang guard for the terminal client's tests (pytest-timeout; the project default is 300 s).
#: These tests drive real mpv, which plays in real time: with both cores busy a 75 s end-to-end test
#: took more than 300 s (busy-loop run of scripts/tui-under-load.sh), so the guard is wider here. It
#: catches a hang, it asserts nothing about speed.
TUI_TEST_TIMEOUT_S = 900
_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every test under tests/tui without a timeout of its own the TUI hang guard."""
    for item in items:
        if item.path.is_relative_to(_HERE) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TUI_TEST_TIMEOUT_S))


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A media dir where every sample asset id is one 8 s 640x360 clip (144p + 360p), packaged once, except
    the long title (LONG_ASSET): the clip packaged with LONG_LADDER, repeated LONG_REPEATS times (128 s)."""
    base = tmp_path_factory.mktemp("tui-media")
    root = base / "media"
    root.mkdir()
    first, *others = SAMPLE_ASSETS

    async def build() -> Asset:
        await make_testcard(base / "clip.mp4", duration=CLIP_SECONDS, width=640, height=360)
        return await package_asset(base / "clip.mp4", root / first, ladder=CLIP_LADDER, asset_id=first,
                                   title="Clip")

    async def build_long() -> None:
        await package_asset(base / "clip.mp4", base / "long-clip", ladder=LONG_LADDER, asset_id="long-clip",
                            title="Long clip")
        await build_long_asset(base / "long-clip", root / LONG_ASSET, repeats=LONG_REPEATS, asset_id=LONG_ASSET,
                               title="Long clip")

    asset = asyncio.run(build())
    for asset_id in others:
        if asset_id == LONG_ASSET:
            asyncio.run(build_long())
            continue
        shutil.copytree(root / first, root / asset_id)
        asset.model_copy(update={"asset_id": asset_id}).save(root / asset_id / "asset.json")
    return root


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThreadedServer:
    """The real app served on 127.0.0.1 from a thread with its own event loop."""

    def __init__(self, settings: Settings, *, port: int) -> None:
        """Serve ``settings`` on ``port`` once started."""
        self.settings = settings
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner: web.AppRunner | None = None
        self.app: web.Application | None = None

    def call(self, coro: Any, timeout: float = 60) -> Any:
        """Run ``coro`` on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self, *, seed: bool = True) -> None:
        """Start serving (tables emptied, the fixed catalog seeded)."""
        if not self.thread.is_alive():
            self.thread.start()

        async def up() -> None:
            self.app = create_app(self.settings)
            self.runner = web.AppRunner(self.app)
            await self.runner.setup()
            await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
            if seed:
                db = self.app[keys.DB]
                await truncate_all(db)
                await seed_catalog(db, movies=6, shows=2, sports=1, seed=7, media_dir=self.settings.media_dir,
                                   today=SEED_DAY)
                # the fixed seed day lies in the past: keep every title available whatever today is
                await db.execute("UPDATE content SET available_until = NULL")

        self.call(up())

    def kill(self) -> None:
        """Stop serving (connections drop; the loop stays for cleanup)."""
        if self.runner is not None:
            self.call(self.runner.cleanup())
            self.runner = None

    def close(self) -> None:
        """Stop and end the thread."""
        self.kill()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    def execute(self, sql: str, *args: Any) -> str:
        """Run one SQL statement on the server's database (blocking, for test setup)."""

        async def run() -> str:
            assert self.app is not None
            return str(await self.app[keys.DB].execute(sql, *args))

        return str(self.call(run()))

    def post(self, path: str, body: dict[str, Any], *, token: str | None = None) -> dict[str, Any]:
        """POST JSON (blocking, for test setup)."""
        req = urllib.request.Request(  # noqa: S310 - loopback test server
            self.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback test server
            return dict(json.loads(resp.read() or b"{}"))

    def get(self, path: str, *, token: str) -> dict[str, Any]:
        """GET JSON (blocking)."""
        req = urllib.request.Request(  # noqa: S310 - loopback test server
            self.url + path, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback test server
            return dict(json.loads(resp.read()))


@pytest.fixture
def server_settings(tmp_path: Path, system_database_url: str, media_dir: Path) -> Settings:
    """System PostgreSQL/Redis, the packaged clip, cheap bcrypt, no rate limits.

    The recommender gets a generous timeout: on a loaded machine its 2 s default sometimes degrades
    the Recommended tray to trending, which made the home snapshot flaky.
    """
    return make_settings(tmp_path, database_url=system_database_url, redis_url=SYSTEM_REDIS, media_dir=media_dir,
                         bcrypt_rounds=4, recs_timeout_s=30.0)


@pytest.fixture
def server(server_settings: Settings) -> Iterator[ThreadedServer]:
    """A running, seeded server."""
    srv = ThreadedServer(server_settings, port=free_port())
    srv.start()
    yield srv
    srv.close()


@dataclass(frozen=True)
class Account:
    """A registered account."""

    email: str
    user_id: str
    access_token: str


def make_account(server: ThreadedServer, *, email: str | None = None) -> Account:
    """Register an account directly (blocking)."""
    address = email or f"qa-{uuid.uuid4().hex[:8]}@example.com"
    body = server.post("/api/v1/auth/register", {"email": address, "password": PASSWORD})
    return Account(email=address, user_id=body["user_id"], access_token=body["access_token"])


def make_app(server_url: str, tmp_path: Path, **config: Any) -> OttApp:
    """An app talking to ``server_url``, headless, with its cache under ``tmp_path``, no config writes and no
    animations (a scroll or fade caught half-way would make a snapshot depend on timing)."""
    app = OttApp(config=TuiConfig(server_url=server_url, **config), headless=True, persist_config=False,
                 http_cache_dir=tmp_path / "http-cache")
    app.animation_level = "none"
    return app
