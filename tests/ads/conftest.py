"""Ads fixtures: the packaged test card (real ffmpeg, shared with the streaming tests) as the ad
creative, an admin, a free viewer, a catalog title, and a strict VAST/VMAP structure check.

No package on PyPI ships the IAB VAST/VMAP XSDs, so documents are checked by ``check_vast`` /
``check_vmap``: element order, required children and attribute formats of VAST 4.2 and VMAP 1.0.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server import keys
from server.ads.documents import VAST_NS, VMAP_NS
from server.settings import Settings
from tests.conftest import make_settings
from tests.helpers import auth, default_profile, grant_role, register
from tests.streaming.conftest import ASSET_ID, MediaRoot, media_root  # noqa: F401 - the shared fixture

TIMECODE = re.compile(r"^\d{2}:[0-5]\d:[0-5]\d(\.\d{3})?$")
VAST_EVENTS = {"mute", "unmute", "pause", "resume", "rewind", "skip", "playerExpand", "playerCollapse", "loaded",
               "start", "firstQuartile", "midpoint", "thirdQuartile", "complete", "otherAdInteraction", "progress",
               "closeLinear", "creativeView", "acceptInvitation", "adExpand", "adCollapse", "minimize", "close",
               "overlayViewDuration", "notUsed"}
INLINE_ORDER = ["AdSystem", "Error", "Extensions", "Impression", "Pricing", "AdServingId", "Category", "Description",
                "Advertiser", "Expires", "Survey", "ViewableImpression", "AdVerifications", "AdTitle", "Creatives"]
CREATIVE_ASSET = ASSET_ID


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str], media_root: MediaRoot) -> Settings:  # noqa: F811
    """The selected backend with the packaged media dir."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], media_dir=media_root.root,
                         bcrypt_rounds=4)


@dataclass
class People:
    """An admin token and a free viewer (token, user id, default profile id)."""

    admin: str
    token: str
    user_id: str
    profile_id: str


@pytest.fixture
async def people(api: TestClient) -> People:
    """An admin and a free viewer."""
    admin = await register(api)
    await grant_role(api, admin["user_id"], "admin")
    viewer = await register(api)
    profile = await default_profile(api, viewer["access_token"])
    return People(admin=admin["access_token"], token=viewer["access_token"], user_id=viewer["user_id"],
                  profile_id=profile["id"])


async def title(api: TestClient, *, seconds: float, genre: str | None = "Action", tier: str = "free") -> str:
    """A published movie of ``seconds`` (optionally in ``genre``); its id."""
    db = api.app[keys.DB]
    cid = str(await db.fetchval(
        "INSERT INTO content (type, title, workflow_state, tier_requirement, asset_id, asset_duration_s)"
        " VALUES ('movie', 'Feature', 'published', $1, 'feature-asset', $2) RETURNING id", tier, seconds))
    if genre:
        gid = await db.fetchval("INSERT INTO genres (name, slug) VALUES ($1::text, lower($1::text))"
                                " ON CONFLICT (name) DO UPDATE SET slug = EXCLUDED.slug RETURNING id", genre)
        await db.execute("INSERT INTO content_genres VALUES ($1::uuid, $2)", cid, gid)
    return cid


async def add_ad(api: TestClient, admin: str, **fields: Any) -> dict[str, Any]:
    """Create an ad through the API (defaults: the 6 s test-card creative); assert 201."""
    body = {"title": "Ad", "asset_id": CREATIVE_ASSET, "duration_seconds": 6, **fields}
    resp = await api.post("/api/v1/ads/inventory", json=body, headers=auth(admin))
    out: dict[str, Any] = await resp.json()
    assert resp.status == 201, out
    return out


async def start(api: TestClient, people: People, content_id: str, **headers: str) -> dict[str, Any]:
    """Start playback as the viewer; assert 200."""
    resp = await api.post("/api/v1/stream/playback/start", json={"profile_id": people.profile_id,
                                                                  "content_id": content_id},
                          headers={**auth(people.token), **headers})
    body: dict[str, Any] = await resp.json()
    assert resp.status == 200, body
    return body


def parse_xml(data: bytes) -> ET.Element:
    """Parse a document served by the app under test (trusted input: our own output)."""
    return ET.fromstring(data)  # noqa: S314 - the server's own XML, no external entities involved


def _local(el: ET.Element, ns: str) -> str:
    assert el.tag.startswith(f"{{{ns}}}"), f"{el.tag} is outside {ns}"
    return el.tag[len(ns) + 2:]


def check_vast(root: ET.Element) -> list[ET.Element]:
    """Assert VAST 4.x structure; return the <Ad> elements."""
    assert _local(root, VAST_NS) == "VAST" and re.fullmatch(r"4\.[0-3]", root.get("version", ""))
    ads = list(root)
    for ad in ads:
        assert _local(ad, VAST_NS) == "Ad" and ad.get("id")
        (inline,) = list(ad)
        assert _local(inline, VAST_NS) == "InLine"
        names = [_local(c, VAST_NS) for c in inline]
        assert names == sorted(names, key=INLINE_ORDER.index), f"InLine children out of order: {names}"
        for required in ("AdSystem", "Impression", "AdServingId", "AdTitle", "Creatives"):
            assert required in names, f"InLine lacks {required}"
        for url_el in inline.findall(f"{{{VAST_NS}}}Impression") + inline.findall(f"{{{VAST_NS}}}Error"):
            assert (url_el.text or "").startswith("http")
        creatives = inline.find(f"{{{VAST_NS}}}Creatives")
        assert creatives is not None and len(creatives) >= 1
        for creative in creatives:
            assert _local(creative, VAST_NS) == "Creative"
            assert creative.find(f"{{{VAST_NS}}}UniversalAdId") is not None, "VAST 4 requires UniversalAdId"
            linear = creative.find(f"{{{VAST_NS}}}Linear")
            assert linear is not None
            skip = linear.get("skipoffset")
            assert skip is None or TIMECODE.match(skip) or re.fullmatch(r"\d{1,3}%", skip)
            order = [_local(c, VAST_NS) for c in linear]
            assert order[0] == "Duration" and "MediaFiles" in order
            assert TIMECODE.match(linear.findtext(f"{{{VAST_NS}}}Duration") or "")
            for tracking in linear.iterfind(f"{{{VAST_NS}}}TrackingEvents/{{{VAST_NS}}}Tracking"):
                assert tracking.get("event") in VAST_EVENTS and (tracking.text or "").startswith("http")
            files = linear.findall(f"{{{VAST_NS}}}MediaFiles/{{{VAST_NS}}}MediaFile")
            assert files
            for f in files:
                assert f.get("delivery") in ("progressive", "streaming") and f.get("type")
                assert int(f.get("width", "x")) > 0 and int(f.get("height", "x")) > 0
                assert (f.text or "").startswith("http")
    return ads


def check_vmap(root: ET.Element) -> list[ET.Element]:
    """Assert VMAP 1.0 structure (pods as inline VAST, checked too); return the <vmap:AdBreak> elements."""
    assert _local(root, VMAP_NS) == "VMAP" and root.get("version") == "1.0"
    breaks = list(root)
    for brk in breaks:
        assert _local(brk, VMAP_NS) == "AdBreak"
        offset = brk.get("timeOffset", "")
        assert offset in ("start", "end") or TIMECODE.match(offset) or re.fullmatch(r"\d{1,3}%|#\d+", offset)
        assert brk.get("breakType") in ("linear", "nonlinear", "display")
        sources = brk.findall(f"{{{VMAP_NS}}}AdSource")
        assert len(sources) == 1
        (data,) = list(sources[0])
        assert _local(data, VMAP_NS) in ("VASTAdData", "AdTagURI", "CustomAdData")
        (vast,) = list(data)
        check_vast(vast)
    return breaks
