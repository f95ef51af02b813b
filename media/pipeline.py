"""Package one source into an asset directory: probe → encode → measure → DASH → asset.json.

Output is built in a temp dir next to the target and renamed into place, so a failure never
leaves a half-written asset; a complete output with the same fingerprint is skipped. Before the
rename every directory is made 0755 and every file 0644 (``mkdtemp`` creates 0700): a web server
running as another user (nginx's workers) must be able to read the packaged files.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from media.assets import Asset
from media.dash import build_mpd, dash_section, read_ffmpeg_mpd
from media.errors import FFmpegError, InputError
from media.images import write_images
from media.ladder import DEFAULT_LADDER, Rendition, ladder_for_source
from media.measure import finish_subtitles, measure_all
from media.package import (
    LANGUAGE_NAMES,
    PackageOptions,
    PackagePlan,
    TrackPlan,
    build_dash_args,
    build_encode_args,
    label_file,
    label_text,
    language_code,
    output_dirs,
)
from media.playlists import build_audio_playlist, build_master, build_media_playlist, build_subtitle_playlist
from media.probe import ProbeSummary, probe
from media.runner import run_ffmpeg

log = logging.getLogger(__name__)

#: progress(phase, seconds_done, seconds_total)
Progress = Callable[[str, float, float], None]
TEXT_SUBTITLE_CODECS = {"mov_text", "subrip", "webvtt", "ass", "ssa", "text"}
MPD_NAME = "manifest.mpd"


def make_plan(
    info: ProbeSummary,
    *,
    ladder: tuple[Rendition, ...] = DEFAULT_LADDER,
    options: PackageOptions | None = None,
) -> PackagePlan:
    """Decide rungs and tracks for a probed source; InputError when it lacks video or audio."""
    video = info.video
    if video is None or not video.height:
        raise InputError(f"no video stream in {info.path}")
    if not info.audio:
        raise InputError(f"source has no audio stream: {info.path}")
    if info.duration <= 0:
        raise InputError(f"source has no duration: {info.path}")
    seen: set[str] = set()
    audio = []
    for i, s in enumerate(info.audio):
        lang = language_code(s.language, ordinal=i)
        if lang in seen:
            lang = f"{lang}{i}"
        seen.add(lang)
        audio.append(TrackPlan(source_index=i, language=lang, name=LANGUAGE_NAMES.get(lang, lang)))
    subs, seen = [], set()
    for i, s in enumerate(info.subtitles):
        lang = language_code(s.language, ordinal=i)
        if s.codec not in TEXT_SUBTITLE_CODECS or lang in seen:
            continue
        seen.add(lang)
        subs.append(TrackPlan(source_index=i, language=lang, name=LANGUAGE_NAMES.get(lang, lang)))
    return PackagePlan(
        source=str(Path(info.path).resolve()),
        duration=round(info.duration, 3),
        fps=round(video.fps or 25.0, 3),
        source_height=video.height,
        source_width=video.width or 0,
        renditions=ladder_for_source(video.height, ladder),
        audio=tuple(audio),
        subtitles=tuple(subs),
        options=options or PackageOptions(),
    )


def existing_asset(out_dir: Path, *, fingerprint: str) -> Asset | None:
    """The asset already at OUT_DIR when it is complete and made from the same inputs."""
    path = out_dir / "asset.json"
    if not path.is_file():
        return None
    try:
        asset = Asset.load(path)
    except InputError:
        return None
    if asset.fingerprint != fingerprint or not asset.is_complete(out_dir):
        return None
    return asset


def _check_output_parent(out_dir: Path) -> None:
    parent = out_dir.parent
    if not parent.is_dir():
        raise InputError(f"output directory's parent does not exist: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"output directory is not writable: {parent}")
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"output path exists and is not a directory: {out_dir}")


async def package_asset(
    source: Path | str,
    out_dir: Path | str,
    *,
    ladder: tuple[Rendition, ...] = DEFAULT_LADDER,
    options: PackageOptions | None = None,
    force: bool = False,
    asset_id: str | None = None,
    title: str | None = None,
    progress: Progress | None = None,
) -> Asset:
    """Package SOURCE into OUT_DIR (HLS TS + DASH + images + asset.json) and return the Asset.

    Skips the work when OUT_DIR already holds a complete asset from the same source and settings,
    unless FORCE. Raises InputError for unusable input, FFmpegError when ffmpeg fails.
    """
    src = Path(source)
    out = _absolute(out_dir)
    info = await probe(src)
    plan = make_plan(info, ladder=ladder, options=options)
    fingerprint, found = _prepare(src, out, plan=plan, force=force)
    if found is not None:
        log.info("%s is complete; skipped (use force to rebuild)", out)
        return found
    work = make_work_dir(out)
    try:
        asset = await _build(plan, work, asset_id=asset_id or out.name, title=title or src.stem,
                             fingerprint=fingerprint, progress=progress)  # fmt: skip
        swap_into_place(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return asset


def _prepare(src: Path, out: Path, *, plan: PackagePlan, force: bool) -> tuple[str, Asset | None]:
    st = src.stat()
    fingerprint = plan.fingerprint(size=st.st_size, mtime_ns=st.st_mtime_ns)
    _check_output_parent(out)
    found = None if force else existing_asset(out, fingerprint=fingerprint)
    return fingerprint, found


def make_work_dir(out: Path) -> Path:
    """A fresh hidden work directory next to ``out`` (same file system, so it can be swapped in atomically).

    Raises :class:`InputError` when ``out``'s parent is not writable.
    """
    try:
        return Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as err:
        raise InputError(f"output directory is not writable: {out.parent}") from err


DIR_MODE = 0o755
FILE_MODE = 0o644


def publish_modes(root: Path) -> None:
    """Make the tree under ``root`` readable by every user: directories 0755, files 0644."""
    os.chmod(root, DIR_MODE)
    for base, dirs, files in os.walk(root):
        for d in dirs:
            os.chmod(os.path.join(base, d), DIR_MODE)
        for f in files:
            os.chmod(os.path.join(base, f), FILE_MODE)


def swap_into_place(work: Path, out: Path) -> None:
    """Publish the finished tree ``work`` as ``out``: world-readable modes, then a rename over any old ``out``.

    The old tree (if any) is renamed aside first and removed afterwards, so readers see either the
    old or the new asset, never a half-written one.
    """
    publish_modes(work)
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(work, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


async def _build(
    plan: PackagePlan, work: Path, *, asset_id: str, title: str, fingerprint: str, progress: Progress | None
) -> Asset:
    for d in output_dirs(plan):
        (work / d).mkdir(parents=True, exist_ok=True)
    opts = plan.options
    for rung in plan.renditions:
        (work / label_file(rung)).write_text(label_text(rung, segment=opts.segment, first=opts.first),
                                             encoding="utf-8")  # fmt: skip
    total = plan.duration

    def report(phase: str) -> Callable[[float], None]:
        return lambda done: progress(phase, min(done, total), total) if progress else None

    try:
        await run_ffmpeg(build_encode_args(plan), cwd=work, on_progress=report("encode"))
    except FFmpegError as err:
        raise FFmpegError(f"encoding {plan.source} failed: {err}", returncode=err.returncode,
                          stderr=err.stderr) from err  # fmt: skip
    if progress:
        progress("encode", total, total)
    videos, audios = await measure_all(work, plan=plan)
    first_ts = await probe(work / videos[0].directory / videos[0].segments[0].uri)
    subtitles = finish_subtitles(work, plan=plan, mpegts_start=first_ts.start_time)
    images = write_images(work, interval=opts.trick_interval, duration=plan.duration, rows=plan.trick_rows)
    asset = Asset(
        asset_id=asset_id,
        title=title,
        duration=plan.duration,
        segment_duration=opts.segment,
        first_segment_duration=opts.first,
        fingerprint=fingerprint,
        renditions=videos,
        audio=audios,
        subtitles=subtitles,
        images=images,
    )
    write_hls_playlists(asset, work)
    await run_ffmpeg(build_dash_args(plan), cwd=work, on_progress=report("dash"))
    names = {str(i): ("video", r.name) for i, r in enumerate(plan.renditions)}
    names |= {str(len(plan.renditions) + i): ("audio", t.language) for i, t in enumerate(plan.audio)}
    reps = read_ffmpeg_mpd(work / "dash" / "manifest.mpd", prefix="dash/", names=names,
                           sizes=lambda f: (work / f).stat().st_size)  # fmt: skip
    asset.dash = dash_section(mpd=MPD_NAME, min_buffer_time=2 * opts.segment, representations=reps)
    (work / MPD_NAME).write_text(build_mpd(asset), encoding="utf-8")
    (work / "dash" / "manifest.mpd").unlink()
    for t in plan.audio:
        (work / "audio" / t.language / "segments.csv").unlink(missing_ok=True)
    shutil.rmtree(work / ".work", ignore_errors=True)
    asset.save(work / "asset.json")
    if progress:
        progress("done", total, total)
    return asset


def write_hls_playlists(asset: Asset, root: Path) -> None:
    """Write the asset's master, media, audio and subtitle playlists under ``root`` (from the measured asset)."""
    (root / asset.master).write_text(build_master(asset), encoding="utf-8")
    for r in asset.renditions:
        (root / r.playlist).write_text(build_media_playlist(asset, r.name), encoding="utf-8")
    for a in asset.audio:
        (root / a.playlist).write_text(build_audio_playlist(asset, a.language), encoding="utf-8")
    for s in asset.subtitles:
        (root / s.playlist).write_text(build_subtitle_playlist(asset, s.language), encoding="utf-8")


def package_sync(source: Path | str, out_dir: Path | str, **kwargs: object) -> Asset:
    """Blocking wrapper around package_asset() (same keyword arguments)."""
    return asyncio.run(package_asset(source, out_dir, **kwargs))  # type: ignore[arg-type]


def _absolute(path: Path | str) -> Path:
    """PATH made absolute without resolving symlinks."""
    return Path(os.path.abspath(path))
