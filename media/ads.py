"""VMAP 1.0 / VAST 4 documents read into ad breaks and linear creatives (spec FR-AD-004).

One reader for every client: the terminal client plays what it finds, the load test checks it.
Every tracking URL of an event is kept (a VAST ad may list several impressions, trackers or click
trackers). ``strict=False`` (the player) skips an ad it cannot play and reads an unreadable
timecode as absent; ``strict=True`` (the load test, which measures the server) refuses the whole
document instead. Either way a document that is not XML, or not VMAP/VAST, is refused with
:class:`AdFormatError`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from media.errors import MediaError

VAST = "{http://www.iab.com/VAST}"
VMAP = "{http://www.iab.net/videosuite/vmap}"
AD_QUARTILES = (("firstQuartile", 0.25), ("midpoint", 0.5), ("thirdQuartile", 0.75))
BREAK_ORDER = {"pre-roll": 0, "mid-roll": 1, "post-roll": 2}
_TIMECODE = re.compile(r"^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


class AdFormatError(MediaError, ValueError):
    """The VMAP/VAST document could not be read (or, when strict, an ad in it is unplayable)."""


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
        """Every tracking URL of ``event`` (impression, start, quartiles, complete, skip, click, error)."""
        return self.tracking.get(event, ())


@dataclass(frozen=True, slots=True)
class AdBreak:
    """One VMAP break: its kind, raw ``timeOffset`` (``start``, ``end``, ``HH:MM:SS``), offset and pod."""

    kind: str
    offset_s: float
    creatives: tuple[AdCreative, ...]
    offset: str = ""
    break_id: str = ""


def parse_timecode(text: str) -> float:
    """Seconds of a VAST/VMAP ``HH:MM:SS(.mmm)`` timecode; :class:`AdFormatError` (a ValueError) otherwise."""
    m = _TIMECODE.match(text.strip())
    if not m:
        raise AdFormatError(f"not a timecode: {text!r}")
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))


def _timecode(text: str | None, *, strict: bool) -> float | None:
    if not text:
        return None
    try:
        return parse_timecode(text)
    except AdFormatError:
        if strict:
            raise
        return None


def _text(el: ET.Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _xml(data: bytes | str, *, root: str) -> ET.Element:
    try:
        element = ET.fromstring(data)  # noqa: S314 - documents of our own server; expat expands no entities
    except ET.ParseError as err:
        raise AdFormatError(f"unreadable {root}: {err}") from err
    if element.tag != (VMAP if root == "VMAP" else VAST) + root:
        raise AdFormatError(f"not a {root} document: <{element.tag}>")
    return element


def _tracking(inline: ET.Element, linear: ET.Element) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for el in inline.findall(f"{VAST}Impression"):
        found.setdefault("impression", []).append(_text(el))
    for el in inline.findall(f"{VAST}Error"):
        found.setdefault("error", []).append(_text(el))
    for el in linear.findall(f"{VAST}TrackingEvents/{VAST}Tracking"):
        found.setdefault(el.get("event", ""), []).append(_text(el))
    for el in linear.findall(f"{VAST}VideoClicks/{VAST}ClickTracking"):
        found.setdefault("click", []).append(_text(el))
    return {event: tuple(u for u in urls if u) for event, urls in found.items() if event and any(urls)}


def _creative(ad: ET.Element, *, strict: bool) -> AdCreative | None:
    inline = ad.find(f"{VAST}InLine")
    linear = inline.find(f".//{VAST}Linear") if inline is not None else None
    media = linear.find(f"{VAST}MediaFiles/{VAST}MediaFile") if linear is not None else None
    duration = _timecode(_text(linear.find(f"{VAST}Duration")), strict=strict) if linear is not None else None
    if inline is None or linear is None or media is None or not _text(media) or (strict and duration is None):
        if strict:
            raise AdFormatError(f"VAST ad {ad.get('id')} has no linear creative with a media file and duration")
        return None
    return AdCreative(
        ad_id=ad.get("id", ""), title=_text(inline.find(f"{VAST}AdTitle")) or "Advertisement",
        duration_s=duration or 0.0, media_url=_text(media),
        skip_after_s=_timecode(linear.get("skipoffset"), strict=strict),
        advertiser=_text(inline.find(f"{VAST}Advertiser")),
        click_through=_text(linear.find(f"{VAST}VideoClicks/{VAST}ClickThrough")),
        tracking=_tracking(inline, linear))


def _pod(vast: ET.Element, *, strict: bool) -> tuple[AdCreative, ...]:
    ads = sorted(vast.findall(f"{VAST}Ad"), key=lambda a: int(a.get("sequence") or 0))
    return tuple(c for a in ads if (c := _creative(a, strict=strict)) is not None)


def parse_vast(data: bytes | str, *, strict: bool = False) -> tuple[AdCreative, ...]:
    """The linear creatives of a VAST document, in ``sequence`` order."""
    return _pod(_xml(data, root="VAST"), strict=strict)


def _kind(offset: str, *, content_s: float, strict: bool) -> tuple[str, float]:
    if offset == "start":
        return "pre-roll", 0.0
    if offset == "end":
        return "post-roll", content_s
    return "mid-roll", _timecode(offset, strict=strict) or 0.0


def parse_vmap(data: bytes | str, *, content_s: float = 0.0, strict: bool = False) -> list[AdBreak]:
    """The breaks of a VMAP document with their inline VAST pods, in play order (empty pods dropped).

    ``content_s`` is the content's length: the post-roll's offset.
    """
    root = _xml(data, root="VMAP")
    out: list[AdBreak] = []
    for brk in root.findall(f"{VMAP}AdBreak"):
        offset = brk.get("timeOffset", "start")
        kind, at = _kind(offset, content_s=content_s, strict=strict)
        creatives = tuple(c for vast in brk.iter(f"{VAST}VAST") for c in _pod(vast, strict=strict))
        if creatives:
            out.append(AdBreak(kind=kind, offset_s=at, creatives=creatives, offset=offset,
                               break_id=brk.get("breakId", "")))
    return sorted(out, key=lambda b: (BREAK_ORDER[b.kind], b.offset_s))
