"""The request authenticator: a Bearer access token → :class:`server.routing.Principal` or None.

Roles, email verification, account status and the effective subscription tier are read from the
``users`` table on every request, so a role grant or revocation (admin API, CLI, direct SQL) or a
tier change takes effect at once; the
``roles`` claim in the token is informational only. Revocation is read in the same query: an
access token whose login family (``fam``) has been revoked in ``refresh_tokens`` (logout, reuse,
password reset) is refused. PostgreSQL is the only source of truth, so a Redis restart or flush
cannot revive a token, and authentication keeps working while Redis is down.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from aiohttp import web

from server import keys
from server.auth.tokens import InvalidToken, TokenService
from server.auth.viewer import ACCOUNT_PROFILES, ProfileInfo
from server.errors import Forbidden
from server.routing import Principal

log = logging.getLogger(__name__)


#: The account as the authenticator reads it on every request, with its profiles (at most a handful), so that
#: a handler's `server.auth.viewer.load_viewer` needs no query of its own.
ACCOUNT_SQL = (
    "SELECT email, roles, email_verified_at IS NOT NULL AS verified, status,"
    " CASE WHEN subscription_tier = 'premium' AND subscription_expires_at < now() THEN 'free'"
    "  ELSE subscription_tier END AS tier,"
    " EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $2::uuid AND revoked_at IS NOT NULL) AS revoked,"
    " ARRAY(SELECT ROW(p.id::text, p.name, p.maturity_rating, p.language_preference, p.is_kids_profile,"
    "  p.preferred_quality) FROM profiles p WHERE p.user_id = users.id) AS profiles"
    " FROM users WHERE id = $1::uuid")


def token_service(app: web.Application) -> TokenService:
    """The app's token service (installed at startup by the auth area)."""
    return app[keys.TOKENS]


def bearer_token(request: web.Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def verified_claims(request: web.Request) -> dict[str, Any] | None:
    """The claims of the request's access token if its signature and lifetime are valid (no DB/Redis)."""
    token = bearer_token(request)
    service = request.config_dict.get(keys.TOKENS)
    if token is None or service is None:
        return None
    try:
        return service.verify(token, typ="access")
    except InvalidToken:
        return None


async def authenticate_request(request: web.Request) -> Principal | None:
    """The caller of a valid, unrevoked access token of an active account; else None."""
    claims = verified_claims(request)
    if claims is None:
        return None
    try:
        user_id = str(uuid.UUID(claims["sub"]))
    except ValueError:
        return None
    try:
        family_id = str(uuid.UUID(str(claims["fam"])))
    except (KeyError, ValueError):
        return None  # every access token this server issues names its login family
    row = await request.config_dict[keys.DB].fetchrow(ACCOUNT_SQL, user_id, family_id)
    if row is None or row["status"] != "active" or row["revoked"]:
        return None
    request["token_claims"] = claims
    request[ACCOUNT_PROFILES] = {p[0]: ProfileInfo(*p) for p in row["profiles"]}
    return Principal(user_id=user_id, email=row["email"], roles=frozenset(row["roles"]), token_id=claims["jti"],
                     expires_at=int(claims["exp"]), email_verified=bool(row["verified"]),
                     tier="premium" if row["tier"] == "premium" else "free")


def require_verified(who: Principal) -> None:
    """Raise Forbidden (403) unless the caller's email address is verified."""
    if not who.email_verified:
        raise Forbidden("verify your email address first", extra={"reason": "email-not-verified"})


def require_verified_if_configured(request: web.Request, who: Principal) -> None:
    """Apply :func:`require_verified` when ``OTT_REQUIRE_VERIFIED_EMAIL`` is on."""
    if request.config_dict[keys.SETTINGS].require_verified_email:
        require_verified(who)
