"""Seeding before a run: viewer accounts, CMS staff (creator/reviewer/publisher), an admin, ad inventory.

``ott-load run --seed-accounts N`` registers N viewer accounts; with Editors in the run it also
seeds ``--seed-staff K`` CMS teams (one creator, one reviewer and one publisher account each).
Roles and ads need an admin: either ``--admin-email/--admin-password`` (an existing admin, e.g.
from ``ott-server create-admin``) or ``--database-url`` (the server's PostgreSQL): a fresh admin is
made by running the server's own CLI, ``ott-server create-admin``, against that database (the load
tool never writes the server's tables itself). Everything else goes through the public API
(``PUT /admin/users/{id}/roles``, ``POST /ads/inventory``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

PASSWORD = "Load-test-1!"  # noqa: S105  (throw-away accounts on a test server)
CONCURRENCY = 8
STAFF_ROLES = ("creator", "reviewer", "publisher")


class SeedError(RuntimeError):
    """Accounts could not be created (the message says why, e.g. rate limits are on)."""


@dataclass(frozen=True, slots=True)
class AdminAccess:
    """How to become admin: existing credentials, or the server's database URL for ``ott-server create-admin``."""

    email: str | None = None
    password: str | None = None
    database_url: str | None = None

    @property
    def usable(self) -> bool:
        """True when either way is configured."""
        return bool(self.email and self.password) or bool(self.database_url)


async def _register(session: aiohttp.ClientSession, *, host: str, email: str, sem: asyncio.Semaphore) -> dict[str, str]:
    async with sem, session.post(f"{host}/api/v1/auth/register", json={"email": email, "password": PASSWORD}) as resp:
        if resp.status == 429:
            raise SeedError("the server rate-limits registration: start it with OTT_RATE_LIMITS_ENABLED=false")
        if resp.status != 201:
            raise SeedError(f"register {email}: HTTP {resp.status}: {(await resp.text())[:200]}")
        body = await resp.json()
    return {"email": email, "password": PASSWORD, "user_id": str(body.get("user_id", ""))}


def _session(timeout_s: float) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s))


async def seed_accounts(*, host: str, count: int, timeout_s: float = 600.0) -> list[dict[str, str]]:
    """Register ``count`` fresh accounts (``load-<hex>@example.com``) on ``host``."""
    tag = uuid.uuid4().hex[:8]
    sem = asyncio.Semaphore(CONCURRENCY)
    try:
        async with _session(timeout_s) as session:
            return list(await asyncio.gather(*(
                _register(session, host=host.rstrip("/"), email=f"load-{tag}-{i:05d}@example.com", sem=sem)
                for i in range(count))))
    except (aiohttp.ClientError, TimeoutError) as err:
        raise SeedError(f"cannot reach {host}: {err}") from err


def _server_cli() -> list[str]:
    """The ``ott-server`` command of this environment (its entry point, else ``python -m server``)."""
    beside = os.path.join(os.path.dirname(sys.executable), "ott-server")
    found = beside if os.access(beside, os.X_OK) else shutil.which("ott-server")
    return [found] if found else [sys.executable, "-m", "server"]


async def create_admin_cli(*, database_url: str, email: str, password: str, timeout_s: float = 120.0) -> None:
    """Make ``email`` a verified admin with ``password`` by running ``ott-server create-admin`` on that database."""
    env = {**os.environ, "OTT_DATABASE_URL": database_url}
    try:
        proc = await asyncio.create_subprocess_exec(
            *_server_cli(), "create-admin", email, "--password", password, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    except OSError as err:
        raise SeedError(f"cannot run ott-server create-admin: {err}") from err
    try:
        _out, err_text = await asyncio.wait_for(proc.communicate(), timeout=timeout_s)
    except TimeoutError as err:
        proc.kill()
        await proc.wait()
        raise SeedError(f"ott-server create-admin took over {timeout_s:g} s") from err
    if proc.returncode != 0:
        raise SeedError(f"ott-server create-admin failed: {err_text.decode(errors='replace').strip()[:300]}")


async def _login(session: aiohttp.ClientSession, *, host: str, email: str, password: str) -> str:
    async with session.post(f"{host}/api/v1/auth/login", json={"email": email, "password": password}) as resp:
        if resp.status != 200:
            raise SeedError(f"log in as {email}: HTTP {resp.status}: {(await resp.text())[:200]}")
        return str((await resp.json())["access_token"])


async def admin_token(session: aiohttp.ClientSession, *, host: str, access: AdminAccess) -> str:
    """A bearer token of an admin (a fresh one made with ``ott-server create-admin`` when no credentials are given)."""
    if access.email and access.password:
        return await _login(session, host=host, email=access.email, password=access.password)
    if not access.database_url:
        raise SeedError("roles and ads need an admin: give --admin-email/--admin-password or --database-url")
    email = f"load-admin-{uuid.uuid4().hex[:10]}@example.com"
    await create_admin_cli(database_url=access.database_url, email=email, password=PASSWORD)
    return await _login(session, host=host, email=email, password=PASSWORD)


async def _set_roles(session: aiohttp.ClientSession, *, host: str, token: str, user_id: str,
                     roles: list[str]) -> None:
    async with session.put(f"{host}/api/v1/admin/users/{user_id}/roles", json={"roles": roles},
                           headers={"Authorization": f"Bearer {token}"}) as resp:
        if resp.status != 200:
            raise SeedError(f"set roles of {user_id}: HTTP {resp.status}: {(await resp.text())[:200]}")


async def seed_staff(*, host: str, teams: int, access: AdminAccess,
                     timeout_s: float = 300.0) -> list[dict[str, dict[str, str]]]:
    """``teams`` CMS teams: a creator, a reviewer and a publisher account each (roles set by an admin)."""
    host = host.rstrip("/")
    tag = uuid.uuid4().hex[:8]
    sem = asyncio.Semaphore(CONCURRENCY)
    try:
        async with _session(timeout_s) as session:
            token = await admin_token(session, host=host, access=access)
            out: list[dict[str, dict[str, str]]] = []
            for t in range(teams):
                team: dict[str, dict[str, str]] = {}
                for role in STAFF_ROLES:
                    acc = await _register(session, host=host, email=f"load-{tag}-{role}-{t:03d}@example.com", sem=sem)
                    await _set_roles(session, host=host, token=token, user_id=acc["user_id"], roles=[role])
                    team[role] = acc
                out.append(team)
            return out
    except (aiohttp.ClientError, TimeoutError) as err:
        raise SeedError(f"cannot reach {host}: {err}") from err


def ad_bodies(*, count: int, asset_id: str, seconds: int, tag: str) -> list[dict[str, Any]]:
    """Inventory entries for ``count`` untargeted ads on one packaged creative (pure)."""
    return [{"title": f"Load test ad {i + 1}", "advertiser": "ott-load", "campaign": f"ott-load-{tag}",
             "category": "test", "asset_id": asset_id, "duration_seconds": seconds, "priority": 50 + i,
             "skippable": i % 2 == 0, "skip_after_seconds": 5, "click_url": "https://example.com/ott-load"}
            for i in range(count)]


async def seed_ads(*, host: str, count: int, asset_id: str, seconds: int, access: AdminAccess,
                   timeout_s: float = 120.0) -> list[str]:
    """Create ``count`` ads through the admin API; their ids."""
    host = host.rstrip("/")
    try:
        async with _session(timeout_s) as session:
            token = await admin_token(session, host=host, access=access)
            ids = []
            for body in ad_bodies(count=count, asset_id=asset_id, seconds=seconds, tag=uuid.uuid4().hex[:8]):
                async with session.post(f"{host}/api/v1/ads/inventory", json=body,
                                        headers={"Authorization": f"Bearer {token}"}) as resp:
                    if resp.status != 201:
                        raise SeedError(f"create ad: HTTP {resp.status}: {(await resp.text())[:200]}")
                    ids.append(str((await resp.json())["id"]))
            return ids
    except (aiohttp.ClientError, TimeoutError) as err:
        raise SeedError(f"cannot reach {host}: {err}") from err


def write_accounts(path: Path, accounts: list[dict[str, str]],
                   staff: list[dict[str, dict[str, str]]] | None = None) -> Path:
    """Write the accounts file read by ``--ott-accounts`` (``accounts``: viewers; ``staff``: CMS teams)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"accounts": accounts, "staff": staff or []}, indent=1), encoding="utf-8")
    return path


def read_accounts(path: Path) -> tuple[list[dict[str, str]], list[dict[str, dict[str, str]]]]:
    """Viewer accounts and CMS teams of an accounts file (an older file without ``staff`` has none)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        accounts = [a for a in data["accounts"] if a.get("email") and a.get("password")]
        staff = [t for t in data.get("staff", []) if all(t.get(r, {}).get("email") for r in STAFF_ROLES)]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise SeedError(f"cannot read accounts file {path}: {err}") from err
    return accounts, staff
