"""Account API (spec §8.3, GDPR): export my data, delete my account with a 90-day grace period (and
restore it inside that period), object to personalised recommendations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from server import keys
from server.account import store
from server.account.models import (
    GRACE_DAYS,
    DeletionOut,
    ExportOut,
    PreferencesIn,
    PreferencesOut,
    RestoreIn,
)
from server.auth import audit, sessions
from server.auth import store as auth_store
from server.auth.passwords import verify_password
from server.errors import Unauthorized
from server.routing import ApiRouter, json_response, principal

router = ApiRouter(tag="account")


@router.route("GET", "/api/v1/account/export", summary="Export everything stored about my account", response=ExportOut,
              errors=(401,))
async def export(request: web.Request) -> web.Response:
    """200 with the account, profiles, watch history, watchlist, feedback, subscriptions, payments and invoices
    (right of access and data portability; the password hash is never exported)."""
    who = principal(request)
    data = await store.export(request.app[keys.DB], user_id=who.user_id)
    await audit.record(request.app[keys.DB], action="account.export", actor_id=who.user_id, target_type="user",
                       target_id=who.user_id, request_id=request.get("request_id"))
    return json_response(ExportOut(exported_at=datetime.now(UTC).isoformat(), **data),
                         headers={"Cache-Control": "no-store",
                                  "Content-Disposition": 'attachment; filename="ott-account-export.json"'})


@router.route("DELETE", "/api/v1/account", summary="Delete my account (erased after a 90-day grace period)",
              response=DeletionOut, status=202, errors=(401,))
async def delete_account(request: web.Request) -> web.Response:
    """202: every login ends at once and the account cannot log in; it is erased after 90 days unless
    restored with ``POST /api/v1/account/restore``."""
    who = principal(request)
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        at = await store.schedule_deletion(conn, user_id=who.user_id)
        await sessions.revoke_all(conn, user_id=who.user_id)
        await audit.record(conn, action="account.delete_requested", actor_id=who.user_id, target_type="user",
                           target_id=who.user_id, request_id=request.get("request_id"))
    return json_response(DeletionOut(status="deleting", deletion_requested_at=at.isoformat(),
                                     erase_after=(at + timedelta(days=GRACE_DAYS)).isoformat()), status=202)


@router.route("POST", "/api/v1/account/restore", summary="Cancel the deletion of my account (within 90 days)",
              body=RestoreIn, response=PreferencesOut, auth="none", errors=(401, 422))
async def restore(request: web.Request, *, body: RestoreIn) -> web.Response:
    """200 when the account is active again (log in afterwards); 401 for wrong credentials or an account
    that is not scheduled for deletion."""
    db = request.app[keys.DB]
    found = await auth_store.credentials(db, email=body.email)
    if found is None or not await verify_password(body.password, found.password_hash):
        raise Unauthorized("wrong email or password")
    async with db.acquire() as conn, conn.transaction():
        if not await store.cancel_deletion(conn, user_id=found.user_id):
            raise Unauthorized("this account is not waiting for deletion")
        await audit.record(conn, action="account.restored", actor_id=found.user_id, target_type="user",
                           target_id=found.user_id, request_id=request.get("request_id"))
    opt_out = await store.recs_opt_out(db, user_id=found.user_id)
    return json_response(PreferencesOut(personalized_recommendations=not opt_out))


@router.route("GET", "/api/v1/account/preferences", summary="My privacy preferences", response=PreferencesOut,
              errors=(401,))
async def preferences(request: web.Request) -> web.Response:
    """200 with whether recommendations may use my watch history."""
    opt_out = await store.recs_opt_out(request.app[keys.DB], user_id=principal(request).user_id)
    return json_response(PreferencesOut(personalized_recommendations=not opt_out))


@router.route("PUT", "/api/v1/account/preferences", summary="Opt out of (or back into) personalised recommendations",
              body=PreferencesIn, response=PreferencesOut, errors=(401, 422))
async def set_preferences(request: web.Request, *, body: PreferencesIn) -> web.Response:
    """200; with ``personalized_recommendations: false`` recommendations are the trending titles, not
    derived from my history (right to object)."""
    await store.set_recs_opt_out(request.app[keys.DB], user_id=principal(request).user_id,
                                 opt_out=not body.personalized_recommendations)
    return json_response(PreferencesOut(personalized_recommendations=body.personalized_recommendations))
