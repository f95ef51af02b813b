"""Packaged assets as the streaming area reads them: ``<media_dir>/<asset_id>/asset.json``, cached by mtime."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from media import Asset, InputError, variant_bandwidth
from server.streaming.paths import UnsafePath, check_asset_id
from server.streaming.policy import Rung

log = logging.getLogger(__name__)


class AssetMissing(Exception):
    """The asset is not packaged (no readable, valid asset.json)."""


#: How long a loaded asset is trusted before its asset.json is stat'ed again.
RECHECK_S = 1.0


class AssetCache:
    """Loads asset.json files and keeps them until their file changes (checked at most once per ``RECHECK_S``)."""

    def __init__(self, *, recheck_s: float = RECHECK_S) -> None:
        """Start empty."""
        self._cache: dict[tuple[Path, str], tuple[int, Asset]] = {}
        self._checked: dict[tuple[Path, str], float] = {}
        self._recheck = recheck_s

    def load(self, *, media_dir: Path, asset_id: str) -> Asset:
        """The asset ``asset_id`` under ``media_dir``; AssetMissing when absent or invalid."""
        try:
            check_asset_id(asset_id)
        except UnsafePath as err:
            raise AssetMissing(f"illegal asset id {asset_id!r}") from err
        now = time.monotonic()
        if self._checked.get((media_dir, asset_id), -1.0) > now and (media_dir, asset_id) in self._cache:
            return self._cache[(media_dir, asset_id)][1]
        path = media_dir / asset_id / "asset.json"
        try:
            mtime = path.stat().st_mtime_ns
        except OSError as err:
            raise AssetMissing(f"asset {asset_id} is not packaged") from err
        cached = self._cache.get((media_dir, asset_id))
        if cached is not None and cached[0] == mtime:
            self._checked[(media_dir, asset_id)] = now + self._recheck
            return cached[1]
        try:
            asset = Asset.load(path)
        except InputError as err:
            log.warning("cannot load asset %s: %s", asset_id, err)
            raise AssetMissing(f"asset {asset_id} is not readable") from err
        self._cache[(media_dir, asset_id)] = (mtime, asset)
        self._checked[(media_dir, asset_id)] = now + self._recheck
        return asset


def rungs_of(asset: Asset, *, audio: list[str] | None = None) -> list[Rung]:
    """The asset's video renditions as policy rungs with measured bitrates in kbit/s, lowest first.

    ``audio``: the languages the viewer's player fetches with a variant (default: all, the master's
    worst case). A rung costs its TS (video + the muxed audio) plus the largest of those languages that
    is a separate audio rendition — so with ``played_audio`` (one language) it is what that viewer
    downloads, not the master's ``BANDWIDTH`` (which RFC 8216 §4.3.4.2 makes the largest playable
    combination, the alternate audio included)."""
    langs = audio if audio is not None else [a.language for a in asset.audio]
    out = []
    for r in asset.renditions:
        peak, avg = variant_bandwidth(asset, r, audio=langs)
        out.append(Rung(name=r.name, height=r.height, peak_kbps=peak / 1000, average_kbps=avg / 1000))
    return sorted(out, key=lambda x: (x.height, x.average_kbps))


def played_audio(asset: Asset, language: str | None = None) -> list[str]:
    """The audio a player fetches beside the video: ``language`` when the asset has it, else the default
    track (the one muxed into every rendition: a player that asks for nothing else plays it)."""
    langs = [a.language for a in asset.audio]
    if language is not None and language in langs:
        return [language]
    default = next((a.language for a in asset.audio if a.default), langs[0] if langs else None)
    return [default] if default else []
