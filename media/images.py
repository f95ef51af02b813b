"""Still images after the encode: the trick-play WebVTT index and the Images record."""

from __future__ import annotations

from pathlib import Path

from media.assets import Images, TrickPlay
from media.package import POSTER_FILE, POSTER_SIZE, THUMB_FILE, THUMB_SIZE, TRICK_COLUMNS, TRICK_SIZE
from media.vtt import vtt_timestamp


def trickplay_vtt(
    *, count: int, interval: float, duration: float, rows: int, sprite_name: str = "sprite_{:03d}.jpg"
) -> str:
    """WebVTT index: one cue per thumbnail pointing into its sprite with ``#xywh=``."""
    w, h = TRICK_SIZE
    per_sheet = TRICK_COLUMNS * rows
    lines = ["WEBVTT", ""]
    for i in range(count):
        start = i * interval
        if start >= duration:
            break
        end = min(duration, start + interval)
        sheet, pos = divmod(i, per_sheet)
        row, col = divmod(pos, TRICK_COLUMNS)
        lines += [
            f"{vtt_timestamp(start)} --> {vtt_timestamp(end)}",
            f"{sprite_name.format(sheet + 1)}#xywh={col * w},{row * h},{w},{h}",
            "",
        ]
    return "\n".join(lines)


def write_images(root: Path, *, interval: float, duration: float, rows: int) -> Images:
    """Write images/trick/trick.vtt for the thumbnails ffmpeg produced; return the Images record."""
    trick_dir = root / "images" / "trick"
    thumbs = sorted(p.name for p in trick_dir.glob("thumb_*.jpg"))
    sprites = sorted(p.name for p in trick_dir.glob("sprite_*.jpg"))
    count = min(len(thumbs), int(duration / interval + 0.999))
    (trick_dir / "trick.vtt").write_text(
        trickplay_vtt(count=count, interval=interval, duration=duration, rows=rows), encoding="utf-8"
    )
    return Images(
        poster=POSTER_FILE,
        poster_size=POSTER_SIZE,
        thumbnail=THUMB_FILE,
        thumbnail_size=THUMB_SIZE,
        trickplay=TrickPlay(
            vtt="images/trick/trick.vtt",
            interval=interval,
            width=TRICK_SIZE[0],
            height=TRICK_SIZE[1],
            columns=TRICK_COLUMNS,
            rows=rows,
            count=count,
            sprites=[f"images/trick/{s}" for s in sprites],
            images=[f"images/trick/{t}" for t in thumbs],
        ),
    )
