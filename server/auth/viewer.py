"""Who is watching: the caller's account (tier) and one of its profiles, checked to belong to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from server import keys
from server.errors import NotFound
from server.proxies import via_trusted_proxy
from server.routing import principal

Rating = Literal["U", "U/A", "A"]
#: Request key: the caller's profiles (id → `ProfileInfo`), read by the authenticator with the account.
ACCOUNT_PROFILES = "account_profiles"
RATING_ORDER: dict[str, int] = {"U": 0, "U/A": 1, "A": 2}


@dataclass(frozen=True, slots=True)
class ProfileInfo:
    """The fields of a profile that decide what it may see and how."""

    id: str
    name: str
    maturity_rating: str
    language: str
    is_kids: bool
    preferred_quality: str | None


@dataclass(frozen=True, slots=True)
class Viewer:
    """An authenticated account, its effective tier and country, and (optionally) a profile."""

    user_id: str
    tier: Literal["free", "premium"]
    country: str
    profile: ProfileInfo | None

    def may_see_rating(self, rating: str | None) -> bool:
        """Whether the profile's maturity setting allows content rated ``rating``."""
        if self.profile is None:
            return True
        limit = "U" if self.profile.is_kids else self.profile.maturity_rating
        return RATING_ORDER.get(rating or "U", 2) <= RATING_ORDER[limit]


def request_country(request: web.Request) -> str:
    """The viewer's country from the country header set by a trusted proxy, else the default (upper-case).

    The header is believed only when the request came through a trusted hop (``OTT_TRUSTED_PROXIES``):
    a client talking to the app directly cannot pick its own country.
    """
    settings = request.app[keys.SETTINGS]
    if not via_trusted_proxy(request):
        return str(settings.default_country)
    value = request.headers.get(settings.country_header, "").strip().upper()
    return value if len(value) == 2 and value.isalpha() else settings.default_country


async def load_viewer(request: web.Request, profile_id: str | None) -> Viewer:
    """The caller as a Viewer (tier and profiles as the authenticator read them); a profile id of another
    account (or malformed) is a 404."""
    who = principal(request)
    profile = None
    if profile_id is not None:
        profile = request[ACCOUNT_PROFILES].get(profile_id)
        if profile is None:
            raise NotFound(f"no profile {profile_id} on this account")
    return Viewer(user_id=who.user_id, tier=who.tier, country=request_country(request), profile=profile)
