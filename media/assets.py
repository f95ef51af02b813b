"""The asset.json model: everything measured about a packaged asset (pydantic)."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from media.errors import InputError

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Segment(_Model):
    """One media segment: 1-based index (= media sequence number), file, duration, size."""

    index: int
    uri: str  # relative to the rendition's directory
    start: float
    duration: float
    bytes: int


class VideoRendition(_Model):
    """One video rendition (video + muxed default audio in MPEG-TS)."""

    name: str
    width: int
    height: int
    frame_rate: float
    target_kbps: int
    codecs: str  # video,audio for the muxed TS, e.g. "avc1.64001f,mp4a.40.2"
    video_codec: str
    audio_codec: str | None
    muxed_audio: str | None  # language of the audio muxed into the TS
    peak_bandwidth: int  # bit/s, RFC 8216 peak segment bit rate (measured)
    average_bandwidth: int  # bit/s, total bytes * 8 / duration (measured)
    directory: str  # e.g. "video/720p"
    playlist: str  # e.g. "video/720p/index.m3u8"
    segments: list[Segment]


class AudioTrack(_Model):
    """One audio-only rendition (AAC in MPEG-TS) for one language."""

    language: str
    name: str
    codecs: str
    channels: int
    default: bool
    peak_bandwidth: int
    average_bandwidth: int
    directory: str
    playlist: str
    segments: list[Segment]


class SubtitleTrack(_Model):
    """One WebVTT subtitle track: a single .vtt file and its one-segment playlist."""

    language: str
    name: str
    uri: str  # e.g. "subs/en.vtt"
    playlist: str  # e.g. "subs/en.m3u8"
    default: bool = False


class TrickPlay(_Model):
    """Trick-play thumbnails: sprite sheets plus a WebVTT index, and per-interval images."""

    vtt: str
    interval: float
    width: int
    height: int
    columns: int
    rows: int
    count: int
    sprites: list[str]
    images: list[str]


class Images(_Model):
    """Still images: 16:9 poster, 4:3 thumbnail and trick-play thumbnails."""

    poster: str
    poster_size: tuple[int, int]
    thumbnail: str
    thumbnail_size: tuple[int, int]
    trickplay: TrickPlay | None = None


class DashTimeline(_Model):
    """One ``<S t d r>`` entry of a SegmentTimeline."""

    t: int | None = None
    d: int
    r: int = 0


class DashRepresentation(_Model):
    """One DASH representation (fMP4, remuxed from the HLS renditions)."""

    id: str
    kind: str  # "video" | "audio"
    name: str  # rendition name or audio language
    mime_type: str
    codecs: str
    bandwidth: int  # measured peak bit/s
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    sample_rate: int | None = None
    language: str | None = None
    init: str  # path relative to the asset root, e.g. "dash/init_0.m4s"
    media: str  # template relative to the asset root, e.g. "dash/chunk_0_$Number%05d$.m4s"
    start_number: int = 1
    timescale: int
    timeline: list[DashTimeline]


class Dash(_Model):
    """DASH output: the on-disk MPD and what is needed to rebuild it."""

    mpd: str
    min_buffer_time: float
    representations: list[DashRepresentation]


class Asset(_Model):
    """A packaged asset: the contents of ``asset.json``."""

    schema_version: int = SCHEMA_VERSION
    asset_id: str
    title: str
    duration: float
    segment_duration: float
    first_segment_duration: float
    fingerprint: str  # source identity + packaging settings; used to skip complete outputs
    master: str = "master.m3u8"
    renditions: list[VideoRendition]
    audio: list[AudioTrack] = Field(default_factory=list)
    subtitles: list[SubtitleTrack] = Field(default_factory=list)
    images: Images | None = None
    dash: Dash | None = None

    @classmethod
    def load(cls, path: Path | str) -> Asset:
        """Read and validate an asset.json (or the asset directory that holds one)."""
        p = Path(path)
        if p.is_dir():
            p = p / "asset.json"
        try:
            return cls.model_validate_json(p.read_text(encoding="utf-8"))
        except OSError as err:
            raise InputError(f"cannot read {p}: {err.strerror}") from err
        except ValueError as err:
            raise InputError(f"{p} is not a valid asset.json: {err}") from err

    def save(self, path: Path | str) -> None:
        """Write asset.json atomically (temp file + rename)."""
        p = Path(path)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(json.dumps(self.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, p)

    def rendition(self, name: str) -> VideoRendition:
        """The video rendition called NAME; KeyError when absent."""
        for r in self.renditions:
            if r.name == name:
                return r
        raise KeyError(name)

    def audio_track(self, language: str) -> AudioTrack:
        """The audio track for LANGUAGE; KeyError when absent."""
        for a in self.audio:
            if a.language == language:
                return a
        raise KeyError(language)

    def subtitle_track(self, language: str) -> SubtitleTrack:
        """The subtitle track for LANGUAGE; KeyError when absent."""
        for s in self.subtitles:
            if s.language == language:
                return s
        raise KeyError(language)

    def files(self) -> list[str]:
        """Every file the asset references, relative to the asset root."""
        out = [self.master]
        for r in self.renditions:
            out.append(r.playlist)
            out += [f"{r.directory}/{s.uri}" for s in r.segments]
        for a in self.audio:
            out.append(a.playlist)
            out += [f"{a.directory}/{s.uri}" for s in a.segments]
        for s in self.subtitles:
            out += [s.uri, s.playlist]
        if self.images:
            out += [self.images.poster, self.images.thumbnail]
            if self.images.trickplay:
                out += [self.images.trickplay.vtt, *self.images.trickplay.sprites]
        if self.dash:
            out.append(self.dash.mpd)
            for rep in self.dash.representations:
                out.append(rep.init)
        return out

    def is_complete(self, root: Path | str) -> bool:
        """True when every referenced file exists under ROOT."""
        base = Path(root)
        return all((base / f).is_file() for f in self.files())


def target_duration(durations: Sequence[float]) -> int:
    """EXT-X-TARGETDURATION: every EXTINF rounded to the nearest integer must not exceed it."""
    return max(1, *(math.floor(d + 0.5) for d in durations)) if durations else 1


def peak_bitrate(segments: Sequence[Segment], *, target: float) -> int:
    """RFC 8216 §4.3.4.2 peak segment bit rate (bit/s).

    The largest bit rate of any contiguous run of segments whose total duration lies between
    0.5 and 1.5 times the target duration (falls back to the average for clips too short to
    hold such a run).
    """
    best = 0.0
    n = len(segments)
    for i in range(n):
        total_bytes = 0
        total_dur = 0.0
        for j in range(i, n):
            total_bytes += segments[j].bytes
            total_dur += segments[j].duration
            if total_dur > 1.5 * target:
                break
            if total_dur >= 0.5 * target:
                best = max(best, total_bytes * 8 / total_dur)
    return math.ceil(best) if best else average_bitrate(segments)


def average_bitrate(segments: Sequence[Segment]) -> int:
    """Average bit rate (bit/s) over all segments: total bytes × 8 ÷ total duration."""
    dur = sum(s.duration for s in segments)
    return math.ceil(sum(s.bytes for s in segments) * 8 / dur) if dur > 0 else 0
