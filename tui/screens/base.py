"""The base of every screen: the app reached through one typed property instead of casts."""

from __future__ import annotations

from typing import Any, TypeVar

from textual.screen import ModalScreen, Screen

from tui.app import OttApp

ResultT = TypeVar("ResultT")


def ott_app_of(screen: Screen[Any]) -> OttApp:
    """The :class:`OttApp` running ``screen`` (every screen of this client runs in one)."""
    app = screen.app
    if not isinstance(app, OttApp):
        raise TypeError(f"{type(screen).__name__} runs in {type(app).__name__}, not OttApp")
    return app


class OttScreen(Screen[ResultT]):
    """A full screen of the client."""

    @property
    def ott(self) -> OttApp:
        """The app: config, API client, shaper, login and profile."""
        return ott_app_of(self)


class OttModal(ModalScreen[ResultT]):
    """A modal dialog of the client."""

    @property
    def ott(self) -> OttApp:
        """The app: config, API client, shaper, login and profile."""
        return ott_app_of(self)
