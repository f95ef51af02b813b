"""The one VMAP/VAST reader (media.ads) against documents built by the server's own writer:
every tracking URL kept; lenient for the player, strict for the load test."""

from __future__ import annotations

import pytest

from media import AdFormatError, MediaError, parse_timecode, parse_vast, parse_vmap
from server.ads.documents import Creative, VmapBreak, to_bytes, vast_element, vmap_element

BASE = "http://127.0.0.1:1"


def tracker(ad_id: str, event: str) -> str:
    return f"{BASE}/track?ad_id={ad_id}&event={event}"


def creative(ad_id: str, *, skip: int | None = 5) -> Creative:
    return Creative(ad_id=ad_id, title=f"Ad {ad_id}", advertiser="Brand", duration_s=8.0,
                    media_url=f"{BASE}/media/{ad_id}/master.m3u8", width=640, height=360,
                    bitrate_kbps=500, click_url="https://example.com/", skip_after_s=skip)


def vmap() -> bytes:
    return to_bytes(vmap_element([
        VmapBreak(kind="pre-roll", offset_s=0, index=1, creatives=[creative("a"), creative("b", skip=None)]),
        VmapBreak(kind="mid-roll", offset_s=900, index=2, creatives=[creative("c")]),
        VmapBreak(kind="mid-roll", offset_s=1800, index=3, creatives=[creative("d")]),
        VmapBreak(kind="post-roll", offset_s=3600, index=4, creatives=[creative("e")])], tracker=tracker))


@pytest.mark.parametrize("strict", [False, True])
def test_vmap_is_read_into_breaks_with_pods_skip_offsets_and_tracking(strict: bool) -> None:
    breaks = parse_vmap(vmap(), content_s=3600, strict=strict)
    assert [(b.kind, b.offset_s, [c.ad_id for c in b.creatives]) for b in breaks] == [
        ("pre-roll", 0.0, ["a", "b"]), ("mid-roll", 900.0, ["c"]), ("mid-roll", 1800.0, ["d"]),
        ("post-roll", 3600.0, ["e"])]
    assert [b.offset for b in breaks] == ["start", "00:15:00.000", "00:30:00.000", "end"]
    a, b = breaks[0].creatives
    assert a.skip_after_s == 5.0 and a.duration_s == 8.0 and b.skip_after_s is None and not b.skippable
    assert a.media_url.endswith("/media/a/master.m3u8")
    assert a.urls("impression") == (tracker("a", "impression"),)
    assert a.urls("skip") and not b.urls("skip")
    assert a.urls("click") and a.click_through == "https://example.com/"
    for event in ("start", "firstQuartile", "midpoint", "thirdQuartile", "complete", "error"):
        assert a.urls(event) == (tracker("a", event),), event


def test_vast_alone_as_the_server_writes_it() -> None:
    [one] = parse_vast(to_bytes(vast_element([creative("b", skip=None)], tracker=tracker)), strict=True)
    assert one.ad_id == "b" and one.urls("complete")[0].endswith("event=complete") and not one.skippable


def test_every_tracking_url_of_an_event_is_kept() -> None:
    doc = to_bytes(vast_element([creative("a")], tracker=tracker)).decode()
    doc = doc.replace("<AdServingId>", "<Impression>http://other.example/imp</Impression><AdServingId>", 1)
    doc = doc.replace('<Tracking event="first',
                      '<Tracking event="start">http://other.example/start</Tracking><Tracking event="first', 1)
    for strict in (False, True):
        [ad] = parse_vast(doc, strict=strict)
        assert ad.urls("impression") == (tracker("a", "impression"), "http://other.example/imp")
        assert ad.urls("start") == (tracker("a", "start"), "http://other.example/start")


def test_timecodes() -> None:
    assert parse_timecode("00:00:05.000") == 5 and parse_timecode("01:02:03.5") == 3723.5
    with pytest.raises(ValueError, match="timecode"):
        parse_timecode("5s")


@pytest.mark.parametrize("garbage", [b"", b"not xml", b"<nope", b"<VAST version='4.2'/>", b"<VAST/>",
                                     b'<?xml version="1.0"?><html/>'])
def test_garbage_vmap_is_refused(garbage: bytes) -> None:
    for strict in (False, True):
        with pytest.raises(AdFormatError):
            parse_vmap(garbage, strict=strict)


@pytest.mark.parametrize("garbage", [b"<nope", b'<?xml version="1.0"?><html/>', b"<VMAP/>"])
def test_garbage_vast_is_refused_as_a_media_error(garbage: bytes) -> None:
    with pytest.raises(MediaError):
        parse_vast(garbage)


def test_an_unplayable_ad_is_skipped_by_the_player_and_refused_by_the_load_test() -> None:
    doc = to_bytes(vast_element([creative("a"), creative("b")], tracker=tracker)).decode()
    start = doc.index("<MediaFiles>")
    broken = doc[:start] + doc[doc.index("</MediaFiles>") + len("</MediaFiles>"):]  # ad a loses its media
    assert [c.ad_id for c in parse_vast(broken)] == ["b"]
    with pytest.raises(AdFormatError, match="media file"):
        parse_vast(broken, strict=True)
    bad_skip = doc.replace('skipoffset="00:00:05.000"', 'skipoffset="5s"', 1)
    assert bad_skip != doc
    assert parse_vast(bad_skip)[0].skip_after_s is None
    with pytest.raises(AdFormatError, match="timecode"):
        parse_vast(bad_skip, strict=True)
