"""Focus and keys (#15): the first row selected on every list, Enter after a search opens the first result,
single-letter actions never typed into inputs (Connect's retry is ctrl+r), error hints naming an action
that works on that screen (real server)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList, Static

from tui.screens.browse import BrowseScreen
from tui.screens.connect import ConnectScreen
from tui.screens.details import DetailsScreen
from tui.screens.login import LoginScreen
from tui.screens.profiles import ProfilesScreen
from tui.widgets.tray import Tray

from .conftest import ThreadedServer, free_port, make_account, make_app
from .helpers import SIZE, on_screen, wait_for


async def test_connect_retry_is_ctrl_r_and_never_typed_into_the_url(tmp_path: Path, server: ThreadedServer) -> None:
    app = make_app(f"http://127.0.0.1:{free_port()}", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Not connected" in str(app.screen.query_one("#connect-status", Static).render()))
        assert isinstance(app.screen, ConnectScreen)
        assert "ctrl+r" in str(app.screen.query_one("#connect-status", Static).render())
        field = app.screen.query_one("#server-url", Input)
        field.value = server.url
        field.focus()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: on_screen(app, LoginScreen))
        assert field.value == server.url


async def test_first_rows_selected_and_hints_name_actions_of_the_screen(tmp_path: Path,
                                                                       server: ThreadedServer) -> None:
    account = make_account(server)
    for n in range(4):  # the account's limit is 5 profiles
        server.post("/api/v1/auth/profiles", {"name": f"P{n}"}, token=account.access_token)
    app = make_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: on_screen(app, LoginScreen))
        app.screen.query_one("#email", Input).value = account.email
        app.screen.query_one("#password", Input).value = "Sup3r-secret!"
        await pilot.click("#login")
        await wait_for(pilot, lambda: on_screen(app, ProfilesScreen) and len(app.screen.profiles) == 5)  # type: ignore[attr-defined]
        profiles = app.screen
        assert isinstance(profiles, ProfilesScreen)
        assert profiles.query_one("#profile-list", OptionList).highlighted == 0
        profiles._save(None, {"name": "Sixth"})
        await wait_for(pilot, lambda: any("d on this screen" in n.message for n in app._notifications))
        assert not any("Next: Retry" in n.message for n in app._notifications)

        app.profile_chosen(profiles.profiles[0])
        await wait_for(pilot, lambda: app.screen.query("#tray-trending") and
                       app.screen.query_one("#tray-trending", Tray).items)
        trending = app.screen.query_one("#list-trending", OptionList)
        assert trending.highlighted == 0

        # browse → type a search → Enter → the first result is highlighted → Enter opens it
        await pilot.press("b")
        await wait_for(pilot, lambda: on_screen(app, BrowseScreen) and app.screen.items)  # type: ignore[attr-defined]
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        first = browse.items[0]
        search = browse.query_one("#search", Input)
        search.focus()
        search.value = str(first["title"])
        await wait_for(pilot, lambda: browse.items and browse.items[0]["id"] == first["id"])
        await pilot.press("enter")
        results = browse.query_one("#results", OptionList)
        await wait_for(pilot, lambda: results.has_focus and results.highlighted == 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: on_screen(app, DetailsScreen))
