"""Load-test fixtures: a real ``ott-server serve`` subprocess over the system PostgreSQL/Redis, seeded,
with a short test card packaged once (real ffmpeg) and every seeded title pointing at it."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from media.ladder import DEFAULT_LADDER
from media.pipeline import package_asset
from media.testcard import make_testcard
from tests.conftest import SYSTEM_PG_ADMIN, SYSTEM_REDIS

ASSET_ID = "ltcard"
CARD_SECONDS = 8.0
#: A link schedule that drops: 4g for 2 s, then 2g for 10 s, looping (smoke runs, the ad player's adaptation).
FLAP = """
name = "flap"
loop = true
[[steps]]
profile = "4g"
duration_s = 2
[[steps]]
profile = "2g"
duration_s = 10
"""
LADDER = tuple(r for r in DEFAULT_LADDER if r.name in ("144p", "360p", "720p"))
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class LoadServer:
    """A running server: its base URL, environment (for ott-server subcommands) and log file."""

    url: str
    env: dict[str, str]
    log: Path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen[bytes], *, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"ott-server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/ready", timeout=2) as resp:  # noqa: S310 (127.0.0.1)
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("ott-server did not become ready")


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(SYSTEM_PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _point_titles_at(database_url: str, asset_id: str, seconds: float) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("UPDATE content SET asset_id = $1, asset_duration_s = $2 WHERE asset_id IS NOT NULL",
                           asset_id, seconds)
        await conn.execute("UPDATE episodes SET asset_id = $1, asset_duration_s = $2", asset_id, seconds)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def load_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A media dir with ``ltcard``: an 8 s 1280x720 card as 144p/360p/720p MPEG-TS renditions."""
    base = tmp_path_factory.mktemp("load-media")
    card = base / "card.mp4"
    root = base / "media"
    root.mkdir()

    async def build() -> None:
        await make_testcard(card, duration=CARD_SECONDS, width=1280, height=720)
        await package_asset(card, root / ASSET_ID, ladder=LADDER, title="Load card")

    asyncio.run(build())
    return root


@pytest.fixture(scope="session")
def load_server(tmp_path_factory: pytest.TempPathFactory, load_media: Path) -> Iterator[LoadServer]:
    """``ott-server serve`` on a free port, fresh database, rate limits off, cheap bcrypt; seeded catalog."""
    name = f"ott_load_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    database_url = f"{SYSTEM_PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    port = free_port()
    data = tmp_path_factory.mktemp("load-data")
    env = {**os.environ, "OTT_DATABASE_URL": database_url, "OTT_REDIS_URL": SYSTEM_REDIS,
           "OTT_REDIS_NAMESPACE": f"lt{uuid.uuid4().hex[:10]}", "OTT_MEDIA_DIR": str(load_media),
           "OTT_DATA_DIR": str(data), "OTT_PORT": str(port), "OTT_HOST": "127.0.0.1",
           "OTT_RATE_LIMITS_ENABLED": "false", "OTT_BCRYPT_ROUNDS": "4", "OTT_LOG_LEVEL": "WARNING",
           "OTT_URL_SIGNING_SECRET": "load-test-secret", "OTT_CATALOG_TRENDING_INTERVAL_S": "0"}
    log = data / "server.log"
    seed = subprocess.run([str(BIN / "ott-server"), "seed", "--movies", "12", "--shows", "2", "--sports", "2"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert seed.returncode == 0, seed.stderr
    asyncio.run(_point_titles_at(database_url, ASSET_ID, CARD_SECONDS))
    with log.open("wb") as fh:
        proc = subprocess.Popen([str(BIN / "ott-server"), "serve"], env=env, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc)
        yield LoadServer(url=url, env=env, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
