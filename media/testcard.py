"""Generated test-card source: moving picture + big timecode, two spoken audio languages, two
WebVTT subtitle languages (English, Hindi). No downloads: ffmpeg lavfi + espeak-ng."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import ffmpeg

from media.errors import InputError
from media.package import FONT
from media.runner import run_ffmpeg, run_tool
from media.vtt import vtt_timestamp

log = logging.getLogger(__name__)

SPEECH = {
    "en": ("en", "English audio track. This is the English soundtrack.", 440),
    "hi": ("hi", "हिन्दी ऑडियो ट्रैक। यह हिन्दी ध्वनि है।", 660),
}
SUBTITLE_TEXT = {"en": "English subtitle · cue {n}", "hi": "हिन्दी उपशीर्षक · संकेत {n}"}
ISO639_2 = {"en": "eng", "hi": "hin"}


def parse_size(text: str) -> tuple[int, int]:
    """``1920x1080`` → (1920, 1080); InputError when malformed or odd."""
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError as err:
        raise InputError(f"bad size {text!r}: expected WIDTHxHEIGHT") from err
    if w <= 0 or h <= 0 or w % 2 or h % 2:
        raise InputError(f"bad size {text!r}: width and height must be positive and even")
    return w, h


def subtitle_vtt(*, language: str, duration: float, every: float = 2.0) -> str:
    """WebVTT text with one numbered cue every EVERY seconds."""
    template = SUBTITLE_TEXT[language]
    lines = ["WEBVTT", ""]
    n, t = 1, 0.0
    while t < duration - 0.01:
        end = min(duration, t + every - 0.1)
        lines += [f"{vtt_timestamp(t)} --> {vtt_timestamp(end)}", template.format(n=n), ""]
        n += 1
        t += every
    return "\n".join(lines)


def build_espeak_args(*, language: str, text: str, out: Path | str) -> list[str]:
    """espeak-ng arguments speaking TEXT in LANGUAGE into a WAV file."""
    return ["-v", language, "-s", "150", "-w", str(out), text]


def build_testcard_args(
    *,
    out: Path | str,
    duration: float,
    width: int,
    height: int,
    speech: dict[str, Path | str],
    subtitles: dict[str, Path | str],
    overlay_file: Path | str,
    fps: int = 25,
) -> list[str]:
    """ffmpeg arguments of the test card (ffmpeg-python graph → list)."""
    video = ffmpeg.input(f"testsrc2=size={width}x{height}:rate={fps}:duration={duration:g}", f="lavfi")
    size = max(12, height // 8)
    v = video.filter(
        "drawtext", fontfile=FONT, textfile=str(overlay_file), expansion="normal", fontsize=size,
        fontcolor="white", box=1, boxcolor="black@0.55", boxborderw=size // 5,
        x="(w-text_w)/2", y="(h-text_h)/2", line_spacing=size // 6,
    )  # fmt: skip
    streams: list[Any] = [v]
    opts: dict[str, Any] = {
        "c:v": "libx264", "preset": "veryfast", "crf": 20, "pix_fmt": "yuv420p",
        "c:a": "aac", "b:a": "96k", "ar": 48000, "c:s": "mov_text", "t": f"{duration:g}",
        "movflags": "+faststart",
    }  # fmt: skip
    for i, (lang, wav) in enumerate(speech.items()):
        tone_hz = SPEECH[lang][2] if lang in SPEECH else 500 + 200 * i
        voice = ffmpeg.input(str(wav), stream_loop=-1).audio.filter("aresample", 48000)
        tone = ffmpeg.input(f"sine=frequency={tone_hz}:sample_rate=48000:duration={duration:g}", f="lavfi")
        mixed = ffmpeg.filter([voice, tone.audio.filter("volume", 0.08)], "amix", inputs=2, duration="shortest")
        streams.append(mixed)
        opts[f"metadata:s:a:{i}"] = f"language={ISO639_2.get(lang, lang)}"
    for i, (lang, vtt) in enumerate(subtitles.items()):
        streams.append(ffmpeg.input(str(vtt))["s:0"])
        opts[f"metadata:s:s:{i}"] = f"language={ISO639_2.get(lang, lang)}"
    graph = ffmpeg.output(*streams, str(out), **opts).global_args(
        "-hide_banner", "-nostdin", "-loglevel", "error", "-progress", "pipe:1", "-nostats"
    ).overwrite_output()
    return list(graph.get_args())


def _absolute(path: Path | str) -> Path:
    return Path(os.path.abspath(path))


def _check_writable(directory: Path) -> None:
    if not directory.is_dir() or not os.access(directory, os.W_OK):
        raise InputError(f"output directory is not writable: {directory}")


async def make_testcard(
    out: Path | str, *, duration: float = 60.0, width: int = 1920, height: int = 1080
) -> Path:
    """Generate the test card at OUT (written to a temp file, then renamed)."""
    target = _absolute(out)
    if duration <= 0:
        raise InputError("duration must be positive")
    _check_writable(target.parent)
    with tempfile.TemporaryDirectory(prefix=".testcard.", dir=target.parent) as tmp_s:
        tmp = Path(tmp_s)
        speech: dict[str, Path | str] = {}
        subs: dict[str, Path | str] = {}
        for lang, (voice, text, _) in SPEECH.items():
            wav = tmp / f"{lang}.wav"
            await run_tool(build_espeak_args(language=voice, text=text, out=wav), binary="espeak-ng")
            speech[lang] = wav
            vtt = tmp / f"{lang}.vtt"
            vtt.write_text(subtitle_vtt(language=lang, duration=duration), encoding="utf-8")
            subs[lang] = vtt
        overlay = tmp / "overlay.txt"
        overlay.write_text("OTT Lowband test card\n%{pts:hms}\nframe %{n}", encoding="utf-8")
        partial = tmp / "card.mp4"
        await run_ffmpeg(
            build_testcard_args(out=partial, duration=duration, width=width, height=height,
                                speech=speech, subtitles=subs, overlay_file=overlay)
        )  # fmt: skip
        os.replace(partial, target)
    log.info("test card written to %s", target)
    return target
