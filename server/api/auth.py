"""Auth area: register, login, refresh, logout, email verification, password reset, me."""

from __future__ import annotations

import logging
import time
from typing import Any

from aiohttp import web

from server import keys, mail
from server.auth import audit, one_time, sessions, store
from server.auth.authenticator import token_service
from server.auth.lockout import Lockout
from server.auth.messages import password_reset_mail, verification_mail
from server.auth.models import (
    AcceptedOut,
    EmailIn,
    LoginIn,
    LogoutIn,
    MeOut,
    PasswordResetConfirmIn,
    RefreshIn,
    RefreshOut,
    RegisterIn,
    SessionOut,
    TokenIn,
    VerifiedOut,
)
from server.auth.passwords import dummy_hash, hash_password, password_problems, verify_password
from server.auth.tokens import InvalidToken
from server.errors import Conflict, Forbidden, Locked, Unauthorized, ValidationFailed
from server.profiles import store as profiles_store
from server.routing import ApiRouter, json_response, principal

log = logging.getLogger(__name__)
router = ApiRouter(tag="auth")
DEFAULT_PROFILE_RATING = "A"


def _lockout(request: web.Request) -> Lockout:
    settings = request.app[keys.SETTINGS]
    return Lockout(db=request.app[keys.DB], redis=request.app[keys.REDIS], namespace=settings.redis_namespace,
                   attempts=settings.lockout_attempts, lockout_s=settings.lockout_s)


def _check_password_policy(password: str) -> None:
    problems = password_problems(password)
    if problems:
        raise ValidationFailed("the password does not meet the policy", errors=[
            {"field": "password", "message": f"needs {p}", "type": "password_policy"} for p in problems])


def _session_out(account: sessions.Account, pair: sessions.TokenPair) -> SessionOut:
    return SessionOut(user_id=account.user_id, email=account.email,
                      subscription_tier="premium" if account.subscription_tier == "premium" else "free",
                      email_verified=account.email_verified, roles=sorted(account.roles),
                      access_token=pair.access_token, refresh_token=pair.refresh_token,
                      expires_in=max(pair.access_expires_at - int(time.time()), 0))


@router.route("POST", "/api/v1/auth/register", summary="Create an account (returns tokens; sends a verification mail)",
              body=RegisterIn, response=SessionOut, status=201, auth="none", errors=(409, 422))
async def register(request: web.Request, *, body: RegisterIn) -> web.Response:
    """201 with a token pair; 409 when the email (any case) exists; 422 listing each password rule broken."""
    _check_password_policy(body.password)
    settings = request.app[keys.SETTINGS]
    hashed = await hash_password(body.password, rounds=settings.bcrypt_rounds)
    tokens = token_service(request.app)
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        user_id = await store.create_user(conn, email=body.email, password_hash=hashed, language=body.language)
        if user_id is None:
            raise Conflict("an account with this email already exists")
        await profiles_store.insert_default(conn, user_id=user_id, name=body.email.split("@", 1)[0][:100] or "Me",
                                            maturity_rating=DEFAULT_PROFILE_RATING, language=body.language)
        token = await one_time.issue(conn, user_id=user_id, purpose="verify_email", ttl_s=settings.email_verify_ttl_s)
        subject, text = verification_mail(settings=settings, token=token)
        await mail.enqueue(conn, to=body.email, subject=subject, body=text, kind="verify_email")
        account = await sessions.load_account(conn, user_id=user_id)
        assert account is not None
        pair = await sessions.start_session(conn, tokens, account=account)
        await audit.record(conn, action="auth.register", actor_id=user_id, target_type="user", target_id=user_id,
                           request_id=request.get("request_id"))
    mail.wake_sender(request.app)
    return json_response(_session_out(account, pair), status=201)


async def _login_failed(request: web.Request, *, email: str, user_id: str | None) -> None:
    db = request.app[keys.DB]
    locked_for = await _lockout(request).record_failure(email=email)
    await audit.record(db, action="auth.login_failed", target_type="user", target_id=user_id,
                       details={"email": email.lower()}, request_id=request.get("request_id"))
    if locked_for:
        await audit.record(db, action="auth.lockout", target_type="user", target_id=user_id,
                           details={"email": email.lower(), "seconds": locked_for},
                           request_id=request.get("request_id"))
        raise Locked(f"too many failed logins: the account is locked for {locked_for} seconds",
                     headers={"Retry-After": str(locked_for)})
    raise Unauthorized("wrong email or password")


@router.route("POST", "/api/v1/auth/login", summary="Log in with email and password", body=LoginIn,
              response=SessionOut, auth="none", errors=(401, 403, 423))
async def login(request: web.Request, *, body: LoginIn) -> web.Response:
    """200 with a token pair; 401 on a wrong email or password; 423 (Retry-After) while locked out."""
    lockout = _lockout(request)
    locked_for = await lockout.locked_for(email=body.email)
    if locked_for:
        raise Locked(f"too many failed logins: try again in {locked_for} seconds",
                     headers={"Retry-After": str(locked_for)})
    db = request.app[keys.DB]
    found = await store.credentials(db, email=body.email)
    rounds = request.app[keys.SETTINGS].bcrypt_rounds
    ok = await verify_password(body.password, found.password_hash if found else await dummy_hash(rounds=rounds))
    if found is None or not ok:
        await _login_failed(request, email=body.email, user_id=found.user_id if found else None)
    assert found is not None
    async with db.acquire() as conn, conn.transaction():
        account = await sessions.load_account(conn, user_id=found.user_id)
        assert account is not None
        if account.status == "deleting":
            raise Forbidden("this account is scheduled for deletion; POST /api/v1/account/restore keeps it")
        if account.status != "active":
            raise Forbidden("this account is suspended")
        await store.touch_login(conn, user_id=account.user_id)
        pair = await sessions.start_session(conn, token_service(request.app), account=account)
        await audit.record(conn, action="auth.login", actor_id=account.user_id, target_type="user",
                           target_id=account.user_id, request_id=request.get("request_id"))
    await lockout.reset(email=body.email)
    return json_response(_session_out(account, pair))


@router.route("POST", "/api/v1/auth/refresh", summary="Rotate a refresh token for a new token pair", body=RefreshIn,
              response=RefreshOut, auth="none", errors=(401,))
async def refresh(request: web.Request, *, body: RefreshIn) -> web.Response:
    """200 with a new pair; 401 when the token is invalid, expired, revoked or reused (reuse revokes the family)."""
    tokens = token_service(request.app)
    try:
        claims = tokens.verify(body.refresh_token, typ="refresh")
    except InvalidToken as err:
        raise Unauthorized("the refresh token is not valid") from err
    try:
        pair, _account = await sessions.rotate(request.app[keys.DB], tokens, claims=claims, token=body.refresh_token,
                                               grace_s=request.app[keys.SETTINGS].refresh_grace_s)
    except sessions.RefreshReused as err:
        await audit.record(request.app[keys.DB], action="auth.refresh_reuse", target_type="user",
                           target_id=err.user_id, details={"family_id": err.family_id},
                           request_id=request.get("request_id"))
        log.warning("refresh token reuse: family %s revoked", err.family_id)
        raise Unauthorized("the refresh token was already used; this login has been revoked") from err
    except sessions.RefreshRejected as err:
        raise Unauthorized(str(err)) from err
    out = RefreshOut(access_token=pair.access_token, refresh_token=pair.refresh_token,
                     expires_in=max(pair.access_expires_at - int(time.time()), 0))
    return json_response(out)


@router.route("POST", "/api/v1/auth/logout", summary="Log out: end every login of the account (or only this one)",
              body=LogoutIn, status=204, errors=(401,))
async def logout(request: web.Request, *, body: LogoutIn) -> web.Response:
    """204; every login's refresh tokens and this access token stop working; ``all_sessions: false`` ends only
    this login (this device)."""
    who = principal(request)
    claims: dict[str, Any] = request["token_claims"]
    db = request.app[keys.DB]
    if body.all_sessions:
        await sessions.revoke_all(db, user_id=who.user_id)
    elif claims.get("fam"):
        await sessions.revoke_family(db, family_id=str(claims["fam"]))
    await audit.record(db, action="auth.logout", actor_id=who.user_id, target_type="user", target_id=who.user_id,
                       details={"all_sessions": body.all_sessions}, request_id=request.get("request_id"))
    return web.Response(status=204)


@router.route("GET", "/api/v1/auth/me", summary="The caller's account", response=MeOut, errors=(401,))
async def me(request: web.Request) -> web.Response:
    """200 with the account: roles, tier, verification state."""
    who = principal(request)
    out = await store.me(request.app[keys.DB], user_id=who.user_id)
    if out is None:
        raise Unauthorized("the account no longer exists")
    return json_response(out)


@router.route("POST", "/api/v1/auth/verify-email", summary="Confirm an email address with the mailed token",
              body=TokenIn, response=VerifiedOut, auth="none", errors=(400, 410))
async def verify_email(request: web.Request, *, body: TokenIn) -> web.Response:
    """200; 400 for an unknown token, 410 for an expired or used one."""
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        user_id = await one_time.consume(conn, token=body.token, purpose="verify_email")
        await store.mark_email_verified(conn, user_id=user_id)
        await audit.record(conn, action="auth.email_verified", actor_id=user_id, target_type="user",
                           target_id=user_id, request_id=request.get("request_id"))
    return json_response(VerifiedOut(email_verified=True))


@router.route("POST", "/api/v1/auth/resend-verification", summary="Mail a new verification token",
              response=AcceptedOut, status=202, errors=(401, 409))
async def resend_verification(request: web.Request) -> web.Response:
    """202; 409 when the address is already verified."""
    who = principal(request)
    if who.email_verified:
        raise Conflict("the email address is already verified")
    settings = request.app[keys.SETTINGS]
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        token = await one_time.issue(conn, user_id=who.user_id, purpose="verify_email",
                                     ttl_s=settings.email_verify_ttl_s)
        subject, text = verification_mail(settings=settings, token=token)
        await mail.enqueue(conn, to=who.email, subject=subject, body=text, kind="verify_email")
    mail.wake_sender(request.app)
    return json_response(AcceptedOut(), status=202)


@router.route("POST", "/api/v1/auth/password-reset/request", summary="Mail a password-reset token (always 202)",
              body=EmailIn, response=AcceptedOut, status=202, auth="none", errors=(422,))
async def password_reset_request(request: web.Request, *, body: EmailIn) -> web.Response:
    """202 whether or not the address has an account, so the answer tells nothing."""
    settings = request.app[keys.SETTINGS]
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        found = await store.active_address(conn, email=body.email)
        if found is not None:
            token = await one_time.issue(conn, user_id=found.user_id, purpose="password_reset",
                                         ttl_s=settings.password_reset_ttl_s)
            subject, text = password_reset_mail(settings=settings, token=token)
            await mail.enqueue(conn, to=found.email, subject=subject, body=text, kind="password_reset")
            await audit.record(conn, action="auth.password_reset_requested", target_type="user",
                               target_id=found.user_id, request_id=request.get("request_id"))
    mail.wake_sender(request.app)
    return json_response(AcceptedOut(), status=202)


@router.route("POST", "/api/v1/auth/password-reset/confirm", summary="Set a new password with a reset token",
              body=PasswordResetConfirmIn, status=204, auth="none", errors=(400, 410, 422))
async def password_reset_confirm(request: web.Request, *, body: PasswordResetConfirmIn) -> web.Response:
    """204; every login of the account is revoked. 400 unknown token, 410 expired/used, 422 weak password."""
    _check_password_policy(body.password)
    settings = request.app[keys.SETTINGS]
    hashed = await hash_password(body.password, rounds=settings.bcrypt_rounds)
    async with request.app[keys.DB].acquire() as conn, conn.transaction():
        user_id = await one_time.consume(conn, token=body.token, purpose="password_reset")
        email = await store.set_password(conn, user_id=user_id, password_hash=hashed)
        await sessions.revoke_all(conn, user_id=user_id)
        await audit.record(conn, action="auth.password_reset", actor_id=user_id, target_type="user",
                           target_id=user_id, request_id=request.get("request_id"))
    await _lockout(request).reset(email=email)
    return web.Response(status=204)
