"""Packaging speed: `media` (probe + one encode run + measure + DASH remux + asset.json) against
the same ffmpeg argument lists run directly. Prints × realtime, overhead % and sizes per rendition.

    .venv/bin/python benchmarks/media_package_speed.py [--duration 60] [--size 1920x1080]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from media.package import PackagePlan, build_dash_args, build_encode_args, label_file, label_text, output_dirs
from media.pipeline import make_plan, package_asset
from media.playlists import build_audio_playlist
from media.probe import probe
from media.testcard import make_testcard, parse_size


def _plain(src: Path, work: Path) -> tuple[float, PackagePlan]:
    """Run the identical encode command directly; return elapsed seconds and the plan."""
    info = asyncio.run(probe(src))
    plan = make_plan(info)
    for d in output_dirs(plan):
        (work / d).mkdir(parents=True, exist_ok=True)
    for r in plan.renditions:
        (work / label_file(r)).write_text(label_text(r, segment=plan.options.segment, first=plan.options.first))
    start = time.perf_counter()
    subprocess.run(["ffmpeg", *build_encode_args(plan)], cwd=work, check=True, stdout=subprocess.DEVNULL)
    encode = time.perf_counter() - start
    return encode, plan


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--size", default="1920x1080")
    args = ap.parse_args()
    w, h = parse_size(args.size)
    with tempfile.TemporaryDirectory(prefix="ott-media-bench.") as tmp_s:
        tmp = Path(tmp_s)
        src = tmp / "card.mp4"
        t0 = time.perf_counter()
        asyncio.run(make_testcard(src, duration=args.duration, width=w, height=h))
        card_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        asset = asyncio.run(package_asset(src, tmp / "media_out", force=True))
        media_s = time.perf_counter() - t0

        plain_dir = tmp / "plain_out"
        encode_s, plan = _plain(src, plain_dir)
        for a in asset.audio:  # same inputs for the DASH remux as media used
            (plain_dir / a.playlist).write_text(build_audio_playlist(asset, a.language))
        for r in asset.renditions:
            shutil.copy(tmp / "media_out" / r.playlist, plain_dir / r.playlist)
        t0 = time.perf_counter()
        subprocess.run(["ffmpeg", *build_dash_args(plan)], cwd=plain_dir, check=True, stdout=subprocess.DEVNULL)
        dash_s = time.perf_counter() - t0
        plain_s = encode_s + dash_s

        d = asset.duration
        print(f"source: {args.duration:g} s {w}x{h} test card (generated in {card_s:.1f} s)")
        print(f"media package : {media_s:7.1f} s  {d / media_s:5.2f}x realtime")
        print(f"plain ffmpeg  : {plain_s:7.1f} s  {d / plain_s:5.2f}x realtime "
              f"(encode {encode_s:.1f} s + dash remux {dash_s:.2f} s)")  # fmt: skip
        print(f"overhead      : {100 * (media_s - plain_s) / plain_s:+.1f} %")
        print("rendition  target kbps  avg kbps  peak kbps  segments      bytes")
        for r in asset.renditions:
            size = sum(s.bytes for s in r.segments)
            print(f"{r.name:9s} {r.target_kbps:11d} {r.average_bandwidth / 1000:9.0f} "
                  f"{r.peak_bandwidth / 1000:10.0f} {len(r.segments):9d} {size:10d}")  # fmt: skip
        for a in asset.audio:
            size = sum(s.bytes for s in a.segments)
            print(f"audio/{a.language:3s} {64:11d} {a.average_bandwidth / 1000:9.0f} "
                  f"{a.peak_bandwidth / 1000:10.0f} {len(a.segments):9d} {size:10d}")  # fmt: skip
        total = sum(p.stat().st_size for p in (tmp / "media_out").rglob("*") if p.is_file())
        print(f"whole asset on disk (HLS + DASH + images): {total} bytes")


if __name__ == "__main__":
    main()
