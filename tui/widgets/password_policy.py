"""The password rules (spec FR-UM-001) shown live, ticked as the user types."""

from __future__ import annotations

import re

from rich.text import Text
from textual.widgets import Static

RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("8+ characters", re.compile(r"^.{8,}$", re.S)),
    ("uppercase", re.compile(r"[A-Z]")),
    ("lowercase", re.compile(r"[a-z]")),
    ("number", re.compile(r"[0-9]")),
    ("special", re.compile(r"[^A-Za-z0-9]")),
)


def policy_checks(password: str) -> list[tuple[str, bool]]:
    """Each rule with whether ``password`` meets it."""
    return [(name, bool(rule.search(password))) for name, rule in RULES]


class PasswordPolicy(Static):
    """One line: ✓/✗ per rule."""

    DEFAULT_CSS = """
    PasswordPolicy { height: 1; color: $text-muted; }
    """

    def on_mount(self) -> None:
        """Start with nothing typed."""
        self.check("")

    def check(self, password: str) -> bool:
        """Show the rules for ``password``; True when all pass."""
        line = Text()
        ok_all = True
        for name, ok in policy_checks(password):
            ok_all &= ok
            line.append(("✓ " if ok else "✗ ") + name + "  ", style="green" if ok else "red")
        self.update(line)
        return ok_all
