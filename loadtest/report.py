"""``report.html``: plotly charts of a run (stream start per profile, bitrate over time, switch latency,
rebuffering, API latency percentiles over time) plus the targets and summary tables.

plotly.js is embedded once, so the file opens offline.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from loadtest.summary import percentile

BUCKET_S = 5.0


def _buckets(records: Sequence[dict[str, Any]], t0: float) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        out[int((float(r["t"]) - t0) // BUCKET_S)].append(r)
    return out


def _fig_stream_start(metrics: Sequence[dict[str, Any]]) -> go.Figure:
    fig = go.Figure()
    for net in sorted({str(m.get("net")) for m in metrics}):
        values = [m["ms"] / 1000 for m in metrics if m["type"] == "stream_start" and str(m.get("net")) == net]
        if values:
            fig.add_trace(go.Box(y=values, name=net, boxpoints="all", jitter=0.4))
    fig.update_layout(title="Stream start per network profile (play → first segment)", yaxis_title="seconds")
    return fig


def _fig_bitrate(segments: Sequence[dict[str, Any]], t0: float) -> go.Figure:
    fig = go.Figure()
    for net in sorted({str(s.get("net")) for s in segments}):
        mine = [s for s in segments if str(s.get("net")) == net and s.get("kbps")]
        buckets = _buckets(mine, t0)
        xs = sorted(buckets)
        fig.add_trace(go.Scatter(x=[x * BUCKET_S for x in xs], mode="lines+markers", name=net,
                                 y=[sum(float(s["kbps"]) for s in buckets[x]) / len(buckets[x]) for x in xs]))
    fig.update_layout(title=f"Bitrate of segments received ({BUCKET_S:g} s buckets)", xaxis_title="seconds into run",
                      yaxis_title="kbit/s")
    return fig


def _fig_switch(metrics: Sequence[dict[str, Any]]) -> go.Figure:
    fig = go.Figure()
    for net in sorted({str(m.get("net")) for m in metrics}):
        for direction in ("down", "up"):
            values = [m["ms"] for m in metrics if m["type"] == "bitrate_switch" and str(m.get("net")) == net
                      and m.get("direction") == direction]
            if values:
                fig.add_trace(go.Box(y=values, name=f"{net} {direction}", boxpoints="all"))
    fig.update_layout(title="Bitrate switch latency (decision or abandonment → first frame of the new rendition)",
                      yaxis_title="ms")
    return fig


def _fig_rebuffer(summary: dict[str, Any]) -> go.Figure:
    nets = list(summary["profiles"])
    ratios = [summary["profiles"][n]["rebuffer"]["ratio_pct"] or 0 for n in nets]
    stalls = [summary["profiles"][n]["rebuffer"]["stalls"] for n in nets]
    fig = go.Figure([go.Bar(x=nets, y=ratios, name="rebuffer ratio %", text=[f"{s} stalls" for s in stalls])])
    fig.update_layout(title="Rebuffering: stalled time ÷ watched time, per network profile", yaxis_title="%")
    return fig


def _fig_api(api: Sequence[dict[str, Any]], t0: float) -> go.Figure:
    buckets = _buckets(api, t0)
    xs = sorted(buckets)
    fig = go.Figure()
    for q in (50, 95, 99):
        fig.add_trace(go.Scatter(x=[x * BUCKET_S for x in xs], mode="lines", name=f"p{q}",
                                 y=[percentile([float(r["ms"]) for r in buckets[x]], q) for x in xs]))
    fig.add_trace(go.Bar(x=[x * BUCKET_S for x in xs], y=[len(buckets[x]) / BUCKET_S for x in xs], name="req/s",
                         yaxis="y2", opacity=0.3))
    fig.update_layout(title="API latency percentiles over time", xaxis_title="seconds into run", yaxis_title="ms",
                      yaxis2={"title": "req/s", "overlaying": "y", "side": "right"})
    return fig


def _fig_ads(metrics: Sequence[dict[str, Any]]) -> go.Figure:
    fig = go.Figure()
    for kind, label in (("ad_start", "first ad segment"), ("ad_content_start", "first content segment")):
        for net in sorted({str(m.get("net")) for m in metrics if m["type"] == kind}):
            values = [m["ms"] / 1000 for m in metrics if m["type"] == kind and str(m.get("net")) == net]
            fig.add_trace(go.Box(y=values, name=f"{net}: {label}", boxpoints="all", jitter=0.4))
    fig.update_layout(title="Ad-supported start per network profile (play → first ad / content segment)",
                      yaxis_title="seconds")
    return fig


def _fig_cms(metrics: Sequence[dict[str, Any]]) -> go.Figure:
    fig = go.Figure()
    for kind, label in (("cms_workflow", "draft → published (request time)"),
                        ("cms_visible", "published → in the catalog")):
        values = [m["ms"] for m in metrics if m["type"] == kind and m.get("ok", True)]
        if values:
            fig.add_trace(go.Box(y=values, name=label, boxpoints="all"))
    fig.update_layout(title="CMS workflow (Editor)", yaxis_title="ms")
    return fig


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
        cells = [net, s["count"], s["p50_ms"], s["p95_ms"], s["floor_p50_ms"], w["count"], w["p50_ms"], w["p95_ms"],
                 r["ratio_pct"], r["stalls"], a["mean_kbps"], a["link_kbps"], b["ad_start"]["count"],
                 b["ad_start"]["p95_ms"], b["ad_start"]["content_p95_ms"]]
        rows.append("<tr>" + "".join(f"<td>{html.escape('—' if c is None else str(c))}</td>" for c in cells) + "</tr>")
    head = ("network", "starts", "start p50 ms", "start p95 ms", "floor p50 ms", "switches", "switch p50 ms",
            "switch p95 ms", "rebuffer %", "stalls", "avg kbps", "link kbps", "ad starts", "ad start p95 ms",
            "content after ads p95 ms")
    return "<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>"


STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}
table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#eee}tr.miss td{background:#fdd}
tr.ok td:first-child{color:#070}tr.miss td:first-child{color:#b00}pre{background:#f6f6f6;padding:1em}"""


def write_report(path: Path, *, summary: dict[str, Any], records: Sequence[dict[str, Any]]) -> Path:
    """Write the HTML report of a run to ``path``."""
    t0 = min((float(r["t"]) for r in records), default=0.0)
    metrics = [r for r in records if r.get("k") == "metric"]
    segments = [r for r in records if r.get("k") == "media" and r.get("kind") == "segment" and r.get("ok")]
    api = [r for r in records if r.get("k") == "api"]
    figures = [_fig_stream_start(metrics), _fig_bitrate(segments, t0), _fig_switch(metrics),
               _fig_rebuffer(summary), _fig_api(api, t0), _fig_ads(metrics), _fig_cms(metrics)]
    charts = [fig.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figures)]
    run = summary.get("run", {})
    verdict = "all targets met" if summary.get("passed") else "targets missed"
    body = (f"<h1>OTT Lowband load test — {html.escape(verdict)}</h1>"
            f"<p>{html.escape(json.dumps({k: run.get(k) for k in ('host', 'users', 'duration_s', 'mix', 'shape', 'abr', 'workers')}))}</p>"  # noqa: E501
            f"<h2>Targets</h2>{_targets_table(summary)}<h2>Per network profile</h2>{_profiles_table(summary)}"
            f"<h2>API</h2><pre>{html.escape(json.dumps(summary['api'], indent=1))}</pre>"
            f"<h2>Ads and CMS</h2>{_dict_table('Ads (AdViewer)', summary.get('ads', {}))}"
            f"{_dict_table('CMS (Editor)', summary.get('cms', {}))}"
            + "".join(f"<div>{c}</div>" for c in charts))
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>OTT load test</title>"
                    f"<style>{STYLE}</style></head><body>{body}</body></html>", encoding="utf-8")
    return path
