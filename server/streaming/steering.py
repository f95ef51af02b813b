"""Server-steered rendition choice for players without ABR (mpv): pure, driven by ``media.abr``'s rules.

In ``auto`` mode, before each steered segment the server applies the throughput rule (hls.js
0.95/0.7 hysteresis band) to its estimate for the viewer, capped by the insufficient-buffer
rule once playback has begun (the buffer estimate is media time delivered minus wall time since
the first steered segment). Without an estimate the current rendition is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from media import AbrConfig, insufficient_buffer_rule, throughput_rule
from server.streaming.policy import Rung


@dataclass(frozen=True, slots=True)
class SteerDecision:
    """The rendition for the next steered segment and why."""

    rendition: str
    reason: str


def steer(*, rungs: Sequence[Rung], current: str, estimate_kbps: float | None, buffer_s: float,
          playing: bool, segment_s: float) -> SteerDecision:
    """Choose the rendition for the next segment among ``rungs`` (allowed, lowest first)."""
    names = [r.name for r in rungs]
    if not rungs:
        raise ValueError("no renditions to steer between")
    if estimate_kbps is None or estimate_kbps <= 0:
        keep = current if current in names else names[0]
        return SteerDecision(keep, "no throughput estimate yet")
    ladder = [r.average_kbps for r in rungs]
    config = AbrConfig(rule="throughput", segment_s=max(segment_s, 0.5))
    cur = names.index(current) if current in names else 0
    decision = throughput_rule(ladder, estimate_kbps=estimate_kbps, current_index=cur, config=config)
    if playing:
        cap = insufficient_buffer_rule(ladder, estimate_kbps=estimate_kbps, buffer_s=buffer_s, config=config)
        if cap.index < decision.index:
            return SteerDecision(names[cap.index], f"{cap.reason} (wanted {names[decision.index]}: {decision.reason})")
    return SteerDecision(names[decision.index], decision.reason)
