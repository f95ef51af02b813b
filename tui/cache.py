"""A small on-disk HTTP cache: JSON bodies with their ETag, for revalidation and offline use."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_MAX_ENTRIES = 500


@dataclass(frozen=True, slots=True)
class CachedBody:
    """A stored response: its ETag (may be empty), decoded JSON body and when it was stored."""

    etag: str
    body: Any
    stored_at: float


def cache_key(*parts: str) -> str:
    """A file-safe key for a request (method, URL with query, who asked)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


class HttpCache:
    """JSON files under one directory, one per key; the oldest are pruned past ``max_entries``."""

    def __init__(self, *, directory: Path, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        """Cache under ``directory`` (created lazily)."""
        self.directory = directory
        self.max_entries = max_entries
        self._writes = 0

    def get(self, key: str) -> CachedBody | None:
        """The stored entry for ``key``, or None (missing or unreadable files count as missing)."""
        try:
            raw = json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8"))
            return CachedBody(etag=str(raw.get("etag") or ""), body=raw["body"], stored_at=float(raw["t"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, *, etag: str, body: Any) -> None:
        """Store ``body`` under ``key``; failures are logged, never raised (the cache is best effort)."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{key}.json"
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"etag": etag, "body": body, "t": time.time()}), encoding="utf-8")
            tmp.replace(path)
        except (OSError, TypeError, ValueError) as err:
            log.warning("http cache write failed: %s", err)
            return
        self._writes += 1
        if self._writes % 50 == 0:
            self.prune()

    def prune(self) -> None:
        """Delete the oldest entries beyond ``max_entries``."""
        try:
            files = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime)
        except OSError:
            return
        for path in files[: max(0, len(files) - self.max_entries)]:
            path.unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove every entry."""
        for path in self.directory.glob("*.json"):
            path.unlink(missing_ok=True)
