"""App-wide messages: dataclasses named in the past tense."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class ServerConnected(Message):
    """The server answered its health check."""

    url: str


@dataclass
class LoggedIn(Message):
    """A login (or registration) succeeded."""

    session: dict[str, Any]


@dataclass
class ProfileSelected(Message):
    """The viewer picked who is watching."""

    profile: dict[str, Any]


@dataclass
class ContentChosen(Message):
    """A title was chosen in a list (open its details)."""

    content_id: str
    episode_id: str | None = None
