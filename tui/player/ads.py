"""Ads of one playback session (spec FR-AD-004): the break schedule from VMAP, and one ad's progress.

Pure logic, no I/O: :func:`parse_vmap` reads the server's VMAP 1.0 (inline VAST 4.2 pods),
:func:`from_playback_start` is the fallback when VMAP cannot be had (the ``ads`` of
``playback/start``: playable, but without tracking), :class:`AdSchedule` says which break is due at
a content position, and :class:`AdProgress` turns the ad's playhead into tracking events, the
countdown and whether skipping is allowed yet.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

VAST = "{http://www.iab.com/VAST}"
VMAP = "{http://www.iab.net/videosuite/vmap}"
QUARTILES = (("firstQuartile", 0.25), ("midpoint", 0.5), ("thirdQuartile", 0.75))


class AdFormatError(ValueError):
    """The VMAP/VAST document could not be read."""


@dataclass(frozen=True, slots=True)
class AdCreative:
    """One linear ad: what to play, for how long, when it may be skipped and where to report."""

    ad_id: str
    title: str
    duration_s: float
    media_url: str
    skip_after_s: float | None = None
    advertiser: str = ""
    click_through: str = ""
    tracking: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def skippable(self) -> bool:
        """Whether the ad may be skipped at all."""
        return self.skip_after_s is not None

    def urls(self, event: str) -> tuple[str, ...]:
        """The tracking URLs of ``event`` (impression, start, quartiles, complete, skip, click, error)."""
        return self.tracking.get(event, ())


@dataclass(frozen=True, slots=True)
class AdBreakInfo:
    """One break: pre-roll, mid-roll (at ``offset_s`` into the content) or post-roll, and its pod."""

    kind: str
    offset_s: float
    creatives: tuple[AdCreative, ...]


def parse_timecode(text: str | None) -> float | None:
    """``HH:MM:SS(.mmm)`` → seconds (None when absent or unreadable)."""
    if not text:
        return None
    try:
        h, m, s = text.strip().split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    except ValueError:
        return None


def _text(el: ET.Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _creative(ad: ET.Element) -> AdCreative | None:
    inline = ad.find(f"{VAST}InLine")
    linear = inline.find(f".//{VAST}Linear") if inline is not None else None
    media = linear.find(f"{VAST}MediaFiles/{VAST}MediaFile") if linear is not None else None
    if inline is None or linear is None or media is None or not _text(media):
        return None
    tracking: dict[str, list[str]] = {}
    for el in inline.findall(f"{VAST}Impression"):
        tracking.setdefault("impression", []).append(_text(el))
    for el in inline.findall(f"{VAST}Error"):
        tracking.setdefault("error", []).append(_text(el))
    for el in linear.findall(f"{VAST}TrackingEvents/{VAST}Tracking"):
        tracking.setdefault(el.get("event", ""), []).append(_text(el))
    for el in linear.findall(f"{VAST}VideoClicks/{VAST}ClickTracking"):
        tracking.setdefault("click", []).append(_text(el))
    return AdCreative(
        ad_id=ad.get("id", ""), title=_text(inline.find(f"{VAST}AdTitle")) or "Advertisement",
        duration_s=parse_timecode(_text(linear.find(f"{VAST}Duration"))) or 0.0, media_url=_text(media),
        skip_after_s=parse_timecode(linear.get("skipoffset")), advertiser=_text(inline.find(f"{VAST}Advertiser")),
        click_through=_text(linear.find(f"{VAST}VideoClicks/{VAST}ClickThrough")),
        tracking={k: tuple(u for u in v if u) for k, v in tracking.items() if k})


def parse_vast(root: ET.Element) -> tuple[AdCreative, ...]:
    """The linear creatives of a ``<VAST>`` element, in ``sequence`` order."""
    ads = sorted(root.findall(f"{VAST}Ad"), key=lambda a: int(a.get("sequence") or 0))
    return tuple(c for a in ads if (c := _creative(a)) is not None)


def parse_vmap(data: bytes, *, content_s: float = 0.0) -> list[AdBreakInfo]:
    """The breaks of a VMAP document in play order; raises :class:`AdFormatError` when it is not VMAP."""
    try:
        root = ET.fromstring(data)  # noqa: S314 - our own server's document, no DTDs/entities expanded
    except ET.ParseError as err:
        raise AdFormatError(f"unreadable VMAP: {err}") from err
    if root.tag != f"{VMAP}VMAP":
        raise AdFormatError(f"not a VMAP document: {root.tag}")
    out: list[AdBreakInfo] = []
    for brk in root.findall(f"{VMAP}AdBreak"):
        offset = brk.get("timeOffset", "start")
        if offset == "start":
            kind, at = "pre-roll", 0.0
        elif offset == "end":
            kind, at = "post-roll", content_s
        else:
            kind, at = "mid-roll", parse_timecode(offset) or 0.0
        creatives = tuple(c for vast in brk.iter(f"{VAST}VAST") for c in parse_vast(vast))
        if creatives:
            out.append(AdBreakInfo(kind=kind, offset_s=at, creatives=creatives))
    return sorted(out, key=lambda b: ({"pre-roll": 0, "mid-roll": 1, "post-roll": 2}[b.kind], b.offset_s))


def from_playback_start(ads: Sequence[dict[str, Any]]) -> list[AdBreakInfo]:
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
    order = {"pre-roll": 0, "mid-roll": 1, "post-roll": 2}
    return sorted((AdBreakInfo(kind=k, offset_s=o, creatives=tuple(c)) for (k, o), c in grouped.items()
                   if k in order), key=lambda b: (order[b.kind], b.offset_s))


class AdSchedule:
    """Which breaks are still to play: the pre-roll first, mid-rolls as the playhead passes them, the post-roll."""

    def __init__(self, breaks: Sequence[AdBreakInfo]) -> None:
        """Schedule ``breaks`` (each plays once)."""
        self.breaks = list(breaks)
        self.played: set[int] = set()

    def _take(self, index: int | None) -> AdBreakInfo | None:
        if index is None:
            return None
        self.played.add(index)
        return self.breaks[index]

    def pre_roll(self) -> AdBreakInfo | None:
        """The pre-roll, once."""
        return self._take(next((i for i, b in enumerate(self.breaks)
                                if b.kind == "pre-roll" and i not in self.played), None))

    def skip_before(self, position_s: float) -> None:
        """Mark mid-rolls before ``position_s`` as done (resuming should not replay every break)."""
        self.played.update(i for i, b in enumerate(self.breaks) if b.kind == "mid-roll" and b.offset_s < position_s)

    def due(self, position_s: float) -> AdBreakInfo | None:
        """The last unplayed mid-roll at or before ``position_s`` (earlier ones passed by a seek are dropped)."""
        due = [i for i, b in enumerate(self.breaks)
               if b.kind == "mid-roll" and i not in self.played and b.offset_s <= position_s]
        if not due:
            return None
        self.played.update(due)
        return self.breaks[due[-1]]

    def post_roll(self) -> AdBreakInfo | None:
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
        return self._once(*(name for name, at in QUARTILES if share >= at))

    def finished(self) -> list[str]:
        """The ad played to its end: any quartiles not yet sent, then complete."""
        if not self.started:
            self.started = True
            return self._once("impression", "start", *(q for q, _ in QUARTILES), "complete")
        return self._once(*(q for q, _ in QUARTILES), "complete")

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


def first_variant(master: str, *, base_url: str = "") -> str | None:
    """The first variant URI of an HLS master playlist (the server lists its start pick first), or None."""
    lines = [line.strip() for line in master.splitlines()]
    for n, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF"):
            uri = next((u for u in lines[n + 1:] if u and not u.startswith("#")), None)
            if uri is None:
                return None
            return urljoin(base_url, uri) if base_url else uri
    return None
