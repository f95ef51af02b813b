"""Manifest policy: which variants a viewer sees, in what order, and which one playback starts on.

Pure: plain data in, a :class:`Plan` out (no I/O, no clock). Players start on the first variant
of a master playlist, so the start rung is listed first and the others follow, lowest first.

Rules, in order (each one only ever removes rungs; the lowest remaining rung always survives):

1. tier cap: free ≤ 720p, premium ≤ 1080p;
2. the profile's preferred quality (a rung name; ``auto`` or unknown names cap nothing);
3. ``Save-Data: on`` caps at 360p and starts on the lowest rung;
4. ``max_kbps``: a variant's declared peak ``BANDWIDTH`` must not exceed it;
5. link trim: when a link figure is known, rungs whose average bitrate exceeds
   ``LINK_HEADROOM`` × downlink are dropped (a whole ladder costs ffmpeg/mpv ~5 MB before the
   first frame, DESIGN §4);
6. start: :func:`media.abr.choose_start` over the remaining rungs' average bitrates.

The link figure comes from, in order: the ``net=<profile>`` hint, the server's own throughput
estimate for the viewer (when it has at least ``MIN_ESTIMATE_SAMPLES`` samples), the
``Downlink`` client hint, the ``ECT`` client hint; RTT from the profile, else the ``RTT`` hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from media import ECT_TABLE, choose_start, fmt_kbps

TIER_MAX_HEIGHT: dict[str, int] = {"free": 720, "premium": 1080}
SAVE_DATA_MAX_HEIGHT = 360
LINK_HEADROOM = 1.2  # mpv starts on the highest listed rung: list only what the link can nearly carry
MIN_ESTIMATE_SAMPLES = 2


@dataclass(frozen=True, slots=True)
class Rung:
    """One packaged variant: its name, picture height and measured bitrates (kbit/s)."""

    name: str
    height: int
    peak_kbps: float
    average_kbps: float


@dataclass(frozen=True, slots=True)
class NetHint:
    """A named network profile the client says it is on (``net=3g``)."""

    name: str
    down_kbps: float
    rtt_ms: float


@dataclass(frozen=True, slots=True)
class Hints:
    """What the request says about the link: explicit query hints and client-hint headers."""

    max_kbps: float | None = None
    net: NetHint | None = None
    downlink_kbps: float | None = None
    rtt_ms: float | None = None
    ect: str | None = None
    save_data: bool = False


@dataclass(frozen=True, slots=True)
class Estimate:
    """The server's throughput estimate for this viewer from recent segment deliveries.

    ``rates``: the delivery samples behind it, oldest first, as ``(bytes, seconds)`` (what the steering
    controller is fed, so it sees the same downloads a player's own ABR would). ``floor_kbps``: the rate
    the newest gap proves when the player was pacing itself (a lower bound; ``kbps`` is at least it);
    ``fill_age_s``: seconds since the newest fill (None without one); ``keeps_up``: that paced gap shows
    the link moving the current rung's segment within its media duration.
    """

    kbps: float
    samples: int
    rates: tuple[tuple[int, float], ...] = ()
    floor_kbps: float | None = None
    fill_age_s: float | None = None
    keeps_up: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    """The policy's answer: variants in playlist order (start first), the start rung and why."""

    variants: tuple[str, ...]
    start: str
    reason: str
    link_kbps: float | None
    link_source: str


def _cap(rungs: list[Rung], keep: list[Rung], note: str, notes: list[str]) -> list[Rung]:
    """Apply a cap: ``keep`` if non-empty, else only the lowest rung; record ``note`` if it bit."""
    result = keep or rungs[:1]
    if len(result) < len(rungs):
        notes.append(note)
    return result


def _link(hints: Hints, estimate: Estimate | None) -> tuple[float | None, float | None, str]:
    """(downlink kbps, rtt ms, source label) from the hints and the estimate, best source first."""
    rtt = hints.rtt_ms if hints.rtt_ms is not None and hints.rtt_ms >= 0 else None
    if hints.net is not None:
        return hints.net.down_kbps, hints.net.rtt_ms, f"net={hints.net.name}"
    if estimate is not None and estimate.samples >= MIN_ESTIMATE_SAMPLES and estimate.kbps > 0:
        return estimate.kbps, rtt, f"server estimate ({estimate.samples} segments)"
    if hints.downlink_kbps is not None and hints.downlink_kbps > 0:
        return hints.downlink_kbps, rtt, "Downlink hint"
    if hints.ect and hints.ect in ECT_TABLE:
        kbps, ect_rtt = ECT_TABLE[hints.ect]
        return kbps, rtt if rtt is not None else ect_rtt, f"ECT {hints.ect}"
    return None, rtt, "default"


def plan_variants(*, ladder: Sequence[Rung], tier: str, preferred_quality: str | None, hints: Hints,
                  estimate: Estimate | None, first_segment_s: float = 2.0,
                  next_segment_s: float | None = None) -> Plan:
    """Decide the variants (ordered, start first), the start rung and a one-line reason."""
    if not ladder:
        raise ValueError("the asset has no video renditions")
    rungs = sorted(ladder, key=lambda r: (r.height, r.average_kbps))
    notes: list[str] = []
    tier_max = TIER_MAX_HEIGHT.get(tier, TIER_MAX_HEIGHT["free"])
    rungs = _cap(rungs, [r for r in rungs if r.height <= tier_max], f"tier {tier} ≤ {tier_max}p", notes)
    by_name = {r.name: r for r in ladder}
    if preferred_quality in by_name:
        limit = by_name[preferred_quality].height
        rungs = _cap(rungs, [r for r in rungs if r.height <= limit], f"profile prefers ≤ {preferred_quality}", notes)
    if hints.save_data:
        rungs = _cap(rungs, [r for r in rungs if r.height <= SAVE_DATA_MAX_HEIGHT],
                     f"Save-Data ≤ {SAVE_DATA_MAX_HEIGHT}p", notes)
    if hints.max_kbps is not None:
        rungs = _cap(rungs, [r for r in rungs if r.peak_kbps <= hints.max_kbps],
                     f"max_kbps {hints.max_kbps:g}", notes)
    link_kbps, rtt_ms, source = _link(hints, estimate)
    if link_kbps is not None:
        budget = link_kbps * LINK_HEADROOM
        rungs = _cap(rungs, [r for r in rungs if r.average_kbps <= budget],
                     f"link {fmt_kbps(link_kbps)} × {LINK_HEADROOM:g} drops rungs above {fmt_kbps(budget)}", notes)
    decision = choose_start(
        [r.average_kbps for r in rungs],
        downlink_kbps=link_kbps,
        rtt_ms=rtt_ms,
        save_data=hints.save_data,
        first_segment_s=first_segment_s,
        next_segment_s=next_segment_s,
    )
    start = rungs[decision.index]
    plain = source in ("default", "Downlink hint") or hints.save_data
    detail = decision.reason if plain else f"{source}: {decision.reason}"
    reason = "; ".join([detail, *notes])
    order = (start.name, *(r.name for r in rungs if r.name != start.name))
    return Plan(variants=order, start=start.name, reason=reason, link_kbps=link_kbps, link_source=source)


_ASCII = str.maketrans({"≈": "~", "≤": "<=", "≥": ">=", "→": "->", "×": "x", "·": "-", "∞": "inf"})


def header_value(plan: Plan) -> str:
    """The ``X-OTT-ABR`` header value: ``start=360p; reason=...`` (ASCII only)."""
    text = f"start={plan.start}; reason={plan.reason}".translate(_ASCII)
    return text.encode("ascii", "replace").decode("ascii").replace("\r", " ").replace("\n", " ")
