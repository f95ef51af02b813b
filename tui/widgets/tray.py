"""A home-screen tray: a heading and a short keyboard/mouse-navigable list of titles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.format import card_line, clock, content_id_of, progress_bar
from tui.widgets.first_row_list import FirstRowList


def tray_line(item: dict[str, Any], *, language: str) -> str:
    """The text of one entry: a progress bar for continue-watching items, else the card line."""
    if "progress_percentage" in item:
        name = card_line(item, language=language)
        if item.get("episode_title"):
            name += f" – {item['episode_title']}"
        pct = float(item.get("progress_percentage") or 0)
        return f"{progress_bar(pct)} {pct:3.0f}% {clock(item.get('position_seconds'))}  {name}"
    line = card_line(item, language=language)
    if item.get("reason"):
        line += f"  – {item['reason']}"
    return line


class Tray(Vertical):
    """Heading plus an OptionList; selecting an entry posts :class:`Tray.ItemChosen`."""

    DEFAULT_CSS = """
    Tray { height: auto; margin-bottom: 1; }
    Tray > Label { text-style: bold; color: $accent; }
    Tray > OptionList { height: auto; max-height: 6; border: none; border-left: blank; padding: 0; }
    Tray > OptionList:focus { border: none; border-left: thick $accent; background: $boost; }
    Tray:focus-within > Label { text-style: bold reverse; }
    """

    @dataclass
    class ItemChosen(Message):
        """An entry of a tray was selected."""

        tray: str
        item: dict[str, Any]

    def __init__(self, title: str, *, tray_id: str, language: str = "en") -> None:
        """A tray headed ``title``; its widget id is ``tray-<tray_id>``."""
        super().__init__(id=f"tray-{tray_id}")
        self.title = title
        self.tray_id = tray_id
        self.language = language
        self.items: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        """Heading and list."""
        yield Label(self.title)
        yield FirstRowList(id=f"list-{self.tray_id}")

    def set_title(self, title: str) -> None:
        """Change the heading."""
        self.title = title
        self.query_one(Label).update(title)

    def set_items(self, items: list[dict[str, Any]], *, empty_text: str = "Nothing here yet") -> None:
        """Replace the entries (an empty list shows ``empty_text``, disabled)."""
        self.items = list(items)
        options = self.query_one(OptionList)
        options.clear_options()
        if not self.items:
            options.add_option(Option(empty_text, disabled=True))
            return
        options.add_options([Option(tray_line(i, language=self.language), id=f"{self.tray_id}-{n}")
                             for n, i in enumerate(self.items)])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Turn a selection into ItemChosen."""
        event.stop()
        index = event.option_index
        if 0 <= index < len(self.items) and content_id_of(self.items[index]):
            self.post_message(self.ItemChosen(self.tray_id, self.items[index]))
