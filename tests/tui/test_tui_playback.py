"""End to end with real headless mpv: browse → search → details → play → stats → quality → stop → resume."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from media import CLIENT_ABR_READAHEAD_S
from media.mpv_options import DEFAULT_SEGMENT_S
from tui.screens.browse import BrowseScreen
from tui.screens.details import DetailsScreen
from tui.screens.home import HomeScreen
from tui.screens.player import PlayerScreen
from tui.widgets.tray import Tray

from .conftest import ThreadedServer, make_account, make_app
from .helpers import LONG_S, SIZE, log_in, make_long, on_screen, wait_for, wait_for_rendition_on_screen

pytestmark = pytest.mark.slow


async def test_kids_profile_browse_search_play_switch_and_continue_watching(tmp_path: Path,
                                                                           server: ThreadedServer) -> None:
    account = make_account(server)
    server.post("/api/v1/auth/profiles", {"name": "Kiddo", "is_kids_profile": True}, token=account.access_token)
    app = make_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, email=account.email, profile="Kiddo")
        assert app.profile and app.profile["is_kids_profile"]
        await pilot.press("b")
        await wait_for(pilot, lambda: on_screen(app, BrowseScreen) and app.screen.items)  # type: ignore[attr-defined]
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        assert all(i["maturity_rating"] == "U" for i in browse.items)
        target = next(i for i in browse.items if i["type"] == "movie" and i["tier_requirement"] == "free")
        # the long title: the 8 s clip fits in the client's read-ahead whole, and a loaded machine buffered
        # all of it at the start rung before the switch below, so the switch had no segment left to land on
        make_long(server, target["id"])
        browse.query_one("#search", Input).value = target["title"]
        await wait_for(pilot, lambda: browse.items and browse.items[0]["id"] == target["id"])
        results = browse.query_one("#results", OptionList)
        results.focus()
        results.highlighted = 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: on_screen(app, DetailsScreen) and app.screen.prefetched)  # type: ignore[attr-defined]
        details = app.screen
        assert isinstance(details, DetailsScreen)
        assert details.prefetched is not None and details.prefetched.first_segment_bytes > 0
        assert (details.prefetched.measured_kbps or 0) > 0  # the player's first ABR estimate (#13)
        await pilot.press("p")
        await wait_for(pilot, lambda: on_screen(app, PlayerScreen))
        player = app.screen
        assert isinstance(player, PlayerScreen)
        await wait_for(pilot, lambda: player.stats.stream_start_ms is not None, tries=2400)
        assert player.stats.rendition in ("108p", "144p", "360p")
        stats_text = "\n".join(player.stats.lines())
        assert "Start      " in stats_text and " ms" in stats_text
        before = player.abr.current if player.abr else ""
        for _ in range(len(player.abr.modes()) if player.abr else 0):  # auto → 108p → 144p → 360p
            if player.abr and player.abr.mode == "360p":
                break
            await pilot.press("q")
        assert player.abr is not None and player.abr.mode == "360p"
        assert player.stats.switches and player.stats.switches[-1].to == "360p"
        # on screen once the 144p media already read ahead has played: read-ahead + two segments
        await wait_for_rendition_on_screen(pilot, player, "360p",
                                           media_budget_s=CLIENT_ABR_READAHEAD_S + 2 * DEFAULT_SEGMENT_S + 1.0)
        session = server.get(f"/api/v1/stream/sessions/{player.stream_session_id}", token=app.api.tokens.access_token)
        assert session["current"] == "360p" and session["mode"] == "fixed"
        assert before in ("108p", "144p", "360p")
        # far enough into the long title for the tray's progress bar to fill a cell (≥ 5 %)
        await wait_for(pilot, lambda: player.position_s >= 0.07 * LONG_S, tries=2400)
        await pilot.press("escape")
        await wait_for(pilot, lambda: on_screen(app, DetailsScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: on_screen(app, BrowseScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: on_screen(app, HomeScreen))
        home = app.screen

        def continued() -> bool:
            tray = home.query_one("#tray-continue", Tray)
            return any(i["content_id"] == target["id"] and i["position_seconds"] > 0 for i in tray.items)

        for _ in range(10):
            home.action_refresh()
            try:
                await wait_for(pilot, continued, tries=40)
                break
            except AssertionError:
                continue
        assert continued()
        line = str(home.query_one("#list-continue", OptionList).get_option_at_index(0).prompt)
        assert "█" in line and target["title"] in line
