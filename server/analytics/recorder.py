"""Records where and on which tier each playback started (``analytics_playback_starts``).

The activity store keeps neither the viewer's country nor their tier, so a middleware watches
successful ``POST /api/v1/stream/playback/start`` responses and writes one row per session. A
failure here is logged and never affects playback.
"""

from __future__ import annotations

import json
import logging

import asyncpg
from aiohttp import web
from aiohttp.typedefs import Handler

from server import keys
from server.auth.viewer import request_country
from server.routing import optional_principal

log = logging.getLogger(__name__)
START_PATH = "/api/v1/stream/playback/start"


async def record_start(request: web.Request, resp: web.Response) -> None:
    """Insert the analytics row of a successful playback start (idempotent per session)."""
    who = optional_principal(request)
    if who is None or not isinstance(resp.body, bytes):
        return
    out = json.loads(resp.body)
    sent = await request.json()
    await request.app[keys.DB].execute(
        "INSERT INTO analytics_playback_starts (session_id, user_id, profile_id, content_id, episode_id, device_type,"
        " country, tier)"
        " SELECT $1::uuid, u.id, $3::uuid, $4::uuid, $5::uuid, $6, $7,"
        "  CASE WHEN u.subscription_tier = 'premium' AND (u.subscription_expires_at IS NULL"
        "            OR u.subscription_expires_at > now()) THEN 'premium' ELSE 'free' END"
        " FROM users u WHERE u.id = $2::uuid ON CONFLICT (session_id) DO NOTHING",
        out["session_id"], who.user_id, sent["profile_id"], out["content_id"], out.get("episode_id"),
        str(sent.get("device_type") or "unknown")[:32], request_country(request))


@web.middleware
async def playback_start_recorder(request: web.Request, handler: Handler) -> web.StreamResponse:
    """After a 200 from the playback start endpoint, record country, tier and device for analytics."""
    resp = await handler(request)
    if request.method == "POST" and request.path == START_PATH and resp.status == 200 \
            and isinstance(resp, web.Response):
        try:
            await record_start(request, resp)
        except (asyncpg.PostgresError, OSError, ValueError, KeyError, TypeError) as err:
            log.warning("playback start not recorded for analytics: %s", err)
    return resp
