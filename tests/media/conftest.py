"""Session fixtures: one small generated test card, packaged once (real ffmpeg)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from media.assets import Asset
from media.pipeline import package_asset
from media.testcard import make_testcard

CARD_SECONDS = 7.0
CARD_SIZE = (640, 360)


@dataclass(frozen=True)
class Packaged:
    """A packaged asset on disk plus its source."""

    source: Path
    root: Path
    asset: Asset


@pytest.fixture(scope="session")
def card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 7 s 640x360 test card with en/hi audio and subtitles."""
    out = tmp_path_factory.mktemp("card") / "card.mp4"
    w, h = CARD_SIZE
    asyncio.run(make_testcard(out, duration=CARD_SECONDS, width=w, height=h))
    return out


@pytest.fixture(scope="session")
def packaged(card: Path, tmp_path_factory: pytest.TempPathFactory) -> Packaged:
    """The card packaged with the default ladder (segment 2 s, first segment 3 s)."""
    root = tmp_path_factory.mktemp("pkg") / "card"
    asset = asyncio.run(package_asset(card, root))
    return Packaged(source=card, root=root, asset=asset)


LONG_REPEATS = 50  # 50 × 7 s = 350 s: long enough to seek into minute 5


@pytest.fixture(scope="session")
def long_title(packaged: Packaged, tmp_path_factory: pytest.TempPathFactory) -> Packaged:
    """The packaged card assembled LONG_REPEATS times into one long title (stream copy), built once per run."""
    from media.longform import build_long_asset

    root = tmp_path_factory.mktemp("long") / "long"
    asset = asyncio.run(build_long_asset(packaged.root, root, repeats=LONG_REPEATS, asset_id="long", title="Long"))
    return Packaged(source=packaged.source, root=root, asset=asset)
