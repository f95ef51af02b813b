"""An OptionList with a row always highlighted once it has rows (Enter works without pressing ↓ first)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

from textual.widgets import OptionList


class FirstRowList(OptionList):
    """Highlights the first row whenever rows arrive and none is highlighted."""

    def add_options(self, new_options: Iterable[Any]) -> Self:
        """Add rows; the first one is highlighted if nothing was."""
        super().add_options(new_options)
        if self.highlighted is None and self.option_count:
            self.highlighted = 0
        return self
