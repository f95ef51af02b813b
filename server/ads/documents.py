"""VAST 4.2 and VMAP 1.0 documents built with ``xml.etree`` (no string pasting).

VAST: one ``<Ad>`` per ad (``sequence`` for a pod) with an ``<InLine>`` linear creative whose
media file is the ad's packaged HLS stream, tracking events for impression, quartiles, complete,
skip, click and error. VMAP: one ``<vmap:AdBreak>`` per break (``start``, ``HH:MM:SS.mmm``, ``end``)
carrying its pod as inline VAST (``<vmap:VASTAdData>``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from media import tostring_default_ns

VAST_NS = "http://www.iab.com/VAST"
VMAP_NS = "http://www.iab.net/videosuite/vmap"
VAST_VERSION = "4.2"
LINEAR_EVENTS = ("start", "firstQuartile", "midpoint", "thirdQuartile", "complete", "skip")
ET.register_namespace("vmap", VMAP_NS)


@dataclass(frozen=True, slots=True)
class Creative:
    """What one ``<Ad>`` needs."""

    ad_id: str
    title: str
    advertiser: str | None
    duration_s: float
    media_url: str
    width: int
    height: int
    bitrate_kbps: int | None
    click_url: str | None
    skip_after_s: int | None


Tracker = Callable[[str, str], str]
"""``tracker(ad_id, event)`` → the tracking URL for that event."""


def timecode(seconds: float) -> str:
    """``HH:MM:SS.mmm`` as VAST and VMAP write durations and offsets."""
    ms = round(max(0.0, seconds) * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def vast_element(creatives: Sequence[Creative], *, tracker: Tracker, error_url: str | None = None) -> ET.Element:
    """A ``<VAST version="4.2">`` element; several creatives make a pod (``sequence`` 1..n)."""
    root = ET.Element(f"{{{VAST_NS}}}VAST", {"version": VAST_VERSION})
    if not creatives and error_url:
        _sub(root, f"{{{VAST_NS}}}Error", error_url)
    for seq, c in enumerate(creatives, start=1):
        attrs = {"id": c.ad_id}
        if len(creatives) > 1:
            attrs["sequence"] = str(seq)
        ad = _sub(root, f"{{{VAST_NS}}}Ad", **attrs)
        inline = _sub(ad, f"{{{VAST_NS}}}InLine")
        _sub(inline, f"{{{VAST_NS}}}AdSystem", "OTT Lowband", version="1.0")
        _sub(inline, f"{{{VAST_NS}}}Error", tracker(c.ad_id, "error"))
        _sub(inline, f"{{{VAST_NS}}}Impression", tracker(c.ad_id, "impression"), id=f"imp-{c.ad_id}")
        _sub(inline, f"{{{VAST_NS}}}AdServingId", c.ad_id)
        _sub(inline, f"{{{VAST_NS}}}AdTitle", c.title)
        if c.advertiser:
            _sub(inline, f"{{{VAST_NS}}}Advertiser", c.advertiser)
        creatives_el = _sub(inline, f"{{{VAST_NS}}}Creatives")
        creative = _sub(creatives_el, f"{{{VAST_NS}}}Creative", id=f"cr-{c.ad_id}", adId=c.ad_id,
                        sequence=str(seq))
        _sub(creative, f"{{{VAST_NS}}}UniversalAdId", c.ad_id, idRegistry="ott-lowband")
        linear_attrs = {"skipoffset": timecode(c.skip_after_s)} if c.skip_after_s is not None else {}
        linear = _sub(creative, f"{{{VAST_NS}}}Linear", **linear_attrs)
        _sub(linear, f"{{{VAST_NS}}}Duration", timecode(c.duration_s))
        events = _sub(linear, f"{{{VAST_NS}}}TrackingEvents")
        for event in LINEAR_EVENTS:
            if event == "skip" and c.skip_after_s is None:
                continue
            _sub(events, f"{{{VAST_NS}}}Tracking", tracker(c.ad_id, event), event=event)
        clicks = _sub(linear, f"{{{VAST_NS}}}VideoClicks")
        if c.click_url:
            _sub(clicks, f"{{{VAST_NS}}}ClickThrough", c.click_url, id=f"ct-{c.ad_id}")
        _sub(clicks, f"{{{VAST_NS}}}ClickTracking", tracker(c.ad_id, "click"), id=f"ctr-{c.ad_id}")
        media = _sub(linear, f"{{{VAST_NS}}}MediaFiles")
        _sub(media, f"{{{VAST_NS}}}MediaFile", c.media_url, delivery="streaming", type="application/x-mpegURL",
             width=str(c.width), height=str(c.height),
             bitrate=str(c.bitrate_kbps) if c.bitrate_kbps else None)  # type: ignore[arg-type]
    return root


@dataclass(frozen=True, slots=True)
class VmapBreak:
    """One break for VMAP: kind, offset and its pod's creatives."""

    kind: str
    offset_s: float
    index: int
    creatives: Sequence[Creative]


def vmap_offset(kind: str, offset_s: float) -> str:
    """``start`` for a pre-roll, ``end`` for a post-roll, else the timecode."""
    return {"pre-roll": "start", "post-roll": "end"}.get(kind, timecode(offset_s))


def vmap_element(breaks: Sequence[VmapBreak], *, tracker: Tracker,
                 per_break: Callable[[int], Tracker] | None = None) -> ET.Element:
    """A ``<vmap:VMAP version="1.0">`` element with each break's pod as inline VAST (``per_break(index)``
    gives the tracker of one break, so each showing of an ad has beacons of its own)."""
    root = ET.Element(f"{{{VMAP_NS}}}VMAP", {"version": "1.0"})
    for b in breaks:
        brk = _sub(root, f"{{{VMAP_NS}}}AdBreak", timeOffset=vmap_offset(b.kind, b.offset_s), breakType="linear",
                   breakId=f"{b.kind}-{b.index}")
        source = _sub(brk, f"{{{VMAP_NS}}}AdSource", id=f"pod-{b.index}", allowMultipleAds="true",
                      followRedirects="true")
        data = _sub(source, f"{{{VMAP_NS}}}VASTAdData")
        data.append(vast_element(b.creatives, tracker=per_break(b.index) if per_break else tracker))
    return root


def to_bytes(root: ET.Element) -> bytes:
    """Serialise with an XML declaration (UTF-8); VAST elements unprefixed, as players expect."""
    return tostring_default_ns(root, VAST_NS, encoding="utf-8", xml_declaration=True)
