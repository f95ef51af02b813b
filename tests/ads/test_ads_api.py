"""Ads over the API: inventory, decisioning at playback start (free vs premium), targeting,
VMAP/VAST structure, creatives that stream like content, tracking, capping over a session, and
playback surviving an ad-service failure."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient

from server import keys
from server.ads.documents import VAST_NS, VMAP_NS
from server.keys import ACTIVITY_STORE
from tests.ads.conftest import People, add_ad, check_vast, check_vmap, parse_xml, start, title
from tests.helpers import auth, new_viewer, set_tier


async def test_inventory_crud(api: TestClient, people: People) -> None:
    ad = await add_ad(api, people.admin, title="Chai", advertiser="Brew Co", priority=10, target_genres=["Action"],
                      target_countries=["in"], max_impressions=100, click_url="https://example.com/chai")
    assert ad["target_genres"] == ["action"] and ad["target_countries"] == ["IN"] and ad["current_impressions"] == 0
    h = auth(people.admin)
    got = await api.get(f"/api/v1/ads/inventory/{ad['id']}", headers=h)
    assert got.status == 200 and (await got.json())["title"] == "Chai"
    patched = await api.patch(f"/api/v1/ads/inventory/{ad['id']}", json={"priority": 3, "target_genres": None},
                              headers=h)
    body = await patched.json()
    assert patched.status == 200 and body["priority"] == 3 and body["target_genres"] is None
    assert body["advertiser"] == "Brew Co", "fields not sent are kept"
    listed = await (await api.get("/api/v1/ads/inventory?active=true", headers=h)).json()
    assert listed["pagination"]["total"] == 1
    assert (await api.delete(f"/api/v1/ads/inventory/{ad['id']}", headers=h)).status == 204
    assert (await api.get(f"/api/v1/ads/inventory/{ad['id']}", headers=h)).status == 404
    assert (await api.get("/api/v1/ads/inventory", headers=auth(people.token))).status == 403


async def test_inventory_rejects_garbage(api: TestClient, people: People) -> None:
    h = auth(people.admin)
    for payload in [
        {}, {"title": "x", "asset_id": "card720"}, {"title": "x", "asset_id": "../etc", "duration_seconds": 15},
        {"title": "x", "asset_id": "card720", "duration_seconds": 500},
        {"title": "x", "asset_id": "card720", "duration_seconds": 15, "target_countries": ["India"]},
        {"title": "x", "asset_id": "card720", "duration_seconds": 15, "target_age_min": 30, "target_age_max": 20},
        {"title": "x", "asset_id": "card720", "duration_seconds": 15, "start_date": "2030-01-02T00:00:00Z",
         "end_date": "2030-01-01T00:00:00Z"},
        {"title": "x", "asset_id": "card720", "duration_seconds": 15, "click_url": "javascript:alert(1)"},
        {"title": "x", "asset_id": "card720", "duration_seconds": 15, "surprise": 1},
        {"title": "x", "asset_id": "no-such-creative", "duration_seconds": 6},  # unknown asset
        {"title": "x", "asset_id": "card720", "duration_seconds": 45},  # longer than the 6 s creative
        {"title": "x", "asset_id": "card720", "duration_seconds": 90},  # over the 60 s maximum
        {"title": "x", "asset_id": "card720", "duration_seconds": 6, "skip_after_seconds": 2},  # skip before 5 s
    ]:
        resp = await api.post("/api/v1/ads/inventory", json=payload, headers=h)
        assert resp.status == 422, (payload, await resp.text())
    ad = await add_ad(api, people.admin)
    for patch in ({"title": None}, {"duration_seconds": 45}, {"asset_id": "no-such-creative"},
                  {"skip_after_seconds": 1}):
        resp = await api.patch(f"/api/v1/ads/inventory/{ad['id']}", json=patch, headers=h)
        assert resp.status == 422, patch
    for path in ("/api/v1/ads/inventory/nope", f"/api/v1/ads/inventory/{uuid.uuid4()}"):
        assert (await api.get(path, headers=h)).status == 404
    assert (await api.get("/api/v1/ads/inventory?limit=0", headers=h)).status == 422


async def test_free_playback_gets_breaks_premium_gets_none(api: TestClient, people: People) -> None:
    cid = await title(api, seconds=3 * 3600)
    for i in range(3):
        await add_ad(api, people.admin, title=f"Ad {i}", priority=5 + i)
    body = await start(api, people, cid)
    ads = body["ads"]
    kinds = Counter(a["type"] for a in ads)
    assert kinds["pre-roll"] >= 1 and kinds["mid-roll"] >= 1
    assert all(a["offset_seconds"] % 900 == 0 for a in ads if a["type"] == "mid-roll")
    assert len(ads) == 6, "three ads, each at most twice per session"
    per_hour = Counter(int(a["offset_seconds"] // 3600) for a in ads)
    assert max(per_hour.values()) <= 4
    # The creative is a packaged asset played like content: its signed master playlist streams.
    url = urlsplit(ads[0]["url"])
    master = await api.get(f"{url.path}?{url.query}" if url.query else url.path)
    assert master.status == 200 and (await master.text()).startswith("#EXTM3U")
    # Each entry names its ad, and its VAST (session-bound, so beacons count in this session) resolves.
    assert all(a["ad_id"] for a in ads)
    vast = urlsplit(ads[0]["vast_url"])
    assert vast.path == f"/api/v1/ads/vast/{ads[0]['ad_id']}" and f"session_id={body['session_id']}" in vast.query
    vast_resp = await api.get(f"{vast.path}?{vast.query}", headers=auth(people.token))
    assert vast_resp.status == 200
    assert [ad.get("id") for ad in check_vast(parse_xml(await vast_resp.read()))] == [ads[0]["ad_id"]]
    await set_tier(api, people.user_id, "premium")
    assert (await start(api, people, cid))["ads"] == []


async def test_vmap_and_vast_are_well_formed(api: TestClient, people: People) -> None:
    cid = await title(api, seconds=2 * 3600)
    first = await add_ad(api, people.admin, title="Sponsored", priority=20, click_url="https://example.com/a",
                         skip_after_seconds=5)
    await add_ad(api, people.admin, title="Standard", priority=1, skippable=False)
    session = (await start(api, people, cid))["session_id"]
    resp = await api.get(f"/api/v1/ads/vmap?session_id={session}", headers=auth(people.token))
    assert resp.status == 200 and resp.content_type == "application/xml"
    breaks = check_vmap(parse_xml(await resp.read()))
    offsets = [b.get("timeOffset") for b in breaks]
    assert offsets[0] == "start" and "00:15:00.000" in offsets
    assert len(breaks) == 4, "two ads, twice each: four single-ad breaks"
    vast = await api.get(f"/api/v1/ads/vast/{first['id']}?session_id={session}", headers=auth(people.token))
    assert vast.status == 200
    (ad,) = check_vast(parse_xml(await vast.read()))
    linear = ad.find(f".//{{{VAST_NS}}}Linear")
    assert linear is not None and linear.get("skipoffset") == "00:00:05.000"
    assert ad.findtext(f".//{{{VAST_NS}}}ClickThrough") == "https://example.com/a"
    preview = await api.get(f"/api/v1/ads/vast/{first['id']}", headers=auth(people.token))
    assert preview.status == 200
    check_vast(parse_xml(await preview.read()))
    other = (await (await api.post("/api/v1/auth/register", json={
        "email": f"o-{uuid.uuid4().hex[:6]}@example.com", "password": "Sup3r-secret!"})).json())["access_token"]
    assert (await api.get(f"/api/v1/ads/vmap?session_id={session}", headers=auth(other))).status == 404
    assert (await api.get("/api/v1/ads/vmap?session_id=nope", headers=auth(people.token))).status == 422
    assert (await api.get(f"/api/v1/ads/vmap?session_id={uuid.uuid4()}", headers=auth(people.token))).status == 404
    await set_tier(api, people.user_id, "premium")
    premium_session = (await start(api, people, cid))["session_id"]
    empty = await api.get(f"/api/v1/ads/vmap?session_id={premium_session}", headers=auth(people.token))
    root = parse_xml(await empty.read())
    assert root.tag == f"{{{VMAP_NS}}}VMAP" and check_vmap(root) == []


async def test_targeting_flight_and_caps(api: TestClient, people: People) -> None:
    cid = await title(api, seconds=600, genre="Comedy")
    now = datetime.now(UTC)
    ok = await add_ad(api, people.admin, title="Comedy fans", target_genres=["comedy"], target_countries=["IN"])
    await add_ad(api, people.admin, title="Action fans", target_genres=["action"], priority=50)
    await add_ad(api, people.admin, title="US only", target_countries=["US"], priority=50)
    await add_ad(api, people.admin, title="Kids only", target_age_min=4, target_age_max=12, priority=50)
    await add_ad(api, people.admin, title="Next month", start_date=(now + timedelta(days=30)).isoformat(),
                 priority=50)
    await add_ad(api, people.admin, title="Paused", active=False, priority=50)
    spent = await add_ad(api, people.admin, title="Spent", max_impressions=1, priority=50)
    await api.app[keys.DB].execute("UPDATE ads SET current_impressions = 1 WHERE id = $1::uuid", spent["id"])
    ads = (await start(api, people, cid))["ads"]
    session = (await start(api, people, cid))["session_id"]
    vmap = parse_xml(await (await api.get(f"/api/v1/ads/vmap?session_id={session}",
                                              headers=auth(people.token))).read())
    served = {a.get("id") for a in vmap.iter(f"{{{VAST_NS}}}Ad")}
    assert served == {ok["id"]} and len(ads) == 2
    us = await start(api, people, cid, **{"X-Country-Code": "US"})
    assert len(us["ads"]) == 2, "the US-only ad joins for a US viewer (the comedy ad is IN-only)"


async def test_tracking_and_frequency_over_a_session(api: TestClient, people: People) -> None:
    cid = await title(api, seconds=2 * 3600)
    a = await add_ad(api, people.admin, title="A", priority=9, max_impressions=50)
    b = await add_ad(api, people.admin, title="B", priority=1)
    session = (await start(api, people, cid))["session_id"]
    vmap = parse_xml(await (await api.get(f"/api/v1/ads/vmap?session_id={session}",
                                              headers=auth(people.token))).read())
    shown = [ad.get("id") for ad in vmap.iter(f"{{{VAST_NS}}}Ad")]
    assert Counter(shown) == {a["id"]: 2, b["id"]: 2}
    # Play the session: every served ad fires its beacons from the VAST tracking URLs.
    urls = [el.text or "" for el in vmap.iter() if el.tag in (f"{{{VAST_NS}}}Impression", f"{{{VAST_NS}}}Tracking")]
    for u in urls:
        parts = urlsplit(u)
        resp = await api.get(f"{parts.path}?{parts.query}")
        assert resp.status == 200, await resp.text()
    # A replayed impression beacon is recorded but not counted again.
    replay = await api.get(f"/api/v1/ads/track?session_id={session}&ad_id={a['id']}&event=impression")
    assert (await replay.json()) == {"recorded": True, "counted": False}
    count = await api.app[keys.DB].fetchval("SELECT current_impressions FROM ads WHERE id = $1::uuid", a["id"])
    assert count == 2
    events = await api.app[ACTIVITY_STORE].events(session_id=session)
    kinds = Counter(e.type for e in events)
    assert kinds["ad_complete"] == 4 and kinds["ad_quartile"] == 12
    beacons = Counter(e.payload["event"] for e in events if e.type == "ad_start")
    assert beacons == {"impression": 5, "start": 4}, "impression and start are both ad_start, told apart by payload"
    assert all(e.payload["source"] == "ad" for e in events if e.type.startswith("ad_"))
    for query, status in [
        (f"session_id={session}&ad_id={a['id']}&event=explode", 422),
        (f"session_id={session}&ad_id={uuid.uuid4()}&event=impression", 404),
        (f"session_id={uuid.uuid4()}&ad_id={a['id']}&event=impression", 404),
        ("session_id=x&ad_id=y&event=impression", 422),
    ]:
        resp = await api.get(f"/api/v1/ads/track?{query}")
        assert resp.status == status and resp.content_type == "application/problem+json"


async def test_ad_service_failure_never_blocks_playback(api: TestClient, people: People) -> None:
    cid = await title(api, seconds=600)
    await add_ad(api, people.admin)
    db = api.app[keys.DB]
    await db.execute("ALTER TABLE ads RENAME TO ads_away")  # a real failure of the ad store (this test's db)
    try:
        body = await start(api, people, cid)
    finally:
        await db.execute("ALTER TABLE ads_away RENAME TO ads")
    assert body["ads"] == [] and body["session_id"]
    assert len((await start(api, people, cid))["ads"]) == 2


async def test_frequency_cap_per_user_holds_across_sessions(api: TestClient, people: People) -> None:
    from server.ads.service import USER_CAP

    cid = await title(api, seconds=2 * 3600)
    ads = [await add_ad(api, people.admin, title=name) for name in ("A", "B")]
    planned: Counter[str] = Counter()
    for _ in range(4):
        planned.update(a["ad_id"] for a in (await start(api, people, cid))["ads"])
    assert planned == {ad["id"]: USER_CAP for ad in ads}, "each ad reaches the per-user cap, never more"
    other = await new_viewer(api)
    fresh = await api.post("/api/v1/stream/playback/start", json={"profile_id": other.profile_id,
                                                                  "content_id": cid}, headers=other.headers)
    assert len((await fresh.json())["ads"]) == 4, "the cap is per user: another viewer still gets ads"


async def test_impression_of_a_showing_counts_once(api: TestClient, people: People) -> None:
    cid = await title(api, seconds=600)
    ad = await add_ad(api, people.admin)
    session = (await start(api, people, cid))["session_id"]
    track = f"/api/v1/ads/track?session_id={session}&ad_id={ad['id']}&event=impression"
    answers = [await (await api.get(track + "&showing=1")).json() for _ in range(3)]
    assert [a["counted"] for a in answers] == [True, False, False]
    assert (await (await api.get(track + "&showing=9")).json())["counted"] is False, "not a planned showing"
    assert await api.app[keys.DB].fetchval("SELECT current_impressions FROM ads WHERE id = $1::uuid", ad["id"]) == 1
