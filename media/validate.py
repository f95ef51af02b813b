"""Validate a packaged asset: RFC 8216 checks (strict m3u8 parse), measured bandwidth, alignment,
keyframes (ffprobe) and the DASH MPD."""

from __future__ import annotations

import asyncio
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import m3u8

from media.assets import Asset, Segment, peak_bitrate, target_duration
from media.dash import NS, parse_iso_duration, segment_files, timeline_segments
from media.errors import InputError
from media.probe import first_video_packet

_Q = f"{{{NS}}}"
REQUIRED_STREAM_INF = ("bandwidth", "average_bandwidth", "codecs", "resolution", "frame_rate")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: file (relative to the asset root), 1-based line (0 = whole file), message."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def _line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    return 0


def _strict_load(root: Path, rel: str, findings: list[Finding]) -> tuple[m3u8.M3U8 | None, str]:
    path = root / rel
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        findings.append(Finding(rel, 0, f"cannot read: {err.strerror}"))
        return None, ""
    try:
        return m3u8.M3U8(text, strict=True), text
    except Exception as err:  # m3u8 raises ParseError or a bare Exception listing version errors
        line = getattr(err, "lineno", 0) or 0
        findings.append(Finding(rel, int(line), f"strict parse failed: {err}"))
        return None, text


def _check_media_playlist(root: Path, rel: str, findings: list[Finding]) -> list[Segment]:
    pl, text = _strict_load(root, rel, findings)
    if pl is None:
        return []
    if pl.target_duration is None:
        findings.append(Finding(rel, 0, "EXT-X-TARGETDURATION missing"))
        return []
    if not pl.is_endlist:
        findings.append(Finding(rel, 0, "EXT-X-ENDLIST missing (VOD)"))
    base = (root / rel).parent
    segs: list[Segment] = []
    start = 0.0
    for i, seg in enumerate(pl.segments, pl.media_sequence or 1):
        dur = float(seg.duration or 0)
        line = _line_of(text, seg.uri)
        if math.floor(dur + 0.5) > pl.target_duration:
            findings.append(Finding(rel, line, f"segment {seg.uri} lasts {dur:.3f} s > target {pl.target_duration}"))
        path = base / seg.uri
        if not path.is_file():
            findings.append(Finding(rel, line, f"segment file missing: {seg.uri}"))
            continue
        segs.append(Segment(index=i, uri=seg.uri, start=start, duration=dur, bytes=path.stat().st_size))
        start += dur
    if segs and target_duration([s.duration for s in segs]) != pl.target_duration:
        findings.append(Finding(rel, _line_of(text, "TARGETDURATION"), "target duration is not the rounded maximum"))
    return segs


async def validate_asset(root: Path | str, *, check_keyframes: bool = True) -> list[Finding]:
    """All findings for the asset at ROOT (empty list = valid)."""
    base = Path(root)
    asset = Asset.load(base / "asset.json")
    findings: list[Finding] = []
    master, mtext = _strict_load(base, asset.master, findings)
    video_segments: dict[str, list[Segment]] = {}
    if master is not None:
        if not master.is_independent_segments:
            findings.append(Finding(asset.master, 0, "EXT-X-INDEPENDENT-SEGMENTS missing"))
        for media in master.media:
            for attr in ("type", "group_id", "name"):
                if not getattr(media, attr):
                    findings.append(Finding(asset.master, _line_of(mtext, media.name or "EXT-X-MEDIA"),
                                            f"EXT-X-MEDIA lacks {attr.upper().replace('_', '-')}"))  # fmt: skip
            if media.uri:
                _check_media_playlist(base, media.uri, findings)
        for variant in master.playlists:
            line = _line_of(mtext, variant.uri) - 1
            info = variant.stream_info
            for attr in REQUIRED_STREAM_INF:
                if getattr(info, attr) in (None, ""):
                    tag = attr.upper().replace("_", "-")
                    findings.append(Finding(asset.master, line, f"{variant.uri}: {tag} missing"))
            segs = _check_media_playlist(base, variant.uri, findings)
            if not segs:
                continue
            video_segments[variant.uri] = segs
            peak = peak_bitrate(segs, target=target_duration([s.duration for s in segs]))
            if info.bandwidth is not None and info.bandwidth < peak:
                msg = f"{variant.uri}: BANDWIDTH {info.bandwidth} < measured peak {peak}"
                findings.append(Finding(asset.master, line, msg))
    findings += _check_alignment(asset, video_segments)
    if check_keyframes:
        findings += await _check_keyframes(base, asset)
    findings += _check_dash(base, asset)
    return findings


def _check_alignment(asset: Asset, segments: dict[str, list[Segment]]) -> list[Finding]:
    out: list[Finding] = []
    if len(segments) < 2:
        return out
    ref_uri, ref = next(iter(segments.items()))
    tolerance = 0.5 / max(r.frame_rate for r in asset.renditions)
    for uri, segs in segments.items():
        if len(segs) != len(ref):
            out.append(Finding(uri, 0, f"{len(segs)} segments, {ref_uri} has {len(ref)}"))
            continue
        for a, b in zip(ref, segs, strict=True):
            if abs(a.start - b.start) > tolerance or abs(a.duration - b.duration) > tolerance:
                msg = f"segment {b.index} ({b.start:.3f}+{b.duration:.3f}) not aligned with {ref_uri}"
                out.append(Finding(uri, 0, msg))
    return out


async def _check_keyframes(base: Path, asset: Asset) -> list[Finding]:
    out: list[Finding] = []
    sem = asyncio.Semaphore(4)
    tolerance = 0.5 / max(r.frame_rate for r in asset.renditions)

    async def one(rel: str) -> tuple[str, float | None, bool]:
        async with sem:
            pts, key = await first_video_packet(base / rel)
            return rel, pts, key

    jobs = [f"{r.directory}/{s.uri}" for r in asset.renditions for s in r.segments]
    results = await asyncio.gather(*(one(rel) for rel in jobs))
    starts: dict[int, list[tuple[str, float]]] = {}
    per_rendition = {f"{r.directory}/{s.uri}": s.index for r in asset.renditions for s in r.segments}
    for rel, pts, key in results:
        if not key:
            out.append(Finding(rel, 0, "segment does not start with a keyframe"))
        if pts is not None:
            starts.setdefault(per_rendition[rel], []).append((rel, pts))
    for idx, items in sorted(starts.items()):
        lo, hi = min(p for _, p in items), max(p for _, p in items)
        if hi - lo > tolerance:
            out.append(Finding(items[0][0], 0, f"segment {idx} starts at {lo:.3f}..{hi:.3f} s across renditions"))
    return out


def _check_dash(base: Path, asset: Asset) -> list[Finding]:
    if asset.dash is None:
        return [Finding("asset.json", 0, "no DASH section")]
    rel = asset.dash.mpd
    out: list[Finding] = []
    try:
        root = ET.parse(base / rel).getroot()  # noqa: S314 - our own output
    except (OSError, ET.ParseError) as err:
        return [Finding(rel, getattr(err, "position", (0, 0))[0], f"MPD not well-formed: {err}")]
    if root.tag != f"{_Q}MPD":
        out.append(Finding(rel, 1, f"root element is {root.tag}, not MPD"))
    try:
        total = parse_iso_duration(root.get("mediaPresentationDuration", ""))
    except ValueError as err:
        return [*out, Finding(rel, 1, str(err))]
    if abs(total - asset.duration) > asset.segment_duration:
        out.append(Finding(rel, 1, f"mediaPresentationDuration {total:.3f} s != asset {asset.duration:.3f} s"))
    for rep in asset.dash.representations:
        segs = timeline_segments(rep.timeline)
        dur = sum(d for _, d in segs) / rep.timescale
        if abs(dur - total) > asset.segment_duration:
            out.append(Finding(rel, 0, f"representation {rep.id}: timeline {dur:.3f} s != {total:.3f} s"))
        for f in [rep.init, *segment_files(rep)]:
            if not (base / f).is_file():
                out.append(Finding(rel, 0, f"representation {rep.id}: missing {f}"))
    return out


def validate_sync(root: Path | str, *, check_keyframes: bool = True) -> list[Finding]:
    """Blocking wrapper around validate_asset(); InputError if ROOT holds no asset.json."""
    if not (Path(root) / "asset.json").is_file():
        raise InputError(f"no asset.json in {root}")
    return asyncio.run(validate_asset(root, check_keyframes=check_keyframes))
