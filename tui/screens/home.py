"""Home: trays for Continue Watching (progress bars), Recommended, Trending, Watchlist and genres."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Static

from tui.app import OttApp
from tui.errors import ApiError, SessionExpired
from tui.format import content_id_of
from tui.screens.base import OttScreen
from tui.widgets.tray import Tray

TRAY_LIMIT = 8


@dataclass
class HomeData:
    """Everything the home screen shows; None for a tray the server does not offer."""

    continue_watching: list[dict[str, Any]] = field(default_factory=list)
    recommended: list[dict[str, Any]] | None = None
    recommended_degraded: bool = False
    trending: list[dict[str, Any]] = field(default_factory=list)
    watchlist: list[dict[str, Any]] = field(default_factory=list)
    genres: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


async def load_home(ott: OttApp) -> HomeData:
    """Fetch every tray concurrently; a failing tray is left empty and named in ``failures``."""
    api, pid = ott.api, ott.profile_id or ""
    calls = {
        "continue_watching": api.continue_watching(profile_id=pid),
        "recommended": api.recommendations(profile_id=pid, limit=TRAY_LIMIT),
        "trending": api.trending(profile_id=pid, limit=TRAY_LIMIT),
        "watchlist": api.watchlist(profile_id=pid),
        "genres": api.genres(profile_id=pid),
    }
    results = await asyncio.gather(*calls.values(), return_exceptions=True)
    data = HomeData()
    for result in results:
        if isinstance(result, SessionExpired):
            raise result  # the whole screen needs a new login, not one tray
    for name, result in zip(calls, results, strict=True):
        if isinstance(result, ApiError):
            data.failures.append(f"{name.replace('_', ' ')}: {result.user_message()}")
        elif isinstance(result, BaseException):
            raise result
        elif name == "recommended":
            if isinstance(result, dict):
                data.recommended = list(result["recommendations"])
                data.recommended_degraded = bool(result["degraded"])
        else:
            setattr(data, name, result)
    return data


class HomeScreen(OttScreen[None]):
    """Keyboard first (Tab between trays, arrows within, Enter opens), mouse works too."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "browse", "Browse", id="home.browse"),
        Binding("slash", "search", "Search", id="home.search"),
        Binding("r", "refresh", "Refresh", id="home.refresh"),
        Binding("p", "profiles", "Profiles", id="home.profiles"),
        Binding("a", "account", "Account", id="home.account"),
        Binding("ctrl+l", "logout", "Log out", id="home.logout"),
    ]

    @dataclass
    class HomeLoaded(Message):
        """The trays' data arrived."""

        data: HomeData

    def compose(self) -> ComposeResult:
        """Header, status line, trays."""
        ott = self.ott
        lang = ott.language
        yield Header()
        yield Static("Loading …", id="home-status", classes="muted")
        with VerticalScroll(id="trays"):
            yield Tray("Continue Watching", tray_id="continue", language=lang)
            yield Tray("Recommended for you", tray_id="recommended", language=lang)
            yield Tray("Trending", tray_id="trending", language=lang)
            yield Tray("Your Watchlist", tray_id="watchlist", language=lang)
            yield Tray("Genres", tray_id="genres", language=lang)
        yield Footer()

    def on_mount(self) -> None:
        """Title and first load."""
        ott = self.ott
        self.sub_title = f"{(ott.profile or {}).get('name', '')}"
        self.action_refresh()

    def on_screen_resume(self) -> None:
        """Coming back from the player or details: refresh progress and watchlist."""
        self.action_refresh()

    def action_refresh(self) -> None:
        """Reload every tray."""
        self._load()

    @work(exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        ott = self.ott
        try:
            data = await load_home(ott)
        except ApiError as err:
            ott.report(err, doing="load the home screen")
            return
        self.post_message(self.HomeLoaded(data))

    def on_home_screen_home_loaded(self, message: HomeLoaded) -> None:
        """Fill the trays (Recommended is hidden when the server has no recommendations endpoint)."""
        data = message.data
        self.query_one("#tray-continue", Tray).set_items(data.continue_watching, empty_text="Nothing in progress")
        rec = self.query_one("#tray-recommended", Tray)
        rec.display = data.recommended is not None
        if data.recommended is not None:
            rec.set_title("Recommended for you" + (" (trending: the recommender is unavailable)"
                                                    if data.recommended_degraded else ""))
            rec.set_items(data.recommended, empty_text="Watch something to get recommendations")
        self.query_one("#tray-trending", Tray).set_items(data.trending)
        self.query_one("#tray-watchlist", Tray).set_items(data.watchlist, empty_text="Press w on a title to add it")
        genres = [{"id": g.get("slug"), "title": f"{g.get('name')} ({g.get('content_count', 0)})", **g}
                  for g in data.genres]
        self.query_one("#tray-genres", Tray).set_items(genres)
        status = self.query_one("#home-status", Static)
        ott = self.ott
        if data.failures:
            status.update("[yellow]Some trays failed:[/] " + " | ".join(data.failures))
        elif ott.api.offline:
            status.update("[yellow]Offline: showing saved data.[/] Next: press r to retry.")
        else:
            status.update(f"{len(data.continue_watching)} in progress · {len(data.watchlist)} on your watchlist")
        if self.focused is None:
            self.query_one("#list-continue").focus()

    @on(Tray.ItemChosen)
    def _chosen(self, event: Tray.ItemChosen) -> None:
        if event.tray == "genres":
            from tui.screens.browse import BrowseScreen

            self.app.push_screen(BrowseScreen(genre=str(event.item.get("slug") or "")))
            return
        from tui.screens.details import DetailsScreen

        item = event.item
        self.app.push_screen(DetailsScreen(content_id=content_id_of(item), episode_id=item.get("episode_id")))

    def action_browse(self) -> None:
        """Open Browse."""
        from tui.screens.browse import BrowseScreen

        self.app.push_screen(BrowseScreen())

    def action_search(self) -> None:
        """Open Browse with the search field focused."""
        from tui.screens.browse import BrowseScreen

        self.app.push_screen(BrowseScreen(focus_search=True))

    def action_profiles(self) -> None:
        """Switch profile (no new login)."""
        from tui.screens.profiles import ProfilesScreen

        self.app.switch_screen(ProfilesScreen())

    def action_account(self) -> None:
        """Open the account screen."""
        from tui.screens.account import AccountScreen

        self.app.push_screen(AccountScreen())

    @work(exclusive=True, exit_on_error=False, group="logout")
    async def action_logout(self) -> None:
        """Log out."""
        ott = self.ott
        await ott.api.logout()
        ott.show_login()
