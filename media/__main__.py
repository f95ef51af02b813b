"""``ott-media``: testcard, package, validate, probe, samples, mpv-options."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from media.errors import FFmpegError, InputError, MediaError

log = logging.getLogger(__name__)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, float, float], None] | None]:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
        transient=True, console=None,
    ) as bar:  # fmt: skip
        tasks: dict[str, Any] = {}

        def update(phase: str, done: float, total: float) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total or 1)
            bar.update(tasks[phase], completed=done)

        yield update


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def cmd_testcard(args: argparse.Namespace) -> int:
    """Generate a test card."""
    from media.testcard import make_testcard, parse_size

    w, h = parse_size(args.size)
    path = _run(make_testcard(args.out, duration=args.duration, width=w, height=h))
    print(path)
    return 0


def cmd_package(args: argparse.Namespace) -> int:
    """Package a source."""
    from media.ladder import resolve_ladder
    from media.package import PackageOptions
    from media.pipeline import package_asset

    if args.segment <= 0 or args.first_segment < 0:
        raise InputError("--segment must be positive and --first-segment not negative")
    ladder = resolve_ladder(args.ladder)
    options = PackageOptions(segment=args.segment, first_segment=args.first_segment or args.segment,
                             jobs=args.jobs, preset=args.preset, burn_label=not args.no_label)  # fmt: skip
    with _progress(not args.quiet and sys.stderr.isatty()) as progress:
        asset = _run(package_asset(args.source, args.out_dir, ladder=ladder, options=options,
                                   force=args.force, progress=progress))  # fmt: skip
    print(f"{Path(args.out_dir) / asset.master}  ({', '.join(r.name for r in asset.renditions)})")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate a packaged asset."""
    from media.validate import validate_sync

    findings = validate_sync(args.out_dir, check_keyframes=not args.no_keyframes)
    for f in findings:
        print(f"{Path(args.out_dir) / f.file}:{f.line}: {f.message}")
    if findings:
        print(f"{len(findings)} problem(s)", file=sys.stderr)
        return 1
    print("ok")
    return 0


def cmd_probe(args: argparse.Namespace) -> int:
    """Print an ffprobe summary as JSON."""
    from media.probe import probe

    info = _run(probe(args.file))
    print(json.dumps(info.to_dict(), indent=2))
    return 0


def cmd_samples(args: argparse.Namespace) -> int:
    """Build or reuse the sample assets."""
    from media.samples import build_samples

    data_dir = Path(args.data_dir) if args.data_dir else None
    with _progress(not args.quiet and sys.stderr.isatty()) as progress:
        assets = _run(build_samples(data_dir=data_dir, force=args.force, progress=progress))
    for a in assets:
        print(a.asset_id)
    return 0


def cmd_mpv_options(args: argparse.Namespace) -> int:
    """Print the shared mpv options as command-line arguments, one per line."""
    from media.mpv_options import cli_args, streaming_options

    for arg in cli_args(streaming_options(segment_s=args.segment, headless=args.headless)):
        print(arg)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``ott-media``."""
    p = argparse.ArgumentParser(prog="ott-media", description=__doc__)
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("testcard", help="generate a test-card source video")
    t.add_argument("out")
    t.add_argument("--duration", type=float, default=60.0)
    t.add_argument("--size", default="1920x1080")
    t.set_defaults(func=cmd_testcard)

    k = sub.add_parser("package", help="package a source into HLS (TS) + DASH + images")
    k.add_argument("source")
    k.add_argument("out_dir")
    k.add_argument("--ladder", default="default", help="'default' or a TOML ladder file")
    k.add_argument("--segment", type=float, default=2.0, help="segment duration, seconds")
    k.add_argument("--first-segment", type=float, default=3.0,
                   help="first segment duration (3 s: no start stall on 2g); 0 = same as --segment")  # fmt: skip
    k.add_argument("--jobs", type=int, default=0, help="encoder threads per rendition (0 = auto)")
    k.add_argument("--preset", default="veryfast", help="x264 preset")
    k.add_argument("--no-label", action="store_true", help="do not burn the rendition label in")
    k.add_argument("--force", action="store_true", help="rebuild even if a complete output exists")
    k.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    k.set_defaults(func=cmd_package)

    v = sub.add_parser("validate", help="check a packaged asset (RFC 8216, keyframes, DASH)")
    v.add_argument("out_dir")
    v.add_argument("--no-keyframes", action="store_true", help="skip the ffprobe keyframe checks")
    v.set_defaults(func=cmd_validate)

    r = sub.add_parser("probe", help="ffprobe summary as JSON")
    r.add_argument("file")
    r.set_defaults(func=cmd_probe)

    s = sub.add_parser("samples", help="build the sample assets (cached)")
    s.add_argument("--data-dir", default=None, help="default: $OTT_DATA_DIR or the user data dir")
    s.add_argument("--force", action="store_true")
    s.add_argument("-q", "--quiet", action="store_true")
    s.set_defaults(func=cmd_samples)

    m = sub.add_parser("mpv-options", help="print the mpv options of every client: mpv $(ott-media mpv-options) URL")
    m.add_argument("--segment", type=float, default=2.0, help="segment duration the read-ahead is sized from")
    m.add_argument("--headless", action="store_true", help="for an mpv without a window (--vo=null): no OSC, "
                   "stats or console scripts")
    m.set_defaults(func=cmd_mpv_options)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; exit 2 with one line on stderr for bad input, 1 for ffmpeg failures."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")  # fmt: skip
    try:
        return int(args.func(args))
    except InputError as err:
        print(f"ott-media: error: {err}", file=sys.stderr)
        return 2
    except FFmpegError as err:
        print(f"ott-media: ffmpeg failed: {str(err).splitlines()[0] if str(err) else err!r}", file=sys.stderr)
        return 1
    except MediaError as err:
        print(f"ott-media: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
