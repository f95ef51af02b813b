"""The token service for the app's lifetime: signing keys loaded (or created) at start-up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from server import keys
from server.auth.signing import load_or_create_keys
from server.auth.tokens import TokenService


async def tokens_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: load (or create) the signing keys and install the token service."""
    settings = app[keys.SETTINGS]
    signing = await asyncio.to_thread(load_or_create_keys, settings=settings)
    app[keys.TOKENS] = await asyncio.to_thread(  # parses the RSA keys: off the loop
        TokenService, keys=signing, issuer=settings.jwt_issuer, access_ttl_s=settings.access_token_ttl_s,
        refresh_ttl_s=settings.refresh_token_ttl_s)
    yield
