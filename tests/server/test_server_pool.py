"""The asyncpg pool resets every released connection: no leaked transaction, and a connection left
mid-operation (a request cancelled during a PostgreSQL restart) is closed instead of handed on.
A request's statements share one connection (reset once), except beside a transaction on it."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp.test_utils import TestClient

from server import keys
from server.storage.postgres import request_connection
from tests.helpers import auth, default_profile, register


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


async def test_a_request_scope_shares_one_connection_and_gives_it_back(api: TestClient) -> None:
    pool = api.app[keys.DB]
    idle = pool.get_idle_size()
    async with request_connection(pool):
        first = await pool.fetchval("SELECT pg_backend_pid()")
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT pg_backend_pid()") == first
        assert await pool.fetchval("SELECT pg_backend_pid()") == first
        # another task (spawned by the request) does not use the request's connection
        assert await asyncio.create_task(pool.fetchval("SELECT pg_backend_pid()")) != first
    assert pool.get_idle_size() >= idle  # given back (and reset) when the scope ends


async def test_a_statement_beside_the_scopes_transaction_stays_out_of_it(api: TestClient) -> None:
    pool = api.app[keys.DB]
    await pool.execute("CREATE TABLE IF NOT EXISTS pool_scope_probe (x int)")
    try:
        async with request_connection(pool):
            with contextlib.suppress(RuntimeError):
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute("INSERT INTO pool_scope_probe VALUES (1)")
                    # issued while the shared connection is in a transaction: its own connection, autocommit
                    await pool.execute("INSERT INTO pool_scope_probe VALUES (2)")
                    assert await pool.fetchval("SELECT count(*) FROM pool_scope_probe WHERE x = 1") == 0
                    raise RuntimeError("roll the transaction back")
            assert await pool.fetchval("SELECT array_agg(x) FROM pool_scope_probe") == [2]
            assert not (await pool.fetchval("SELECT pg_current_xact_id_if_assigned() IS NOT NULL"))
    finally:
        await pool.execute("DROP TABLE pool_scope_probe")


async def test_api_requests_answer_the_same_inside_the_scope(api: TestClient) -> None:
    # every API request runs inside the scope (server.app.MIDDLEWARES): register, log in, read, write
    body = await register(api)
    headers = auth(body["access_token"])
    profile = await default_profile(api, body["access_token"])
    resp = await api.get(f"/api/v1/activity/watchlist?profile_id={profile['id']}", headers=headers)
    assert resp.status == 200, await resp.text()
    resp = await api.get("/api/v1/auth/profiles", headers=auth("not-a-token"))
    assert resp.status == 401
