"""Small text formatters shared by screens and widgets (pure)."""

from __future__ import annotations

from typing import Any

BAR_FULL, BAR_EMPTY = "█", "░"


def progress_bar(percent: float, *, width: int = 10) -> str:
    """A text progress bar like ``███░░░░░░░`` for ``percent`` (0–100, clamped)."""
    pct = max(0.0, min(100.0, float(percent or 0)))
    filled = round(pct / 100 * width)
    return BAR_FULL * filled + BAR_EMPTY * (width - filled)


def clock(seconds: float | None) -> str:
    """``m:ss`` or ``h:mm:ss``."""
    total = max(0, int(seconds or 0))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def human_bytes(n: float) -> str:
    """``512 B``, ``12.3 kB``, ``4.5 MB``."""
    if n < 1000:
        return f"{int(n)} B"
    if n < 1_000_000:
        return f"{n / 1000:.1f} kB"
    return f"{n / 1_000_000:.2f} MB"


def kbps(value: float | None) -> str:
    """``850 kbit/s`` or ``2.5 Mbit/s``; ``–`` when unknown."""
    if value is None or value <= 0:
        return "–"
    return f"{value / 1000:.1f} Mbit/s" if value >= 1000 else f"{value:.0f} kbit/s"


def title_of(item: dict[str, Any], *, language: str = "en") -> str:
    """The item's title in the profile's language when there is one."""
    if language == "hi" and item.get("title_hi"):
        return str(item["title_hi"])
    return str(item.get("title") or item.get("name") or "Untitled")


def description_of(item: dict[str, Any], *, language: str = "en") -> str:
    """The description in the profile's language when there is one."""
    if language == "hi" and item.get("description_hi"):
        return str(item["description_hi"])
    return str(item.get("description") or "")


def card_line(item: dict[str, Any], *, language: str = "en") -> str:
    """One line for a title in a list: title, year, rating, tier."""
    parts = [title_of(item, language=language)]
    year = item.get("year") or (str(item.get("release_date") or "")[:4] or None)
    if year:
        parts.append(str(year))
    if item.get("maturity_rating"):
        parts.append(str(item["maturity_rating"]))
    if item.get("type") and item["type"] != "movie":
        parts.append(str(item["type"]).replace("_", " "))
    line = " · ".join(parts)
    if item.get("tier_requirement") == "premium" or item.get("premium"):
        line += "  ★ premium"
    return line


def content_id_of(item: dict[str, Any]) -> str:
    """The title id of a card, trending entry, watchlist or continue-watching item."""
    return str(item.get("content_id") or item.get("id") or "")
