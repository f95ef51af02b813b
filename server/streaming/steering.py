"""Server-steered rendition choice for players without ABR (mpv): pure, driven by ``media.abr``'s default rule.

In ``auto`` mode, before each steered segment the server asks an :class:`media.abr.AbrController` running
:data:`media.abr.DEFAULT_RULE` — the rule the terminal client and the simulated viewers use — for the
next rung. The controller is rebuilt per decision from what the server knows (it keeps no state between
requests, so any worker can decide): the delivery samples behind the viewer's estimate (fed as finished
downloads, oldest first), the current rung, and the player's buffer as the server models it
(:mod:`server.streaming.playerbuffer`) once playback has begun. Without an estimate the current rendition
is kept.

**Paced player.** A player with a bounded read-ahead that keeps up asks for a segment per segment
duration: its request timing proves the link carries the current rung (the paced floor, see
:mod:`server.streaming.delivery`) and nothing about how much more. While the newest gap shows that
(``keeps_up``: the segment moved about as fast as it plays, the buffer full), the current rung is
never left downwards — the floor alone reads as the rung's own bitrate, under the controller's
down-switch factor, and would step down a rung that plays without a stall. A slower link shows up
as a fill on the very next gap (longer than the media), and the controller decides on it.

**Up-probe.** Pacing alone would leave the player on a low rung for good after a drop. So when
the newest gap keeps up, the controller keeps the current rung, and the fills behind the estimate
are older than ``PROBE_STALE_S`` (or there are none), the next segment goes one rung up — only
when that rung's segment (its real size when the server knows it, else the rung's average bitrate ×
segment duration), at the floor's rate (what the link has just shown), loads while at least one
segment's worth stays buffered:

    next rung's segment bytes × 8 ÷ floor_kbps  ≤  buffer_s − segment_s

If the link cannot carry it, the player stops pacing, its next gaps are fills, and the estimate
(and the controller) see the real rate; the condition keeps that one segment from stalling.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from media import DEFAULT_RULE, AbrController
from server.streaming.delivery import MIN_SAMPLE_BYTES
from server.streaming.policy import Rung

#: Fills at least this old no longer stop an up-probe: a probe that failed (its fills said the link is
#: slower) is not tried again for this long (15 segments of 2 s).
PROBE_STALE_S = 30.0


@dataclass(frozen=True, slots=True)
class SteerDecision:
    """The rendition for the next steered segment, why, and which ABR rule decided."""

    rendition: str
    reason: str
    rule: str = DEFAULT_RULE


def _rates(estimate_kbps: float, rates: Sequence[tuple[int, float]], segment_s: float) -> list[tuple[float, float]]:
    """The downloads to feed: the delivery samples, or one segment's worth at ``estimate_kbps`` without them."""
    usable = [(float(n), float(s)) for n, s in rates if n > 0 and s > 0 and math.isfinite(s)]
    if usable:
        return usable
    seconds = max(segment_s, 0.5)
    return [(estimate_kbps * 1000 / 8 * seconds, seconds)]


def steer(*, rungs: Sequence[Rung], current: str, estimate_kbps: float | None, buffer_s: float,
          playing: bool, segment_s: float, rates: Sequence[tuple[int, float]] = (),
          rule: str = DEFAULT_RULE, floor_kbps: float | None = None,
          fill_age_s: float | None = None, up_bytes: int | None = None,
          keeps_up: bool = False) -> SteerDecision:
    """Choose the rendition for the next segment among ``rungs`` (allowed, lowest first).

    ``rates``: the delivery samples (bytes, seconds) behind ``estimate_kbps``, oldest first; without them
    the controller gets one download at ``estimate_kbps``. ``floor_kbps``: the rate the newest gap proves
    when the player was pacing itself (None when it was filling); ``fill_age_s``: seconds since the newest
    fill (None without one); ``up_bytes``: the size of this segment one rung above ``current``;
    ``keeps_up``: the newest gap shows the link moving the current rung in time (module docstring).
    """
    names = [r.name for r in rungs]
    if not rungs:
        raise ValueError("no renditions to steer between")
    if estimate_kbps is None or estimate_kbps <= 0:
        keep = current if current in names else names[0]
        return SteerDecision(keep, "no throughput estimate yet", rule)
    ctrl = AbrController([r.average_kbps for r in rungs], rule=rule, segment_s=max(segment_s, 0.5),
                         min_sample_bytes=MIN_SAMPLE_BYTES)
    for nbytes, seconds in _rates(estimate_kbps, rates, segment_s):
        ctrl.on_download(nbytes=nbytes, duration_s=seconds, now=math.nan)
    ctrl.current_index = names.index(current) if current in names else 0
    ctrl.on_buffer(level_s=max(buffer_s, 0.0) if playing else 0.0, now=0.0)
    if playing and buffer_s <= 0:
        ctrl.playing, ctrl.stalled = True, True  # playback began and the buffer ran dry: a stall
    decision = ctrl.decide(0.0)
    cur = names.index(current) if current in names else 0
    paced = playing and keeps_up and floor_kbps is not None and current in names
    if paced and decision.index <= cur:
        probe = _probe(rungs, cur, floor_kbps=floor_kbps, fill_age_s=fill_age_s,
                       buffer_s=buffer_s, segment_s=segment_s, up_bytes=up_bytes)
        if probe is not None:
            return SteerDecision(names[cur + 1], probe, rule)
    if paced and decision.index < cur:
        return SteerDecision(current, f"keep {current}: paced, the link moved its segment in time at "
                                      f"≥ {floor_kbps:.0f} kbps (wanted {names[decision.index]}: {decision.reason})",
                             rule)
    return SteerDecision(names[decision.index], decision.reason, rule)


def _probe(rungs: Sequence[Rung], cur: int, *, floor_kbps: float | None,
           fill_age_s: float | None, buffer_s: float, segment_s: float, up_bytes: int | None) -> str | None:
    """Why the next segment may go one rung above ``cur`` (module docstring), or None."""
    if floor_kbps is None or floor_kbps <= 0 or cur + 1 >= len(rungs):
        return None
    if fill_age_s is not None and fill_age_s < PROBE_STALE_S:
        return None  # fills this fresh measure the link: the controller has decided on them
    seg = max(segment_s, 0.5)
    up = rungs[cur + 1]
    kbits = up_bytes * 8 / 1000 if up_bytes else up.average_kbps * seg
    load_s = kbits / floor_kbps
    if load_s > buffer_s - seg:
        return None
    fills = "no fills" if fill_age_s is None else f"fills {fill_age_s:.0f} s old"
    return (f"probe {up.name}: paced at ≥ {floor_kbps:.0f} kbps ({fills}); its segment loads in {load_s:.1f} s "
            f"≤ buffer {buffer_s:.1f} s − {seg:g} s")
