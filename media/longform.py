"""A long sample title assembled from an already-packaged short one, without re-encoding.

Each video rendition and audio track of the short asset is byte-joined into one MPEG-TS, played
REPEATS times through ffmpeg's concat demuxer (which shifts every repeat's timestamps onto one
clock) and cut by the segment muxer at the short asset's own keyframe boundaries (stream copy).
Subtitle cues are repeated with shifted times, the DASH fMP4 is remuxed from the new HLS renditions
as the packager does, and poster/thumbnail are copied. Seconds of work, not an encode.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import re
import shutil
from pathlib import Path

from media.assets import Asset, AudioTrack, Images, Segment, VideoRendition, average_bitrate, peak_bitrate
from media.assets import target_duration as rounded_target
from media.dash import build_mpd, dash_section, read_ffmpeg_mpd
from media.errors import InputError
from media.ladder import DEFAULT_LADDER
from media.package import PackageOptions, PackagePlan, TrackPlan, build_dash_args
from media.pipeline import MPD_NAME, make_work_dir, swap_into_place, write_hls_playlists
from media.probe import probe
from media.runner import run_ffmpeg

log = logging.getLogger(__name__)
_CUE = re.compile(r"^(\S+) --> (\S+)(.*)$")


def _parse_ts(text: str) -> float:
    parts = [float(p) for p in text.split(":")]
    out = 0.0
    for p in parts:
        out = out * 60 + p
    return out


def repeat_vtt(text: str, *, repeats: int, period: float, mpegts_ticks: int) -> str:
    """WebVTT whose cues are TEXT's cues played REPEATS times, PERIOD seconds apart, on the given TS clock."""
    from media.vtt import vtt_timestamp

    blocks = [b for b in text.replace("\r\n", "\n").split("\n\n") if "-->" in b]
    out = ["WEBVTT", f"X-TIMESTAMP-MAP=MPEGTS:{mpegts_ticks},LOCAL:00:00:00.000", ""]
    for k in range(repeats):
        for block in blocks:
            lines = block.strip("\n").splitlines()
            for i, line in enumerate(lines):
                m = _CUE.match(line)
                if m:
                    start, end = _parse_ts(m[1]) + k * period, _parse_ts(m[2]) + k * period
                    lines[i] = f"{vtt_timestamp(start)} --> {vtt_timestamp(end)}{m[3]}"
                    break
            out += [*lines, ""]
    return "\n".join(out)


def _segments_csv(directory: Path) -> list[Segment]:
    out: list[Segment] = []
    with (directory / "segments.csv").open(newline="", encoding="utf-8") as fh:
        for i, row in enumerate(csv.reader(fh), 1):
            start, end = float(row[1]), float(row[2])
            out.append(Segment(index=i, uri=row[0], start=round(start, 6), duration=round(end - start, 6),
                               bytes=(directory / row[0]).stat().st_size))  # fmt: skip
    (directory / "segments.csv").unlink()
    return out


def _join(src_dir: Path, segments: list[Segment], out_dir: Path, *, repeats: int, period: float) -> Path:
    """OUT_DIR/joined.ts (the short track's segments byte-joined) and a concat list playing it REPEATS times."""
    out_dir.mkdir(parents=True, exist_ok=True)
    joined = out_dir / "joined.ts"
    with joined.open("wb") as fh:
        for s in segments:
            fh.write((src_dir / s.uri).read_bytes())
    (out_dir / "concat.txt").write_text("".join(f"file 'joined.ts'\nduration {period:.6f}\n" for _ in range(repeats)),
                                        encoding="utf-8")  # fmt: skip
    return joined


def _finish(out_dir: Path, segments: list[Segment], *, repeats: int, period: float) -> list[Segment]:
    """The cut segments, numbered from 1 like the packager's, on the short asset's nominal time grid."""
    (out_dir / "joined.ts").unlink()
    (out_dir / "concat.txt").unlink()
    got = _segments_csv(out_dir)
    for s in reversed(got):  # the segment muxer numbers from 0
        (out_dir / s.uri).rename(out_dir / f"seg_{s.index:05d}.ts")
    # repeat k of segment j starts at k × period + its start in the short asset
    nominal = [k * period + s.start for k in range(repeats) for s in segments]
    if len(got) != len(nominal):
        raise InputError(f"{out_dir}: cut {len(got)} segments, expected {len(nominal)}")
    ends = [*nominal[1:], repeats * period]
    return [s.model_copy(update={"uri": f"seg_{s.index:05d}.ts", "start": round(a, 6), "duration": round(b - a, 6)})
            for s, a, b in zip(got, nominal, ends, strict=True)]  # fmt: skip


async def _repeat_track(src_dir: Path, segments: list[Segment], out_dir: Path, *, repeats: int,
                        period: float) -> list[Segment]:  # fmt: skip
    """Cut REPEATS plays of the short track into segments at the short track's boundaries (stream copy)."""
    joined = _join(src_dir, segments, out_dir, repeats=repeats, period=period)
    cuts = [k * period + s.start for k in range(repeats) for s in segments][1:]
    # the concat demuxer starts each track at 0 from its own first packet; put it back on the short asset's clock
    # so every rendition and audio track keeps the same timestamps (keyframes aligned across renditions)
    offset = (await probe(joined)).start_time
    args = ["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", "concat.txt",
            "-map", "0", "-c", "copy", "-output_ts_offset", f"{offset:.6f}", "-muxdelay", "0", "-muxpreload", "0",
            "-f", "segment", "-segment_format", "mpegts",
            "-segment_times", ",".join(f"{t - 0.01:.3f}" for t in cuts), "-reset_timestamps", "0",
            "-segment_list", "segments.csv", "-segment_list_type", "csv", "-y", "seg_%05d.ts"]  # fmt: skip
    await run_ffmpeg(args, cwd=out_dir)
    return _finish(out_dir, segments, repeats=repeats, period=period)


async def build_long_asset(short_root: Path, out: Path, *, repeats: int, asset_id: str, title: str) -> Asset:
    """Assemble OUT (a complete packaged asset) from the short asset at SHORT_ROOT played REPEATS times."""
    short = Asset.load(short_root / "asset.json")
    period = short.duration
    work = make_work_dir(out)
    try:
        jobs = [_repeat_track(short_root / r.directory, r.segments, work / r.directory, repeats=repeats,
                              period=period) for r in short.renditions]  # fmt: skip
        jobs += [_repeat_track(short_root / a.directory, a.segments, work / a.directory, repeats=repeats,
                               period=period) for a in short.audio]  # fmt: skip
        cut = await asyncio.gather(*jobs)
        videos: list[VideoRendition] = []
        for r, segs in zip(short.renditions, cut[: len(short.renditions)], strict=True):
            target = rounded_target([s.duration for s in segs])
            videos.append(r.model_copy(update={"segments": segs, "peak_bandwidth": peak_bitrate(segs, target=target),
                                               "average_bandwidth": average_bitrate(segs)}))  # fmt: skip
        audios: list[AudioTrack] = []
        for a, segs in zip(short.audio, cut[len(short.renditions):], strict=True):
            target = rounded_target([s.duration for s in segs])
            audios.append(a.model_copy(update={"segments": segs, "peak_bandwidth": peak_bitrate(segs, target=target),
                                               "average_bandwidth": average_bitrate(segs)}))  # fmt: skip
        first = await probe(work / videos[0].directory / videos[0].segments[0].uri)
        ticks = round(first.start_time * 90000)
        (work / "subs").mkdir(exist_ok=True)
        for s in short.subtitles:
            text = (short_root / s.uri).read_text(encoding="utf-8")
            (work / s.uri).write_text(repeat_vtt(text, repeats=repeats, period=period, mpegts_ticks=ticks),
                                      encoding="utf-8")  # fmt: skip
        images = None
        if short.images:
            for f in (short.images.poster, short.images.thumbnail):
                (work / f).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(short_root / f, work / f)
            images = Images(poster=short.images.poster, poster_size=short.images.poster_size,
                            thumbnail=short.images.thumbnail, thumbnail_size=short.images.thumbnail_size)  # fmt: skip
        asset = Asset(asset_id=asset_id, title=title, duration=round(repeats * period, 3),
                      segment_duration=short.segment_duration, first_segment_duration=short.first_segment_duration,
                      fingerprint=f"{short.fingerprint}x{repeats}", renditions=videos, audio=audios,
                      subtitles=list(short.subtitles), images=images)  # fmt: skip
        write_hls_playlists(asset, work)
        await _write_dash(asset, work)
        asset.save(work / "asset.json")
        swap_into_place(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return asset


async def _write_dash(asset: Asset, work: Path) -> None:
    """fMP4 DASH remuxed from the new HLS renditions (the packager's own remux step)."""
    ladder = {r.name: r for r in DEFAULT_LADDER}
    plan = PackagePlan(source="", duration=asset.duration, fps=asset.renditions[0].frame_rate,
                       source_height=max(r.height for r in asset.renditions),
                       renditions=tuple(ladder[r.name] for r in asset.renditions),
                       audio=tuple(TrackPlan(i, a.language, a.name) for i, a in enumerate(asset.audio)),
                       options=PackageOptions(segment=asset.segment_duration,
                                              first_segment=asset.first_segment_duration))  # fmt: skip
    (work / "dash").mkdir(exist_ok=True)
    await run_ffmpeg(build_dash_args(plan), cwd=work)
    n = len(plan.renditions)
    names = {str(i): ("video", r.name) for i, r in enumerate(plan.renditions)}
    names |= {str(n + i): ("audio", t.language) for i, t in enumerate(plan.audio)}
    reps = read_ffmpeg_mpd(work / "dash" / "manifest.mpd", prefix="dash/", names=names,
                           sizes=lambda f: (work / f).stat().st_size)  # fmt: skip
    asset.dash = dash_section(mpd=MPD_NAME, min_buffer_time=2 * asset.segment_duration, representations=reps)
    (work / MPD_NAME).write_text(build_mpd(asset), encoding="utf-8")
    (work / "dash" / "manifest.mpd").unlink()
