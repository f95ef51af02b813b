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


async def record(app: web.Application, *, plan: SessionPlan, ad_id: str, event: str, code: int | None,
                 showing: int | None = None) -> bool:
    """Store the beacon; True when it was the first impression of that showing (the only one counted).

    A showing is one break of the session's VMAP (``showing``, 1-based); beacons of the per-ad VAST
    carry none and stand for the ad's first showing. Replayed or retried beacons are recorded, never counted.
    """
    counted = False
    planned = [i for i, b in enumerate(plan.breaks, start=1) if ad_id in b["ads"]]
    if showing is None and planned:
        showing = planned[0]  # the per-ad VAST: its beacons stand for the ad's first showing
    if event == "impression" and showing in planned:
        name = key(app[keys.SETTINGS].redis_namespace, "ads", "imp", plan.session_id, ad_id, str(showing))
        n = await app[keys.REDIS].incr(name)
        await app[keys.REDIS].expire(name, PLAN_TTL_S)
        if n == 1:
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
