"""Apply ``sql/NNNN_name.sql`` files in order; each in its own transaction, recorded once."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources

import asyncpg

log = logging.getLogger(__name__)
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_ID = 0x0_77_4C_42  # arbitrary, constant: one migrator at a time per database


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    sql: str


def discover() -> list[Migration]:
    """All migrations shipped in ``server/migrations/sql``, sorted by version."""
    found: list[Migration] = []
    for entry in resources.files("server.migrations").joinpath("sql").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"duplicate migration versions in {versions}")
    return found


async def applied_versions(conn: asyncpg.Connection) -> set[int]:
    """Versions already applied to this database."""
    rows = await conn.fetch("SELECT version FROM schema_migrations")
    return {r["version"] for r in rows}


async def migrate(pool: asyncpg.Pool, migrations: list[Migration] | None = None) -> list[Migration]:
    """Bring the database up to date; return the migrations applied now (idempotent)."""
    todo = discover() if migrations is None else migrations
    applied_now: list[Migration] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INT PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            done = await applied_versions(conn)
            for mig in todo:
                if mig.version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(mig.sql)
                    await conn.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                       mig.version, mig.name)
                log.info("applied migration", extra={"version": mig.version, "migration": mig.name})
                applied_now.append(mig)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)
    return applied_now
