"""Measure what the encode produced (segment sizes, durations, codecs) into asset.json records."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import m3u8

from media.assets import (
    AudioTrack,
    Segment,
    SubtitleTrack,
    VideoRendition,
    average_bitrate,
    peak_bitrate,
    target_duration,
)
from media.ladder import Rendition
from media.package import LANGUAGE_NAMES, PackagePlan, TrackPlan, video_dir
from media.probe import aac_codec, avc1_codec, probe


def _segments_from_playlist(root: Path, directory: str) -> list[Segment]:
    text = (root / directory / "index.m3u8").read_text(encoding="utf-8")
    pl = m3u8.loads(text)
    out: list[Segment] = []
    start = 0.0
    for i, seg in enumerate(pl.segments, pl.media_sequence or 1):
        dur = float(seg.duration or 0.0)
        out.append(Segment(index=i, uri=seg.uri, start=round(start, 6), duration=dur,
                           bytes=(root / directory / seg.uri).stat().st_size))  # fmt: skip
        start += dur
    return out


def _segments_from_csv(root: Path, directory: str) -> list[Segment]:
    out: list[Segment] = []
    with (root / directory / "segments.csv").open(newline="", encoding="utf-8") as fh:
        for i, row in enumerate(csv.reader(fh), 1):
            name, start, end = row[0], float(row[1]), float(row[2])
            out.append(Segment(index=i, uri=name, start=round(start, 6), duration=round(end - start, 6),
                               bytes=(root / directory / name).stat().st_size))  # fmt: skip
    return out


async def measure_rendition(root: Path, *, plan: PackagePlan, rung: Rendition) -> VideoRendition:
    """Segments, measured bitrates and codecs of one video rendition."""
    directory = video_dir(rung)
    segments = _segments_from_playlist(root, directory)
    info = await probe(root / directory / segments[0].uri)
    v = info.video
    assert v is not None
    a = info.audio[0] if info.audio else None
    vcodec = avc1_codec(profile=v.profile, level=v.level)
    acodec = aac_codec(profile=a.profile) if a else None
    target = target_duration([s.duration for s in segments])
    return VideoRendition(
        name=rung.name,
        width=v.width or rung.width,
        height=v.height or rung.height,
        frame_rate=round(v.fps or plan.fps, 3),
        target_kbps=rung.video_kbps,
        codecs=",".join(c for c in (vcodec, acodec) if c),
        video_codec=vcodec,
        audio_codec=acodec,
        muxed_audio=plan.audio[0].language if plan.audio else None,
        peak_bandwidth=peak_bitrate(segments, target=target),
        average_bandwidth=average_bitrate(segments),
        directory=directory,
        playlist=f"{directory}/index.m3u8",
        segments=segments,
    )


async def measure_audio(root: Path, *, track: TrackPlan, default: bool) -> AudioTrack:
    """Segments and measured bitrates of one audio-only rendition."""
    directory = f"audio/{track.language}"
    segments = _segments_from_csv(root, directory)
    info = await probe(root / directory / segments[0].uri)
    a = info.audio[0]
    target = target_duration([s.duration for s in segments])
    return AudioTrack(
        language=track.language,
        name=track.name,
        codecs=aac_codec(profile=a.profile),
        channels=a.channels or 2,
        default=default,
        peak_bandwidth=peak_bitrate(segments, target=target),
        average_bandwidth=average_bitrate(segments),
        directory=directory,
        playlist=f"{directory}/index.m3u8",
        segments=segments,
    )


async def measure_all(root: Path, *, plan: PackagePlan) -> tuple[list[VideoRendition], list[AudioTrack]]:
    """Measure every video and audio rendition (probes run concurrently)."""
    videos = await asyncio.gather(*(measure_rendition(root, plan=plan, rung=r) for r in plan.renditions))
    audios = await asyncio.gather(
        *(measure_audio(root, track=t, default=i == 0) for i, t in enumerate(plan.audio))
    )
    return list(videos), list(audios)


def finish_subtitles(root: Path, *, plan: PackagePlan, mpegts_start: float) -> list[SubtitleTrack]:
    """Add ``X-TIMESTAMP-MAP`` to each extracted .vtt (cue times map onto the TS clock)."""
    out: list[SubtitleTrack] = []
    ticks = round(mpegts_start * 90000)
    for track in plan.subtitles:
        path = root / "subs" / f"{track.language}.vtt"
        if not path.is_file():
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        if not any(line.startswith("X-TIMESTAMP-MAP") for line in lines[:3]):
            lines.insert(1, f"X-TIMESTAMP-MAP=MPEGTS:{ticks},LOCAL:00:00:00.000")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out.append(
            SubtitleTrack(
                language=track.language,
                name=track.name or LANGUAGE_NAMES.get(track.language, track.language),
                uri=f"subs/{track.language}.vtt",
                playlist=f"subs/{track.language}.m3u8",
                default=False,
            )
        )
    return out
