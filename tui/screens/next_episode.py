"""After an episode: offer the next one with a countdown; dismisses True to play it."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from tui.payloads import NextEpisode
from tui.screens.base import OttModal

COUNTDOWN_S = 10


class NextEpisodeScreen(OttModal[bool]):
    """Plays the next episode when the countdown reaches zero, unless cancelled."""

    DEFAULT_CSS = """
    NextEpisodeScreen { align: center middle; }
    NextEpisodeScreen > Vertical { width: 56; height: auto; border: thick $accent; background: $surface;
        padding: 1 2; }
    NextEpisodeScreen Horizontal { height: auto; margin-top: 1; }
    NextEpisodeScreen Button { margin-right: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,n", "answer(True)", "Play now", id="next_episode.play"),
        Binding("escape", "answer(False)", "Cancel", id="next_episode.cancel"),
    ]

    def __init__(self, *, episode: NextEpisode, seconds: int = COUNTDOWN_S) -> None:
        """Offer ``episode``."""
        super().__init__()
        self.episode = episode
        self.remaining = seconds

    def compose(self) -> ComposeResult:
        """Title, countdown, buttons."""
        with Vertical():
            yield Label(f"Next: {self.episode.label()}", classes="heading")
            yield Static("", id="countdown")
            with Horizontal():
                yield Button("Play now", id="play-next", variant="primary")
                yield Button("Cancel", id="cancel-next")

    def on_mount(self) -> None:
        """Start counting."""
        self._show()
        self.set_interval(1.0, self._tick)

    def _show(self) -> None:
        self.query_one("#countdown", Static).update(f"Starts in {self.remaining} s")

    def _tick(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self.dismiss(True)
        else:
            self._show()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "play-next")

    def action_answer(self, play: bool) -> None:
        """Dismiss with ``play``."""
        self.dismiss(play)
