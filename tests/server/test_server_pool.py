"""The asyncpg pool resets every released connection: no leaked transaction, and a connection left
mid-operation (a request cancelled during a PostgreSQL restart) is closed instead of handed on."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from server import keys


async def test_release_rolls_back_an_open_transaction(api: TestClient) -> None:
    pool = api.app[keys.DB]
    async with pool.acquire() as conn:
        assert conn.get_reset_query()  # asyncpg's reset runs on release (see the module docstring)
    # a transaction left open (not through asyncpg's transaction manager) is rolled back on release
    conn = await pool.acquire()
    tx = conn.transaction()
    await tx.start()
    await conn.execute("CREATE TEMP TABLE pool_leak_probe (x int) ON COMMIT DROP")
    await pool.release(conn)
    for _ in range(pool.get_size()):  # whichever connection comes back, none is inside that transaction
        async with pool.acquire() as again:
            assert not again.is_in_transaction()
            assert await again.fetchval("SELECT to_regclass('pg_temp.pool_leak_probe') IS NULL")
