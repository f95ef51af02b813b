"""CMS HTTP handlers: titles (create, edit, read, list), seasons and episodes, genres and people."""

from __future__ import annotations

from aiohttp import web

from server import keys
from server.cms import seasons, service, store, taxonomy
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
from server.cms.workflow import EDITORS, STAFF
from server.routing import ApiRouter, json_response, principal

router = ApiRouter(tag="cms")


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
    async with request.app[keys.DB].acquire() as conn:
        out = await store.content_page(conn, query=query, owner=owner)
    return json_response(out)


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
        out = await seasons.add_season(conn, content_id=request.match_info["content_id"], body=body, who=who,
                                       request_id=request.get("request_id"))
    return json_response(out, status=201)


@router.route("POST", "/api/v1/cms/content/{content_id}/seasons/{season_id}/episodes",
              summary="Add an episode to a season", body=EpisodeIn, response=CreatedOut, status=201, roles=EDITORS,
              errors=(401, 403, 404, 409, 422))
async def add_episode(request: web.Request, *, body: EpisodeIn) -> web.Response:
    """201; 404 unknown season of this show; 409 when the episode number exists."""
    who = principal(request)
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        out = await seasons.add_episode(conn, content_id=request.match_info["content_id"],
                                        season_id=request.match_info["season_id"], body=body, who=who,
                                        request_id=request.get("request_id"))
    return json_response(out, status=201)


@router.route("GET", "/api/v1/cms/genres", summary="Genres (autocomplete with q)", query=SearchQuery,
              response=GenresOut, roles=STAFF, errors=(401, 403, 422))
async def list_genres(request: web.Request, *, query: SearchQuery) -> web.Response:
    """200 with the genres whose name or slug contains ``q`` (all without it)."""
    genres = await taxonomy.find_genres(request.app[keys.DB], q=query.q, limit=query.limit)
    return json_response(GenresOut(genres=genres))


@router.route("POST", "/api/v1/cms/genres", summary="Create a genre", body=GenreIn, response=GenreOut, status=201,
              roles=EDITORS, errors=(401, 403, 409, 422))
async def create_genre(request: web.Request, *, body: GenreIn) -> web.Response:
    """201; 409 when the name or slug exists."""
    out = await taxonomy.create_genre(request.app[keys.DB], body=body)
    return json_response(out, status=201)


@router.route("GET", "/api/v1/cms/people", summary="Cast and crew search (autocomplete with q)", query=SearchQuery,
              response=PeopleOut, roles=STAFF, errors=(401, 403, 422))
async def list_people(request: web.Request, *, query: SearchQuery) -> web.Response:
    """200 with people whose name (English or Hindi) contains ``q``."""
    people = await taxonomy.find_people(request.app[keys.DB], q=query.q, limit=query.limit)
    return json_response(PeopleOut(people=people))


@router.route("POST", "/api/v1/cms/people", summary="Add a cast or crew member", body=PersonIn, response=PersonOut,
              status=201, roles=EDITORS, errors=(401, 403, 422))
async def create_person(request: web.Request, *, body: PersonIn) -> web.Response:
    """201 with the new person."""
    out = await taxonomy.create_person(request.app[keys.DB], body=body)
    return json_response(out, status=201)
