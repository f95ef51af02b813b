"""The sample set under ``DATA_DIR/media/<id>/``: 60 s, 30 s and 10 s test cards (encoded and packaged)
and one long title (the 60 s card played LONG_REPEATS times, assembled by stream copy in seconds)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from media.assets import Asset
from media.errors import InputError
from media.longform import build_long_asset
from media.package import PackageOptions
from media.pipeline import Progress, package_asset
from media.testcard import make_testcard

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Sample:
    """One sample asset: id, title and test-card duration/size."""

    asset_id: str
    title: str
    duration: float
    width: int = 1280
    height: int = 720


SAMPLES: tuple[Sample, ...] = (
    Sample("testcard-60s", "Test card (60 s)", 60.0),
    Sample("testcard-30s", "Test card (30 s)", 30.0),
    Sample("testcard-10s", "Test card (10 s)", 10.0),
)
#: The long title: LONG_SOURCE's packaged media repeated LONG_REPEATS times (7 minutes, every rung, en/hi).
LONG_ID, LONG_TITLE, LONG_SOURCE, LONG_REPEATS = "testcard-7m", "Test card (7 min)", "testcard-60s", 7


def default_data_dir() -> Path:
    """``$OTT_DATA_DIR`` or platformdirs' user data dir for ``ott-lowband``."""
    env = os.environ.get("OTT_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("ott-lowband"))


def current_layout(asset: Asset) -> bool:
    """Whether ASSET is cut as the packager cuts today (segment and first-segment durations)."""
    opts = PackageOptions()
    return abs(asset.segment_duration - opts.segment) < 1e-6 and abs(asset.first_segment_duration - opts.first) < 1e-6


def cached(data_dir: Path, *, long: bool = True) -> list[Asset] | None:
    """All sample assets (the long one too when LONG) when every one is present, complete and cut with
    the current layout (no ffmpeg); None otherwise, so samples cut with an older layout are rebuilt."""
    out = []
    for asset_id in [s.asset_id for s in SAMPLES] + ([LONG_ID] if long else []):
        root = data_dir / "media" / asset_id
        try:
            asset = Asset.load(root / "asset.json")
        except InputError:
            return None
        if not asset.is_complete(root) or not current_layout(asset):
            return None
        out.append(asset)
    return out


async def build_samples(
    *, data_dir: Path | None = None, force: bool = False, progress: Progress | None = None
) -> list[Asset]:
    """Build (or reuse) every sample; a second run with everything present does no work."""
    base = data_dir or default_data_dir()
    if not force and (found := cached(base)) is not None:
        return found
    media = base / "media"
    if not force and (short := cached(base, long=False)) is not None:
        return [*short, await build_long_sample(media)]
    sources = base / "sources"
    try:
        media.mkdir(parents=True, exist_ok=True)
        sources.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"data dir is not writable: {base}") from err
    assets = []
    for s in SAMPLES:
        src = sources / f"{s.asset_id}.mp4"
        if force or not src.is_file():
            await make_testcard(src, duration=s.duration, width=s.width, height=s.height)
        assets.append(
            await package_asset(
                src, media / s.asset_id, asset_id=s.asset_id, title=s.title, force=force, progress=progress
            )
        )
        log.info("sample %s ready", s.asset_id)
    assets.append(await build_long_sample(media, force=force))
    return assets


async def build_long_sample(media: Path, *, force: bool = False) -> Asset:
    """The long title under MEDIA (reused when complete), assembled from the packaged LONG_SOURCE."""
    root = media / LONG_ID
    if not force:
        try:
            found = Asset.load(root / "asset.json")
            short = Asset.load(media / LONG_SOURCE / "asset.json")
        except InputError:
            pass
        else:
            if found.fingerprint == f"{short.fingerprint}x{LONG_REPEATS}" and found.is_complete(root):
                return found
    asset = await build_long_asset(media / LONG_SOURCE, root, repeats=LONG_REPEATS, asset_id=LONG_ID,
                                   title=LONG_TITLE)  # fmt: skip
    log.info("sample %s ready", LONG_ID)
    return asset
