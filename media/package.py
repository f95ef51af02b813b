"""Pure ffmpeg-python graph builders for packaging: plan → argument lists (no ffmpeg run here).

Layout decision (DESIGN §4, checked with mpv 0.35.1): each video rendition is MPEG-TS holding
H.264 video **plus the default-language AAC audio muxed in**, so a single-rendition playlist (what
the server hands mpv on a slow link, possibly server-steered) plays with sound. Every language is
also packaged as an audio-only TS rendition (``audio/<lang>/``) for EXT-X-MEDIA alternates; the
master lists the default language without URI (it is in the variant) and the others with URI.
mpv plays both this layout and a video-only + audio-group layout from a master, but video-only TS
would be silent when handed alone.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import ffmpeg

from media.ladder import Rendition

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LANGUAGE_NAMES = {"en": "English", "hi": "Hindi"}
_ISO639_2_TO_1 = {"eng": "en", "hin": "hi", "fra": "fr", "fre": "fr", "deu": "de", "ger": "de",
                  "spa": "es", "tam": "ta", "tel": "te", "ben": "bn", "mar": "mr", "urd": "ur"}
POSTER_SIZE = (640, 360)
#: Where the packager writes the still images inside an asset (the catalog links to these names).
POSTER_FILE = "images/poster.jpg"
THUMB_FILE = "images/thumb.jpg"
THUMB_SIZE = (320, 240)
TRICK_SIZE = (160, 90)
TRICK_COLUMNS = 10


@dataclass(frozen=True, slots=True)
class TrackPlan:
    """An audio or subtitle stream of the source and the language it is packaged as."""

    source_index: int  # ordinal among the source's streams of that type (a:N / s:N)
    language: str
    name: str


@dataclass(frozen=True, slots=True)
class PackageOptions:
    """Packaging knobs shared by the CLI, the server and the seed step."""

    segment: float = 2.0
    #: 3 s: on 2g mpv runs dry ~0.5 s before its held media has played, and segment 2 (108p) is in
    #: 1.7 s after the first frame; a first segment ≥ ~2.3 s covers it (benchmarks/RESULTS.md, #13).
    first_segment: float = 3.0
    preset: str = "veryfast"
    jobs: int = 0  # ffmpeg threads per encoder; 0 = ffmpeg decides
    burn_label: bool = True
    audio_kbps: int = 64  # the audio-only language tracks (audio/<lang>/); muxed audio is per rung
    trick_interval: float = 2.0

    @property
    def first(self) -> float:
        """Effective first-segment duration (``first_segment``; 0 = a whole segment)."""
        return self.first_segment if self.first_segment > 0 else self.segment


@dataclass(frozen=True, slots=True)
class PackagePlan:
    """Everything the builders need: source facts, kept rungs, tracks and options."""

    source: str  # absolute path
    duration: float
    fps: float
    source_height: int
    renditions: tuple[Rendition, ...]
    audio: tuple[TrackPlan, ...]
    subtitles: tuple[TrackPlan, ...] = ()
    options: PackageOptions = field(default_factory=PackageOptions)
    source_width: int = 0  # with source_height: the display aspect every rendition keeps

    def rung_fps(self, rendition: Rendition) -> float:
        """Frame rate of RENDITION: its ``max_fps`` cap when every segment boundary falls on a frame.

        A boundary off the frame grid would shift that rung's keyframe (and segment) by a fraction
        of a frame against the other rungs, so the cap is skipped then (the source rate is kept).
        """
        cap = rendition.max_fps
        if not cap or cap >= self.fps:
            return self.fps
        opts = self.options
        on_grid = all(abs(t * cap - round(t * cap)) < 1e-6 for t in (opts.first, opts.segment))
        return cap if on_grid else self.fps

    def rung_gop(self, rendition: Rendition) -> int:
        """x264's GOP limit of RENDITION: the frames of its longest segment (a first one may be longer).

        Forced keyframes set every boundary; the limit only has to keep x264 from adding one inside
        a segment (with a 3 s first segment a 2 s GOP would put a keyframe at 2 s).
        """
        opts = self.options
        return max(1, round(self.rung_fps(rendition) * max(opts.first, opts.segment)))

    @property
    def boundaries(self) -> list[float]:
        """Segment start times after 0 (first F, then every S) up to the duration."""
        opts = self.options
        out: list[float] = []
        t = opts.first
        while t < self.duration - 1e-6:
            out.append(round(t, 6))
            t += opts.segment
        return out

    @property
    def trick_rows(self) -> int:
        """Rows of a sprite sheet (at most 10; fewer for short clips)."""
        count = math.ceil(self.duration / self.options.trick_interval) + 1
        return max(1, min(10, math.ceil(count / TRICK_COLUMNS)))

    def fingerprint(self, *, size: int, mtime_ns: int) -> str:
        """Hash of source identity and every setting that changes the output."""
        blob = json.dumps(
            {"source": self.source, "size": size, "mtime": mtime_ns, "plan": asdict(self)},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def language_code(tag: str | None, *, ordinal: int) -> str:
    """Two-letter language for a stream tag (``eng`` → ``en``); ``a<N>`` when untagged."""
    if not tag or tag == "und":
        return f"a{ordinal}"
    tag = tag.lower()
    return _ISO639_2_TO_1.get(tag, tag)


def force_key_frames_expr(*, segment: float, first: float) -> str:
    """``-force_key_frames`` expression: keyframes at 0, FIRST, FIRST+SEG, FIRST+2·SEG, …"""
    if first == segment:
        return f"expr:gte(t,n_forced*{segment:g})"
    if first < segment:  # n_forced 0 asks for t ≥ FIRST−SEG < 0: the first frame
        return f"expr:gte(t,{first:g}+(n_forced-1)*{segment:g})"
    return f"expr:if(eq(n_forced,0),1,gte(t,{first:g}+(n_forced-1)*{segment:g}))"


def label_text(rendition: Rendition, *, segment: float, first: float) -> str:
    """drawtext text (expansion=normal) with the rendition label and the live segment number."""
    # 1-based segment number: 1 before FIRST, then one more every SEG; (x+abs(x))/2 = max(x, 0)
    # without a comma, so a first segment longer than SEG still reads 1 throughout.
    x = f"(t-{first:g}+0.001)/{segment:g}"
    seg_no = f"%{{eif:1+ceil(({x}+abs({x}))/2):d}}"
    return f"{rendition.label} · seg {seg_no}"


def label_file(rendition: Rendition) -> str:
    """Relative path (inside the work dir) of the label text file of RENDITION."""
    return f".work/label_{rendition.name}.txt"


def video_dir(rendition: Rendition) -> str:
    """Directory (relative to the asset root) of a video rendition."""
    return f"video/{rendition.name}"


#: x264 rate control (VBV): ``-maxrate`` = MAXRATE_FACTOR × target, ``-bufsize`` = BUFSIZE_FACTOR × target.
#: A half-second buffer (still larger than an IDR frame at every rung) keeps each segment close to the
#: target; with a one-second buffer a 1 s tail segment (IDR + 1 s) measured 25 % above the average.
#: tests/media/test_media_rates.py measures the result against media.rates.expected_kbps().
MAXRATE_FACTOR = 1.1
BUFSIZE_FACTOR = 0.5


def _x264_options(plan: PackagePlan, rendition: Rendition) -> dict[str, Any]:
    opts = plan.options
    kbps = rendition.video_kbps
    out: dict[str, Any] = {
        "c:v": "libx264",
        "preset": opts.preset,
        "profile:v": "main" if rendition.height <= 480 else "high",
        "pix_fmt": "yuv420p",
        "b:v": f"{kbps}k",
        "maxrate": f"{round(kbps * MAXRATE_FACTOR)}k",
        "bufsize": f"{round(kbps * BUFSIZE_FACTOR)}k",
        "g": plan.rung_gop(rendition),
        "keyint_min": plan.rung_gop(rendition),
        "sc_threshold": 0,
        "force_key_frames": force_key_frames_expr(segment=opts.segment, first=opts.first),
    }
    if opts.jobs:
        out["threads"] = opts.jobs
    return out


def _aac_options(*, kbps: int, channels: int) -> dict[str, Any]:
    """AAC-LC at KBPS; 48 kHz in every track so a rendition switch never changes the sample rate."""
    return {"c:a": "aac", "b:a": f"{kbps}k", "ac": channels, "ar": 48000}


def build_encode_graph(plan: PackagePlan) -> Any:
    """The ffmpeg-python graph of the single encode run (all outputs merged)."""
    opts = plan.options
    src = ffmpeg.input(plan.source)
    n_video = len(plan.renditions)
    split = src.video.filter_multi_output("split", n_video + 3)
    outputs = []
    for i, rung in enumerate(plan.renditions):
        v = split[i]
        if (fps := plan.rung_fps(rung)) != plan.fps:
            v = v.filter("fps", fps=f"{fps:g}")
        v = v.filter("scale", -2, rung.height)
        # one display aspect for every rung (854x480 is not exactly 16:9): DASH requires it
        if plan.source_width:
            v = v.filter("setdar", f"{plan.source_width}/{plan.source_height}")
        else:
            v = v.filter("setsar", 1)
        if opts.burn_label:
            size = max(10, rung.height // 14)
            v = v.filter(
                "drawtext", fontfile=FONT, textfile=label_file(rung), expansion="normal",
                fontsize=size, fontcolor="white", box=1, boxcolor="black@0.6", boxborderw=size // 4,
                x="(w-text_w)/2", y=f"h-text_h-{size}",
            )  # fmt: skip
        streams = [v]
        if plan.audio:
            streams.append(src[f"a:{plan.audio[0].source_index}"])
        hls: dict[str, Any] = {
            "f": "hls",
            # keep x264's negative start DTS (the TS muxer's 1.4 s offset absorbs it): otherwise
            # each rung is shifted by its own B-frame delay (2 frames = 80 ms at 25 fps, 133 ms at 15)
            "avoid_negative_ts": "disabled",
            "hls_ts_options": "avoid_negative_ts=disabled",
            "hls_time": f"{opts.segment:g}",
            "hls_playlist_type": "vod",
            "hls_segment_type": "mpegts",
            "hls_flags": "independent_segments",
            "start_number": 1,
            "hls_segment_filename": f"{video_dir(rung)}/seg_%05d.ts",
        }
        if opts.first < opts.segment:
            hls["hls_init_time"] = f"{opts.first:g}"
        outputs.append(
            ffmpeg.output(*streams, f"{video_dir(rung)}/index.m3u8",
                          **_x264_options(plan, rung),
                          **_aac_options(kbps=rung.audio_kbps, channels=rung.audio_channels), **hls)
        )  # fmt: skip
    # Audio-only renditions: the segment muxer with explicit cut times (ffmpeg 5.1's hls muxer
    # applies -hls_init_time to every segment of an audio-only stream).
    times = ",".join(f"{t:g}" for t in plan.boundaries) or f"{opts.segment:g}"
    for track in plan.audio:
        outputs.append(
            ffmpeg.output(
                src[f"a:{track.source_index}"], f"audio/{track.language}/seg_%05d.ts",
                f="segment", segment_format="mpegts", segment_times=times,
                segment_start_number=1, segment_list=f"audio/{track.language}/segments.csv",
                segment_list_type="csv", **_aac_options(kbps=plan.options.audio_kbps, channels=2),
            )
        )
    for track in plan.subtitles:
        outputs.append(
            ffmpeg.output(src[f"s:{track.source_index}"], f"subs/{track.language}.vtt",
                          f="webvtt", **{"c:s": "webvtt"})
        )  # fmt: skip
    outputs += _image_outputs(plan, split[n_video], split[n_video + 1], split[n_video + 2])
    return ffmpeg.merge_outputs(*outputs).global_args(
        "-hide_banner", "-nostdin", "-loglevel", "error", "-progress", "pipe:1", "-nostats"
    ).overwrite_output()


def _still(stream: Any, *, at: float, size: tuple[int, int]) -> Any:
    w, h = size
    return (
        stream.filter("trim", start=f"{at:g}")
        .filter("setpts", "PTS-STARTPTS")
        .filter("scale", w, h, force_original_aspect_ratio="increase")
        .filter("crop", w, h)
        .filter("setsar", 1)
    )


def poster_time(duration: float) -> float:
    """Where the poster/thumbnail frame is taken: a third in, at most 10 s."""
    return round(min(10.0, duration / 3), 3)


def _image_outputs(plan: PackagePlan, a: Any, b: Any, c: Any) -> list[Any]:
    at = poster_time(plan.duration)
    tw, th = TRICK_SIZE
    jpeg = {"frames:v": 1, "update": 1, "q:v": 3}
    trick = (
        c.filter("fps", fps=f"1/{plan.options.trick_interval:g}")
        .filter("scale", tw, th, force_original_aspect_ratio="decrease")
        .filter("pad", tw, th, "(ow-iw)/2", "(oh-ih)/2")
        .filter("setsar", 1)
        .filter_multi_output("split", 2)
    )
    sprite = trick[0].filter("tile", f"{TRICK_COLUMNS}x{plan.trick_rows}")
    return [
        ffmpeg.output(_still(a, at=at, size=POSTER_SIZE), POSTER_FILE, **jpeg),
        ffmpeg.output(_still(b, at=at, size=THUMB_SIZE), THUMB_FILE, **jpeg),
        ffmpeg.output(sprite, "images/trick/sprite_%03d.jpg", **{"q:v": 4, "start_number": 1}),
        ffmpeg.output(trick[1], "images/trick/thumb_%05d.jpg", **{"q:v": 4, "start_number": 1}),
    ]


def build_encode_args(plan: PackagePlan) -> list[str]:
    """Arguments (without the ``ffmpeg`` binary) of the single encode run; run in the work dir."""
    return list(build_encode_graph(plan).get_args())


def output_dirs(plan: PackagePlan) -> list[str]:
    """Directories the encode run writes into (created before running)."""
    dirs = [video_dir(r) for r in plan.renditions]
    dirs += [f"audio/{t.language}" for t in plan.audio]
    dirs += ["subs", "images/trick", "dash", ".work"]
    return dirs


def build_dash_args(plan: PackagePlan) -> list[str]:
    """Arguments of the DASH remux run: fMP4 from the HLS renditions, no re-encoding."""
    opts = plan.options
    inputs = [ffmpeg.input(f"{video_dir(r)}/index.m3u8") for r in plan.renditions]
    streams = [i["v:0"] for i in inputs]
    audio_inputs = [ffmpeg.input(f"audio/{t.language}/index.m3u8") for t in plan.audio]
    streams += [i["a:0"] for i in audio_inputs]
    n = len(plan.renditions)
    # the muxer cuts at the first keyframe after each multiple of seg_duration: a shorter first
    # segment needs it as the video's duration, a longer one is cut at its own keyframe (3, 5, 7, …)
    video_seg = min(opts.first, opts.segment)
    sets = [f"id=0,seg_duration={video_seg:g},streams={','.join(str(k) for k in range(n))}"]
    sets += [f"id={k + 1},seg_duration={opts.segment:g},streams={n + k}" for k in range(len(plan.audio))]
    out = ffmpeg.output(
        *streams, "dash/manifest.mpd",
        c="copy", **{"tag:v": "avc1", "tag:a": "mp4a"},
        f="dash", seg_duration=f"{video_seg:g}", use_template=1, use_timeline=1,
        adaptation_sets=" ".join(sets),
        init_seg_name="init_$RepresentationID$.m4s",
        media_seg_name="chunk_$RepresentationID$_$Number%05d$.m4s",
    )  # fmt: skip
    graph = out.global_args("-hide_banner", "-nostdin", "-loglevel", "error", "-progress", "pipe:1",
                            "-nostats").overwrite_output()  # fmt: skip
    return list(graph.get_args())
