"""Erasure of accounts whose 90-day grace period is over, once an hour."""

from __future__ import annotations

from aiohttp import web

from server import keys
from server.account import store
from server.periodic import periodic

PURGE_INTERVAL_S = 3600.0


async def _purge(app: web.Application) -> int:
    return await store.purge_expired(app[keys.DB])


#: Cleanup context: erase accounts scheduled for deletion more than 90 days ago.
account_purger = periodic(name="account-purge", interval_s=lambda _settings: PURGE_INTERVAL_S, work=_purge,
                          sleep_first=True)
