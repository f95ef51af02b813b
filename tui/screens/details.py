"""A title: description in the profile's language, cast, seasons and episodes, watchlist, play/resume/start over.

Opening it prefetches what the first frame needs (fast start, spec FR-VP-005).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.errors import ApiError
from tui.format import clock, description_of, title_of
from tui.player.prefetch import Prefetched, prefetch
from tui.screens.base import OttScreen
from tui.widgets.first_row_list import FirstRowList
from tui.widgets.tier_badge import TierBadge


class DetailsScreen(OttScreen[None]):
    """Play (resume), start over, watchlist toggle, episodes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="details.back"),
        Binding("enter,p", "play", "Play", id="details.play"),
        Binding("o", "start_over", "Start over", id="details.start_over"),
        Binding("w", "toggle_watchlist", "Watchlist", id="details.watchlist"),
        Binding("left_square_bracket", "season(-1)", "Prev season", id="details.prev_season", show=False),
        Binding("right_square_bracket", "season(1)", "Next season", id="details.next_season", show=False),
    ]
    DEFAULT_CSS = """
    DetailsScreen #title-row { height: 1; }
    DetailsScreen #title { text-style: bold; width: 1fr; }
    DetailsScreen #meta, DetailsScreen #cast { color: $text-muted; }
    DetailsScreen #description { margin: 1 0; }
    DetailsScreen #episodes { height: auto; max-height: 8; border: none; }
    DetailsScreen #buttons { height: auto; }
    DetailsScreen #buttons Button { margin-right: 1; min-width: 10; width: auto; }
    DetailsScreen #prefetch { color: $text-muted; height: 1; }
    """

    @dataclass
    class DetailsLoaded(Message):
        """Details, the resume point and watchlist membership arrived."""

        details: dict[str, Any]
        resume: dict[str, Any] | None
        on_watchlist: bool

    @dataclass
    class SeasonLoaded(Message):
        """A season's episodes arrived."""

        season: dict[str, Any]

    @dataclass
    class PrefetchFinished(Message):
        """Fast-start data is ready (or failed: ``ready`` None)."""

        ready: Prefetched | None
        error: str = ""

    def __init__(self, *, content_id: str, episode_id: str | None = None) -> None:
        """Show ``content_id`` (an episode to preselect when ``episode_id``)."""
        super().__init__()
        self.content_id = content_id
        self.episode_id = episode_id
        self.details: dict[str, Any] = {}
        self.resume: dict[str, Any] | None = None
        self.on_watchlist = False
        self.season_number = 1
        self.episodes: list[dict[str, Any]] = []
        self.prefetched: Prefetched | None = None

    def compose(self) -> ComposeResult:
        """Layout."""
        yield Header()
        with VerticalScroll():
            with Horizontal(id="title-row"):
                yield Label("Loading …", id="title")
                yield TierBadge(id="tier")
            yield Static("", id="meta")
            yield Static("", id="description")
            yield Static("", id="cast")
            yield Label("", id="season-label", classes="heading")
            yield FirstRowList(id="episodes")
            with Horizontal(id="buttons"):
                yield Button("Play", id="play", variant="primary")
                yield Button("Start over", id="start-over")
                yield Button("+ Watchlist", id="watchlist")
            yield Static("", id="prefetch")
        yield Footer()

    def on_mount(self) -> None:
        """Load the title and prefetch its start."""
        self.query_one("#episodes").display = False
        self.query_one("#season-label").display = False
        self._load()

    @work(exclusive=True, exit_on_error=False, group="details")
    async def _load(self) -> None:
        ott = self.ott
        pid = ott.profile_id
        try:
            details = await ott.api.details(self.content_id, profile_id=pid)
        except ApiError as err:
            ott.report(err, doing="open this title")
            return
        resume, listed = None, False
        if pid:
            try:
                resume = next((i for i in await ott.api.continue_watching(profile_id=pid)
                               if i.get("content_id") == self.content_id), None)
                listed = any(i.get("content_id") == self.content_id for i in await ott.api.watchlist(profile_id=pid))
            except ApiError:
                pass  # not essential
        self.post_message(self.DetailsLoaded(details, resume, listed))

    def on_details_screen_details_loaded(self, message: DetailsLoaded) -> None:
        """Fill the screen, load episodes of a show, start the prefetch."""
        ott = self.ott
        d = self.details = message.details
        self.resume = message.resume
        self.on_watchlist = message.on_watchlist
        lang = ott.language
        self.title = title_of(d, language=lang)
        self.query_one("#title", Label).update(title_of(d, language=lang))
        self.query_one("#tier", TierBadge).show_tier(d.get("tier_requirement"))
        meta = [str(d.get("year") or ""), str(d.get("maturity_rating") or ""), ", ".join(d.get("genres") or [])]
        if d.get("duration_minutes"):
            meta.append(f"{d['duration_minutes']} min")
        if d.get("audio_languages"):
            meta.append("audio " + "/".join(d["audio_languages"]))
        self.query_one("#meta", Static).update(" · ".join(m for m in meta if m))
        self.query_one("#description", Static).update(description_of(d, language=lang))
        cast_line = ", ".join((d.get("cast") or [])[:6])
        director = d.get("director")
        self.query_one("#cast", Static).update(
            (f"Cast: {cast_line}" if cast_line else "") + (f"  ·  Director: {director}" if director else ""))
        self._show_watchlist()
        play = self.query_one("#play", Button)
        if self.resume and float(self.resume.get("position_seconds") or 0) > 0:
            play.label = f"Resume {clock(self.resume['position_seconds'])}"
            if self.resume.get("episode_id"):
                self.episode_id = str(self.resume["episode_id"])
        if not d.get("playable", True):
            play.label = "Upgrade to play"
        play.refresh(layout=True)  # the button's width follows its new label (it was sometimes cut to "Upgrade")
        seasons = d.get("seasons") or []
        if seasons:
            self.season_number = int(self.resume.get("season_number") or seasons[0]["season_number"]) \
                if self.resume and self.resume.get("season_number") else int(seasons[0]["season_number"])
            self._season(self.season_number)
        elif d.get("playable", True):
            self._prefetch(None)
        play.focus()

    def _show_watchlist(self) -> None:
        self.query_one("#watchlist", Button).label = "✓ On watchlist" if self.on_watchlist else "+ Watchlist"

    @work(exclusive=True, exit_on_error=False, group="season")
    async def _season(self, number: int) -> None:
        ott = self.ott
        try:
            season = await ott.api.season(self.content_id, number, profile_id=ott.profile_id)
        except ApiError as err:
            ott.report(err, doing=f"load season {number}")
            return
        self.post_message(self.SeasonLoaded(season))

    def on_details_screen_season_loaded(self, message: SeasonLoaded) -> None:
        """Show the episodes; preselect the resumed (or first) one and prefetch it."""
        self.episodes = list(message.season.get("episodes") or [])
        lang = self.ott.language
        label = self.query_one("#season-label", Label)
        label.display = True
        total = len(self.details.get("seasons") or [])
        label.update(f"Season {message.season.get('season_number')} of {total}  ([ ] to change)")
        episodes = self.query_one("#episodes", OptionList)
        episodes.display = True
        episodes.clear_options()
        episodes.add_options([Option(f"E{e['episode_number']:02d} {title_of(e, language=lang)}"
                                     f"  ({e.get('duration_minutes') or '?'} min)", id=f"ep-{e['id']}")
                              for e in self.episodes])
        index = next((n for n, e in enumerate(self.episodes) if e["id"] == self.episode_id), 0)
        if self.episodes:
            episodes.highlighted = index
            self.episode_id = str(self.episodes[index]["id"])
            if self.details.get("playable", True):
                self._prefetch(self.episode_id)

    @on(OptionList.OptionHighlighted, "#episodes")
    def _episode_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if 0 <= event.option_index < len(self.episodes):
            chosen = str(self.episodes[event.option_index]["id"])
            if chosen != self.episode_id:
                self.episode_id = chosen
                self._prefetch(chosen)

    @on(OptionList.OptionSelected, "#episodes")
    def _episode_selected(self) -> None:
        self.action_play()

    def action_season(self, step: int) -> None:
        """Previous/next season."""
        numbers = sorted(int(s["season_number"]) for s in self.details.get("seasons") or [])
        if self.season_number in numbers:
            i = numbers.index(self.season_number) + step
            if 0 <= i < len(numbers):
                self.season_number = numbers[i]
                self.episode_id = None
                self._season(self.season_number)

    @work(exclusive=True, exit_on_error=False, group="prefetch")
    async def _prefetch(self, episode_id: str | None) -> None:
        ott = self.ott
        if not ott.profile_id:
            return
        try:
            ready = await prefetch(api=ott.api, content_id=self.content_id, profile_id=ott.profile_id,
                                   episode_id=episode_id, rewrite=ott.shaper.rewrite,
                                   net=ott.shaper.profile_name if ott.shaper.active else None)
        except ApiError as err:
            self.post_message(self.PrefetchFinished(None, err.user_message()))
            return
        self.post_message(self.PrefetchFinished(ready))

    def on_details_screen_prefetch_finished(self, message: PrefetchFinished) -> None:
        """Keep what is ready and say so."""
        line = self.query_one("#prefetch", Static)
        if message.ready is None:
            line.update(f"Prefetch failed: {message.error}")
            return
        if message.ready.episode_id != self.episode_id and self.episodes:
            return  # a stale answer for an episode no longer highlighted
        self.prefetched = message.ready
        start = message.ready.manifest.start_rendition()
        line.update(f"Ready: starts at {start} from a prefetched first segment (fast start)")

    @on(Button.Pressed, "#play")
    def action_play(self) -> None:
        """Play (from the resume point when there is one)."""
        self._start(start_over=False)

    @on(Button.Pressed, "#start-over")
    def action_start_over(self) -> None:
        """Play from the beginning."""
        self._start(start_over=True)

    def _start(self, *, start_over: bool) -> None:
        from tui.screens.player import PlayerScreen

        if not self.details:
            return
        if not self.details.get("playable", True):
            self.app.notify("Your plan does not include this title. Next: upgrade on the Account screen (a).",
                            severity="warning")
            return
        if self.details.get("seasons") and not self.episode_id:
            self.app.notify("Pick an episode first.", severity="warning")
            return
        ready = self.prefetched if (self.prefetched and self.prefetched.episode_id == self.episode_id) else None
        self.prefetched = None  # a prefetch serves one play: the next one fetches afresh
        self.app.push_screen(PlayerScreen(content_id=self.content_id, episode_id=self.episode_id,
                                          title=str(self.title or ""), start_over=start_over, prefetched=ready))

    def on_screen_resume(self) -> None:
        """Back from the player: refresh the resume point and prefetch again."""
        if self.details:
            self._load()

    @on(Button.Pressed, "#watchlist")
    @work(exclusive=True, exit_on_error=False, group="watchlist")
    async def action_toggle_watchlist(self) -> None:
        """Add to or remove from the watchlist."""
        ott = self.ott
        if not ott.profile_id:
            return
        try:
            if self.on_watchlist:
                await ott.api.watchlist_remove(self.content_id, profile_id=ott.profile_id)
            else:
                await ott.api.watchlist_add(self.content_id, profile_id=ott.profile_id)
        except ApiError as err:
            ott.report(err, doing="change the watchlist")
            return
        self.on_watchlist = not self.on_watchlist
        self._show_watchlist()
        self.app.notify("Added to your watchlist." if self.on_watchlist else "Removed from your watchlist.")

    def action_back(self) -> None:
        """Back."""
        self.app.pop_screen()
