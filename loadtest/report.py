"""``report.html``: plotly charts of a run (users over time, stream start per profile, bitrate over time,
switch latency, rebuffering, API latency percentiles over time, ads, CMS) plus the targets, per-profile and
per-endpoint tables.

Every value axis starts at zero; a chart without data says so; each network profile keeps one colour,
dash and marker across the charts. plotly.js is embedded once, so the file opens offline.
"""

from __future__ import annotations

import csv
import html
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from loadtest.summary import percentile

BUCKET_S = 5.0
#: Locust's per-interval history (``--csv-full-history``): timestamp and user count per row.
HISTORY_CSV = "locust_stats_history.csv"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star", "triangle-down")


def series_style(index: int) -> dict[str, Any]:
    """Colour, dash and marker of the INDEXth series: neighbours differ in all three."""
    return {"color": PALETTE[index % len(PALETTE)], "dash": DASHES[index % len(DASHES)],
            "symbol": SYMBOLS[index % len(SYMBOLS)]}


def _line(index: int, **kwargs: Any) -> go.Scatter:
    style = series_style(index)
    return go.Scatter(mode="lines+markers", line={"color": style["color"], "dash": style["dash"], "width": 2},
                      marker={"symbol": style["symbol"], "size": 7, "color": style["color"]}, **kwargs)


def _box(index: int, **kwargs: Any) -> go.Box:
    style = series_style(index)
    return go.Box(marker={"color": style["color"], "symbol": style["symbol"]}, line={"color": style["color"]},
                  **kwargs)


def finish(fig: go.Figure, *, empty_note: str) -> go.Figure:
    """Start every value axis at zero; on a figure without data, say so instead of drawing empty axes."""
    fig.update_yaxes(rangemode="tozero")
    fig.update_layout(yaxis2={"rangemode": "tozero"} if "yaxis2" in fig.layout and fig.layout.yaxis2.overlaying
                      else {})
    if not any(len(getattr(t, "y", None) or ()) for t in fig.data):
        fig.add_annotation(text=f"no data: {empty_note}", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                           font={"size": 16, "color": "#777"})
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    return fig


def users_over_time(history: Path) -> list[tuple[float, int]]:
    """(unix time, running users) per row of Locust's stats history (the aggregated rows); [] without the file."""
    try:
        with history.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError:
        return []
    out: list[tuple[float, int]] = []
    for row in rows:
        if row.get("Name") not in ("Aggregated", "") or not row.get("Timestamp"):
            continue
        try:
            out.append((float(row["Timestamp"]), int(float(row.get("User Count") or 0))))
        except ValueError:
            continue
    return sorted(out)


def _fig_users(users: Sequence[tuple[float, int]], t0: float) -> go.Figure:
    fig = go.Figure()
    if users:
        fig.add_trace(go.Scatter(x=[t - t0 for t, _ in users], y=[n for _, n in users], mode="lines", name="users",
                                 line={"shape": "hv", "color": PALETTE[0], "width": 2}, fill="tozeroy"))
    fig.update_layout(title="Users over time", xaxis_title="seconds into run", yaxis_title="running users")
    fig.update_xaxes(rangemode="tozero")
    return finish(fig, empty_note=f"Locust wrote no {HISTORY_CSV}")


def _buckets(records: Sequence[dict[str, Any]], t0: float) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        out[int((float(r["t"]) - t0) // BUCKET_S)].append(r)
    return out


def _fig_stream_start(metrics: Sequence[dict[str, Any]]) -> go.Figure:
    fig = go.Figure()
    for i, net in enumerate(sorted({str(m.get("net")) for m in metrics})):
        values = [m["ms"] / 1000 for m in metrics if m["type"] == "stream_start" and str(m.get("net")) == net]
        if values:
            fig.add_trace(_box(i, y=values, name=net, boxpoints="all", jitter=0.4))
    fig.update_layout(title="Stream start per network profile (play → first segment)", yaxis_title="seconds")
    return finish(fig, empty_note="no stream started")


def _fig_bitrate(segments: Sequence[dict[str, Any]], t0: float) -> go.Figure:
    fig = go.Figure()
    for i, net in enumerate(sorted({str(s.get("net")) for s in segments})):
        mine = [s for s in segments if str(s.get("net")) == net and s.get("kbps")]
        buckets = _buckets(mine, t0)
        xs = sorted(buckets)
        fig.add_trace(_line(i, x=[x * BUCKET_S for x in xs], name=net,
                            y=[sum(float(s["kbps"]) for s in buckets[x]) / len(buckets[x]) for x in xs]))
    fig.update_layout(title=f"Bitrate of segments received ({BUCKET_S:g} s buckets)", xaxis_title="seconds into run",
                      yaxis_title="kbit/s")
    return finish(fig, empty_note="no segment received")


def _fig_switch(metrics: Sequence[dict[str, Any]]) -> go.Figure:
    fig = go.Figure()
    for i, net in enumerate(sorted({str(m.get("net")) for m in metrics})):
        for direction in ("down", "up"):
            values = [m["ms"] for m in metrics if m["type"] == "bitrate_switch" and str(m.get("net")) == net
                      and m.get("direction") == direction]
            if values:
                fig.add_trace(_box(i, y=values, name=f"{net} {direction}", boxpoints="all"))
    fig.update_layout(title="Bitrate switch latency (decision or abandonment → first frame of the new rendition)",
                      yaxis_title="ms")
    return finish(fig, empty_note="no bitrate switch happened")


def _fig_rebuffer(summary: dict[str, Any]) -> go.Figure:
    nets = list(summary["profiles"])
    ratios = [summary["profiles"][n]["rebuffer"]["ratio_pct"] or 0 for n in nets]
    stalls = [summary["profiles"][n]["rebuffer"]["stalls"] for n in nets]
    fig = go.Figure([go.Bar(x=nets, y=ratios, name="rebuffer ratio %", text=[f"{s} stalls" for s in stalls],
                            marker={"color": [series_style(i)["color"] for i in range(len(nets))]})] if nets else [])
    fig.update_layout(title="Rebuffering: stalled time ÷ watched time, per network profile", yaxis_title="%")
    return finish(fig, empty_note="no network profile in this run")


def bucket_rates(records: Sequence[dict[str, Any]], t0: float, t_end: float) -> list[tuple[float, float]]:
    """(bucket start, requests per second) per bucket; the last bucket divides by the time it really covers."""
    buckets = _buckets(records, t0)
    out = []
    for x in sorted(buckets):
        width = min(BUCKET_S, max(t_end - (t0 + x * BUCKET_S), 1.0))
        out.append((x * BUCKET_S, len(buckets[x]) / width))
    return out


def _fig_api(api: Sequence[dict[str, Any]], t0: float) -> go.Figure:
    buckets = _buckets(api, t0)
    xs = sorted(buckets)
    fig = go.Figure()
    for i, q in enumerate((50, 95, 99)):
        fig.add_trace(_line(i, x=[x * BUCKET_S for x in xs], name=f"p{q}",
                            y=[percentile([float(r["ms"]) for r in buckets[x]], q) for x in xs]))
    t_end = max((float(r["t"]) for r in api), default=t0)
    rates = bucket_rates(api, t0, t_end)
    fig.add_trace(go.Bar(x=[x for x, _ in rates], y=[r for _, r in rates], name="req/s", yaxis="y2", opacity=0.3,
                         marker={"color": "#7f7f7f"}))
    fig.update_layout(title="API latency percentiles over time", xaxis_title="seconds into run", yaxis_title="ms",
                      yaxis2={"title": "req/s", "overlaying": "y", "side": "right", "rangemode": "tozero"})
    return finish(fig, empty_note="no API request")


def _fig_ads(metrics: Sequence[dict[str, Any]]) -> go.Figure:
    fig = go.Figure()
    index = 0
    for kind, label in (("ad_start", "first ad segment"), ("ad_content_start", "first content segment")):
        for net in sorted({str(m.get("net")) for m in metrics if m["type"] == kind}):
            values = [m["ms"] / 1000 for m in metrics if m["type"] == kind and str(m.get("net")) == net]
            fig.add_trace(_box(index, y=values, name=f"{net}: {label}", boxpoints="all", jitter=0.4))
            index += 1
    fig.update_layout(title="Ad-supported start per network profile (play → first ad / content segment)",
                      yaxis_title="seconds")
    return finish(fig, empty_note="no ad-supported start (no AdViewer ran, or no ad was served)")


def _fig_cms(metrics: Sequence[dict[str, Any]]) -> go.Figure:
    fig = go.Figure()
    for i, (kind, label) in enumerate((("cms_workflow", "draft → published (request time)"),
                                       ("cms_visible", "published → in the catalog"))):
        values = [m["ms"] for m in metrics if m["type"] == kind and m.get("ok", True)]
        if values:
            fig.add_trace(_box(i, y=values, name=label, boxpoints="all"))
    fig.update_layout(title="CMS workflow (Editor)", yaxis_title="ms")
    return finish(fig, empty_note="no CMS workflow (no Editor ran)")


def _dict_table(title: str, block: dict[str, Any]) -> str:
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape('—' if v is None else str(v))}</td></tr>"
                   for k, v in block.items() if not isinstance(v, dict) or k == "beacons")
    return f"<h3>{html.escape(title)}</h3><table>{rows}</table>"


def _targets_table(summary: dict[str, Any]) -> str:
    rows = []
    for t in summary.get("targets", []):
        value = "—" if t["value"] is None else f"{t['value']:g}"
        mark = "✔" if t["ok"] else "✘"
        rows.append(f"<tr class={'ok' if t['ok'] else 'miss'}><td>{mark}</td><td>{html.escape(t['name'])}</td>"
                    f"<td>{html.escape(t['profile'] or 'all')}</td><td>{value}</td><td>{html.escape(t['limit'])}</td>"
                    f"<td>{html.escape(t['note'])}</td></tr>")
    return ("<table><tr><th></th><th>target</th><th>profile</th><th>value</th><th>limit</th><th>note</th></tr>"
            + "".join(rows) + "</table>")


def _profiles_table(summary: dict[str, Any]) -> str:
    rows = []
    for net, b in summary["profiles"].items():
        s, w, r, a = b["stream_start"], b["bitrate_switch"], b["rebuffer"], b["avg_bitrate"]
        factor = s.get("calibration_factor")
        calibration = f"×{factor:g} ({s.get('model', 'mpv')})" if factor is not None else "uncalibrated"
        cells = [net, s["count"], s["p50_ms"], s["p95_ms"], calibration, s["floor_p50_ms"], w["count"],
                 w["p50_ms"], w["p95_ms"],
                 r["ratio_pct"], r["stalls"], a["mean_kbps"], a["link_kbps"], b["ad_start"]["count"],
                 b["ad_start"]["p95_ms"], b["ad_start"]["content_p95_ms"]]
        rows.append("<tr>" + "".join(f"<td>{html.escape('—' if c is None else str(c))}</td>" for c in cells) + "</tr>")
    head = ("network", "starts", "start p50 ms", "start p95 ms", "real ÷ simulated start", "floor p50 ms",
            "switches", "switch p50 ms",
            "switch p95 ms", "rebuffer %", "stalls", "avg kbps", "link kbps", "ad starts", "ad start p95 ms",
            "content after ads p95 ms")
    return "<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>"


def endpoints_table(summary: dict[str, Any]) -> str:
    """Per-endpoint requests, req/s, failures and p50/p95/p99/max, slowest p95 first, then the API and media totals."""
    head = ("endpoint", "requests", "req/s", "failures", "error %", "p50 ms", "p95 ms", "p99 ms", "max ms")
    keys = ("requests", "rps", "failures", "error_rate_pct", "p50_ms", "p95_ms", "p99_ms", "max_ms")

    def row(name: str, block: dict[str, Any], cls: str = "") -> str:
        cells = "".join(f"<td>{html.escape('—' if block.get(k) is None else f'{block[k]:g}')}</td>" for k in keys)
        miss = " class=miss" if block.get("failures") else ""
        return f"<tr{cls or miss}><th style='text-align:left'>{html.escape(name)}</th>{cells}</tr>"

    endpoints = summary.get("endpoints", {})
    ordered = sorted(endpoints.items(), key=lambda kv: -(kv[1].get("p95_ms") or 0))
    rows = [row(name, block) for name, block in ordered]
    rows += [row(f"all API ({label})", summary[key], " class=total") for key, label in (("api", "total"),)
             if key in summary]
    rows += [row("all media", summary["media"], " class=total")] if "media" in summary else []
    return ("<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>")


STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}
table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#eee}tr.miss td{background:#fdd}
tr.ok td:first-child{color:#070}tr.miss td:first-child{color:#b00}pre{background:#f6f6f6;padding:1em}
tr.total td,tr.total th{font-weight:bold;background:#f4f4f4}"""


def write_report(path: Path, *, summary: dict[str, Any], records: Sequence[dict[str, Any]],
                 history: Path | None = None) -> Path:
    """Write the HTML report of a run to ``path`` (users over time from ``history``, default: Locust's
    stats history next to it)."""
    users = users_over_time(history if history is not None else path.parent / HISTORY_CSV)
    t0 = min([float(r["t"]) for r in records] + [t for t, _ in users[:1]], default=0.0)
    metrics = [r for r in records if r.get("k") == "metric"]
    segments = [r for r in records if r.get("k") == "media" and r.get("kind") == "segment" and r.get("ok")]
    api = [r for r in records if r.get("k") == "api"]
    figures = [_fig_users(users, t0), _fig_stream_start(metrics), _fig_bitrate(segments, t0), _fig_switch(metrics),
               _fig_rebuffer(summary), _fig_api(api, t0), _fig_ads(metrics), _fig_cms(metrics)]
    charts = [fig.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figures)]
    run = summary.get("run", {})
    verdict = "all targets met" if summary.get("passed") else "targets missed"
    body = (f"<h1>OTT Lowband load test — {html.escape(verdict)}</h1>"
            f"<p>{html.escape(json.dumps({k: run.get(k) for k in ('host', 'users', 'duration_s', 'mix', 'shape', 'abr', 'workers')}))}</p>"  # noqa: E501
            f"<h2>Targets</h2>{_targets_table(summary)}<h2>Per network profile</h2>{_profiles_table(summary)}"
            f"<h2>Requests per endpoint</h2>{endpoints_table(summary)}"
            f"<h2>Ads and CMS</h2>{_dict_table('Ads (AdViewer)', summary.get('ads', {}))}"
            f"{_dict_table('CMS (Editor)', summary.get('cms', {}))}"
            + "".join(f"<div>{c}</div>" for c in charts))
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>OTT load test</title>"
                    f"<style>{STYLE}</style></head><body>{body}</body></html>", encoding="utf-8")
    return path
