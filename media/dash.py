"""DASH: read the MPD ffmpeg wrote (to record it in asset.json) and build MPDs from an Asset."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

from media.assets import Asset, Dash, DashRepresentation, DashTimeline
from media.xmlout import tostring_default_ns

NS = "urn:mpeg:dash:schema:mpd:2011"
_Q = f"{{{NS}}}"


def iso_duration(seconds: float) -> str:
    """xs:duration of SECONDS, e.g. ``PT8.000S``."""
    return f"PT{seconds:.3f}S"


def parse_iso_duration(text: str) -> float:
    """Seconds of a simple xs:duration (``PT1H2M3.5S``); ValueError otherwise."""
    if not text.startswith("PT"):
        raise ValueError(f"unsupported duration {text!r}")
    rest, total = text[2:], 0.0
    for unit, factor in (("H", 3600), ("M", 60), ("S", 1)):
        if unit in rest:
            num, rest = rest.split(unit, 1)
            total += float(num) * factor
    if rest:
        raise ValueError(f"unsupported duration {text!r}")
    return total


def timeline_segments(timeline: Sequence[DashTimeline]) -> list[tuple[int, int]]:
    """Expand ``<S t d r>`` entries to (start, duration) pairs in timescale units."""
    out: list[tuple[int, int]] = []
    t = 0
    for s in timeline:
        if s.t is not None:
            t = s.t
        for _ in range(s.r + 1):
            out.append((t, s.d))
            t += s.d
    return out


def segment_files(rep: DashRepresentation) -> list[str]:
    """Media segment paths (relative to the asset root) of a representation."""
    n = len(timeline_segments(rep.timeline))
    return [
        rep.media.replace("$Number%05d$", f"{rep.start_number + i:05d}").replace("$RepresentationID$", rep.id)
        for i in range(n)
    ]


def read_ffmpeg_mpd(
    path: Path, *, prefix: str, names: dict[str, tuple[str, str]], sizes: Callable[[str], int]
) -> list[DashRepresentation]:
    """Representations of the MPD at PATH; NAMES maps representation id → (kind, name).

    Bandwidth is re-measured (peak over segments) from the real file sizes via SIZES(path).
    """
    root = ET.parse(path).getroot()  # noqa: S314 - our own ffmpeg output
    reps: list[DashRepresentation] = []
    for aset in root.iter(f"{_Q}AdaptationSet"):
        for rep in aset.iter(f"{_Q}Representation"):
            tmpl = rep.find(f"{_Q}SegmentTemplate")
            if tmpl is None:
                continue
            rid = rep.get("id", "")
            kind, name = names.get(rid, (aset.get("contentType", "video"), rid))
            timeline = [
                DashTimeline(
                    t=int(s.get("t")) if s.get("t") is not None else None,  # type: ignore[arg-type]
                    d=int(s.get("d", "0")),
                    r=int(s.get("r", "0")),
                )
                for s in tmpl.iter(f"{_Q}S")
            ]
            fr = rep.get("frameRate") or aset.get("frameRate")
            r = DashRepresentation(
                id=rid,
                kind=kind,
                name=name,
                mime_type=rep.get("mimeType", "video/mp4"),
                codecs=rep.get("codecs", ""),
                bandwidth=int(rep.get("bandwidth", "0")),
                width=int(rep.get("width")) if rep.get("width") else None,  # type: ignore[arg-type]
                height=int(rep.get("height")) if rep.get("height") else None,  # type: ignore[arg-type]
                frame_rate=float(Fraction(fr)) if fr else None,
                sample_rate=int(rep.get("audioSamplingRate")) if rep.get("audioSamplingRate") else None,  # type: ignore[arg-type]
                language=name if kind == "audio" else None,
                init=prefix + tmpl.get("initialization", "").replace("$RepresentationID$", rid),
                media=prefix + tmpl.get("media", "").replace("$RepresentationID$", rid),
                start_number=int(tmpl.get("startNumber", "1")),
                timescale=int(tmpl.get("timescale", "1")),
                timeline=timeline,
            )
            r.bandwidth = _peak(r, sizes)
            reps.append(r)
    return reps


def _peak(rep: DashRepresentation, sizes: Callable[[str], int]) -> int:
    best = 0.0
    for (_, d), f in zip(timeline_segments(rep.timeline), segment_files(rep), strict=True):
        if d > 0:
            best = max(best, sizes(f) * 8 * rep.timescale / d)
    return math.ceil(best) or rep.bandwidth


def build_mpd(
    asset: Asset,
    *,
    variants: Sequence[str] | None = None,
    base_url: str = "",
    audio: Sequence[str] | None = None,
    subtitles: Sequence[str] = (),
    query: str = "",
) -> str:
    """MPD text (static, isoff-live, SegmentTemplate + SegmentTimeline) for the chosen variants.

    ``base_url`` becomes ``<BaseURL>`` (paths in the MPD are relative to the asset root);
    ``query`` (e.g. a signature ``?sig=…``) is appended to every segment/init template.
    Subtitles are opt-in: ffmpeg 5.1's DASH demuxer (so mpv) refuses to open a manifest with a
    side-loaded ``.vtt`` AdaptationSet ("blocked for security reasons").
    """
    if asset.dash is None:
        raise ValueError(f"asset {asset.asset_id} has no DASH output")
    names = list(variants) if variants is not None else [r.name for r in asset.renditions]
    langs = list(audio) if audio is not None else [a.language for a in asset.audio]
    subs = list(subtitles)
    reps = {(r.kind, r.name): r for r in asset.dash.representations}

    mpd = ET.Element(
        f"{_Q}MPD",
        {
            "profiles": "urn:mpeg:dash:profile:isoff-live:2011",
            "type": "static",
            "mediaPresentationDuration": iso_duration(asset.duration),
            "maxSegmentDuration": iso_duration(max(asset.segment_duration, asset.first_segment_duration)),
            "minBufferTime": iso_duration(asset.dash.min_buffer_time),
        },
    )
    if base_url:
        ET.SubElement(mpd, f"{_Q}BaseURL").text = base_url
    period = ET.SubElement(mpd, f"{_Q}Period", {"id": "0", "start": "PT0.000S"})
    video = [reps[("video", n)] for n in names if ("video", n) in reps]
    if video:
        aset = ET.SubElement(
            period,
            f"{_Q}AdaptationSet",
            {"id": "0", "contentType": "video", "segmentAlignment": "true", "startWithSAP": "1"},
        )
        for rep in video:
            _representation(aset, rep, query=query)
    for i, lang in enumerate(langs, 1):
        audio_rep = reps.get(("audio", lang))
        if audio_rep is None:
            continue
        aset = ET.SubElement(
            period,
            f"{_Q}AdaptationSet",
            {"id": str(i), "contentType": "audio", "lang": lang, "segmentAlignment": "true",
             "startWithSAP": "1"},
        )  # fmt: skip
        if asset.audio_track(lang).default:
            ET.SubElement(aset, f"{_Q}Role", {"schemeIdUri": "urn:mpeg:dash:role:2011", "value": "main"})
        _representation(aset, audio_rep, query=query)
    for j, lang in enumerate(subs, len(langs) + 1):
        sub = asset.subtitle_track(lang)
        aset = ET.SubElement(
            period,
            f"{_Q}AdaptationSet",
            {"id": str(j), "contentType": "text", "mimeType": "text/vtt", "lang": lang},
        )
        rep_el = ET.SubElement(aset, f"{_Q}Representation", {"id": f"sub_{lang}", "bandwidth": "256"})
        ET.SubElement(rep_el, f"{_Q}BaseURL").text = sub.uri + query
    ET.indent(mpd)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + tostring_default_ns(mpd, NS, encoding="unicode") + "\n"


def _representation(parent: ET.Element, rep: DashRepresentation, *, query: str) -> None:
    attrs = {"id": rep.id, "mimeType": rep.mime_type, "codecs": rep.codecs, "bandwidth": str(rep.bandwidth)}
    if rep.width and rep.height:
        attrs |= {"width": str(rep.width), "height": str(rep.height), "sar": "1:1"}
    if rep.frame_rate:
        attrs["frameRate"] = str(Fraction(rep.frame_rate).limit_denominator(1001))
    if rep.sample_rate:
        attrs["audioSamplingRate"] = str(rep.sample_rate)
    el = ET.SubElement(parent, f"{_Q}Representation", attrs)
    if rep.kind == "audio":
        ET.SubElement(
            el,
            f"{_Q}AudioChannelConfiguration",
            {"schemeIdUri": "urn:mpeg:dash:23003:3:audio_channel_configuration:2011", "value": "2"},
        )
    tmpl = ET.SubElement(
        el,
        f"{_Q}SegmentTemplate",
        {"timescale": str(rep.timescale), "initialization": rep.init + query,
         "media": rep.media + query, "startNumber": str(rep.start_number)},
    )  # fmt: skip
    tl = ET.SubElement(tmpl, f"{_Q}SegmentTimeline")
    for s in rep.timeline:
        a = {"d": str(s.d)}
        if s.t is not None:
            a = {"t": str(s.t), **a}
        if s.r:
            a["r"] = str(s.r)
        ET.SubElement(tl, f"{_Q}S", a)


def dash_section(*, mpd: str, min_buffer_time: float, representations: list[DashRepresentation]) -> Dash:
    """The asset.json ``dash`` section."""
    return Dash(mpd=mpd, min_buffer_time=min_buffer_time, representations=representations)
