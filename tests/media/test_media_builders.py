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
    assert [r.name for r in ladder_for_source(720)] == ["108p", "144p", "360p", "480p", "720p"]
    assert [r.name for r in ladder_for_source(1080)] == [r.name for r in DEFAULT_LADDER]
    assert [r.name for r in ladder_for_source(100)] == ["108p"]
    assert [r.name for r in ladder_for_source(90)] == ["108p"]  # never empty: the lowest rung stays


def test_default_ladder_has_a_2g_rung_that_fits_the_2g_and_edge_links() -> None:
    lowest = DEFAULT_LADDER[0]
    assert (lowest.name, lowest.width, lowest.height, lowest.audio_channels) == ("108p", 192, 108, 1)
    assert lowest.total_kbps < 0.7 * 240  # nominal bits fit the `edge` profile with ABR headroom
    assert [r.audio_kbps for r in DEFAULT_LADDER] == [32, 48, 48, 96, 128, 128]
    assert [r.height for r in DEFAULT_LADDER] == sorted(r.height for r in DEFAULT_LADDER)


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
    ladder = resolve_ladder(good)
    assert [r.name for r in ladder] == ["lo", "hi"]
    assert [(r.audio_kbps, r.audio_channels) for r in ladder] == [(48, 2), (64, 2)]
    assert resolve_ladder("default") == DEFAULT_LADDER


@pytest.mark.parametrize("extra", ["audio_channels=3", "audio_kbps=0", 'audio_channels="mono"'])
def test_ladder_file_bad_audio_is_an_input_error(tmp_path: Path, extra: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[[rendition]]\nname="a"\nwidth=640\nheight=360\nvideo_kbps=500\n{extra}\n')
    with pytest.raises(InputError, match="rendition 1"):
        load_ladder(bad)


def _forced_at(expr: str, *, fps: float, seconds: float) -> list[float]:
    """Times at which ffmpeg would force a keyframe for EXPR (evaluated as its expression parser does)."""
    body = expr.removeprefix("expr:")
    out: list[float] = []
    for i in range(round(fps * seconds)):
        t = i / fps
        env = {"t": t, "n_forced": len(out), "gte": lambda a, b: float(a >= b),
               "eq": lambda a, b: float(a == b), "if": lambda c, a, b: a if c else b}
        if eval(body.replace("if(", "if_("), {"__builtins__": {}}, env | {"if_": env["if"]}):  # noqa: S307
            out.append(round(t, 6))
    return out


def test_force_key_frames_expression_matches_first_segment() -> None:
    assert force_key_frames_expr(segment=2, first=2) == "expr:gte(t,n_forced*2)"
    assert force_key_frames_expr(segment=2, first=1) == "expr:gte(t,1+(n_forced-1)*2)"
    assert force_key_frames_expr(segment=2, first=3) == "expr:if(eq(n_forced,0),1,gte(t,3+(n_forced-1)*2))"
    assert _forced_at(force_key_frames_expr(segment=2, first=1), fps=25, seconds=8) == [0, 1, 3, 5, 7]
    assert _forced_at(force_key_frames_expr(segment=2, first=2), fps=25, seconds=8) == [0, 2, 4, 6]
    # a longer first segment: 0, then 3, 5, 7 (not 1 s, where FIRST-SEG would put the second one)
    assert _forced_at(force_key_frames_expr(segment=2, first=3), fps=15, seconds=8) == [0, 3, 5, 7]


def test_default_layout_is_a_3s_first_segment_then_2s() -> None:
    opts = PackageOptions()
    assert (opts.first, opts.segment) == (3.0, 2.0)
    assert PackageOptions(first_segment=0).first == 2.0  # 0 = a whole segment
    assert _plan().boundaries == [3, 5, 7]


def test_encode_args_with_the_default_3s_first_segment() -> None:
    args = build_encode_args(_plan())
    # x264's GOP limit covers the 3 s first segment: 45 frames at 15 fps, 75 at 25 fps
    assert _values(args, "-g") == ["45", "75", "75", "75", "75"]
    assert set(_values(args, "-force_key_frames")) == {"expr:if(eq(n_forced,0),1,gte(t,3+(n_forced-1)*2))"}
    assert "-hls_init_time" not in args  # the HLS muxer cuts at the 3 s keyframe, then every 2 s
    assert set(_values(args, "-hls_time")) == {"2"}
    assert _values(args, "-segment_times") == ["3,5,7", "3,5,7"]


def test_dash_keeps_2s_segments_after_a_longer_first_one() -> None:
    sets = _values(build_dash_args(_plan()), "-adaptation_sets")
    assert sets == ["id=0,seg_duration=2,streams=0,1,2,3,4 id=1,seg_duration=2,streams=5 id=2,seg_duration=2,streams=6"]


def test_encode_args_one_run_with_every_output() -> None:
    args = build_encode_args(_plan(first_segment=1.0))
    assert args.count("-i") == 1
    assert "-filter_complex" in args
    names = ("108p", "144p", "360p", "480p", "720p")
    assert _values(args, "-hls_segment_filename") == [f"video/{n}/seg_%05d.ts" for n in names]
    assert set(_values(args, "-sc_threshold")) == {"0"}
    # the 2G rung runs at 15 fps (30-frame GOP), the others at the source's 25 fps
    assert _values(args, "-g") == ["30", "50", "50", "50", "50"] and _values(args, "-keyint_min")[0] == "30"
    assert "fps=fps=15" in _values(args, "-filter_complex")[0]
    assert set(_values(args, "-force_key_frames")) == {"expr:gte(t,1+(n_forced-1)*2)"}
    assert set(_values(args, "-hls_init_time")) == {"1"}
    assert set(_values(args, "-hls_segment_type")) == {"mpegts"}
    assert _values(args, "-b:v") == ["90k", "240k", "500k", "1000k", "2500k"]
    # VBV: maxrate 1.1 x target, a half-second buffer
    assert _values(args, "-maxrate") == ["99k", "264k", "550k", "1100k", "2750k"]
    assert _values(args, "-bufsize") == ["45k", "120k", "250k", "500k", "1250k"]
    # per-rung muxed AAC (mono on the 2G rung), then 64 kbit/s stereo for each audio-only track
    assert _values(args, "-b:a") == ["32k", "48k", "48k", "96k", "128k", "64k", "64k"]
    assert _values(args, "-ac") == ["1", "2", "2", "2", "2", "2", "2"]
    assert set(_values(args, "-ar")) == {"48000"}
    assert _values(args, "-segment_times") == ["1,3,5,7", "1,3,5,7"]
    assert "subs/en.vtt" in args and "images/poster.jpg" in args and "images/thumb.jpg" in args
    assert "images/trick/sprite_%03d.jpg" in args
    # muxed default audio in every video rendition, then one audio-only output per language
    assert _values(args, "-map").count("0:a:0") == 5 + 1
    assert _values(args, "-map").count("0:a:1") == 1


@pytest.mark.parametrize(("segment", "first", "fps"), [(2.0, 1.0, 15.0), (2.0, 0.0, 15.0), (2.0, 0.5, 25.0),
                                                       (1.3, 1.3, 25.0)])
def test_frame_rate_cap_only_when_every_boundary_is_on_a_frame(segment: float, first: float, fps: float) -> None:
    plan = _plan(segment=segment, first_segment=first)
    assert plan.rung_fps(DEFAULT_LADDER[0]) == fps
    assert plan.rung_gop(DEFAULT_LADDER[0]) == round(fps * segment)
    assert plan.rung_fps(DEFAULT_LADDER[1]) == 25.0  # no cap


@pytest.mark.parametrize(("first", "frame"), [(1.0, 0.0), (3.0, 0.0), (3.0, 2.96), (3.0, 3.0), (1.0, 1.0), (3.0, 5.2)])
def test_label_segment_number_follows_the_layout(first: float, frame: float) -> None:
    expr = label_text(DEFAULT_LADDER[0], segment=2, first=first).split("%{eif:")[1].removesuffix(":d}")
    shown = eval(expr.replace("t", repr(frame)).replace("abs", "_abs").replace("ceil", "_ceil"),  # noqa: S307
                 {"__builtins__": {}, "_abs": abs, "_ceil": __import__("math").ceil})
    expected = 1 if frame < first else 2 + int((frame - first) // 2)
    assert shown == expected


def test_encode_args_without_short_first_segment() -> None:
    args = build_encode_args(_plan(first_segment=2.0))
    assert "-hls_init_time" not in args
    assert set(_values(args, "-force_key_frames")) == {"expr:gte(t,n_forced*2)"}
    assert _values(args, "-segment_times")[0] == "2,4,6,8"


def test_dash_args_remux_without_reencoding() -> None:
    args = build_dash_args(_plan(first_segment=1.0))
    assert _values(args, "-c") == ["copy"]
    assert _values(args, "-tag:v") == ["avc1"] and _values(args, "-tag:a") == ["mp4a"]
    assert _values(args, "-f") == ["dash"]
    assert _values(args, "-i")[0] == "video/108p/index.m3u8"
    assert _values(args, "-adaptation_sets") == [
        "id=0,seg_duration=1,streams=0,1,2,3,4 id=1,seg_duration=2,streams=5 id=2,seg_duration=2,streams=6"
    ]


def test_label_text_has_rendition_and_segment_number() -> None:
    text = label_text(DEFAULT_LADDER[4], segment=2, first=1)
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
    assert graph.count("setdar=1280/720") == 5  # 854x480 is not exactly 16:9; DASH needs one aspect
