"""What the benchmark scripts share: a scratch database, a packaged test card, a server process, a viewer.

Used by ``serving.py``, ``catalog_api.py``, ``soak.py`` and ``fuzz.py`` (imported as ``_harness``: a
script's own directory is first on ``sys.path``). Everything stays on 127.0.0.1; a scratch database
is dropped (``WITH (FORCE)``) however its block ends.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("OTT_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("OTT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "Sup3r-secret!"  # noqa: S105 - throwaway benchmark accounts


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0-100) of ``values`` by nearest rank (0 without values)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def fmt(value: float | None, spec: str = ".2f") -> str:
    """``value`` formatted with ``spec``, or an em dash when there is none."""
    return "—" if value is None else format(value, spec)


def ratio_text(sim: float | None, real: float | None) -> str:
    """``sim ÷ real`` to two decimals; "=" when both are zero, an em dash when it cannot be told."""
    if sim is None or real is None:
        return "—"
    if real == 0:
        return "=" if sim == 0 else "—"
    return f"{sim / real:.2f}"


async def wait_ready(base: str, *, timeout_s: float = 60) -> None:
    """Poll ``<base>/ready`` until it answers 200; RuntimeError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"{base}/ready") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{base} did not become ready")


@asynccontextmanager
async def scratch_database(*, prefix: str, admin_url: str = PG_ADMIN) -> AsyncIterator[str]:
    """A new empty database on ``admin_url``'s server, named ``<prefix>_<random>``: yields its URL, then drops it."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def package_card(media_root: Path, *, asset_id: str, seconds: float, renditions: tuple[str, ...],
                       width: int = 640, height: int = 360, title: str = "Bench card") -> Path:
    """Package a ``seconds`` test card as ``<media_root>/<asset_id>`` with the ladder's ``renditions``
    (once: an already packaged asset is kept); files readable by other users (nginx's workers)."""
    from media.ladder import DEFAULT_LADDER
    from media.pipeline import package_asset
    from media.testcard import make_testcard

    if await asyncio.to_thread((media_root / asset_id / "asset.json").is_file):
        return media_root
    await asyncio.to_thread(media_root.mkdir, parents=True, exist_ok=True)
    card = media_root.parent / f"{asset_id}-card.mp4"
    await make_testcard(card, duration=seconds, width=width, height=height)
    ladder = tuple(r for r in DEFAULT_LADDER if r.name in renditions)
    await package_asset(card, media_root / asset_id, ladder=ladder, title=title)
    await asyncio.to_thread(_readable_by_all, media_root)
    return media_root


def _readable_by_all(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def server_env(*, db_url: str, redis_url: str = REDIS_URL, namespace: str | None = None,
               extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a benchmarked ``ott-server``: this process's, the stores, rate limits off, bcrypt cost 4,
    warnings only, plus ``extra``."""
    return {**os.environ, "OTT_DATABASE_URL": db_url, "OTT_REDIS_URL": redis_url,
            "OTT_REDIS_NAMESPACE": namespace or f"bench-{uuid.uuid4().hex[:6]}", "OTT_RATE_LIMITS_ENABLED": "false",
            "OTT_LOG_LEVEL": "WARNING", "OTT_BCRYPT_ROUNDS": "4", **(extra or {})}


async def start_server(env: Mapping[str, str], *, port: int, project: Path = ROOT, quiet: bool = False,
                       python_args: tuple[str, ...] = ()) -> asyncio.subprocess.Process:
    """``python [python_args] -m server serve`` of ``project`` on 127.0.0.1:``port``, once ``/ready`` answers."""
    out = asyncio.subprocess.DEVNULL if quiet else None
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *python_args, "-m", "server", "serve",
        env={**env, "OTT_PORT": str(port), "OTT_HOST": "127.0.0.1", "PYTHONPATH": str(project)}, cwd=project,
        stdout=out, stderr=out)
    try:
        await wait_ready(f"http://127.0.0.1:{port}")
    except BaseException:
        await stop(proc)
        raise
    return proc


async def stop(proc: asyncio.subprocess.Process | None) -> None:
    """Terminate ``proc`` (if it still runs) and wait for it."""
    if proc is not None and proc.returncode is None:
        proc.terminate()
        await proc.wait()


@asynccontextmanager
async def server(env: Mapping[str, str], *, port: int, project: Path = ROOT, quiet: bool = False,
                 python_args: tuple[str, ...] = ()) -> AsyncIterator[asyncio.subprocess.Process]:
    """:func:`start_server` for the block's duration."""
    proc = await start_server(env, port=port, project=project, quiet=quiet, python_args=python_args)
    try:
        yield proc
    finally:
        await stop(proc)


async def register_viewer(base: str, *, email_prefix: str = "bench") -> tuple[dict[str, str], str, str]:
    """Register a viewer on ``base``: (auth headers, first profile id, refresh token)."""
    async with aiohttp.ClientSession() as http:
        email = f"{email_prefix}-{uuid.uuid4().hex[:8]}@example.com"
        async with http.post(f"{base}/api/v1/auth/register", json={"email": email, "password": PASSWORD}) as r:
            body = await r.json()
            if r.status != 201:
                raise RuntimeError(f"register answered {r.status}: {body}")
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        async with http.get(f"{base}/api/v1/auth/profiles", headers=headers) as r:
            return headers, (await r.json())["profiles"][0]["id"], body["refresh_token"]
