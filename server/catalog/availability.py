"""Who may see and play what: the one place where catalog availability rules live.

Visible = published, inside its availability window (``available_from <= now < available_until``,
NULL ends open), allowed in the viewer's country (``geo_restriction`` NULL or containing it) and
allowed by the profile's maturity rating (kids profiles: ``U`` only). Tier is *not* a visibility
rule (free viewers browse premium titles, with a badge) but it is checked before playback.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import asyncpg

from server.auth.viewer import RATING_ORDER, Viewer
from server.errors import Forbidden, NotFound, ValidationFailed

log = logging.getLogger(__name__)

RATINGS: tuple[str, ...] = tuple(sorted(RATING_ORDER, key=RATING_ORDER.__getitem__))
TIER_ORDER: dict[str, int] = {"free": 0, "premium": 1}

Db: TypeAlias = asyncpg.Pool | asyncpg.Connection


class UpgradeRequired(Forbidden):
    """The title needs a higher subscription tier than the viewer has."""

    code, title = "upgrade-required", "Upgrade required"


@dataclass(frozen=True, slots=True)
class PlayableItem:
    """One playable thing (a movie, a sports replay or an episode) that this viewer may play."""

    content_id: str
    episode_id: str | None
    title: str
    asset_id: str
    duration_s: float
    tier_requirement: str
    maturity_rating: str
    next_episode_id: str | None
    content_type: str = "movie"
    season_number: int | None = None
    episode_number: int | None = None


def allowed_ratings(viewer: Viewer) -> list[str]:
    """The maturity ratings this viewer's profile may see (all of them without a profile)."""
    return [r for r in RATINGS if viewer.may_see_rating(r)]


def tier_allows(*, viewer_tier: str, required: str) -> bool:
    """True when a viewer on ``viewer_tier`` may play content needing ``required``."""
    return TIER_ORDER.get(viewer_tier, 0) >= TIER_ORDER.get(required, 1)


def visibility_sql(*, viewer: Viewer, params: list[Any], alias: str = "c",
                   upcoming: Literal["no", "also", "only"] = "no") -> str:
    """A SQL condition restricting ``alias`` (a ``content`` row) to what ``viewer`` may see.

    ``upcoming`` admits published titles whose window has not opened yet (coming soon): ``also``
    next to the available ones, ``only`` instead of them. Appends its values to ``params``
    (positional ``$n`` numbering continues from its length).
    """
    params.append(viewer.country)
    country = len(params)
    params.append(allowed_ratings(viewer))
    ratings = len(params)
    opened = f"({alias}.available_from IS NULL OR {alias}.available_from <= now())"
    window = {"no": opened, "also": "TRUE", "only": f"{alias}.available_from > now()"}[upcoming]
    return (
        f"{alias}.workflow_state = 'published'"
        f" AND {window}"
        f" AND ({alias}.available_until IS NULL OR now() < {alias}.available_until)"
        f" AND ({alias}.geo_restriction IS NULL OR ${country}::text = ANY({alias}.geo_restriction))"
        f" AND {alias}.maturity_rating = ANY(${ratings}::text[])"
    )


def parse_uuid(value: str | None, *, what: str) -> str:
    """``value`` as a canonical UUID string; anything malformed is a 404 (it cannot exist)."""
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError) as err:
        raise NotFound(f"no {what} {value}") from err


async def visible_content(db: Db, *, viewer: Viewer, content_id: str) -> asyncpg.Record:
    """The ``content`` row with this id if the viewer may see it, else NotFound."""
    cid = parse_uuid(content_id, what="content")
    params: list[Any] = [cid]
    cond = visibility_sql(viewer=viewer, params=params)
    row = await db.fetchrow(f"SELECT c.* FROM content c WHERE c.id = $1::uuid AND {cond}", *params)  # noqa: S608
    if row is None:
        raise NotFound(f"no content {content_id}")
    return row


async def _episode(db: Db, *, content_id: str, episode_id: str) -> asyncpg.Record:
    eid = parse_uuid(episode_id, what="episode")
    row = await db.fetchrow(
        "SELECT e.id::text AS id, e.title, e.asset_id, e.asset_duration_s, e.duration_minutes,"
        " e.episode_number, s.season_number,"
        " (SELECT n.id::text FROM episodes n JOIN seasons ns ON ns.id = n.season_id"
        "   WHERE n.content_id = e.content_id"
        "     AND (ns.season_number, n.episode_number) > (s.season_number, e.episode_number)"
        "   ORDER BY ns.season_number, n.episode_number LIMIT 1) AS next_episode_id"
        " FROM episodes e JOIN seasons s ON s.id = e.season_id"
        " WHERE e.id = $1::uuid AND e.content_id = $2::uuid", eid, content_id)
    if row is None:
        raise NotFound(f"no episode {episode_id} in content {content_id}")
    return row


def _duration(seconds: float | None, minutes: int | None) -> float:
    if seconds is not None:
        return float(seconds)
    return float((minutes or 0) * 60)


async def playable_item(db: Db, *, viewer: Viewer, content_id: str, episode_id: str | None) -> PlayableItem:
    """What the viewer is about to play, after every availability and tier rule.

    Raises NotFound (unknown, malformed or invisible content/episode), ValidationFailed (a show
    without ``episode_id``, or an ``episode_id`` on a movie) and UpgradeRequired (403,
    code ``upgrade-required``) when the viewer's tier is below the title's.
    """
    row = await visible_content(db, viewer=viewer, content_id=content_id)
    cid = str(row["id"])
    if row["type"] == "tv_show":
        if not episode_id:
            raise ValidationFailed("a show is played one episode at a time: give episode_id", errors=[
                {"field": "episode_id", "message": "required for tv_show content", "type": "missing"}])
        ep = await _episode(db, content_id=cid, episode_id=episode_id)
        if not ep["asset_id"]:
            raise NotFound(f"episode {episode_id} has nothing to play yet")
        asset_id, title = ep["asset_id"], f"{row['title']} S{ep['season_number']}E{ep['episode_number']}: {ep['title']}"
        duration = _duration(ep["asset_duration_s"], ep["duration_minutes"])
        eid, next_id, season_no, episode_no = ep["id"], ep["next_episode_id"], ep["season_number"], ep["episode_number"]
    else:
        if episode_id:
            raise ValidationFailed(f"{row['type']} content has no episodes", errors=[
                {"field": "episode_id", "message": "only tv_show content has episodes", "type": "extra_forbidden"}])
        if not row["asset_id"]:
            raise NotFound(f"content {content_id} has nothing to play yet")
        asset_id, title = row["asset_id"], row["title"]
        duration = _duration(row["asset_duration_s"], row["duration_minutes"])
        eid, next_id, season_no, episode_no = None, None, None, None
    if not tier_allows(viewer_tier=viewer.tier, required=row["tier_requirement"]):
        raise UpgradeRequired(f"{row['title']} needs the {row['tier_requirement']} plan",
                              extra={"tier_requirement": row["tier_requirement"], "tier": viewer.tier})
    return PlayableItem(content_id=cid, episode_id=eid, title=title, asset_id=asset_id, duration_s=duration,
                        tier_requirement=row["tier_requirement"], maturity_rating=row["maturity_rating"],
                        next_episode_id=next_id, content_type=row["type"], season_number=season_no,
                        episode_number=episode_no)
