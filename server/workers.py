"""``ott-server serve --workers N``: N server processes sharing one port (``SO_REUSEPORT``).

The supervisor starts the embedded PostgreSQL/Redis once when no URL is configured, applies the
migrations once, then runs N ``ott-server serve --reuse-port`` children with the stores' URLs in
their environment. Each child binds the same host:port with ``SO_REUSEPORT``, so the kernel spreads
new connections over them (a keep-alive connection stays with its process). SIGINT/SIGTERM are
passed on; when one child dies the others are stopped too (exit status 1), and the embedded
stores stop last.

Choosing N: one process is one core of Python. Use N = the cores left after whatever else runs on the
machine (PostgreSQL, Redis, nginx, a load generator): on a dedicated 8-core box 6–7, on a 2-core box
sharing the cores with the databases and the load tool 1 (two processes then only take turns on
the same cores and add context switches). In-process caches (assets, playlists, bookkeeping
batches) are per process; sessions, rate limits and the throughput log live in Redis, so any
process can answer any request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

from server.settings import Settings
from server.storage.embedded import EmbeddedServices
from server.storage.lifecycle import open_stores

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 15.0


def child_env(settings: Settings, *, database_url: str, redis_url: str) -> dict[str, str]:
    """The environment of a worker: this one plus the settings the supervisor resolved (pure; unit-tested)."""
    env = dict(os.environ)
    env.update({"OTT_DATABASE_URL": database_url, "OTT_REDIS_URL": redis_url, "OTT_HOST": settings.host,
                "OTT_PORT": str(settings.port), "OTT_DATA_DIR": str(settings.data_dir),
                "OTT_MEDIA_DIR": str(settings.resolved_media_dir)})
    return env


def child_command(config: Path | None) -> list[str]:
    """The command line of one worker."""
    cmd = [sys.executable, "-m", "server"]
    if config is not None:
        cmd += ["--config", str(config)]
    return [*cmd, "serve", "--reuse-port"]


async def supervise(settings: Settings, *, workers: int, config: Path | None) -> int:
    """Run ``workers`` children until a signal or until one of them exits; the exit status."""
    embedded = EmbeddedServices(settings.data_dir)
    pg_url, redis_url = await embedded.start(need_postgres=settings.uses_embedded_postgres,
                                             need_redis=settings.uses_embedded_redis)
    try:
        db = settings.database_url or pg_url or ""
        rd = settings.redis_url or redis_url or ""
        resolved = settings.model_copy(update={"database_url": db, "redis_url": rd})
        async with open_stores(resolved):  # migrations, once, before any worker starts
            pass
        env = child_env(settings, database_url=db, redis_url=rd)
        procs = [await asyncio.create_subprocess_exec(*child_command(config), env=env) for _ in range(workers)]
        log.info("started %d workers on %s:%d", workers, settings.host, settings.port,
                 extra={"pids": [p.pid for p in procs]})
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        waits = [asyncio.create_task(p.wait()) for p in procs]
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait([*waits, stopper], return_when=asyncio.FIRST_COMPLETED)
        status = 0 if stop.is_set() else 1
        for p in procs:
            if p.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    p.send_signal(signal.SIGTERM)
        await asyncio.wait(waits, timeout=STOP_TIMEOUT_S)
        for p in procs:
            if p.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    p.kill()
        await asyncio.gather(*waits, return_exceptions=True)
        stopper.cancel()
        return status
    finally:
        await embedded.stop()
