"""Playlist and MPD builders round-trip through the strict m3u8 parser / xml.etree."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import m3u8
import pytest

from media import (
    PlaylistError,
    build_audio_playlist,
    build_master,
    build_media_playlist,
    build_mpd,
    build_subtitle_playlist,
    parse_master,
    parse_media,
)
from media.dash import NS
from media.playlists import variant_bandwidth

from .conftest import Packaged

pytestmark = pytest.mark.slow


def test_master_round_trip_with_order_and_uri_for(packaged: Packaged) -> None:
    asset = packaged.asset
    text = build_master(
        asset,
        variants=["360p", "144p"],
        uri_for=lambda kind, name: f"/api/v1/stream/{asset.asset_id}/{kind}/{name}.m3u8?sig=abc",
        audio=["en", "hi"],
        subtitles=["hi"],
    )
    pl = m3u8.M3U8(text, strict=True)
    assert [p.uri for p in pl.playlists] == [
        f"/api/v1/stream/{asset.asset_id}/video/360p.m3u8?sig=abc",
        f"/api/v1/stream/{asset.asset_id}/video/144p.m3u8?sig=abc",
    ]
    for p, name in zip(pl.playlists, ["360p", "144p"], strict=True):
        r = asset.rendition(name)
        peak, avg = variant_bandwidth(asset, r, audio=["en", "hi"])
        assert p.stream_info.bandwidth == peak >= r.peak_bandwidth
        assert p.stream_info.average_bandwidth == avg
        assert p.stream_info.resolution == (r.width, r.height)
        assert p.stream_info.codecs == r.codecs
        assert p.stream_info.audio == "aud" and p.stream_info.subtitles == "subs"
    media = {(m.type, m.language): m for m in pl.media}
    assert set(media) == {("AUDIO", "en"), ("AUDIO", "hi"), ("SUBTITLES", "hi")}
    assert media[("AUDIO", "en")].default == "YES" and media[("AUDIO", "en")].uri is None
    assert media[("AUDIO", "hi")].uri.endswith("/audio/hi.m3u8?sig=abc")


def test_master_without_alternates(packaged: Packaged) -> None:
    pl = m3u8.M3U8(build_master(packaged.asset, variants=["144p"], audio=[], subtitles=[]), strict=True)
    assert len(pl.playlists) == 1 and not pl.media
    assert pl.playlists[0].stream_info.bandwidth == packaged.asset.rendition("144p").peak_bandwidth


def test_steered_media_playlist_round_trip(packaged: Packaged) -> None:
    asset = packaged.asset
    text = build_media_playlist(asset, "360p", segment_uri=lambda i: f"/seg/auto/{i}.ts?t=1")
    pl = m3u8.M3U8(text, strict=True)
    r = asset.rendition("360p")
    assert [s.uri for s in pl.segments] == [f"/seg/auto/{s.index}.ts?t=1" for s in r.segments]
    assert [s.duration for s in pl.segments] == pytest.approx([s.duration for s in r.segments])
    assert pl.media_sequence == 1 and pl.is_endlist and pl.playlist_type == "vod"
    assert pl.target_duration == 3  # the 3 s first segment


def test_audio_and_subtitle_playlists_round_trip(packaged: Packaged) -> None:
    asset = packaged.asset
    pl = m3u8.M3U8(build_audio_playlist(asset, "hi"), strict=True)
    assert [s.uri for s in pl.segments] == [s.uri for s in asset.audio_track("hi").segments]
    sub = m3u8.M3U8(build_subtitle_playlist(asset, "hi", uri="/subs/hi.vtt"), strict=True)
    assert [s.uri for s in sub.segments] == ["/subs/hi.vtt"]
    assert sub.segments[0].duration == pytest.approx(asset.duration)


def test_build_mpd_selects_variants_and_signs(packaged: Packaged) -> None:
    text = build_mpd(packaged.asset, variants=["144p"], base_url="https://cdn/x/", audio=["hi"],
                     subtitles=["en"], query="?sig=1")  # fmt: skip
    root = ET.fromstring(text)  # noqa: S314
    q = f"{{{NS}}}"
    assert root.find(f"{q}BaseURL").text == "https://cdn/x/"  # type: ignore[union-attr]
    sets = list(root.iter(f"{q}AdaptationSet"))
    assert [s.get("contentType") for s in sets] == ["video", "audio", "text"]
    assert sets[1].get("lang") == "hi"
    assert len(list(sets[0].iter(f"{q}Representation"))) == 1
    tmpl = next(root.iter(f"{q}SegmentTemplate"))
    assert tmpl.get("media", "").endswith(".m4s?sig=1")


MASTER = """#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=300000,AVERAGE-BANDWIDTH=250000,RESOLUTION=256x144
/media/s/x/tok/video/144p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=700000,RESOLUTION=640x360
360p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=96000
audio-only.m3u8
"""


def test_parse_master_keeps_order_resolves_uris_and_names_rungs() -> None:
    variants = parse_master(MASTER, base="http://127.0.0.1:8080/media/s/x/t0/master.m3u8")
    assert [(v.name, v.kbps) for v in variants] == [("144p", 250.0), ("360p", 700.0), ("96k", 96.0)]
    assert variants[0].url == "http://127.0.0.1:8080/media/s/x/tok/video/144p/index.m3u8"
    assert variants[1].url == "http://127.0.0.1:8080/media/s/x/t0/360p/index.m3u8"
    assert parse_master(MASTER)[1].url == "360p/index.m3u8"


def test_parse_media_resolves_segments_with_their_lengths() -> None:
    text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg1.ts\n#EXTINF:1.5,\n/abs/seg2.ts\n#EXT-X-ENDLIST\n"
    segments = parse_media(text, base="http://h/p/index.m3u8")
    assert [(s.url, s.duration) for s in segments] == [("http://h/p/seg1.ts", 2.0), ("http://h/abs/seg2.ts", 1.5)]


@pytest.mark.parametrize("text", ["#EXTM3U\n", "#EXTM3U\n#EXTINF:2.0,\nseg.ts\n", "garbage"])
def test_a_master_without_variants_is_a_playlist_error(text: str) -> None:
    with pytest.raises(PlaylistError, match="no variants"):
        parse_master(text, base="http://h/m.m3u8")


def test_a_media_playlist_without_segments_is_a_playlist_error() -> None:
    with pytest.raises(PlaylistError, match="no segments"):
        parse_media("#EXTM3U\n#EXT-X-ENDLIST\n")
