"""Raw samples: one JSON line per request or custom figure, written by the Locust master (or local runner).

Every Locust ``request`` event becomes a record; workers buffer theirs and ship them in their
periodic report to the master (``report_to_master`` / ``worker_report``), so the same file is
written whether the run is local, ``--processes K`` or spread over machines.

Record keys: ``t`` (epoch s), ``k`` (``api``, ``media``, ``metric``, ``other``), ``type`` (HTTP
method or figure name), ``name``, ``ms`` (response time, or the figure's value), ``n`` (bytes),
``ok``, ``net`` (the user's network from the mix), plus figure extras (``rendition``, ``kbps``...).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

#: Custom figures fired by the simulated player (``events.request.fire(request_type=...)``).
#: ``ad_*`` come from the `AdViewer` (`loadtest.adplay`), ``cms_*`` from the `Editor`.
PLAYER_TYPES = ("stream_start", "bitrate_switch", "rebuffer", "rebuffer_ratio", "avg_bitrate")
AD_TYPES = ("ad_start", "ad_content_start", "ad_view", "ad_fill")
CMS_TYPES = ("cms_workflow", "cms_visible", "cms_setup")
METRIC_TYPES = PLAYER_TYPES + AD_TYPES + CMS_TYPES
_EXTRA_KEYS = ("rendition", "kbps", "from", "to", "direction", "by", "played_s", "stall_s", "stalls", "link_kbps",
               "segments", "ongoing", "kind", "profile", "floor_ms", "ad_id", "ads", "listed", "skipped", "position",
               "pod", "steps", "rejected", "reason", "segment_ms", "abandons", "wasted_bytes", "switches",
               "cut", "cut_reason", "length_s")


def classify(request_type: str, name: str) -> str:
    """Record kind: ``metric`` for custom figures, ``api`` / ``media`` by URL group, else ``other``."""
    if request_type in METRIC_TYPES:
        return "metric"
    if name.startswith("/api/"):
        return "api"
    if name.startswith("/media/"):
        return "media"
    return "other"


def make_record(*, request_type: str, name: str, response_time: float, response_length: int | None,
                context: dict[str, Any] | None, exception: BaseException | None,
                start_time: float | None = None) -> dict[str, Any]:
    """The JSON-ready record of one ``request`` event."""
    ctx = context or {}
    rec: dict[str, Any] = {
        "t": round(start_time if start_time else time.time(), 3),
        "k": classify(request_type, name),
        "type": request_type,
        "name": name,
        "ms": round(float(response_time or 0.0), 3),
        "n": int(response_length or 0),
        "ok": exception is None,
        "net": ctx.get("network"),
    }
    for key in _EXTRA_KEYS:
        if key in ctx:
            rec[key] = ctx[key]
    if exception is not None:
        rec["err"] = str(exception)[:200]
    return rec


class SampleFile:
    """Appends records to a JSON-lines file (thread-safe; flushed per batch)."""

    def __init__(self, path: Path) -> None:
        """Open ``path`` for appending (parents are created)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh: IO[str] | None = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()
        self.count = 0

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        """Append records (ignored after `close`)."""
        with self._lock:
            if self._fh is None:
                return
            for rec in records:
                self._fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
                self.count += 1
            self._fh.flush()

    def close(self) -> None:
        """Flush and close."""
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


def read_samples(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a samples file (a truncated last line is skipped)."""
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
            except ValueError:
                log.warning("skipping a broken line in %s", path)
                continue
            if isinstance(rec, dict):
                yield rec
