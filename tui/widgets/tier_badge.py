"""A small FREE / PREMIUM badge."""

from __future__ import annotations

from textual.widgets import Static


class TierBadge(Static):
    """Shows the tier a title needs."""

    DEFAULT_CSS = """
    TierBadge { width: auto; padding: 0 1; background: $success-darken-2; color: $text; }
    TierBadge.-premium { background: $warning-darken-2; }
    """

    def show_tier(self, tier: str | None) -> None:
        """Display ``tier`` ("free" or "premium")."""
        premium = tier == "premium"
        self.set_class(premium, "-premium")
        self.update("PREMIUM" if premium else "FREE")
