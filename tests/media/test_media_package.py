"""Real packaging of a small test card: ladder, alignment, keyframes, bitrates, playlists, DASH."""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import m3u8
import pytest

from media.assets import Asset, average_bitrate, peak_bitrate, target_duration
from media.dash import NS, segment_files, timeline_segments
from media.pipeline import package_asset
from media.validate import validate_asset

from .conftest import CARD_SECONDS, Packaged

pytestmark = pytest.mark.slow


def test_ladder_never_upscales(packaged: Packaged) -> None:
    assert [r.name for r in packaged.asset.renditions] == ["108p", "144p", "360p"]
    assert [(r.width, r.height) for r in packaged.asset.renditions] == [(192, 108), (256, 144), (640, 360)]
    assert not (packaged.root / "video" / "480p").exists()


def test_asset_json_round_trips(packaged: Packaged) -> None:
    loaded = Asset.load(packaged.root / "asset.json")
    assert loaded == packaged.asset
    assert loaded.duration == pytest.approx(CARD_SECONDS, abs=0.05)
    assert [a.language for a in loaded.audio] == ["en", "hi"]
    assert [s.language for s in loaded.subtitles] == ["en", "hi"]
    assert loaded.renditions[0].codecs.startswith("avc1.") and loaded.renditions[0].codecs.endswith(",mp4a.40.2")
    assert [r.frame_rate for r in loaded.renditions] == [15, 25, 25]  # the 2G rung is capped at 15 fps
    assert loaded.is_complete(packaged.root)


def test_segments_aligned_predictable_and_3s_first(packaged: Packaged) -> None:
    asset = packaged.asset
    durations = [[s.duration for s in r.segments] for r in asset.renditions]
    assert all(d == durations[0] for d in durations)
    assert durations[0] == pytest.approx([3.0, 2.0, 2.0])  # the 3 s first segment (#13), then 2 s
    assert (asset.first_segment_duration, asset.segment_duration) == (3.0, 2.0)
    for a in asset.audio:  # the audio-only tracks are cut at the same times
        assert [s.duration for s in a.segments] == pytest.approx([3.0, 2.0, 2.0], abs=0.03)
    for r in asset.renditions:
        assert [s.uri for s in r.segments] == [f"seg_{i:05d}.ts" for i in range(1, len(r.segments) + 1)]
        for s in r.segments:
            assert (packaged.root / r.directory / s.uri).stat().st_size == s.bytes


def test_measured_bitrates_come_from_segment_sizes(packaged: Packaged) -> None:
    for r in packaged.asset.renditions:
        target = target_duration([s.duration for s in r.segments])
        assert r.peak_bandwidth == peak_bitrate(r.segments, target=target)
        assert r.average_bandwidth == average_bitrate(r.segments)
        assert r.peak_bandwidth >= r.average_bandwidth > 0
    rates = [r.average_bandwidth for r in packaged.asset.renditions]
    assert rates == sorted(rates) and len(set(rates)) == len(rates)


def test_validate_reports_nothing(packaged: Packaged) -> None:
    assert asyncio.run(validate_asset(packaged.root)) == []


def test_validate_catches_tampering(packaged: Packaged, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(packaged.root, copy)
    master = copy / "master.m3u8"
    master.write_text(master.read_text().replace("BANDWIDTH=", "BANDWIDTH=1", 1).replace(
        "AVERAGE-BANDWIDTH=", "X-AVG=", 1))  # fmt: skip
    seg = copy / "video/360p/seg_00002.ts"
    seg.write_bytes(seg.read_bytes() * 3)
    findings = asyncio.run(validate_asset(copy, check_keyframes=False))
    text = "\n".join(str(f) for f in findings)
    assert "BANDWIDTH" in text and "master.m3u8:" in text


def test_every_playlist_parses_strictly(packaged: Packaged) -> None:
    root = packaged.root
    master = m3u8.M3U8((root / "master.m3u8").read_text(), strict=True)
    assert master.is_independent_segments
    assert [p.uri for p in master.playlists] == [f"video/{n}/index.m3u8" for n in ("108p", "144p", "360p")]
    for p in master.playlists:
        assert p.stream_info.bandwidth and p.stream_info.average_bandwidth
        assert p.stream_info.frame_rate in (15, 25) and p.stream_info.resolution
    kinds = {(m.type, m.language): m.uri for m in master.media}
    assert kinds[("AUDIO", "en")] is None  # muxed into the video TS
    assert kinds[("AUDIO", "hi")] == "audio/hi/index.m3u8"
    assert kinds[("SUBTITLES", "hi")] == "subs/hi.m3u8"
    for rel in [p.uri for p in master.playlists] + [u for u in kinds.values() if u] + ["audio/en/index.m3u8"]:
        pl = m3u8.M3U8((root / rel).read_text(), strict=True)
        assert pl.is_endlist and pl.target_duration >= 1
        for seg in pl.segments:
            assert (root / rel).parent.joinpath(seg.uri).is_file()
            assert math.floor(seg.duration + 0.5) <= pl.target_duration
    assert "हिन्दी" in (root / "subs/hi.vtt").read_text(encoding="utf-8")
    for p in master.playlists:  # the 3 s first segment sets it (RFC 8216: EXTINF rounded ≤ target)
        assert m3u8.M3U8((root / p.uri).read_text()).target_duration == 3


def test_one_keyframe_per_segment_the_first_3s_one_too(packaged: Packaged) -> None:
    """x264's GOP limit covers the 3 s first segment: no keyframe at 2 s inside it (nor in any other)."""
    for r in packaged.asset.renditions:
        for seg in r.segments:
            out = subprocess.run(
                ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags",
                 "-of", "csv=p=0", str(packaged.root / r.directory / seg.uri)],
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
            flags = out.split()
            assert flags[0].startswith("K") and sum(f.startswith("K") for f in flags) == 1, (r.name, seg.uri)


def test_video_ts_is_video_plus_default_audio_and_audio_ts_is_audio_only(packaged: Packaged) -> None:
    def kinds(path: Path) -> list[str]:
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name", "-of", "json", str(path)],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        return sorted(f"{s['codec_type']}:{s['codec_name']}" for s in json.loads(out)["streams"])

    assert kinds(packaged.root / "video/360p/seg_00002.ts") == ["audio:aac", "video:h264"]
    assert kinds(packaged.root / "audio/hi/seg_00002.ts") == ["audio:aac"]


def test_dash_mpd(packaged: Packaged) -> None:
    root = packaged.root
    tree = ET.parse(root / "manifest.mpd")  # noqa: S314
    q = f"{{{NS}}}"
    assert tree.getroot().tag == f"{q}MPD"
    reps = list(tree.getroot().iter(f"{q}Representation"))
    assert {r.get("mimeType") for r in reps} == {"video/mp4", "audio/mp4"}
    dash = packaged.asset.dash
    assert dash is not None
    for rep in dash.representations:
        total = sum(d for _, d in timeline_segments(rep.timeline)) / rep.timescale
        assert total == pytest.approx(packaged.asset.duration, abs=0.1)
        assert all((root / f).is_file() for f in [rep.init, *segment_files(rep)])
        if rep.kind == "video":  # the 3 s first segment, then DASH's own 2 s ones
            durations = [d / rep.timescale for _, d in timeline_segments(rep.timeline)]
            assert durations[:2] == pytest.approx([3.0, 2.0], abs=0.05)
    assert tree.getroot().get("maxSegmentDuration") == "PT3.000S"
    video = [r for r in dash.representations if r.kind == "video"]
    assert [r.codecs.split(".")[0] for r in video] == ["avc1", "avc1", "avc1"]
    # aligned (timescales differ with the frame rate: compare seconds)
    assert len({tuple((s.t, s.d / r.timescale, s.r) for s in r.timeline) for r in video}) == 1


def _size(path: Path) -> tuple[int, int]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
         "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    w, h = out.split(",")
    return int(w), int(h)


def test_images_have_the_right_aspect(packaged: Packaged) -> None:
    images = packaged.asset.images
    assert images is not None and images.trickplay is not None
    w, h = _size(packaged.root / images.poster)
    assert w * 9 == h * 16
    w, h = _size(packaged.root / images.thumbnail)
    assert w * 3 == h * 4
    trick = images.trickplay
    assert trick.count == math.ceil(CARD_SECONDS / trick.interval)
    assert _size(packaged.root / trick.sprites[0]) == (trick.width * trick.columns, trick.height * trick.rows)
    assert (packaged.root / trick.vtt).read_text().count("#xywh=") == trick.count


def test_complete_output_is_skipped(packaged: Packaged) -> None:
    before = (packaged.root / "asset.json").stat().st_mtime_ns
    asset = asyncio.run(package_asset(packaged.source, packaged.root))
    assert asset == packaged.asset
    assert (packaged.root / "asset.json").stat().st_mtime_ns == before
    leftovers = [p.name for p in packaged.root.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []
