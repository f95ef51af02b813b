"""The player's ad logic (schedule, progress, fallback) on documents built by the server's own VMAP/VAST writer
(reading them is tested in tests/media/test_media_ads.py)."""

from __future__ import annotations

from media import parse_vmap
from server.ads.documents import Creative, VmapBreak, to_bytes, vmap_element
from tui.player.ads import AdProgress, AdSchedule, from_playback_start


def creative(ad_id: str, *, skip: int | None = 5) -> Creative:
    return Creative(ad_id=ad_id, title=f"Ad {ad_id}", advertiser="Brand", duration_s=8.0,
                    media_url=f"http://127.0.0.1:1/media/{ad_id}/master.m3u8", width=640, height=360,
                    bitrate_kbps=500, click_url="https://example.com/", skip_after_s=skip)


def vmap() -> bytes:
    def tracker(ad_id: str, event: str) -> str:
        return f"http://127.0.0.1:1/track?ad_id={ad_id}&event={event}"

    return to_bytes(vmap_element([
        VmapBreak(kind="pre-roll", offset_s=0, index=1, creatives=[creative("a"), creative("b", skip=None)]),
        VmapBreak(kind="mid-roll", offset_s=900, index=2, creatives=[creative("c")]),
        VmapBreak(kind="mid-roll", offset_s=1800, index=3, creatives=[creative("d")]),
        VmapBreak(kind="post-roll", offset_s=3600, index=4, creatives=[creative("e")])], tracker=tracker))


def test_schedule_plays_pre_roll_once_mid_rolls_at_offsets_and_post_roll() -> None:
    schedule = AdSchedule(parse_vmap(vmap(), content_s=3600))
    pre = schedule.pre_roll()
    assert pre is not None and pre.kind == "pre-roll" and schedule.pre_roll() is None
    assert schedule.due(899.0) is None
    first = schedule.due(900.5)
    assert first is not None and first.offset_s == 900.0 and schedule.due(901.0) is None
    # a seek past a break plays only the last one passed
    later = schedule.due(2500.0)
    assert later is not None and later.offset_s == 1800.0 and schedule.mid_roll_offsets == []
    post = schedule.post_roll()
    assert post is not None and post.creatives[0].ad_id == "e" and schedule.post_roll() is None


def test_resuming_skips_the_mid_rolls_already_behind() -> None:
    schedule = AdSchedule(parse_vmap(vmap(), content_s=3600))
    schedule.skip_before(1000.0)
    assert schedule.mid_roll_offsets == [1800.0]


def test_progress_fires_each_event_once_and_allows_skip_after_the_offset() -> None:
    ad = AdProgress(parse_vmap(vmap())[0].creatives[0], index=1, count=2)
    assert ad.advance(3.0) == []  # nothing before the first frame
    assert ad.first_frame() == ["impression", "start"] and ad.first_frame() == []
    assert ad.overlay() == "Ad 1 of 2 · 8 s left · Brand · Skip in 5 s"
    assert not ad.can_skip
    assert ad.advance(2.1) == ["firstQuartile"]
    assert ad.overlay().endswith("Skip in 3 s")
    assert ad.advance(5.0) == ["midpoint"] and ad.can_skip and ad.overlay().endswith("Press k to skip")
    assert ad.advance(4.0) == [] and ad.position_s == 5.0  # the playhead never goes back
    assert ad.finished() == ["thirdQuartile", "complete"] and ad.finished() == []


def test_unskippable_ad_never_offers_skip() -> None:
    ad = AdProgress(parse_vmap(vmap())[0].creatives[1], index=2, count=2)
    ad.first_frame()
    ad.advance(7.9)
    assert not ad.can_skip and ad.skip_in_s() is None and "skip" not in ad.overlay().lower()


def test_playback_start_ads_are_a_fallback_without_tracking() -> None:
    breaks = from_playback_start([
        {"type": "pre-roll", "url": "http://x/1.m3u8", "duration": 8, "skip_after": 5, "offset_seconds": 0},
        {"type": "post-roll", "url": "http://x/2.m3u8", "duration": 6, "skip_after": None, "offset_seconds": 60},
        {"type": "pre-roll", "url": "http://x/3.m3u8", "duration": 4, "offset_seconds": 0},
        {"type": "weird"}, {"url": 3}])
    assert [(b.kind, len(b.creatives)) for b in breaks] == [("pre-roll", 2), ("post-roll", 1)]
    assert breaks[0].creatives[0].skip_after_s == 5.0 and breaks[0].creatives[0].tracking == {}
