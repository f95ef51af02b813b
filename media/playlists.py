"""HLS playlists built from an Asset with the m3u8 library's objects (never by hand), and read back.

The server calls the builders to answer playlist requests: ``uri_for``/``segment_uri`` let it sign
URLs or point segments at a steering placeholder rendition such as ``auto``. The clients (terminal
player, load test) read masters and media playlists with :func:`parse_master` and
:func:`parse_media`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

import m3u8
from m3u8.model import Media, Playlist, Segment

from media.assets import Asset, AudioTrack, VideoRendition, target_duration
from media.assets import Segment as AssetSegment
from media.errors import MediaError

AUDIO_GROUP = "aud"
SUBS_GROUP = "subs"


def default_uri_for(asset: Asset, kind: str, name: str) -> str:
    """Default relative URI of a playlist: ``video/<name>/index.m3u8``, ``audio/<lang>/…``, ``subs/<lang>.m3u8``."""
    if kind == "video":
        return asset.rendition(name).playlist
    if kind == "audio":
        return asset.audio_track(name).playlist
    return asset.subtitle_track(name).playlist


def variant_bandwidth(asset: Asset, rendition: VideoRendition, *, audio: Sequence[str]) -> tuple[int, int]:
    """(BANDWIDTH, AVERAGE-BANDWIDTH) of a variant: the TS (video + muxed audio) plus the largest
    separately fetched alternate audio rendition in its group."""
    extra_peak = 0
    extra_avg = 0
    for lang in audio:
        if lang == rendition.muxed_audio:
            continue
        track = asset.audio_track(lang)
        extra_peak = max(extra_peak, track.peak_bandwidth)
        extra_avg = max(extra_avg, track.average_bandwidth)
    return rendition.peak_bandwidth + extra_peak, rendition.average_bandwidth + extra_avg


def build_master(
    asset: Asset,
    *,
    variants: Sequence[str] | None = None,
    uri_for: Callable[[str, str], str] | None = None,
    audio: Sequence[str] | None = None,
    subtitles: Sequence[str] | None = None,
) -> str:
    """Master playlist text listing VARIANTS in the given order (players start on the first).

    ``uri_for(kind, name)`` returns the URI of a media playlist (kind ``video``/``audio``/
    ``subtitles``); by default paths relative to the asset root. ``audio``/``subtitles`` are the
    languages to offer (default: all). The default audio language is muxed into each variant and
    is listed without URI; other languages point at audio-only renditions.
    """
    names = list(variants) if variants is not None else [r.name for r in asset.renditions]
    langs = list(audio) if audio is not None else [a.language for a in asset.audio]
    subs = list(subtitles) if subtitles is not None else [s.language for s in asset.subtitles]

    def uri(kind: str, name: str) -> str:
        return uri_for(kind, name) if uri_for else default_uri_for(asset, kind, name)

    pl = m3u8.M3U8()
    pl.version = 4
    pl.is_independent_segments = True
    muxed = {r.muxed_audio for r in asset.renditions if r.muxed_audio}
    for lang in langs:
        track = asset.audio_track(lang)
        pl.add_media(
            Media(
                uri=None if lang in muxed else uri("audio", lang),
                type="AUDIO",
                group_id=AUDIO_GROUP,
                language=lang,
                name=track.name,
                default="YES" if track.default else "NO",
                autoselect="YES",
                channels=str(track.channels),
            )
        )
    for lang in subs:
        sub = asset.subtitle_track(lang)
        pl.add_media(
            Media(
                uri=uri("subtitles", lang),
                type="SUBTITLES",
                group_id=SUBS_GROUP,
                language=lang,
                name=sub.name,
                default="YES" if sub.default else "NO",
                autoselect="YES",
                forced="NO",
            )
        )
    for name in names:
        r = asset.rendition(name)
        peak, avg = variant_bandwidth(asset, r, audio=langs)
        info: dict[str, object] = {
            "bandwidth": peak,
            "average_bandwidth": avg,
            "resolution": f"{r.width}x{r.height}",
            "frame_rate": r.frame_rate,
            "codecs": r.codecs,
        }
        if langs:
            info["audio"] = AUDIO_GROUP
        if subs:
            info["subtitles"] = SUBS_GROUP
        pl.add_playlist(Playlist(uri("video", name), info, pl.media, None))
    return str(pl.dumps())


def _media_playlist(
    segments: Sequence[AssetSegment], *, segment_uri: Callable[[int], str], version: int = 3
) -> str:
    pl = m3u8.M3U8()
    pl.version = version
    pl.target_duration = target_duration([s.duration for s in segments])
    pl.media_sequence = segments[0].index if segments else 1
    pl.playlist_type = "vod"
    pl.is_independent_segments = True
    pl.is_endlist = True
    for seg in segments:
        pl.add_segment(Segment(uri=segment_uri(seg.index), duration=round(seg.duration, 6), title=""))
    return str(pl.dumps())


def build_media_playlist(
    asset: Asset, rendition_name: str, *, segment_uri: Callable[[int], str] | None = None
) -> str:
    """Single-rendition media playlist; ``segment_uri(index)`` names segment INDEX (1-based).

    Segment N has the same duration in every rendition, so a server-steered playlist can use
    any rendition's timing with a placeholder name in the URL.
    """
    r = asset.rendition(rendition_name)
    by_index = {s.index: s.uri for s in r.segments}
    return _media_playlist(r.segments, segment_uri=segment_uri or by_index.__getitem__)


def build_audio_playlist(
    asset: Asset, language: str, *, segment_uri: Callable[[int], str] | None = None
) -> str:
    """Media playlist of the audio-only rendition of LANGUAGE."""
    track: AudioTrack = asset.audio_track(language)
    by_index = {s.index: s.uri for s in track.segments}
    return _media_playlist(track.segments, segment_uri=segment_uri or by_index.__getitem__)


def build_subtitle_playlist(asset: Asset, language: str, *, uri: str | None = None) -> str:
    """Media playlist of a WebVTT track: one segment covering the whole asset."""
    sub = asset.subtitle_track(language)
    pl = m3u8.M3U8()
    pl.version = 3
    pl.target_duration = max(1, math.ceil(asset.duration))
    pl.media_sequence = 1
    pl.playlist_type = "vod"
    pl.is_endlist = True
    target = uri if uri is not None else sub.uri.rsplit("/", 1)[-1]
    pl.add_segment(Segment(uri=target, duration=round(asset.duration, 6), title=""))
    return str(pl.dumps())


class PlaylistError(MediaError):
    """A playlist lists nothing playable (no variants, no segments)."""


@dataclass(frozen=True, slots=True)
class Variant:
    """One variant of a master playlist: rendition name (``360p``), kbit/s and its absolute URL; its
    declared peak (``BANDWIDTH``), ``FRAME-RATE`` and picture height when listed (0 when not)."""

    name: str
    kbps: float
    url: str
    peak_kbps: float = 0.0
    frame_rate: float = 0.0
    height: int = 0


@dataclass(frozen=True, slots=True)
class PlaylistSegment:
    """One media segment of a media playlist: its absolute URL and length in seconds."""

    url: str
    duration: float


def parse_master(text: str, *, base: str = "") -> list[Variant]:
    """The variants of a master playlist in listed order (players start on the first).

    URIs are resolved against ``base``; kbit/s is AVERAGE-BANDWIDTH (else BANDWIDTH); the name is
    the picture height (``360p``), or the rate when the variant has no RESOLUTION.
    """
    pl = m3u8.loads(text)
    if not pl.is_variant or not pl.playlists:
        raise PlaylistError("master playlist lists no variants")
    out = []
    for p in pl.playlists:
        info = p.stream_info
        kbps = (info.average_bandwidth or info.bandwidth or 0) / 1000
        name = f"{info.resolution[1]}p" if info.resolution else f"{round(kbps)}k"
        out.append(Variant(name=name, kbps=kbps, url=urljoin(base, p.uri) if base else p.uri,
                           peak_kbps=(info.bandwidth or 0) / 1000, frame_rate=float(info.frame_rate or 0.0),
                           height=info.resolution[1] if info.resolution else 0))
    return out


def parse_media(text: str, *, base: str = "") -> list[PlaylistSegment]:
    """The segments of a media playlist, URIs resolved against ``base``."""
    pl = m3u8.loads(text)
    segments = [PlaylistSegment(url=urljoin(base, s.uri) if base else s.uri, duration=float(s.duration or 0.0))
                for s in pl.segments]
    if not segments:
        raise PlaylistError("media playlist has no segments")
    return segments


@dataclass(frozen=True, slots=True)
class SegmentTiming:
    """How long a media playlist's segments are, as the ABR needs it: the first one (the packager
    makes it 3 s) and those after it (2 s, or 4 s with ``ott-media package --segment 4``)."""

    first_s: float
    next_s: float


def segment_timing(segments: Sequence[PlaylistSegment]) -> SegmentTiming | None:
    """The EXTINF of the first segment and the median of the others' (the first one's when it is
    alone; a short last segment does not count); None when the playlist gives no positive lengths."""
    lengths = [s.duration for s in segments if math.isfinite(s.duration) and s.duration > 0]
    if not lengths:
        return None
    return SegmentTiming(first_s=lengths[0], next_s=statistics.median(lengths[1:] or lengths[:1]))
