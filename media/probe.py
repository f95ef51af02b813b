"""ffprobe: command builders, a JSON summary of a file, and keyframe checks of segments."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from media.errors import FFmpegError, InputError
from media.runner import run_capture

log = logging.getLogger(__name__)

_H264_PROFILES = {
    "Constrained Baseline": (0x42, 0xE0),
    "Baseline": (0x42, 0x00),
    "Main": (0x4D, 0x40),
    "High": (0x64, 0x00),
}


@dataclass(slots=True)
class StreamInfo:
    """One stream of a probed file."""

    index: int
    type: str
    codec: str
    language: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    profile: str | None = None
    level: int | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bit_rate: int | None = None


@dataclass(slots=True)
class ProbeSummary:
    """What the pipeline needs to know about a file."""

    path: str
    format: str
    duration: float
    size: int
    bit_rate: int | None
    start_time: float = 0.0
    streams: list[StreamInfo] = field(default_factory=list)

    @property
    def video(self) -> StreamInfo | None:
        """The first video stream (ignoring attached pictures), or None."""
        return next((s for s in self.streams if s.type == "video"), None)

    @property
    def audio(self) -> list[StreamInfo]:
        """All audio streams, in file order."""
        return [s for s in self.streams if s.type == "audio"]

    @property
    def subtitles(self) -> list[StreamInfo]:
        """All subtitle streams, in file order."""
        return [s for s in self.streams if s.type == "subtitle"]

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (what ``ott-media probe`` prints)."""
        return asdict(self)


def build_probe_args(*, path: Path | str) -> list[str]:
    """ffprobe arguments printing format and streams of PATH as JSON."""
    return ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)]


def build_first_packet_args(*, path: Path | str) -> list[str]:
    """ffprobe arguments printing the first video packet (pts and flags) of PATH."""
    return [
        "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1",
        "-show_entries", "packet=pts_time,dts_time,flags", "-print_format", "json", str(path),
    ]  # fmt: skip


def _fps(rate: str | None) -> float | None:
    if not rate or rate in ("0/0", "0/1"):
        return None
    try:
        return float(Fraction(rate))
    except (ValueError, ZeroDivisionError):
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_probe(raw: dict[str, Any], *, path: str) -> ProbeSummary:
    """Turn ffprobe's JSON into a ProbeSummary."""
    fmt = raw.get("format", {})
    streams = []
    for s in raw.get("streams", []):
        if s.get("disposition", {}).get("attached_pic"):
            continue
        streams.append(
            StreamInfo(
                index=int(s.get("index", 0)),
                type=s.get("codec_type", "unknown"),
                codec=s.get("codec_name", "unknown"),
                language=(s.get("tags") or {}).get("language"),
                width=_int(s.get("width")),
                height=_int(s.get("height")),
                fps=_fps(s.get("avg_frame_rate")) or _fps(s.get("r_frame_rate")),
                profile=s.get("profile"),
                level=_int(s.get("level")),
                sample_rate=_int(s.get("sample_rate")),
                channels=_int(s.get("channels")),
                bit_rate=_int(s.get("bit_rate")),
            )
        )
    return ProbeSummary(
        path=path,
        format=fmt.get("format_name", "unknown"),
        duration=float(fmt.get("duration") or 0.0),
        size=int(fmt.get("size") or 0),
        bit_rate=_int(fmt.get("bit_rate")),
        start_time=float(fmt.get("start_time") or 0.0),
        streams=streams,
    )


async def probe(path: Path | str) -> ProbeSummary:
    """Probe PATH; InputError when it is missing or not a media file ffprobe understands."""
    p = Path(path)
    if not await asyncio.to_thread(p.is_file):
        raise InputError(f"source not found: {p}")
    try:
        out = await run_capture(build_probe_args(path=p))
    except FFmpegError as err:
        raise InputError(f"not a media file: {p}") from err
    return parse_probe(json.loads(out or "{}"), path=str(p))


async def first_video_packet(path: Path | str) -> tuple[float | None, bool]:
    """Return (pts seconds, is keyframe) of the first video packet of a segment file."""
    out = await run_capture(build_first_packet_args(path=path))
    packets = json.loads(out or "{}").get("packets", [])
    if not packets:
        return None, False
    pkt = packets[0]
    pts = pkt.get("pts_time") or pkt.get("dts_time")
    return (float(pts) if pts is not None else None), "K" in pkt.get("flags", "")


def avc1_codec(*, profile: str | None, level: int | None) -> str:
    """RFC 6381 codecs string of an H.264 stream, e.g. ``avc1.64001f``."""
    idc, constraints = _H264_PROFILES.get(profile or "", (0x64, 0x00))
    return f"avc1.{idc:02x}{constraints:02x}{(level or 31):02x}"


def aac_codec(*, profile: str | None) -> str:
    """RFC 6381 codecs string of an AAC stream (LC → ``mp4a.40.2``, HE → ``mp4a.40.5``)."""
    if profile and "HE" in profile:
        return "mp4a.40.29" if "v2" in profile else "mp4a.40.5"
    return "mp4a.40.2"
