"""The network picker: every profile (with its rate and RTT) and schedule, the current one marked;
Enter applies the highlighted one, Esc keeps the current one. Dismisses with the chosen name."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.netshaper import NetworkChoice, network_choices
from tui.screens.base import OttModal
from tui.widgets.first_row_list import FirstRowList


def choice_line(choice: NetworkChoice, *, current: bool) -> str:
    """``● edge        240 kbit/s · RTT 840 ms`` (● marks the current one)."""
    return f"{'●' if current else ' '} {choice.name:<11} {choice.summary}"


class NetworkPickerScreen(OttModal[str | None]):
    """A modal list of network profiles and schedules."""

    DEFAULT_CSS = """
    NetworkPickerScreen { align: center middle; }
    NetworkPickerScreen > Vertical { width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1; }
    NetworkPickerScreen OptionList { height: auto; max-height: 18; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Keep current", id="network.cancel"),
    ]

    def __init__(self, *, current: str) -> None:
        """Offer every profile and schedule; ``current`` is marked and highlighted."""
        super().__init__()
        self.current = current
        self.choices = network_choices()

    def compose(self) -> ComposeResult:
        """Heading, the list, a hint."""
        with Vertical():
            yield Label("Network: profiles (slowest first) and schedules", classes="heading")
            yield FirstRowList(*[Option(choice_line(c, current=c.name == self.current), id=c.name)
                               for c in self.choices], id="network-list")
            yield Static("Enter applies at once · Esc keeps the current one", classes="muted")

    def on_mount(self) -> None:
        """Highlight the current entry (the first when the current one is not listed)."""
        names = [c.name for c in self.choices]
        options = self.query_one("#network-list", OptionList)
        options.highlighted = names.index(self.current) if self.current in names else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter: apply the highlighted entry."""
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Esc: keep the current network."""
        self.dismiss(None)
