"""The manifest endpoint over a real packaged asset: JSON, ordering, hints, every served playlist parsed strictly."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import m3u8
from aiohttp.test_utils import TestClient

from server import keys
from server.streaming.policy import LINK_HEADROOM
from tests.helpers import new_viewer
from tests.streaming.conftest import MediaRoot, add_title, local, log_link, manifest, media_playlist

MPD_NS = "{urn:mpeg:dash:schema:mpd:2011}"


async def test_manifest_lists_signed_urls_and_the_start(api: TestClient) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    status, body, headers = await manifest(api, viewer, cid)
    assert status == 200, body
    assert body["qualities"][0]["quality"] == body["start"]
    assert sorted(q["quality"] for q in body["qualities"]) == ["144p", "360p", "720p"]
    assert headers["X-OTT-ABR"].startswith(f"start={body['start']}; reason=")
    assert headers["Cache-Control"] == "no-store"
    assert body["reason"]
    assert "/media/s/" + body["session_id"] + "/" in body["manifest_url"]
    assert body["manifest_url"].endswith("/master.m3u8")
    assert body["steered_url"].endswith("/video/auto/index.m3u8")
    assert {a["language"] for a in body["audio_tracks"]} == {"en", "hi"}
    assert [a["is_default"] for a in body["audio_tracks"]].count(True) == 1
    assert {s["language"] for s in body["subtitles"]} == {"en", "hi"}
    assert body["expires_at"]


async def test_rung_rates_are_what_the_viewer_downloads(api: TestClient, media_root: MediaRoot) -> None:
    """A rung costs its TS (video + the muxed default audio) plus the audio rendition the viewer plays; the
    master's BANDWIDTH stays the largest playable combination (RFC 8216 §4.3.4.2: TS + the Hindi rendition)."""
    asset = media_root.asset
    muxed = {r.muxed_audio for r in asset.renditions}
    hindi = asset.audio_track("hi")
    assert muxed == {"en"} and not hindi.default  # English rides in the TS, Hindi is a separate rendition
    cid = await add_title(api)
    plain = await new_viewer(api, tier="premium")
    _, body, _ = await manifest(api, plain, cid, net="5g")
    for q in body["qualities"]:
        r = asset.rendition(q["quality"])
        assert q["bitrate_kbps"] == round(r.average_bandwidth / 1000)
        assert q["peak_kbps"] == round(r.peak_bandwidth / 1000)
    master = m3u8.M3U8(await (await api.get(local(body["manifest_url"]))).text(), strict=True)
    for p in master.playlists:
        r = next(x for x in asset.renditions if x.height == p.stream_info.resolution[1])
        assert p.stream_info.bandwidth == r.peak_bandwidth + hindi.peak_bandwidth
        assert p.stream_info.average_bandwidth == r.average_bandwidth + hindi.average_bandwidth
    hindi_viewer = await new_viewer(api, tier="premium", language_preference="hi")
    _, body, _ = await manifest(api, hindi_viewer, cid, net="5g")
    for q in body["qualities"]:
        r = asset.rendition(q["quality"])
        assert q["bitrate_kbps"] == round((r.average_bandwidth + hindi.average_bandwidth) / 1000)
    # the link trim sees the same figures: a link that carries 360p's TS (× the headroom) but not TS + Hindi
    mid = asset.rendition("360p")
    link_kbps = (mid.average_bandwidth + hindi.average_bandwidth / 2) / 1000 / LINK_HEADROOM
    _, body, _ = await manifest(api, plain, cid, headers={"Downlink": f"{link_kbps / 1000:.4f}"})
    assert "360p" in [q["quality"] for q in body["qualities"]]
    _, body, _ = await manifest(api, hindi_viewer, cid, headers={"Downlink": f"{link_kbps / 1000:.4f}"})
    assert "360p" not in [q["quality"] for q in body["qualities"]]  # TS + Hindi does not fit


async def test_every_served_playlist_parses_strictly(api: TestClient) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    _, body, _ = await manifest(api, viewer, cid, headers={"Downlink": "0.9"})
    resp = await api.get(local(body["manifest_url"]))
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
    assert resp.headers["Cache-Control"] == "private, max-age=2"
    master = m3u8.M3U8(await resp.text(), strict=True)
    assert master.playlists[0].stream_info.resolution[1] == int(body["start"].rstrip("p"))
    assert [p.uri for p in master.playlists] == [local(q["url"]) for q in body["qualities"]]
    children = [p.uri for p in master.playlists] + [m.uri for m in master.media if m.uri]
    children.append(local(body["steered_url"]))
    assert len(children) == len(body["qualities"]) + 1 + 2 + 1  # variants, hi audio, 2 subtitles, steered
    for uri in children:
        child = await api.get(uri)
        assert child.status == 200, (uri, await child.text())
        playlist, segments = await media_playlist(api, uri)
        assert playlist.is_endlist and segments
        for seg, url in zip(playlist.segments, segments, strict=True):
            assert "/" not in seg.uri  # relative: the same playlist bytes for every viewer
            assert url.startswith("/media/s/" + body["session_id"] + "/")
        first = await api.get(segments[0])
        assert first.status == 200, (segments[0], await first.text())
        assert len(await first.read()) > 0


async def test_variant_order_follows_hints(api: TestClient) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    _, slow, h = await manifest(api, viewer, cid, net="2g")
    assert [q["quality"] for q in slow["qualities"]] == ["144p"]
    assert "net=2g" in slow["reason"] and "start=144p" in h["X-OTT-ABR"]
    _, capped, _ = await manifest(api, viewer, cid, max_kbps=1000)
    assert "720p" not in [q["quality"] for q in capped["qualities"]]
    _, fast, _ = await manifest(api, viewer, cid, headers={"Downlink": "20", "RTT": "50"})
    assert fast["start"] == "720p" and [q["quality"] for q in fast["qualities"]] == ["720p", "144p", "360p"]
    _, saver, _ = await manifest(api, viewer, cid, headers={"Save-Data": "on", "Downlink": "20"})
    assert saver["start"] == "144p" and "720p" not in [q["quality"] for q in saver["qualities"]]
    _, ect, _ = await manifest(api, viewer, cid, headers={"ECT": "2g"})
    assert ect["start"] == "144p" and "ECT 2g" in ect["reason"]


async def test_profile_preference_caps_variants(api: TestClient) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    await api.app[keys.DB].execute("UPDATE profiles SET preferred_quality = '360p' WHERE id = $1::uuid",
                                   viewer.profile_id)
    _, body, _ = await manifest(api, viewer, cid, headers={"Downlink": "50"})
    assert [q["quality"] for q in body["qualities"]] == ["360p", "144p"]
    assert "profile prefers" in body["reason"]
    resp = await api.get(local(body["manifest_url"]))
    master = m3u8.M3U8(await resp.text(), strict=True)
    assert [p.stream_info.resolution for p in master.playlists] == [(640, 360), (256, 144)]


async def test_server_estimate_steers_the_start(api: TestClient) -> None:

    viewer = await new_viewer(api)
    cid = await add_title(api)
    await log_link(api, viewer.user_id, kbps=400, nbytes=100_000, count=4)
    _, body, _ = await manifest(api, viewer, cid, headers={"Downlink": "50"})
    assert body["start"] == "144p"
    assert "server estimate" in body["reason"]
    assert "720p" not in [q["quality"] for q in body["qualities"]]


async def test_garbage_hint_headers_are_ignored(api: TestClient) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    status, body, _ = await manifest(api, viewer, cid, headers={
        "Downlink": "nan", "RTT": "-5", "ECT": "6g", "Save-Data": "maybe"})
    assert status == 200, body
    assert "default" in body["reason"]


async def test_manifest_rejects_bad_input(api: TestClient) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    cases = [
        ({"format": "smooth"}, 422), ({"max_kbps": "lots"}, 422), ({"max_kbps": "0"}, 422),
        ({"net": "../../etc/passwd"}, 422), ({"net": "9g"}, 422), ({"episode_id": "x"}, 422),
        ({"unknown": "1"}, 422), ({"session_id": "00000000-0000-0000-0000-000000000000"}, 404),
    ]
    for params, expected in cases:
        status, body, headers = await manifest(api, viewer, cid, **params)
        assert status == expected, (params, body)
        assert headers["Content-Type"].startswith("application/problem+json")
    resp = await api.get(f"/api/v1/stream/{cid}/manifest", params={"profile_id": "nope"}, headers=viewer.headers)
    assert resp.status == 422
    resp = await api.get(f"/api/v1/stream/{cid}/manifest", params={"profile_id": viewer.profile_id})
    assert resp.status == 401
    status, _, _ = await manifest(api, viewer, "not-a-uuid")
    assert status == 404
    status, _, _ = await manifest(api, viewer, "7d0c1d8e-2a47-4c41-8a58-6f1c0c0c0c0c")
    assert status == 404


async def test_manifest_checks_profile_tier_and_packaging(api: TestClient) -> None:
    viewer, other = await new_viewer(api), await new_viewer(api)
    cid = await add_title(api)
    resp = await api.get(f"/api/v1/stream/{cid}/manifest", params={"profile_id": other.profile_id},
                         headers=viewer.headers)
    assert resp.status == 404
    premium_title = await add_title(api, tier="premium")
    status, body, _ = await manifest(api, viewer, premium_title)
    assert status == 403 and body["status"] == 403
    missing = await add_title(api, asset_id="never-packaged")
    status, body, _ = await manifest(api, viewer, missing)
    assert status == 404 and "not packaged" in body["detail"]
    api.app[keys.SETTINGS].require_verified_email = True
    try:
        status, body, _ = await manifest(api, viewer, cid)
        assert status == 403
    finally:
        api.app[keys.SETTINGS].require_verified_email = False


async def test_dash_manifest_is_filtered_and_signed(api: TestClient, media_root: MediaRoot) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    _, body, _ = await manifest(api, viewer, cid, format="dash", max_kbps=1000)
    assert body["manifest_url"].endswith("/manifest.mpd")
    resp = await api.get(local(body["manifest_url"]))
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("application/dash+xml")
    root = ET.fromstring(await resp.text())  # noqa: S314 - our own server's output
    base = root.find(f"{MPD_NS}BaseURL")
    assert base is not None and base.text and base.text.startswith(f"/media/s/{body['session_id']}/")
    video = [r for a in root.iter(f"{MPD_NS}AdaptationSet") if a.get("contentType") == "video"
             for r in a.iter(f"{MPD_NS}Representation")]
    assert [int(r.get("height", "0")) for r in video] == [int(q["quality"].rstrip("p")) for q in body["qualities"]]
    assert 720 not in [int(r.get("height", "0")) for r in video]
    template = video[0].find(f"{MPD_NS}SegmentTemplate")
    assert template is not None
    init = await api.get(base.text + template.get("initialization", ""))
    assert init.status == 200 and len(await init.read()) > 0
    first = template.get("media", "").replace("$Number%05d$", f"{int(template.get('startNumber', '1')):05d}")
    seg = await api.get(base.text + first)
    assert seg.status == 200 and len(await seg.read()) > 0
    # The 720p representation is not offered in this session: its files are refused.
    assert media_root.asset.dash is not None
    hd = next(r for r in media_root.asset.dash.representations if r.kind == "video" and r.name == "720p")
    refused = await api.get(base.text + hd.init)
    assert refused.status == 403
    assert refused.headers["Content-Type"].startswith("application/problem+json")
