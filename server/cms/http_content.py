"""CMS HTTP handlers: titles (create, edit, read, list), seasons and episodes, genres and people."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from aiohttp import web

from server import keys
from server.auth import audit
from server.cms import service, store
from server.cms.models import (
    ContentCreate,
    ContentListOut,
    ContentListQuery,
    ContentOut,
    ContentPatch,
    CreatedOut,
    EpisodeIn,
    GenreIn,
    GenreOut,
    GenresOut,
    PeopleOut,
    PersonIn,
    PersonOut,
    SearchQuery,
    SeasonIn,
)
from server.cms.router import EDITORS, STAFF, router
from server.errors import Conflict, NotFound
from server.routing import json_response, principal

log = logging.getLogger(__name__)


def _escape_like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@router.route("POST", "/api/v1/cms/content", summary="Create a title (draft)", body=ContentCreate,
              response=ContentOut, status=201, roles=EDITORS, errors=(401, 403, 422))
async def create_content(request: web.Request, *, body: ContentCreate) -> web.Response:
    """201 with the new draft (version 1); 422 for bad fields or unknown genre/person ids."""
    who = principal(request)
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        cid, _ = await service.create(conn, body=body, who=who, request_id=request.get("request_id"))
        out = await store.content_out(conn, content_id=cid)
    return json_response(out, status=201)


@router.route("GET", "/api/v1/cms/content", summary="List titles in every state (CMS)", query=ContentListQuery,
              response=ContentListOut, roles=STAFF, errors=(401, 403, 422))
async def list_content(request: web.Request, *, query: ContentListQuery) -> web.Response:
    """200 with a page of titles, most recently updated first, filtered by state/type/tier/owner/title."""
    who = principal(request)
    owner = who.user_id if query.mine else (str(query.created_by) if query.created_by else None)
    params: list[Any] = [query.state, query.type, query.tier, owner, _escape_like(query.q) if query.q else None]
    where = ("($1::text IS NULL OR workflow_state = $1) AND ($2::text IS NULL OR type = $2)"
             " AND ($3::text IS NULL OR tier_requirement = $3) AND ($4::uuid IS NULL OR created_by = $4::uuid)"
             " AND ($5::text IS NULL OR lower(title) LIKE $5)")
    async with request.app[keys.DB].acquire() as conn:
        total = await conn.fetchval(f"SELECT count(*) FROM content WHERE {where}", *params)  # noqa: S608
        rows = await conn.fetch(
            f"SELECT id::text AS id FROM content WHERE {where} ORDER BY updated_at DESC, id"  # noqa: S608
            " LIMIT $6 OFFSET $7", *params, query.limit, query.offset)
        items = [await store.content_out(conn, content_id=r["id"]) for r in rows]
    return json_response(ContentListOut(items=items, total=total))


@router.route("GET", "/api/v1/cms/content/{content_id}", summary="One title in any state (CMS)",
              response=ContentOut, roles=STAFF, errors=(401, 403, 404))
async def get_content(request: web.Request) -> web.Response:
    """200 with the title, its genres and cast; 404 unknown."""
    async with request.app[keys.DB].acquire() as conn:
        out = await store.content_out(conn, content_id=request.match_info["content_id"])
    return json_response(out)


@router.route("PUT", "/api/v1/cms/content/{content_id}", summary="Edit a title (partial update)", body=ContentPatch,
              response=ContentOut, roles=EDITORS, errors=(401, 403, 404, 409, 422))
async def update_content(request: web.Request, *, body: ContentPatch) -> web.Response:
    """200 with the title at its new version; 403 another creator's title; 409 not a draft (creators)."""
    who = principal(request)
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        await service.update(conn, content_id=request.match_info["content_id"], patch=body, who=who,
                             request_id=request.get("request_id"))
        out = await store.content_out(conn, content_id=request.match_info["content_id"])
    return json_response(out)


@router.route("POST", "/api/v1/cms/content/{content_id}/seasons", summary="Add a season to a show", body=SeasonIn,
              response=CreatedOut, status=201, roles=EDITORS, errors=(401, 403, 404, 409, 422))
async def add_season(request: web.Request, *, body: SeasonIn) -> web.Response:
    """201; 409 when the title is not a show or the season number exists."""
    who = principal(request)
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        row = await store.fetch_content(conn, content_id=request.match_info["content_id"], lock=True)
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
        await audit.record(conn, action="cms.content.add_season", actor_id=who.user_id,
                                   target_type="content", target_id=cid,
                                   details={"season_id": sid, "season_number": body.season_number},
                                   request_id=request.get("request_id"))
    return json_response(CreatedOut(id=sid, content_id=cid, version=version), status=201)


@router.route("POST", "/api/v1/cms/content/{content_id}/seasons/{season_id}/episodes",
              summary="Add an episode to a season", body=EpisodeIn, response=CreatedOut, status=201, roles=EDITORS,
              errors=(401, 403, 404, 409, 422))
async def add_episode(request: web.Request, *, body: EpisodeIn) -> web.Response:
    """201; 404 unknown season of this show; 409 when the episode number exists."""
    who = principal(request)
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        row = await store.fetch_content(conn, content_id=request.match_info["content_id"], lock=True)
        service.check_may_edit(row=row, who=who)
        cid = str(row["id"])
        sid = store.parse_id(request.match_info["season_id"], what="season")
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
        version = await store.record_version(conn, content_id=cid, action="add_episode", author_id=who.user_id)
        await audit.record(conn, action="cms.content.add_episode", actor_id=who.user_id,
                                   target_type="content", target_id=cid,
                                   details={"episode_id": eid, "season_id": sid}, request_id=request.get("request_id"))
    return json_response(CreatedOut(id=eid, content_id=cid, version=version), status=201)


@router.route("GET", "/api/v1/cms/genres", summary="Genres (autocomplete with q)", query=SearchQuery,
              response=GenresOut, roles=STAFF, errors=(401, 403, 422))
async def list_genres(request: web.Request, *, query: SearchQuery) -> web.Response:
    """200 with the genres whose name or slug contains ``q`` (all without it)."""
    pattern = _escape_like(query.q) if query.q else None
    rows = await request.app[keys.DB].fetch(
        "SELECT id::text AS id, name, name_hi, slug FROM genres WHERE $1::text IS NULL OR lower(name) LIKE $1"
        " OR slug LIKE $1 ORDER BY sort_order, name LIMIT $2", pattern, query.limit)
    return json_response(GenresOut(genres=[GenreOut(**dict(r)) for r in rows]))


@router.route("POST", "/api/v1/cms/genres", summary="Create a genre", body=GenreIn, response=GenreOut, status=201,
              roles=EDITORS, errors=(401, 403, 409, 422))
async def create_genre(request: web.Request, *, body: GenreIn) -> web.Response:
    """201; 409 when the name or slug exists."""
    try:
        row = await request.app[keys.DB].fetchrow(
            "INSERT INTO genres (name, name_hi, slug, sort_order) VALUES ($1, $2, $3, $4)"
            " RETURNING id::text AS id, name, name_hi, slug", body.name, body.name_hi, body.slug, body.sort_order)
    except asyncpg.UniqueViolationError as err:
        raise Conflict(f"a genre named {body.name!r} or with slug {body.slug!r} exists") from err
    return json_response(GenreOut(**dict(row)), status=201)


@router.route("GET", "/api/v1/cms/people", summary="Cast and crew search (autocomplete with q)", query=SearchQuery,
              response=PeopleOut, roles=STAFF, errors=(401, 403, 422))
async def list_people(request: web.Request, *, query: SearchQuery) -> web.Response:
    """200 with people whose name (English or Hindi) contains ``q``."""
    pattern = _escape_like(query.q) if query.q else None
    rows = await request.app[keys.DB].fetch(
        "SELECT id::text AS id, name, name_hi FROM people WHERE $1::text IS NULL OR lower(name) LIKE $1"
        " OR lower(coalesce(name_hi, '')) LIKE $1 ORDER BY name, id LIMIT $2", pattern, query.limit)
    return json_response(PeopleOut(people=[PersonOut(**dict(r)) for r in rows]))


@router.route("POST", "/api/v1/cms/people", summary="Add a cast or crew member", body=PersonIn, response=PersonOut,
              status=201, roles=EDITORS, errors=(401, 403, 422))
async def create_person(request: web.Request, *, body: PersonIn) -> web.Response:
    """201 with the new person."""
    row = await request.app[keys.DB].fetchrow(
        "INSERT INTO people (name, name_hi) VALUES ($1, $2) RETURNING id::text AS id, name, name_hi",
        body.name, body.name_hi)
    return json_response(PersonOut(**dict(row)), status=201)
