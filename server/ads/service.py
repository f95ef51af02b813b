"""Ad decisioning for a playback session: eligible ads (targeting, flight, caps), the break plan,
stored per session in Redis for VMAP and tracking. Premium viewers get no ads.

Targeting: genres (any of the title's genre slugs or names), geography (viewer country) and age
group. Profiles carry no birth date, so the age group is derived from the profile: a kids profile
is 4-12, an ``A`` profile 18+, any other 13+; an ad matches when its age range overlaps.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from server import keys
from server.activity.models import AdBreak
from server.ads.decision import AdBreakPlan, Candidate, plan_breaks
from server.ads.media import ad_media, packaged
from server.auth.viewer import Viewer
from server.catalog.availability import PlayableItem
from server.storage.redis import key

log = logging.getLogger(__name__)
PLAN_TTL_S = 12 * 3600
#: Frequency cap per user (spec FR-AD-001): one ad is planned at most this often for one account in
#: ``USER_CAP_WINDOW_S``, whatever the sessions (and at most twice per session, ``plan_breaks``).
USER_CAP = 4
USER_CAP_WINDOW_S = 24 * 3600

ELIGIBLE_SQL = """
WITH g AS (
    SELECT coalesce(array_agg(DISTINCT lower(x)), ARRAY[]::text[]) AS names
    FROM content_genres cg JOIN genres ge ON ge.id = cg.genre_id,
         LATERAL unnest(ARRAY[ge.slug, ge.name]) AS x
    WHERE cg.content_id = $1::uuid
)
SELECT a.id::text AS id, a.title, a.advertiser, a.asset_id, a.duration_seconds, a.priority, a.click_url,
       a.skippable, a.skip_after_seconds, a.max_impressions, a.current_impressions
FROM ads a CROSS JOIN g
WHERE a.active
  AND (a.start_date IS NULL OR a.start_date <= now()) AND (a.end_date IS NULL OR now() < a.end_date)
  AND (a.max_impressions IS NULL OR a.current_impressions < a.max_impressions)
  AND (a.target_countries IS NULL OR $2::text = ANY(a.target_countries))
  AND (a.target_genres IS NULL OR a.target_genres && g.names)
  AND (a.target_age_min IS NULL OR a.target_age_min <= $4) AND (a.target_age_max IS NULL OR a.target_age_max >= $3)
ORDER BY a.priority DESC, a.id
"""


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """The ads of one playback session: whose, which breaks, and each ad's creative details."""

    session_id: str
    user_id: str
    profile_id: str
    content_id: str
    tier: str
    breaks: list[dict[str, Any]]
    ads: dict[str, dict[str, Any]]


def age_band(viewer: Viewer) -> tuple[int, int]:
    """The (youngest, oldest) age the viewer's profile stands for."""
    if viewer.profile is None:
        return (18, 120)
    if viewer.profile.is_kids:
        return (4, 12)
    return (18, 120) if viewer.profile.maturity_rating == "A" else (13, 120)


def plan_key(namespace: str, session_id: str) -> str:
    """Redis key of a session's ad plan."""
    return key(namespace, "ads", "plan", session_id)


async def load_plan(app: web.Application, *, session_id: str) -> SessionPlan | None:
    """The stored plan of a playback session, or None."""
    raw = await app[keys.REDIS].get(plan_key(app[keys.SETTINGS].redis_namespace, session_id))
    return SessionPlan(**json.loads(raw)) if raw else None


def _cap_key(app: web.Application, user_id: str) -> str:
    return key(app[keys.SETTINGS].redis_namespace, "ads", "user", user_id)


async def shown_to_user(app: web.Application, *, user_id: str) -> dict[str, int]:
    """How often each ad was planned for the account in the current cap window."""
    raw = await app[keys.REDIS].hgetall(_cap_key(app, user_id))
    return {(k.decode() if isinstance(k, bytes) else k): int(v) for k, v in raw.items()}


async def count_for_user(app: web.Application, *, user_id: str, ad_ids: list[str]) -> None:
    """Add planned showings to the account's counts; the window starts with its first showing."""
    if not ad_ids:
        return
    name = _cap_key(app, user_id)
    redis = app[keys.REDIS]
    async with redis.pipeline(transaction=True) as pipe:
        for ad_id in ad_ids:
            pipe.hincrby(name, ad_id, 1)
        pipe.ttl(name)
        results = await pipe.execute()
    if results[-1] < 0:
        await redis.expire(name, USER_CAP_WINDOW_S)


async def decide(app: web.Application, *, viewer: Viewer, item: PlayableItem, session_id: str) -> SessionPlan:
    """Choose and store the session's ad breaks (none for premium viewers or with ads disabled)."""
    assert viewer.profile is not None
    breaks: list[AdBreakPlan] = []
    ads: dict[str, dict[str, Any]] = {}
    if viewer.tier != "premium" and app[keys.SETTINGS].ads_enabled:
        young, old = age_band(viewer)
        rows = await app[keys.DB].fetch(ELIGIBLE_SQL, item.content_id, viewer.country, young, old)
        rows = [r for r in rows if packaged(app, asset_id=r["asset_id"])]
        seen = await shown_to_user(app, user_id=viewer.user_id) if rows else {}  # no candidate, no cap to read
        rows = [r for r in rows if seen.get(r["id"], 0) < USER_CAP]
        ads = {r["id"]: {"title": r["title"], "advertiser": r["advertiser"], "asset_id": r["asset_id"],
                         "duration_s": float(r["duration_seconds"]), "click_url": r["click_url"],
                         "skip_after_s": r["skip_after_seconds"] if r["skippable"] else None} for r in rows}
        breaks = plan_breaks(content_s=item.duration_s, candidates=[
            Candidate(id=r["id"], duration_s=float(r["duration_seconds"]), priority=r["priority"],
                      remaining=min(USER_CAP - seen.get(r["id"], 0), USER_CAP if r["max_impressions"] is None
                                    else r["max_impressions"] - r["current_impressions"])) for r in rows])
        used = {a for b in breaks for a in b.ads}
        ads = {k: v for k, v in ads.items() if k in used}
        await count_for_user(app, user_id=viewer.user_id, ad_ids=[a for b in breaks for a in b.ads])
    plan = SessionPlan(session_id=session_id, user_id=viewer.user_id, profile_id=viewer.profile.id,
                       content_id=item.content_id, tier=viewer.tier, breaks=[asdict(b) for b in breaks], ads=ads)
    await app[keys.REDIS].set(plan_key(app[keys.SETTINGS].redis_namespace, session_id), json.dumps(asdict(plan)),
                              ex=PLAN_TTL_S)
    return plan


async def playback_ads(app: web.Application, *, viewer: Viewer, item: PlayableItem, session_id: str,
                       base_url: str) -> list[AdBreak]:
    """The ads for ``playback/start``; any failure or timeout of the ad service gives ``[]`` (NFR-REL-003)."""
    try:
        async with asyncio.timeout(app[keys.SETTINGS].ads_timeout_s):
            plan = await decide(app, viewer=viewer, item=item, session_id=session_id)
            out: list[AdBreak] = []
            for brk in plan.breaks:
                for ad_id in brk["ads"]:
                    ad = plan.ads[ad_id]
                    media = await ad_media(app, base_url=base_url, user_id=viewer.user_id,
                                           playback_session=session_id, ad_id=ad_id, asset_id=ad["asset_id"])
                    if media is not None:
                        out.append(AdBreak(type=brk["kind"], ad_id=str(ad_id), url=media.url,
                                           duration=ad["duration_s"], skip_after=ad["skip_after_s"],
                                           offset_seconds=brk["offset_s"],
                                           vast_url=f"{base_url}/api/v1/ads/vast/{ad_id}?session_id={session_id}"))
            return out
    except Exception as err:  # the ad service must never block playback
        log.warning("ad decisioning failed (%s: %s); playing without ads", type(err).__name__, err)
        return []
