"""Ad tracking beacons written to the activity store as engagement events.

impression/start → ``ad_start``, quartiles → ``ad_quartile``, complete → ``ad_complete``,
click → ``ad_click``, skip → ``ad_skip``, error → ``error`` (payload ``source: "ad"``). An
impression is counted against the ad's impression cap once per (session, ad, break).
"""

from __future__ import annotations

import logging

from aiohttp import web

from server import keys
from server.activity.events import make_event
from server.ads.service import PLAN_TTL_S, SessionPlan
from server.keys import ACTIVITY_STORE
from server.storage.redis import key

log = logging.getLogger(__name__)
EVENT_TYPES = {"impression": "ad_start", "start": "ad_start", "firstQuartile": "ad_quartile",
               "midpoint": "ad_quartile", "thirdQuartile": "ad_quartile", "complete": "ad_complete",
               "click": "ad_click", "skip": "ad_skip", "error": "error"}


async def record(app: web.Application, *, plan: SessionPlan, ad_id: str, event: str, code: int | None) -> bool:
    """Store the beacon; True when it was an impression counted against the ad's cap for the first time."""
    served = sum(b["ads"].count(ad_id) for b in plan.breaks)
    counted = False
    if event == "impression":
        # One count per planned showing: the n-th impression beacon of this ad in this session.
        n = await app[keys.REDIS].incr(key(app[keys.SETTINGS].redis_namespace, "ads", "imp", plan.session_id, ad_id))
        await app[keys.REDIS].expire(key(app[keys.SETTINGS].redis_namespace, "ads", "imp", plan.session_id, ad_id),
                                     PLAN_TTL_S)
        if n <= served:
            await app[keys.DB].execute(
                "UPDATE ads SET current_impressions = current_impressions + 1 WHERE id = $1::uuid", ad_id)
            counted = True
    payload: dict[str, object] = {"ad_id": ad_id, "event": event, "source": "ad"}
    if code is not None:
        payload["code"] = code
    await app[ACTIVITY_STORE].add_events([make_event(
        type=EVENT_TYPES[event], profile_id=plan.profile_id, content_id=plan.content_id, session_id=plan.session_id,
        payload=payload)])
    return counted
