"""Server-steered rendition choice for players without ABR (mpv): pure, driven by ``media.abr``'s default rule.

In ``auto`` mode, before each steered segment the server asks an :class:`media.abr.AbrController` running
:data:`media.abr.DEFAULT_RULE` — the rule the terminal client and the simulated viewers use — for the
next rung. The controller is rebuilt per decision from what the server knows (it keeps no state between
requests, so any worker can decide): the delivery samples behind the viewer's estimate (fed as finished
downloads, oldest first), the current rung, and the buffer estimate (media time delivered minus wall time
since the first steered segment) once playback has begun. Without an estimate the current rendition is kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from media import DEFAULT_RULE, AbrController
from server.streaming.delivery import MIN_SAMPLE_BYTES
from server.streaming.policy import Rung


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
          rule: str = DEFAULT_RULE) -> SteerDecision:
    """Choose the rendition for the next segment among ``rungs`` (allowed, lowest first).

    ``rates``: the delivery samples (bytes, seconds) behind ``estimate_kbps``, oldest first; without them
    the controller gets one download at ``estimate_kbps``.
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
    return SteerDecision(names[decision.index], decision.reason, rule)
