"""Profiles of the caller's account: list, create (max 5), read, update, delete."""

from __future__ import annotations

import uuid

from aiohttp import web

from server import keys
from server.errors import NotFound
from server.profiles import service, store
from server.profiles.models import ProfileIn, ProfileListOut, ProfileOut, ProfilePatch
from server.routing import ApiRouter, json_response, principal

router = ApiRouter(tag="profiles")


def _profile_id(request: web.Request) -> str:
    """The path's profile id; a malformed one is a 404 like any profile that is not the caller's."""
    raw = request.match_info["profile_id"]
    try:
        return str(uuid.UUID(raw))
    except ValueError as err:
        raise NotFound(f"no profile {raw[:64]} on this account") from err


@router.route("GET", "/api/v1/auth/profiles", summary="The account's profiles", response=ProfileListOut,
              errors=(401,))
async def list_profiles(request: web.Request) -> web.Response:
    """200 with every profile of the caller's account, oldest first."""
    profiles = await store.list_for(request.app[keys.DB], user_id=principal(request).user_id)
    return json_response(ProfileListOut(profiles=profiles))


@router.route("POST", "/api/v1/auth/profiles", summary="Create a profile (at most 5 per account)", body=ProfileIn,
              response=ProfileOut, status=201, errors=(401, 409, 422))
async def create_profile(request: web.Request, *, body: ProfileIn) -> web.Response:
    """201; 409 when the account already has 5 profiles; 422 for a kids profile not rated U."""
    out = await service.create(request.app[keys.DB], user_id=principal(request).user_id, body=body)
    return json_response(out, status=201)


@router.route("GET", "/api/v1/auth/profiles/{profile_id}", summary="One profile of the account",
              response=ProfileOut, errors=(401, 404))
async def get_profile(request: web.Request) -> web.Response:
    """200; 404 for a profile of another account or a malformed id."""
    out = await store.fetch_owned(request.app[keys.DB], profile_id=_profile_id(request),
                                  user_id=principal(request).user_id)
    return json_response(out)


@router.route("PATCH", "/api/v1/auth/profiles/{profile_id}", summary="Change a profile", body=ProfilePatch,
              response=ProfileOut, errors=(401, 404, 422))
async def update_profile(request: web.Request, *, body: ProfilePatch) -> web.Response:
    """200 with the new state; turning a profile into a kids profile rates it U; kids rated above U → 422."""
    out = await service.update(request.app[keys.DB], profile_id=_profile_id(request),
                               user_id=principal(request).user_id, body=body)
    return json_response(out)


@router.route("DELETE", "/api/v1/auth/profiles/{profile_id}", summary="Delete a profile (not the last one)",
              status=204, errors=(401, 404, 409))
async def delete_profile(request: web.Request) -> web.Response:
    """204; 404 for a foreign or malformed id; 409 for the account's last profile."""
    await service.delete(request.app[keys.DB], profile_id=_profile_id(request), user_id=principal(request).user_id)
    return web.Response(status=204)
