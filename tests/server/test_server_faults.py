"""Faults (#16): the Redis process killed mid-playback, against an embedded Redis of the test's own.

Security and session state has PostgreSQL as its source of truth, so after Redis is killed and
restarted empty: the same playback goes on (no 403), a logged-out token stays dead and a locked
account stays locked; while Redis is down, the catalog, a title's details and the caller's account
keep answering. The Redis here is a private ``redis-server`` on a unix socket under the test's
temporary directory (never the system Redis).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.app import create_app
from server.storage.embedded import EmbeddedPostgres, EmbeddedRedis
from server.streaming.sessions import session_key
from tests.conftest import make_settings, truncate_all
from tests.helpers import auth, new_viewer, register
from tests.streaming.conftest import MediaRoot, add_title, manifest, media_playlist, media_root  # noqa: F401

log = logging.getLogger(__name__)


@pytest.fixture
def backend() -> str:
    """PostgreSQL: the system server (its own database); Redis: the test's own, below."""
    return "system"


@pytest.fixture
def own_redis(tmp_path: Path) -> Any:
    """A private embedded Redis the test may kill; stopped at the end."""
    server = EmbeddedRedis(tmp_path / "own-redis")
    url = server.start()
    yield server, url
    server.stop()


def kill_redis(server: EmbeddedRedis) -> None:
    """SIGKILL the Redis process (no shutdown, no save)."""
    proc = server._proc
    assert proc is not None
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    server._proc = None
    server.socket_path.unlink(missing_ok=True)


async def get_through(api: TestClient, path: str, **kwargs: Any) -> Any:
    """GET, retrying while the answer is a 503 (the client reconnecting after the restart)."""
    for _ in range(20):
        resp = await api.get(path, **kwargs)
        if resp.status != 503:
            return resp
        await asyncio.sleep(0.1)
    return resp


async def test_redis_killed_mid_playback(aiohttp_client: Any, tmp_path: Path, store_urls: tuple[str, str],
                                         media_root: MediaRoot, own_redis: Any) -> None:  # noqa: F811
    """Kill -9 Redis during playback; reads keep answering; after the restart nothing is revived or broken."""
    redis_server, redis_url = own_redis
    settings = make_settings(tmp_path, database_url=store_urls[0], redis_url=redis_url, media_dir=media_root.root,
                             lockout_attempts=2)
    api: TestClient = await aiohttp_client(create_app(settings))
    await truncate_all(api.app[keys.DB])
    viewer = await new_viewer(api)
    cid = await add_title(api)
    status, body, _ = await manifest(api, viewer, cid)
    assert status == 200, body
    session_id = body["session_id"]
    _, segments = await media_playlist(api, body["qualities"][0]["url"])
    assert (await api.get(segments[0])).status == 200
    # state that must survive: a logged-out login and a locked account
    gone = await register(api)
    assert (await api.post("/api/v1/auth/logout", headers=auth(gone["access_token"]), json={})).status == 204
    locked = await register(api)
    for _ in range(2):
        wrong = await api.post("/api/v1/auth/login", json={"email": locked["email"], "password": "Wrong-pass-1!"})
        assert wrong.status in (401, 423)
    assert (await api.post("/api/v1/auth/login", json={"email": locked["email"],
                                                       "password": "Sup3r-secret!"})).status == 423

    kill_redis(redis_server)
    # while Redis is down: catalog, details and the account answer
    assert (await api.get("/api/v1/catalog/content")).status == 200
    assert (await api.get(f"/api/v1/catalog/content/{cid}")).status == 200
    assert (await api.get("/api/v1/auth/me", headers=viewer.headers)).status == 200
    assert (await api.get("/api/v1/auth/me", headers=auth(gone["access_token"]))).status == 401

    redis_server.start()  # a fresh, empty Redis on the same socket
    second = await get_through(api, segments[1])
    assert second.status == 200, await second.text()
    sess = await get_through(api, f"/api/v1/stream/sessions/{session_id}", headers=viewer.headers)
    assert sess.status == 200, await sess.text()
    restored = session_key(settings.redis_namespace, session_id)
    assert await api.app[keys.REDIS].exists(restored), "the session was put back into the new Redis"
    for seg in segments[2:]:
        assert (await api.get(seg)).status == 200
    assert (await get_through(api, "/api/v1/auth/me", headers=auth(gone["access_token"]))).status == 401
    relogin = await api.post("/api/v1/auth/login", json={"email": locked["email"], "password": "Sup3r-secret!"})
    assert relogin.status == 423


@pytest.fixture
def own_postgres(tmp_path: Path) -> Any:
    """A private embedded PostgreSQL (pgserver) the test may restart; stopped at the end."""
    server = EmbeddedPostgres(tmp_path / "own-pg")
    url = server.start()
    yield server, url
    server.stop()


async def test_postgres_restart_loses_no_acknowledged_position(aiohttp_client: Any, tmp_path: Path,
                                                               store_urls: tuple[str, str], media_root: MediaRoot,  # noqa: F811
                                                               own_postgres: Any) -> None:
    """A client writes positions 4×/s through a PostgreSQL restart; every acknowledged one is kept."""
    pg_server, pg_url = own_postgres
    settings = make_settings(tmp_path, database_url=pg_url, redis_url=store_urls[1], media_dir=media_root.root)
    api: TestClient = await aiohttp_client(create_app(settings))
    viewer = await new_viewer(api)
    cid = await add_title(api)
    started = await api.post("/api/v1/stream/playback/start", headers=viewer.headers,
                             json={"profile_id": viewer.profile_id, "content_id": cid, "device_type": "web"})
    assert started.status == 200, await started.text()
    session_id = (await started.json())["session_id"]
    acknowledged: list[int] = []
    refused: list[int] = []
    stop = asyncio.Event()

    async def writer() -> None:
        seq = 0
        while not stop.is_set():
            seq += 1
            body = {"session_id": session_id, "profile_id": viewer.profile_id, "content_id": cid,
                    "position_seconds": seq * 0.25, "duration_seconds": 10_000, "seq": seq}
            try:
                resp = await api.put("/api/v1/stream/playback/position", headers=viewer.headers, json=body)
                (acknowledged if resp.status == 200 else refused).append(seq)
                assert resp.status in (200, 503), await resp.text()
            except OSError:
                refused.append(seq)
            await asyncio.sleep(0.25)

    task = asyncio.create_task(writer())
    await asyncio.sleep(1.5)
    before = len(acknowledged)
    await asyncio.to_thread(pg_server.stop)
    await asyncio.sleep(1.0)
    await asyncio.to_thread(pg_server.start)
    for _ in range(120):  # until writes are acknowledged again after the restart
        await asyncio.sleep(0.25)
        if len(acknowledged) > before and acknowledged[-1] > (refused[-1] if refused else 0):
            break
    await asyncio.sleep(1.0)
    stop.set()
    await task
    assert refused, "the restart was noticed (some writes refused while PostgreSQL was down)"
    assert acknowledged[-1] > refused[-1], "writes are acknowledged again after the restart"
    kept = await api.app[keys.DB].fetchval(
        "SELECT position_seconds FROM watch_history WHERE profile_id = $1::uuid AND content_id = $2::uuid",
        viewer.profile_id, cid)
    assert kept == pytest.approx(acknowledged[-1] * 0.25), (acknowledged[-5:], refused[-5:])
