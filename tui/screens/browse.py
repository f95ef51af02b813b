"""Browse with filters and sort; search as you type (debounced, stale requests cancelled)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Footer, Header, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from tui.errors import ApiError
from tui.format import card_line, content_id_of
from tui.screens.base import OttScreen
from tui.widgets.first_row_list import FirstRowList

DEBOUNCE_S = 0.3
TYPES = [("Movies", "movie"), ("Shows", "tv_show"), ("Sports", "sports")]
LANGS = [("English", "en"), ("Hindi", "hi")]
TIERS = [("Free", "free"), ("Premium", "premium")]
RATINGS = [("U", "U"), ("U/A", "U/A"), ("A", "A")]
SORTS = [("Trending", "trending"), ("Recently added", "recent"), ("A–Z", "a-z"), ("Release date", "release_date")]


class BrowseScreen(OttScreen[None]):
    """Search field, two rows of filters, results."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="browse.back"),
        Binding("ctrl+s", "focus_search", "Search", id="browse.search"),
        Binding("ctrl+r", "reset_filters", "Clear filters", id="browse.reset"),
    ]
    DEFAULT_CSS = """
    BrowseScreen Horizontal { height: auto; }
    BrowseScreen Select { width: 1fr; }
    BrowseScreen #year { width: 12; }
    BrowseScreen #results { height: 1fr; border: none; }
    BrowseScreen #browse-status { height: 1; }
    """

    @dataclass
    class ResultsArrived(Message):
        """A list or search answered (only the latest request's answer arrives)."""

        items: list[dict[str, Any]]
        total: int
        query: str

    def __init__(self, *, genre: str = "", focus_search: bool = False) -> None:
        """Open filtered by ``genre`` (a slug), optionally with the search field focused."""
        super().__init__()
        self.genre = genre
        self.focus_search = focus_search
        self.items: list[dict[str, Any]] = []
        self.genre_options: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        """Search, filters, status, results."""
        yield Header()
        yield Input(placeholder="Search titles, cast, genres …", id="search", compact=True)
        with Horizontal():
            yield Select(TYPES, prompt="Type", id="f-type", compact=True)
            yield Select([], prompt="Genre", id="f-genre", compact=True)
            yield Select(LANGS, prompt="Language", id="f-language", compact=True)
        with Horizontal():
            yield Select(TIERS, prompt="Tier", id="f-tier", compact=True)
            yield Select(RATINGS, prompt="Rating", id="f-maturity", compact=True)
            yield Select(SORTS, value="trending", allow_blank=False, id="f-sort", compact=True)
            yield Input(placeholder="Year", id="year", type="integer", max_length=4, compact=True)
        yield Static("", id="browse-status", classes="muted")
        yield FirstRowList(id="results")
        yield Footer()

    def on_mount(self) -> None:
        """Load genres and the first page."""
        self.title = "Browse"
        self._genres()
        if self.focus_search:
            self.query_one("#search", Input).focus()
        else:
            self.query_one("#results", OptionList).focus()
        self.refresh_results()

    @work(exclusive=True, exit_on_error=False, group="genres")
    async def _genres(self) -> None:
        ott = self.ott
        try:
            genres = await ott.api.genres(profile_id=ott.profile_id)
        except ApiError:
            return  # the genre filter stays empty; browsing still works
        options = [(str(g.get("name")), str(g.get("slug"))) for g in genres if g.get("slug")]
        select = self.query_one("#f-genre", Select)
        select.set_options(options)
        if self.genre and any(slug == self.genre for _, slug in options):
            select.value = self.genre

    def filters(self) -> dict[str, Any]:
        """The chosen filters as query parameters."""
        out: dict[str, Any] = {}
        for name in ("type", "genre", "language", "tier", "maturity", "sort"):
            value = self.query_one(f"#f-{name}", Select).value
            if value is not Select.NULL and value is not None:
                out[name] = value
        if self.genre and "genre" not in out:
            out["genre"] = self.genre
        year = self.query_one("#year", Input).value.strip()
        if len(year) == 4 and year.isdigit():
            out["year"] = int(year)
        return out

    def refresh_results(self, *, debounce: bool = False) -> None:
        """Start a new list/search request; any request still running is cancelled."""
        self._fetch(self.query_one("#search", Input).value.strip(), self.filters(), debounce)

    @work(exclusive=True, exit_on_error=False, group="results")
    async def _fetch(self, query: str, filters: dict[str, Any], debounce: bool) -> None:
        if debounce:
            await asyncio.sleep(DEBOUNCE_S)  # a newer keystroke cancels this worker before it asks
        ott = self.ott
        try:
            if query:
                body = await ott.api.search(query, profile_id=ott.profile_id, type_=filters.get("type"))
                items, total = list(body.get("results", [])), int(body.get("total", 0))
            else:
                body = await ott.api.content(profile_id=ott.profile_id, limit=50, **filters)
                items, total = list(body.get("content", [])), int(body.get("pagination", {}).get("total", 0))
        except ApiError as err:
            if err.status == 422:
                self.post_message(self.ResultsArrived([], 0, query))
                return
            ott.report(err, doing="load titles")
            return
        self.post_message(self.ResultsArrived(items, total, query))

    def on_browse_screen_results_arrived(self, message: ResultsArrived) -> None:
        """Show the results."""
        self.items = message.items
        lang = self.ott.language
        results = self.query_one("#results", OptionList)
        results.clear_options()
        results.add_options([Option(card_line(i, language=lang), id=f"r-{n}") for n, i in enumerate(self.items)])
        what = f"“{message.query}”" if message.query else "titles"
        self.query_one("#browse-status", Static).update(f"{message.total} {what} · showing {len(self.items)}")

    @on(Input.Changed, "#search")
    def _typed(self) -> None:
        self.refresh_results(debounce=True)

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.query_one("#results", OptionList).focus()

    @on(Select.Changed)
    @on(Input.Changed, "#year")
    def _filter_changed(self, event: Select.Changed | Input.Changed) -> None:
        if isinstance(event, Select.Changed) and event.select.id == "f-genre":
            self.genre = "" if event.value is Select.NULL else str(event.value)
        self.refresh_results(debounce=isinstance(event, Input.Changed))

    @on(OptionList.OptionSelected, "#results")
    def _open(self, event: OptionList.OptionSelected) -> None:
        from tui.screens.details import DetailsScreen

        if 0 <= event.option_index < len(self.items):
            self.app.push_screen(DetailsScreen(content_id=content_id_of(self.items[event.option_index])))

    def action_focus_search(self) -> None:
        """Focus the search field."""
        self.query_one("#search", Input).focus()

    def action_reset_filters(self) -> None:
        """Clear every filter."""
        self.genre = ""
        for name in ("type", "genre", "language", "tier", "maturity"):
            self.query_one(f"#f-{name}", Select).clear()
        self.query_one("#year", Input).value = ""
        self.refresh_results()

    def action_back(self) -> None:
        """Back to home."""
        self.app.pop_screen()
