"""The live stats panel of the player: text rows plus a throughput sparkline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline, Static

from tui.player.stats import PlaybackStats


class StatsPanel(Vertical):
    """Shows a :class:`PlaybackStats`; call :meth:`show` after each update."""

    DEFAULT_CSS = """
    StatsPanel { height: auto; border: round $accent; padding: 0 1; }
    StatsPanel > Static { height: auto; }
    StatsPanel > Sparkline { height: 2; margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        """Rows and sparkline."""
        yield Static("", id="stats-text")
        yield Sparkline([], id="stats-spark")

    def show(self, stats: PlaybackStats) -> None:
        """Render ``stats``."""
        self.query_one("#stats-text", Static).update("\n".join(stats.lines()))
        self.query_one("#stats-spark", Sparkline).data = list(stats.throughput_kbps) or [0.0]
