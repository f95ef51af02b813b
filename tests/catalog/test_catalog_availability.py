"""Availability rules: state, window, geo, maturity/kids; and ``playable_item`` for playback."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.auth.viewer import ProfileInfo, Viewer
from server.catalog.availability import UpgradeRequired, playable_item
from server.errors import NotFound, ValidationFailed
from tests.helpers import auth, make_profile, register

ALWAYS_VISIBLE = {"u", "ua", "a", "leaving", "india", "show"}


def viewer(*, tier: str = "free", country: str = "IN", rating: str | None = None, kids: bool = False) -> Viewer:
    profile = None
    if rating is not None:
        profile = ProfileInfo(id="p", name="p", maturity_rating=rating, language="en", is_kids=kids,
                              preferred_quality=None)
    return Viewer(user_id="u", tier=tier, country=country, profile=profile)  # type: ignore[arg-type]


async def titles(api: TestClient, *, params: dict[str, str] | None = None, **kw: Any) -> set[str]:
    resp = await api.get("/api/v1/catalog/content", params={"limit": "100", "sort": "a-z", **(params or {})}, **kw)
    body = await resp.json()
    assert resp.status == 200, body
    return {item["id"] for item in body["content"]}


def named(cat: dict[str, Any], *keys_: str) -> set[str]:
    return {cat["ids"][k] for k in keys_}


async def test_anonymous_sees_only_published_titles_inside_their_window(api, rules_catalog) -> None:
    seen = await titles(api)
    assert seen == named(rules_catalog, *ALWAYS_VISIBLE)
    for hidden in ("draft", "review", "expired", "us"):
        resp = await api.get(f"/api/v1/catalog/content/{rules_catalog['ids'][hidden]}")
        assert resp.status == 404, hidden
        assert resp.content_type == "application/problem+json"
    # coming soon: not in the list, but its page exists (announced, not playable)
    soon = await (await api.get(f"/api/v1/catalog/content/{rules_catalog['ids']['soon']}")).json()
    assert soon["coming_soon"] is True and soon["playable"] is False


async def test_country_header_switches_geo_restricted_titles(api, rules_catalog) -> None:
    seen_us = await titles(api, headers={"X-Country-Code": "us"})
    assert rules_catalog["ids"]["us"] in seen_us
    assert rules_catalog["ids"]["india"] not in seen_us
    resp = await api.get(f"/api/v1/catalog/content/{rules_catalog['ids']['india']}", headers={"X-Country-Code": "US"})
    assert resp.status == 404


async def test_profile_ratings_limit_what_is_listed(api, rules_catalog) -> None:
    user = await register(api)
    token = user["access_token"]
    kids = await make_profile(api, token, is_kids_profile=True, maturity_rating="U")
    teen = await make_profile(api, token, maturity_rating="U/A")
    kid_seen = await titles(api, params={"profile_id": kids["id"], "limit": "100"}, headers=auth(token))
    assert kid_seen == named(rules_catalog, "u", "leaving", "india", "show")
    teen_seen = await titles(api, params={"profile_id": teen["id"], "limit": "100"}, headers=auth(token))
    assert teen_seen == named(rules_catalog, "u", "ua", "leaving", "india", "show")
    resp = await api.get(f"/api/v1/catalog/content/{rules_catalog['ids']['a']}", params={"profile_id": kids["id"]},
                         headers=auth(token))
    assert resp.status == 404


async def test_profile_id_needs_a_token_and_must_be_the_callers(api, rules_catalog) -> None:
    resp = await api.get("/api/v1/catalog/content", params={"profile_id": "0d4f3a0e-8a1b-4a55-9d55-0e8f1a2b3c4d"})
    assert resp.status == 401
    other = await register(api)
    theirs = await make_profile(api, other["access_token"])
    me = await register(api)
    resp = await api.get("/api/v1/catalog/content", params={"profile_id": theirs["id"]},
                         headers=auth(me["access_token"]))
    assert resp.status == 404
    assert (await resp.json())["status"] == 404


async def test_premium_titles_are_listed_for_free_viewers_with_a_badge(api, rules_catalog) -> None:
    resp = await api.get(f"/api/v1/catalog/content/{rules_catalog['ids']['a']}")
    body = await resp.json()
    assert resp.status == 200
    assert body["tier_requirement"] == "premium" and body["premium"] is True and body["playable"] is False


async def test_playable_item_for_a_movie_and_the_tier_check(api, rules_catalog) -> None:
    db = api.app[keys.DB]
    ids = rules_catalog["ids"]
    item = await playable_item(db, viewer=viewer(), content_id=ids["u"], episode_id=None)
    assert (item.content_id, item.asset_id, item.duration_s, item.episode_id) == (ids["u"], "testcard-60s", 60.0, None)
    with pytest.raises(UpgradeRequired) as err:
        await playable_item(db, viewer=viewer(), content_id=ids["a"], episode_id=None)
    assert err.value.status == 403 and err.value.code == "upgrade-required"
    premium = await playable_item(db, viewer=viewer(tier="premium"), content_id=ids["a"], episode_id=None)
    assert premium.tier_requirement == "premium"


async def test_playable_item_hides_what_the_viewer_may_not_see(api, rules_catalog) -> None:
    db = api.app[keys.DB]
    ids = rules_catalog["ids"]
    for key, who in (("draft", viewer()), ("soon", viewer()), ("expired", viewer()), ("us", viewer()),
                     ("india", viewer(country="US")), ("ua", viewer(rating="U", kids=True)),
                     ("a", viewer(tier="premium", rating="U/A"))):
        with pytest.raises(NotFound):
            await playable_item(db, viewer=who, content_id=ids[key], episode_id=None)
    for bad in ("not-a-uuid", "", "00000000-0000-0000-0000-000000000000", "'; DROP TABLE content; --"):
        with pytest.raises(NotFound):
            await playable_item(db, viewer=viewer(), content_id=bad, episode_id=None)


async def test_playable_item_for_episodes_and_next_episode(api, rules_catalog) -> None:
    db = api.app[keys.DB]
    show, eps = rules_catalog["ids"]["show"], rules_catalog["episodes"]
    who = viewer(tier="premium", rating="U", kids=True)
    with pytest.raises(ValidationFailed):
        await playable_item(db, viewer=who, content_id=show, episode_id=None)
    with pytest.raises(ValidationFailed):
        await playable_item(db, viewer=who, content_id=rules_catalog["ids"]["u"], episode_id=eps[0])
    first = await playable_item(db, viewer=who, content_id=show, episode_id=eps[0])
    assert (first.asset_id, first.next_episode_id, first.season_number, first.episode_number) == (
        "testcard-10s", eps[1], 1, 1)
    end_of_s1 = await playable_item(db, viewer=who, content_id=show, episode_id=eps[1])
    assert end_of_s1.next_episode_id == eps[2]  # crosses into season 2
    last = await playable_item(db, viewer=who, content_id=show, episode_id=eps[2])
    assert last.next_episode_id is None
    with pytest.raises(NotFound):
        await playable_item(db, viewer=who, content_id=show, episode_id="nope")
    with pytest.raises(UpgradeRequired):
        await playable_item(db, viewer=viewer(rating="U"), content_id=show, episode_id=eps[0])
