"""report.html: users over time, the per-endpoint table, axes from zero, "no data" notes, distinct series."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from loadtest.report import (
    BUCKET_S,
    HISTORY_CSV,
    bucket_rates,
    finish,
    series_style,
    users_over_time,
    write_report,
)
from loadtest.summary import summarize

T0 = 1_700_000_000.0


def _records() -> list[dict[str, Any]]:
    """12 s of one viewer on 4g and one on 5g: two endpoints, segments, two stream starts, one failure."""
    out: list[dict[str, Any]] = []
    for i in range(120):
        t = T0 + i * 0.1
        out.append({"t": t, "k": "api", "type": "GET", "name": "/api/v1/catalog/home", "ms": 20.0 + i % 7, "n": 100,
                    "ok": True, "net": "4g"})
        if i % 4 == 0:
            out.append({"t": t, "k": "api", "type": "POST", "name": "/api/v1/stream/playback/start", "ms": 80.0,
                        "n": 50, "ok": i != 40, "net": "5g"})
        if i % 10 == 0:
            for net, kbps in (("4g", 1200), ("5g", 1250)):
                out.append({"t": t, "k": "media", "type": "GET", "name": "/media/s/[segment]", "ms": 90.0,
                            "n": 100_000, "ok": True, "net": net, "kind": "segment", "kbps": kbps})
    for net, ms in (("4g", 900.0), ("5g", 700.0)):
        out.append({"t": T0 + 1, "k": "metric", "type": "stream_start", "name": "start", "ms": ms, "n": 0, "ok": True,
                    "net": net, "floor_ms": 100.0})
    return out


def _history(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Timestamp", "User Count", "Type", "Name", "Requests/s"])
        for i, users in enumerate((0, 1, 2, 2)):
            w.writerow([int(T0) + 4 * i, users, "", "Aggregated", "3.0"])
            w.writerow([int(T0) + 4 * i, users, "GET", "/api/v1/catalog/home", "3.0"])


def test_report_reads_at_a_glance(tmp_path: Path) -> None:
    records = _records()
    summary = summarize(records, networks=["4g", "5g"], run={"users": 2})
    _history(tmp_path / HISTORY_CSV)
    page = write_report(tmp_path / "report.html", summary=summary, records=records).read_text(encoding="utf-8")
    assert "Users over time" in page
    assert "Requests per endpoint" in page and '"p50_ms"' not in page  # a table, not a JSON dump
    for endpoint in ("GET /api/v1/catalog/home", "POST /api/v1/stream/playback/start", "GET /media/s/[segment]"):
        assert f">{endpoint}</th>" in page
    assert "<th>p99 ms</th>" in page and "<th>req/s</th>" in page and "<th>failures</th>" in page
    # the endpoint with a failure is marked, the slowest p95 comes first
    assert page.index("POST /api/v1/stream/playback/start") < page.index(">GET /api/v1/catalog/home<")
    assert "no data: no ad-supported start" in page and "no data: no CMS workflow" in page
    assert "no data: no stream started" not in page


def test_users_over_time_reads_the_aggregated_rows(tmp_path: Path) -> None:
    _history(tmp_path / HISTORY_CSV)
    assert users_over_time(tmp_path / HISTORY_CSV) == [(T0, 0), (T0 + 4, 1), (T0 + 8, 2), (T0 + 12, 2)]
    assert users_over_time(tmp_path / "missing.csv") == []


def test_value_axes_start_at_zero_and_empty_charts_say_so() -> None:
    fig = finish(go.Figure([go.Scatter(x=[0, 1], y=[50, 60])]), empty_note="unused")
    assert fig.layout.yaxis.rangemode == "tozero" and not fig.layout.annotations
    empty = finish(go.Figure(), empty_note="nothing ran")
    assert [a.text for a in empty.layout.annotations] == ["no data: nothing ran"]


def test_the_last_partial_bucket_is_a_rate_not_a_drop() -> None:
    records = [{"t": T0 + i * 0.1} for i in range(int((BUCKET_S + 1) * 10))]  # 10 req/s for 6 s
    rates = bucket_rates(records, T0, T0 + BUCKET_S + 1)
    assert [round(r) for _, r in rates] == [10, 10]


def test_neighbouring_series_differ_in_colour_dash_and_marker() -> None:
    for i in range(5):
        a, b = series_style(i), series_style(i + 1)
        assert a["color"] != b["color"] and a["dash"] != b["dash"] and a["symbol"] != b["symbol"]
