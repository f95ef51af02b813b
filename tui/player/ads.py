"""Ads of one playback session (spec FR-AD-004): the break schedule, and one ad's progress.

Pure logic, no I/O. The server's VMAP is read by :func:`media.parse_vmap` (leniently: an ad the
player cannot play is left out); :func:`from_playback_start` is the fallback when VMAP cannot be
had (the ``ads`` of ``playback/start``: playable, but without tracking), :class:`AdSchedule` says
which break is due at a content position, and :class:`AdProgress` turns the ad's playhead into
tracking events, the countdown and whether skipping is allowed yet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from media import AD_QUARTILES, BREAK_ORDER, AdBreak, AdCreative


def from_playback_start(ads: Sequence[dict[str, Any]]) -> list[AdBreak]:
    """Breaks from ``playback/start``'s ``ads`` (no ad ids or tracking URLs: a fallback only)."""
    grouped: dict[tuple[str, float], list[AdCreative]] = {}
    for n, ad in enumerate(ads):
        try:
            kind = str(ad["type"])
            creative = AdCreative(ad_id=f"ad-{n}", title="Advertisement", duration_s=float(ad["duration"]),
                                  media_url=str(ad["url"]),
                                  skip_after_s=None if ad.get("skip_after") is None else float(ad["skip_after"]))
            offset = float(ad.get("offset_seconds") or 0.0)
        except (KeyError, TypeError, ValueError):
            continue
        grouped.setdefault((kind, offset), []).append(creative)
    return sorted((AdBreak(kind=k, offset_s=o, creatives=tuple(c)) for (k, o), c in grouped.items()
                   if k in BREAK_ORDER), key=lambda b: (BREAK_ORDER[b.kind], b.offset_s))


class AdSchedule:
    """Which breaks are still to play: the pre-roll first, mid-rolls as the playhead passes them, the post-roll."""

    def __init__(self, breaks: Sequence[AdBreak]) -> None:
        """Schedule ``breaks`` (each plays once)."""
        self.breaks = list(breaks)
        self.played: set[int] = set()

    def _take(self, index: int | None) -> AdBreak | None:
        if index is None:
            return None
        self.played.add(index)
        return self.breaks[index]

    def pre_roll(self) -> AdBreak | None:
        """The pre-roll, once."""
        return self._take(next((i for i, b in enumerate(self.breaks)
                                if b.kind == "pre-roll" and i not in self.played), None))

    def skip_before(self, position_s: float) -> None:
        """Mark mid-rolls before ``position_s`` as done (resuming should not replay every break)."""
        self.played.update(i for i, b in enumerate(self.breaks) if b.kind == "mid-roll" and b.offset_s < position_s)

    def due(self, position_s: float) -> AdBreak | None:
        """The last unplayed mid-roll at or before ``position_s`` (earlier ones passed by a seek are dropped)."""
        due = [i for i, b in enumerate(self.breaks)
               if b.kind == "mid-roll" and i not in self.played and b.offset_s <= position_s]
        if not due:
            return None
        self.played.update(due)
        return self.breaks[due[-1]]

    def post_roll(self) -> AdBreak | None:
        """The post-roll, once."""
        return self._take(next((i for i, b in enumerate(self.breaks)
                                if b.kind == "post-roll" and i not in self.played), None))

    @property
    def mid_roll_offsets(self) -> list[float]:
        """Offsets of the mid-rolls not played yet."""
        return [b.offset_s for i, b in enumerate(self.breaks) if b.kind == "mid-roll" and i not in self.played]


class AdProgress:
    """One ad being played: the tracking events its playhead has crossed, the countdown and skipping."""

    def __init__(self, creative: AdCreative, *, index: int, count: int) -> None:
        """Ad ``index`` (1-based) of a pod of ``count``."""
        self.creative = creative
        self.index = index
        self.count = count
        self.position_s = 0.0
        self.started = False
        self.fired: set[str] = set()

    def _once(self, *events: str) -> list[str]:
        out = [e for e in events if e not in self.fired]
        self.fired.update(out)
        return out

    def first_frame(self) -> list[str]:
        """The ad became visible: impression and start."""
        self.started = True
        return self._once("impression", "start")

    def advance(self, position_s: float) -> list[str]:
        """The playhead is at ``position_s``: quartile events crossed since the last call."""
        if not self.started:
            return []
        self.position_s = max(self.position_s, position_s)
        if self.creative.duration_s <= 0:
            return []
        share = self.position_s / self.creative.duration_s
        return self._once(*(name for name, at in AD_QUARTILES if share >= at))

    def finished(self) -> list[str]:
        """The ad played to its end: any quartiles not yet sent, then complete."""
        if not self.started:
            self.started = True
            return self._once("impression", "start", *(q for q, _ in AD_QUARTILES), "complete")
        return self._once(*(q for q, _ in AD_QUARTILES), "complete")

    @property
    def remaining_s(self) -> float:
        """Seconds left of the ad."""
        return max(0.0, self.creative.duration_s - self.position_s)

    @property
    def can_skip(self) -> bool:
        """Skippable and played at least ``skip_after_s`` seconds."""
        after = self.creative.skip_after_s
        return after is not None and self.started and self.position_s >= after

    def skip_in_s(self) -> float | None:
        """Seconds until skipping is allowed (None for an ad that cannot be skipped)."""
        after = self.creative.skip_after_s
        return None if after is None else float(math.ceil(max(0.0, after - self.position_s)))

    def overlay(self) -> str:
        """``Ad 1 of 2 · 12 s left · Brand · Skip in 3 s`` (or ``Press k to skip``)."""
        parts = [f"Ad {self.index} of {self.count}", f"{math.ceil(self.remaining_s)} s left"]
        if self.creative.advertiser or self.creative.title:
            parts.append(self.creative.advertiser or self.creative.title)
        wait = self.skip_in_s()
        if wait is not None:
            parts.append("Press k to skip" if self.can_skip else f"Skip in {wait:.0f} s")
        return " · ".join(parts)
