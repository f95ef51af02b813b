"""Pure builders: ffmpeg argument lists, ladder, bitrate maths (no ffmpeg run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from media.assets import Segment, average_bitrate, peak_bitrate, target_duration
from media.errors import InputError
from media.images import trickplay_vtt
from media.ladder import DEFAULT_LADDER, ladder_for_source, load_ladder, resolve_ladder
from media.package import (
    PackageOptions,
    PackagePlan,
    TrackPlan,
    build_dash_args,
    build_encode_args,
    force_key_frames_expr,
    label_text,
    language_code,
)
from media.testcard import build_espeak_args, build_testcard_args, parse_size, subtitle_vtt


def _plan(**opts: float) -> PackagePlan:
    return PackagePlan(
        source="/src/in.mp4",
        duration=9.0,
        fps=25.0,
        source_height=720,
        renditions=ladder_for_source(720),
        audio=(TrackPlan(0, "en", "English"), TrackPlan(1, "hi", "Hindi")),
        subtitles=(TrackPlan(0, "en", "English"),),
        options=PackageOptions(**opts),  # type: ignore[arg-type]
    )


def _values(args: list[str], flag: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args) if a == flag]


def test_ladder_drops_rungs_above_source() -> None:
    assert [r.name for r in ladder_for_source(720)] == ["144p", "360p", "480p", "720p"]
    assert [r.name for r in ladder_for_source(1080)] == [r.name for r in DEFAULT_LADDER]
    assert [r.name for r in ladder_for_source(100)] == ["144p"]


def test_ladder_file_unknown_field_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rendition]]\nname="a"\nwidth=640\nheight=360\nvideo_kbps=500\ncolour="red"\n')
    with pytest.raises(InputError, match="colour"):
        load_ladder(bad)


def test_ladder_file_loads_sorted(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(
        '[[rendition]]\nname="hi"\nwidth=640\nheight=360\nvideo_kbps=500\n'
        '[[rendition]]\nname="lo"\nwidth=256\nheight=144\nvideo_kbps=200\naudio_kbps=48\n'
    )
    assert [r.name for r in resolve_ladder(good)] == ["lo", "hi"]
    assert resolve_ladder("default") == DEFAULT_LADDER


def test_force_key_frames_expression_matches_first_segment() -> None:
    assert force_key_frames_expr(segment=2, first=2) == "expr:gte(t,n_forced*2)"
    assert force_key_frames_expr(segment=2, first=1) == "expr:gte(t,1+(n_forced-1)*2)"


def test_encode_args_one_run_with_every_output() -> None:
    args = build_encode_args(_plan())
    assert args.count("-i") == 1
    assert "-filter_complex" in args
    names = ("144p", "360p", "480p", "720p")
    assert _values(args, "-hls_segment_filename") == [f"video/{n}/seg_%05d.ts" for n in names]
    assert set(_values(args, "-sc_threshold")) == {"0"}
    assert set(_values(args, "-g")) == {"50"} and set(_values(args, "-keyint_min")) == {"50"}
    assert set(_values(args, "-force_key_frames")) == {"expr:gte(t,1+(n_forced-1)*2)"}
    assert set(_values(args, "-hls_init_time")) == {"1"}
    assert set(_values(args, "-hls_segment_type")) == {"mpegts"}
    assert _values(args, "-b:v") == ["240k", "500k", "1000k", "2500k"]
    assert _values(args, "-segment_times") == ["1,3,5,7", "1,3,5,7"]
    assert "subs/en.vtt" in args and "images/poster.jpg" in args and "images/thumb.jpg" in args
    assert "images/trick/sprite_%03d.jpg" in args
    # muxed default audio in every video rendition, then one audio-only output per language
    assert _values(args, "-map").count("0:a:0") == 4 + 1
    assert _values(args, "-map").count("0:a:1") == 1


def test_encode_args_without_short_first_segment() -> None:
    args = build_encode_args(_plan(first_segment=2.0))
    assert "-hls_init_time" not in args
    assert set(_values(args, "-force_key_frames")) == {"expr:gte(t,n_forced*2)"}
    assert _values(args, "-segment_times")[0] == "2,4,6,8"


def test_dash_args_remux_without_reencoding() -> None:
    args = build_dash_args(_plan())
    assert _values(args, "-c") == ["copy"]
    assert _values(args, "-tag:v") == ["avc1"] and _values(args, "-tag:a") == ["mp4a"]
    assert _values(args, "-f") == ["dash"]
    assert _values(args, "-i")[0] == "video/144p/index.m3u8"
    assert _values(args, "-adaptation_sets") == [
        "id=0,seg_duration=1,streams=0,1,2,3 id=1,seg_duration=2,streams=4 id=2,seg_duration=2,streams=5"
    ]


def test_label_text_has_rendition_and_segment_number() -> None:
    text = label_text(DEFAULT_LADDER[3], segment=2, first=1)
    assert text.startswith("720p · 2500 kbps · seg ")
    assert "%{eif:" in text and "," not in text


def test_language_codes() -> None:
    assert language_code("eng", ordinal=0) == "en"
    assert language_code("hin", ordinal=1) == "hi"
    assert language_code(None, ordinal=2) == "a2"


def _segs(*pairs: tuple[float, int]) -> list[Segment]:
    out, start = [], 0.0
    for i, (d, b) in enumerate(pairs, 1):
        out.append(Segment(index=i, uri=f"s{i}.ts", start=start, duration=d, bytes=b))
        start += d
    return out


def test_peak_and_average_bitrate() -> None:
    segs = _segs((1.0, 100_000), (2.0, 100_000), (2.0, 300_000), (0.04, 40_000))
    # runs lasting 1 s..3 s: 300 kB + the 40 kB tail over 2.04 s is the peak; the tail alone
    # (0.04 s) is too short to count on its own
    assert peak_bitrate(segs, target=2) == 1_333_334
    assert average_bitrate(segs) == pytest.approx(540_000 * 8 / 5.04, abs=1)
    assert target_duration([1.0, 2.0, 2.49, 0.04]) == 2
    assert target_duration([2.5]) == 3


def test_trickplay_index_points_into_sprites() -> None:
    vtt = trickplay_vtt(count=12, interval=2, duration=24, rows=1)
    lines = vtt.splitlines()
    assert lines[0] == "WEBVTT"
    assert "sprite_001.jpg#xywh=0,0,160,90" in lines
    assert "sprite_002.jpg#xywh=160,0,160,90" in lines  # 11th and 12th thumbs are on sheet 2


def test_testcard_args_and_helpers(tmp_path: Path) -> None:
    args = build_testcard_args(
        out=tmp_path / "c.mp4", duration=5, width=640, height=360,
        speech={"en": "en.wav", "hi": "hi.wav"}, subtitles={"en": "en.vtt", "hi": "hi.vtt"},
        overlay_file="o.txt",
    )  # fmt: skip
    assert _values(args, "-f")[:1] == ["lavfi"]
    assert "language=eng" in args and "language=hin" in args
    assert _values(args, "-c:s") == ["mov_text"]
    assert build_espeak_args(language="hi", text="x", out="o.wav") == ["-v", "hi", "-s", "150", "-w", "o.wav", "x"]
    assert parse_size("1920x1080") == (1920, 1080)
    with pytest.raises(InputError):
        parse_size("19x10x")
    assert "हिन्दी" in subtitle_vtt(language="hi", duration=4)


def test_every_rung_keeps_the_source_display_aspect() -> None:
    from dataclasses import replace

    graph = _values(build_encode_args(replace(_plan(), source_width=1280)), "-filter_complex")[0]
    assert graph.count("setdar=1280/720") == 4  # 854x480 is not exactly 16:9; DASH needs one aspect
