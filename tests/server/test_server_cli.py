"""``ott-server create-admin`` and ``grant-role`` against a real PostgreSQL (the system server)."""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path

import asyncpg
import pytest

from server.__main__ import main
from server.auth.passwords import verify_password
from tests.conftest import SYSTEM_REDIS


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, system_database_url: str) -> str:
    """Point the CLI at the test database and Redis; returns the database URL."""
    monkeypatch.setenv("OTT_DATABASE_URL", system_database_url)
    monkeypatch.setenv("OTT_REDIS_URL", SYSTEM_REDIS)
    monkeypatch.setenv("OTT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OTT_LOG_JSON", "false")
    monkeypatch.setenv("OTT_BCRYPT_ROUNDS", "4")
    monkeypatch.delenv("OTT_CONFIG", raising=False)
    return system_database_url


def _user(url: str, email: str) -> asyncpg.Record | None:
    async def fetch() -> asyncpg.Record | None:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchrow("SELECT roles, password_hash, email_verified_at FROM users"
                                       " WHERE lower(email) = lower($1)", email)
        finally:
            await conn.close()

    return asyncio.run(fetch())


def _email() -> str:
    return f"cli-{uuid.uuid4().hex[:8]}@example.com"


def test_create_admin_with_a_password(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    email = _email()
    assert main(["create-admin", email, "--password", "Adm1n-password!"]) == 0
    assert f"created admin {email}" in capsys.readouterr().out
    row = _user(cli_env, email)
    assert row is not None and set(row["roles"]) == {"user", "admin"} and row["email_verified_at"] is not None
    assert asyncio.run(verify_password("Adm1n-password!", row["password_hash"]))


def test_create_admin_generates_a_strong_password(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    email = _email()
    assert main(["create-admin", email]) == 0
    match = re.search(r"with password (\S+)", capsys.readouterr().out)
    assert match is not None
    row = _user(cli_env, email)
    assert row is not None and asyncio.run(verify_password(match[1], row["password_hash"]))


def test_create_admin_on_an_existing_account_grants_admin(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    email = _email()
    assert main(["grant-role", email, "creator"]) == 2  # no such user yet
    assert main(["create-admin", email, "--password", "Adm1n-password!"]) == 0
    assert main(["create-admin", email.upper(), "--password", "0ther-Password!"]) == 0
    assert "already existed" in capsys.readouterr().out
    row = _user(cli_env, email)
    assert row is not None and asyncio.run(verify_password("Adm1n-password!", row["password_hash"]))


def test_create_admin_refuses_a_weak_password(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    email = _email()
    assert main(["create-admin", email, "--password", "weak"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ott-server: password too weak") and "Traceback" not in err
    assert _user(cli_env, email) is None


def test_grant_role(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    email = _email()
    assert main(["create-admin", email, "--password", "Adm1n-password!"]) == 0
    assert main(["grant-role", email, "reviewer"]) == 0
    assert main(["grant-role", email, "reviewer"]) == 0  # idempotent
    assert "roles admin, reviewer, user" in capsys.readouterr().out
    row = _user(cli_env, email)
    assert row is not None and sorted(row["roles"]) == ["admin", "reviewer", "user"]


@pytest.mark.parametrize(("args", "message"), [
    (["grant-role", "nobody@example.com", "reviewer"], "no user with email"),
    (["grant-role", "x@example.com", "overlord"], "unknown role"),
])
def test_grant_role_failures_are_one_line(cli_env: str, capsys: pytest.CaptureFixture[str], args: list[str],
                                          message: str) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
