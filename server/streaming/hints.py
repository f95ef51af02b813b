"""Client-hint headers (``ECT``, ``Downlink``, ``RTT``, ``Save-Data``) read leniently: a malformed hint is ignored.

Hints are advisory (browsers send them, proxies may mangle them), so a bad value never fails the
request; it simply does not count.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping

from media import ECT_TABLE
from netem_profiles import load_profile
from server.streaming.policy import Hints, NetHint

MAX_DOWNLINK_MBPS = 100_000.0
MAX_RTT_MS = 60_000.0


def _number(text: str | None, *, upper: float) -> float | None:
    if text is None or len(text) > 32:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 <= value <= upper else None


@functools.lru_cache(maxsize=64)
def net_hint(name: str) -> NetHint:
    """The ``net=<name>`` hint of a shipped network profile (read once per process; `ProfileError` if unknown)."""
    profile = load_profile(name)
    return NetHint(name=profile.name, down_kbps=profile.down_kbps, rtt_ms=profile.rtt_ms)


def from_headers(headers: Mapping[str, str], *, max_kbps: float | None = None, net: NetHint | None = None) -> Hints:
    """Hints from the request headers plus the explicit ``max_kbps`` / ``net`` query hints."""
    downlink = _number(headers.get("Downlink"), upper=MAX_DOWNLINK_MBPS)
    rtt = _number(headers.get("RTT"), upper=MAX_RTT_MS)
    ect = (headers.get("ECT") or "").strip().lower()
    save = (headers.get("Save-Data") or "").split(";")[0].strip().lower() == "on"
    return Hints(
        max_kbps=max_kbps,
        net=net,
        downlink_kbps=downlink * 1000 if downlink is not None and downlink > 0 else None,
        rtt_ms=rtt,
        ect=ect if ect in ECT_TABLE else None,
        save_data=save,
    )
