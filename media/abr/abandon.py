"""Abandonment: give up a download that cannot finish before the buffer runs dry."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from media.abr.base import (
    AbrConfig,
    Decision,
    as_finite,
    as_nonneg,
    clean_ladder,
    fmt_kbps,
    make_decision,
)


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    """A segment download in flight.

    Attributes:
        index: rung being downloaded.
        loaded_bytes / total_bytes: progress (total is the segment's size).
        elapsed_s: time since the request was sent (includes time to first byte).
        buffer_s: media buffered ahead of the playhead now.
        ttfb_s: time to first byte of this request (≈ one RTT), used to cost a re-request.
        now: current time, if known (starts the up-switch hold after an abandonment).
    """

    index: int
    loaded_bytes: float
    total_bytes: float
    elapsed_s: float
    buffer_s: float
    ttfb_s: float = 0.0
    now: float | None = None


def abandon_rule(
    ladder_kbps: Sequence[float],
    *,
    progress: DownloadProgress,
    config: AbrConfig = AbrConfig(),
    recent_bps: float | None = None,
) -> Decision | None:
    """Abandonment (hls.js criterion, dash.js choice of rung).

    If the download in flight cannot finish before the buffer runs dry at the rate seen so far,
    return the highest lower rung that is sustainable at `abandon_bw_factor` × that rate (one
    segment loads, TTFB included, within a segment duration and before the buffer runs dry),
    else the lowest rung — but only if re-requesting is faster than finishing. Otherwise None
    (keep downloading). `recent_bps` (bytes/s over the last second or so, if the caller tracks
    it) is used when it is slower than the average: a link that collapsed mid-download is
    judged at its new rate, not at one inflated by the fast start. An outage (no lower rung
    arrives before the buffer runs dry either) with at least `abandon_outage_hold_s` of buffer
    is waited out: abandoning would not avoid the stall, and the link may come back. With at
    least `abandon_deep_s` buffered the re-request is one rung down, never the lowest rung."""
    ladder = clean_ladder(ladder_kbps)
    p = progress
    idx = int(p.index) if isinstance(p.index, int) else 0
    if not ladder or idx <= 0 or idx >= len(ladder):
        return None
    elapsed = as_nonneg(p.elapsed_s, 0.0)
    min_elapsed = config.abandon_min_elapsed_s
    if min_elapsed is None:
        min_elapsed = config.segment_s / 2
    if elapsed < min_elapsed:
        return None
    loaded = as_nonneg(p.loaded_bytes, 0.0)
    total = as_nonneg(p.total_bytes, 0.0)
    buf = as_nonneg(p.buffer_s, 0.0)
    ttfb = min(as_nonneg(p.ttfb_s, 0.0), elapsed)
    if total <= 0 or loaded >= total or loaded <= 0:
        return None
    rate = loaded / max(elapsed - ttfb, 1e-3)  # bytes/s since first byte
    recent = as_finite(recent_bps, -1.0)
    if 0 <= recent < rate:
        rate = max(recent, 1e-3)
    remaining_s = (total - loaded) / rate
    bw = rate * config.abandon_bw_factor
    reserve = 0.0
    if math.isfinite(ladder[idx]):
        # Finishing must leave time to fetch the next segment at the lowest rung, at this rate.
        reserve = ttfb + total * ladder[0] / ladder[idx] / bw
    if remaining_s <= buf - reserve:
        return None
    chosen: int | None = None
    chosen_s = math.inf
    seg = max(as_nonneg(config.segment_s, 2.0), 1e-3)
    for i in range(idx - 1, -1, -1):
        size = total * ladder[i] / ladder[idx] if math.isfinite(ladder[idx]) else total
        t = ttfb + size / bw
        if t <= seg and t < buf:
            chosen, chosen_s = i, t
            break
    if chosen is None:
        size0 = total * ladder[0] / ladder[idx] if math.isfinite(ladder[idx]) else total
        chosen, chosen_s = 0, ttfb + size0 / bw
        if (chosen_s >= buf or config.abandon_hold_unsustainable) and (
            buf >= config.abandon_outage_hold_s
        ):
            # No lower rung is sustainable at this rate (an outage, or a link below the
            # ladder): switching down only slows the drain of the buffer, it cannot stop it.
            # While the buffer is deep, keep the segment in flight: if the link comes back
            # first, nothing was lost; below `abandon_outage_hold_s` the lowest rung wins.
            return None
    deep = config.abandon_deep_s
    if deep is not None and buf >= deep and chosen == 0 and idx > 1:
        # A deep buffer rides out the dip: from it, step down one rung, never to the lowest.
        chosen = idx - 1
        size1 = total * ladder[chosen] / ladder[idx] if math.isfinite(ladder[idx]) else total
        chosen_s = ttfb + size1 / bw
    if chosen_s >= remaining_s:
        return None
    reason = (
        f"abandon {fmt_kbps(ladder[idx])}: {remaining_s:.1f} s left at "
        f"{fmt_kbps(rate * 8 / 1000)} > buffer {buf:.1f} s; {fmt_kbps(ladder[chosen])} "
        f"loads in {chosen_s:.1f} s"
    )
    return make_decision(ladder, chosen, reason, "abandon")
