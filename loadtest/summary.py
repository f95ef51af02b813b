"""From raw samples to ``summary.json``: API/media latency and errors, per-network player figures, targets."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadtest.config import PER_PROFILE_METRICS, TargetModel
from loadtest.player_models import DEFAULT_MODEL, MODELS_FILE, load_model
from loadtest.samples import CMS_TYPES

PROFILE_METRICS = PER_PROFILE_METRICS


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100) with linear interpolation; None for no values."""
    if not values:
        return None
    xs = sorted(values)
    if len(xs) == 1:
        return float(xs[0])
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def latency_block(records: Sequence[dict[str, Any]], *, span_s: float) -> dict[str, Any]:
    """Count, failures, error rate (%), rps and p50/p95/p99/max of request records."""
    times = [float(r["ms"]) for r in records]
    failures = sum(1 for r in records if not r.get("ok", True))
    return {
        "requests": len(records),
        "failures": failures,
        "error_rate_pct": _r(100.0 * failures / len(records), 3) if records else 0.0,
        "rps": _r(len(records) / span_s, 2) if span_s > 0 else None,
        "p50_ms": _r(percentile(times, 50)),
        "p95_ms": _r(percentile(times, 95)),
        "p99_ms": _r(percentile(times, 99)),
        "max_ms": _r(max(times) if times else None),
    }


def _stat_block(values: Sequence[float], *, unit: str = "ms") -> dict[str, Any]:
    return {"count": len(values), f"p50_{unit}": _r(percentile(values, 50)), f"p95_{unit}": _r(percentile(values, 95)),
            f"max_{unit}": _r(max(values) if values else None),
            f"mean_{unit}": _r(sum(values) / len(values) if values else None)}


def profile_block(metrics: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Every per-profile figure (always all keys; ``count`` 0 and nulls when nothing was measured)."""
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in metrics:
        by_type[m["type"]].append(m)
    starts = by_type["stream_start"]
    start = _stat_block([float(m["ms"]) for m in starts])
    floors = [float(m["floor_ms"]) for m in starts if m.get("floor_ms") is not None]
    start["floor_p50_ms"] = _r(percentile(floors, 50))
    switches = by_type["bitrate_switch"]
    switch = _stat_block([float(m["ms"]) for m in switches])
    switch["up"] = sum(1 for m in switches if m.get("direction") == "up")
    switch["down"] = sum(1 for m in switches if m.get("direction") == "down")
    switch["abandon"] = sum(1 for m in switches if m.get("reason") == "abandon")
    sessions = by_type["rebuffer_ratio"]
    played = sum(float(m.get("played_s") or 0.0) for m in sessions)
    stalled = sum(float(m.get("stall_s") or 0.0) for m in sessions)
    rebuffer = {
        "sessions": len(sessions),
        "stalls": len(by_type["rebuffer"]),
        "stall_s": _r(stalled, 3),
        "played_s": _r(played, 3),
        "ratio_pct": _r(100.0 * stalled / played, 3) if played > 0 else (100.0 if stalled > 0 else None),
        "stall_p95_ms": _r(percentile([float(m["ms"]) for m in by_type["rebuffer"]], 95)),
        "count": len(sessions),
        "abandons": sum(int(m.get("abandons") or 0) for m in sessions),
        "wasted_bytes": sum(int(m.get("wasted_bytes") or 0) for m in sessions),
    }
    rates = [float(m["ms"]) for m in by_type["avg_bitrate"]]
    links = [float(m["link_kbps"]) for m in by_type["avg_bitrate"] if m.get("link_kbps")]
    bitrate = {"count": len(rates), "mean_kbps": _r(sum(rates) / len(rates) if rates else None),
               "p50_kbps": _r(percentile(rates, 50)), "link_kbps": _r(sum(links) / len(links) if links else None)}
    return {"stream_start": start, "bitrate_switch": switch, "rebuffer": rebuffer, "avg_bitrate": bitrate,
            "ad_start": ad_start_block(by_type)}


def calibrate(network: str, block: dict[str, Any], *, model: str = DEFAULT_MODEL,
              models: Path = MODELS_FILE) -> dict[str, Any]:
    """Mark the simulated stream start of ``network`` with the calibration factor measured last for the player
    model (``loadtest/player_models.toml``: real mpv first frame p50 ÷ simulated p50); ``calibrated`` False and
    the factor None when it was never measured on that network."""
    factor = load_model(model, path=models).factor(network)
    block["stream_start"]["model"] = model
    block["stream_start"]["calibration_factor"] = factor
    block["stream_start"]["calibrated"] = factor is not None
    return block


def _fill_pct(fills: Sequence[dict[str, Any]]) -> float | None:
    return _r(sum(float(m["ms"]) for m in fills) / len(fills), 2) if fills else None


def ad_start_block(by_type: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per profile: play → first ad segment, play → first content segment after the pod, fill rate."""
    block = _stat_block([float(m["ms"]) for m in by_type.get("ad_start", [])])
    content = [float(m["ms"]) for m in by_type.get("ad_content_start", [])]
    block["content_p50_ms"] = _r(percentile(content, 50))
    block["content_p95_ms"] = _r(percentile(content, 95))
    block["fill_pct"] = _fill_pct(by_type.get("ad_fill", []))
    return block


def ads_block(metrics: Sequence[dict[str, Any]], api: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Run-wide ad figures: fill rate, ads played/skipped/cut (left mid-way: the run ended), stalls during ads,
    beacons by event and their failures."""
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in metrics:
        by_type[m["type"]].append(m)
    views = by_type["ad_view"]
    played = sum(float(v.get("played_s") or 0.0) for v in views)
    stalled = sum(float(v.get("stall_s") or 0.0) for v in views)
    beacons = [r for r in api if str(r.get("name", "")).startswith("/api/v1/ads/track")]
    events: dict[str, int] = defaultdict(int)
    for b in beacons:
        events[str(b["name"]).partition("event=")[2] or "?"] += 1
    starts = _stat_block([float(m["ms"]) for m in by_type["ad_start"]])
    content = _stat_block([float(m["ms"]) for m in by_type["ad_content_start"]])
    return {
        "sessions": len(by_type["ad_fill"]),
        "count": len(by_type["ad_fill"]),
        "fill_rate_pct": _fill_pct(by_type["ad_fill"]),
        "ads_played": len(views),
        "ads_skipped": sum(1 for v in views if v.get("skipped")),
        "ads_cut": sum(1 for v in views if v.get("cut")),
        "ad_played_s": _r(played, 3),
        "ad_stall_ratio_pct": _r(100.0 * stalled / played, 3) if played > 0 else None,
        "start_count": starts["count"], "start_p50_ms": starts["p50_ms"], "start_p95_ms": starts["p95_ms"],
        "content_start_count": content["count"], "content_start_p50_ms": content["p50_ms"],
        "content_start_p95_ms": content["p95_ms"],
        "beacons": dict(sorted(events.items())),
        "beacon_failures": sum(1 for b in beacons if not b.get("ok", True)),
        "api": latency_block([r for r in api if str(r.get("name", "")).startswith("/api/v1/ads/")], span_s=0),
    }


def cms_block(metrics: Sequence[dict[str, Any]], api: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Run-wide CMS figures: workflows published, their request time, publish → visible, failures, CMS API latency."""
    flows = [m for m in metrics if m["type"] == "cms_workflow"]
    visible = [m for m in metrics if m["type"] == "cms_visible"]
    flow = _stat_block([float(m["ms"]) for m in flows])
    seen = _stat_block([float(m["ms"]) for m in visible if m.get("ok", True)])
    return {
        "workflows": len(flows),
        "count": len(flows),
        "rejected": sum(1 for m in flows if m.get("rejected")),
        "workflow_p50_ms": flow["p50_ms"], "workflow_p95_ms": flow["p95_ms"], "workflow_max_ms": flow["max_ms"],
        "steps_mean": _r(sum(float(m.get("steps") or 0) for m in flows) / len(flows)) if flows else None,
        "visible_count": seen["count"], "visible_p50_ms": seen["p50_ms"], "visible_p95_ms": seen["p95_ms"],
        "failures": sum(1 for m in metrics if not m.get("ok", True)),
        "api": latency_block([r for r in api if str(r.get("name", "")).startswith("/api/v1/cms/")], span_s=0),
    }


def summarize(records: Iterable[dict[str, Any]], *, networks: Sequence[str] = (),
              run: dict[str, Any] | None = None) -> dict[str, Any]:
    """The summary of a run. ``networks``: the mix's networks (each gets a block even without samples)."""
    api: list[dict[str, Any]] = []
    media: list[dict[str, Any]] = []
    metrics: dict[str, list[dict[str, Any]]] = defaultdict(list)
    cms: list[dict[str, Any]] = []
    endpoints: dict[str, list[dict[str, Any]]] = defaultdict(list)
    first, last = math.inf, -math.inf
    for rec in records:
        t = float(rec.get("t") or 0.0)
        first, last = min(first, t), max(last, t)
        kind = rec.get("k")
        if kind == "metric" and rec.get("type") in CMS_TYPES:
            cms.append(rec)
        elif kind == "metric":
            metrics[str(rec.get("net") or rec.get("name"))].append(rec)
        elif kind == "api":
            api.append(rec)
            endpoints[f"{rec['type']} {rec['name']}"].append(rec)
        elif kind == "media":
            media.append(rec)
            endpoints[f"{rec['type']} {rec['name']}"].append(rec)
    span = last - first if last > first else 0.0
    names = list(dict.fromkeys([*networks, *sorted(metrics)]))
    return {
        "run": dict(run or {}),
        "span_s": _r(span, 2),
        "api": latency_block(api, span_s=span),
        "media": latency_block(media, span_s=span),
        "all": latency_block(api + media, span_s=span),
        "endpoints": {k: latency_block(v, span_s=span) for k, v in sorted(endpoints.items())},
        "profiles": {name: calibrate(name, profile_block(metrics.get(name, []))) for name in names},
        "ads": ads_block([m for ms in metrics.values() for m in ms], api),
        "cms": cms_block(cms, api),
    }


@dataclass(frozen=True, slots=True)
class TargetResult:
    """One target checked against one figure (``profile`` is None for run-wide figures)."""

    name: str
    metric: str
    stat: str
    profile: str | None
    value: float | None
    limit: str
    ok: bool
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"name": self.name, "metric": self.metric, "stat": self.stat, "profile": self.profile,
                "value": self.value, "limit": self.limit, "ok": self.ok, "note": self.note}


def _judge(t: TargetModel, *, profile: str | None, value: float | None, count: int | None) -> TargetResult:
    limit = " and ".join(x for x in (f"≤ {t.max:g}" if t.max is not None else "",
                                     f"≥ {t.min:g}" if t.min is not None else "") if x)
    if value is None or count == 0:
        ok = not t.require_data
        return TargetResult(t.name, t.metric, t.stat, profile, None, limit, ok,
                            "no data" + ("" if ok else " (data required)"))
    ok = (t.max is None or value <= t.max) and (t.min is None or value >= t.min)
    return TargetResult(t.name, t.metric, t.stat, profile, value, limit, ok)


def check_targets(summary: dict[str, Any], targets: Sequence[TargetModel]) -> list[TargetResult]:
    """Every target against the summary; per-profile targets once per matching profile of the run."""
    out: list[TargetResult] = []
    for t in targets:
        if t.metric in PROFILE_METRICS:
            for name, block in summary["profiles"].items():
                if t.profiles is not None and name not in t.profiles:
                    continue
                figures = block.get(t.metric, {})
                if t.stat not in figures:
                    out.append(TargetResult(t.name, t.metric, t.stat, name, None, "", False, f"unknown stat {t.stat}"))
                    continue
                out.append(_judge(t, profile=name, value=figures.get(t.stat), count=figures.get("count")))
        else:
            figures = summary.get(t.metric, {})
            if t.stat not in figures:
                out.append(TargetResult(t.name, t.metric, t.stat, None, None, "", False, f"unknown stat {t.stat}"))
                continue
            out.append(_judge(t, profile=None, value=figures.get(t.stat),
                              count=figures.get("requests", figures.get("count"))))
    return out
