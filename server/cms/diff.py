"""Field-level differences between two content snapshots (pure)."""

from __future__ import annotations

from typing import Any


def diff_snapshots(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Every top-level field whose value differs from ``a`` to ``b``, sorted by name.

    Lists (genres, cast, seasons) are compared whole: the change shows the list before and after.
    A field missing on one side counts as ``None`` there.
    """
    changes = []
    for name in sorted(set(a) | set(b)):
        before, after = a.get(name), b.get(name)
        if before != after:
            changes.append({"field": name, "before": before, "after": after})
    return changes
