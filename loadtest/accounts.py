"""Seeding test accounts before a run (``ott-load run --seed-accounts N``) and the accounts file."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from pathlib import Path

import aiohttp

log = logging.getLogger(__name__)

PASSWORD = "Load-test-1!"  # noqa: S105  (throw-away accounts on a test server)
CONCURRENCY = 8


class SeedError(RuntimeError):
    """Accounts could not be created (the message says why, e.g. rate limits are on)."""


async def _register(session: aiohttp.ClientSession, *, host: str, email: str, sem: asyncio.Semaphore) -> dict[str, str]:
    async with sem, session.post(f"{host}/api/v1/auth/register", json={"email": email, "password": PASSWORD}) as resp:
        if resp.status == 429:
            raise SeedError("the server rate-limits registration: start it with OTT_RATE_LIMITS_ENABLED=false")
        if resp.status != 201:
            raise SeedError(f"register {email}: HTTP {resp.status}: {(await resp.text())[:200]}")
    return {"email": email, "password": PASSWORD}


async def seed_accounts(*, host: str, count: int, timeout_s: float = 600.0) -> list[dict[str, str]]:
    """Register ``count`` fresh accounts (``load-<hex>@example.com``) on ``host``."""
    tag = uuid.uuid4().hex[:8]
    sem = asyncio.Semaphore(CONCURRENCY)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            return list(await asyncio.gather(*(
                _register(session, host=host.rstrip("/"), email=f"load-{tag}-{i:05d}@example.com", sem=sem)
                for i in range(count))))
    except (aiohttp.ClientError, TimeoutError) as err:
        raise SeedError(f"cannot reach {host}: {err}") from err


def write_accounts(path: Path, accounts: list[dict[str, str]]) -> Path:
    """Write the accounts file read by ``--ott-accounts``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"accounts": accounts}, indent=1), encoding="utf-8")
    return path
