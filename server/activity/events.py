"""Recording engagement events, for the events endpoint and for server-side callers (streaming).

The streaming area records a server-steered quality switch with::

    await record_event(request.app, session_id=sid, profile_id=pid, content_id=cid,
                       type="quality_change", payload={"from": "360p", "to": "720p", "reason": "throughput"})
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiohttp import web
from pymongo.errors import PyMongoError

from server.activity.store import EVENT_TYPES, EngagementEvent
from server.keys import ACTIVITY_STORE

log = logging.getLogger(__name__)


def make_event(*, type: str, profile_id: str, content_id: str, session_id: str | None = None,
               episode_id: str | None = None, position_seconds: float | None = None,
               client_ts: datetime | None = None, payload: Mapping[str, Any] | None = None,
               at: datetime | None = None) -> EngagementEvent:
    """Build an event stamped with the server time; ``ValueError`` on an unknown type."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown engagement event type {type!r}")
    return EngagementEvent(type=type, profile_id=str(profile_id), content_id=str(content_id),
                           session_id=str(session_id) if session_id else None,
                           episode_id=str(episode_id) if episode_id else None,
                           position_seconds=position_seconds, client_ts=client_ts,
                           payload=dict(payload or {}), at=at or datetime.now(UTC))


async def record_event(app: web.Application, *, session_id: str | None, profile_id: str, content_id: str,
                       type: str, payload: Mapping[str, Any] | None = None, episode_id: str | None = None,
                       position_seconds: float | None = None) -> bool:
    """Store one server-side event (e.g. a steered ``quality_change``); True when stored.

    An unknown ``type`` raises ``ValueError`` (a programming error). A storage failure is logged and
    answers False, so a caller on the media path never fails because analytics could not be written.
    """
    event = make_event(type=type, profile_id=profile_id, content_id=content_id, session_id=session_id,
                       episode_id=episode_id, position_seconds=position_seconds, payload=payload)
    store = app[ACTIVITY_STORE]
    try:
        return await store.add_events([event]) == 1
    except (asyncpg.PostgresError, PyMongoError, OSError) as err:
        log.warning("engagement event not stored", extra={"type": type, "session_id": session_id,
                                                            "error": str(err)})
        return False
