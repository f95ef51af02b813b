"""Seasons and episodes of a show: added by editors, each addition versioned and audited."""

from __future__ import annotations

import asyncpg

from server.auth import audit
from server.cms import service, store
from server.cms.models import CreatedOut, EpisodeIn, SeasonIn
from server.errors import Conflict, NotFound
from server.notifications import store as notifications
from server.routing import Principal


async def add_season(conn: asyncpg.Connection, *, content_id: str, body: SeasonIn, who: Principal,
                     request_id: str | None) -> CreatedOut:
    """A new season of the show; 409 when the title is not a show or the season number exists."""
    row = await store.fetch_content(conn, content_id=content_id, lock=True)
    service.check_may_edit(row=row, who=who)
    if row["type"] != "tv_show":
        raise Conflict("only tv_show content has seasons")
    cid = str(row["id"])
    try:
        sid = await conn.fetchval(
            "INSERT INTO seasons (content_id, season_number, title, title_hi, release_date)"
            " VALUES ($1::uuid, $2, $3, $4, $5) RETURNING id::text", cid, body.season_number, body.title,
            body.title_hi, body.release_date)
    except asyncpg.UniqueViolationError as err:
        raise Conflict(f"season {body.season_number} exists") from err
    version = await store.record_version(conn, content_id=cid, action="add_season", author_id=who.user_id)
    await audit.record(conn, action="cms.content.add_season", actor_id=who.user_id, target_type="content",
                       target_id=cid, details={"season_id": sid, "season_number": body.season_number},
                       request_id=request_id)
    return CreatedOut(id=sid, content_id=cid, version=version)


async def add_episode(conn: asyncpg.Connection, *, content_id: str, season_id: str, body: EpisodeIn,
                      who: Principal, request_id: str | None) -> CreatedOut:
    """A new episode in a season of the show; 404 unknown season of this show; 409 episode number exists."""
    row = await store.fetch_content(conn, content_id=content_id, lock=True)
    service.check_may_edit(row=row, who=who)
    cid = str(row["id"])
    sid = store.parse_id(season_id, what="season")
    if not await conn.fetchval("SELECT 1 FROM seasons WHERE id = $1::uuid AND content_id = $2::uuid", sid, cid):
        raise NotFound(f"no season {sid} in content {cid}")
    try:
        eid = await conn.fetchval(
            "INSERT INTO episodes (season_id, content_id, episode_number, title, title_hi, description,"
            " description_hi, duration_minutes, air_date, asset_id)"
            " VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id::text",
            sid, cid, body.episode_number, body.title, body.title_hi, body.description, body.description_hi,
            body.duration_minutes, body.air_date, body.asset_id)
    except asyncpg.UniqueViolationError as err:
        raise Conflict(f"episode {body.episode_number} exists in this season") from err
    if row["workflow_state"] == "published":  # viewers who watchlisted the show hear about it
        await notifications.new_episode(conn, content_id=cid, episode_id=eid)
    version = await store.record_version(conn, content_id=cid, action="add_episode", author_id=who.user_id)
    await audit.record(conn, action="cms.content.add_episode", actor_id=who.user_id, target_type="content",
                       target_id=cid, details={"episode_id": eid, "season_id": sid}, request_id=request_id)
    return CreatedOut(id=eid, content_id=cid, version=version)
