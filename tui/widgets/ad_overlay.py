"""The ad overlay of the player: ``Ad 1 of 2 · 12 s left · Skip in 3 s``, hidden while the content plays."""

from __future__ import annotations

from textual.widgets import Static


class AdOverlay(Static):
    """One highlighted line over the player while an ad plays."""

    DEFAULT_CSS = """
    AdOverlay { height: auto; display: none; background: $warning 30%; color: $text; text-style: bold;
                padding: 0 1; }
    AdOverlay.-active { display: block; }
    """

    def show_ad(self, text: str) -> None:
        """Show ``text`` (the ad's position in its pod, countdown and skip state)."""
        self.update(text)
        self.add_class("-active")

    def hide_ad(self) -> None:
        """Hide the overlay (the content is playing)."""
        self.remove_class("-active")
        self.update("")

    @property
    def active(self) -> bool:
        """Whether an ad is showing."""
        return self.has_class("-active")
