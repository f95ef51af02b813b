"""Snapshots of the main screens at 80x24 over a fixed seeded catalog and fixed account names.

Each snapshot is taken once the app has settled (``helpers.settle``: no worker running, no animation,
the same frame several times in a row), never after a fixed sleep, so a busy machine only makes the
tests slower (``scripts/tui-under-load.sh`` runs them with every core busy)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from tui.screens.browse import BrowseScreen
from tui.screens.details import DetailsScreen
from tui.screens.login import LoginScreen
from tui.screens.profiles import ProfilesScreen
from tui.screens.register import RegisterScreen
from tui.widgets.tray import Tray

from .conftest import ThreadedServer, make_account, make_app
from .helpers import SIZE, log_in, on_screen, settle, wait_for

EMAIL = "snap@example.com"


def test_snapshot_login(snap_compare: Any, server: ThreadedServer, tmp_path: Path) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: on_screen(pilot.app, LoginScreen))
        await settle(pilot)

    assert snap_compare(make_app(server.url, tmp_path), terminal_size=SIZE, run_before=ready)


def test_snapshot_register_policy_as_you_type(snap_compare: Any, server: ThreadedServer, tmp_path: Path) -> None:
    async def typing(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: on_screen(pilot.app, LoginScreen))
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: on_screen(pilot.app, RegisterScreen))
        pilot.app.screen.query_one("#reg-email", Input).value = EMAIL
        pilot.app.screen.query_one("#reg-password", Input).focus()
        await pilot.press(*"secret1")
        await settle(pilot)

    assert snap_compare(make_app(server.url, tmp_path), terminal_size=SIZE, run_before=typing)


def test_snapshot_profiles(snap_compare: Any, server: ThreadedServer, tmp_path: Path) -> None:
    account = make_account(server, email=EMAIL)
    server.post("/api/v1/auth/profiles", {"name": "Kiddo", "is_kids_profile": True}, token=account.access_token)

    async def picker(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: on_screen(pilot.app, LoginScreen))
        pilot.app.screen.query_one("#email", Input).value = EMAIL
        pilot.app.screen.query_one("#password", Input).value = "Sup3r-secret!"
        await pilot.click("#login")
        await wait_for(pilot, lambda: on_screen(pilot.app, ProfilesScreen) and len(pilot.app.screen.profiles) == 2)
        await settle(pilot)

    assert snap_compare(make_app(server.url, tmp_path), terminal_size=SIZE, run_before=picker)


def test_snapshot_home(snap_compare: Any, server: ThreadedServer, tmp_path: Path) -> None:
    make_account(server, email=EMAIL)

    async def home(pilot: Pilot[Any]) -> None:
        await log_in(pilot, pilot.app, email=EMAIL)
        await wait_for(pilot, lambda: pilot.app.screen.query_one("#tray-genres", Tray).items)
        # focusing scrolls the focused tray into view after the next refresh: let that happen first,
        # then put the trays at the top (the scroll offset differed by a line between runs)
        pilot.app.screen.query_one("#list-continue").focus()
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        trays = pilot.app.screen.query_one("#trays")
        trays.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        await wait_for(pilot, lambda: trays.scroll_y == 0)
        await settle(pilot)

    assert snap_compare(make_app(server.url, tmp_path), terminal_size=SIZE, run_before=home)


def test_snapshot_browse(snap_compare: Any, server: ThreadedServer, tmp_path: Path) -> None:
    make_account(server, email=EMAIL)

    async def browse(pilot: Pilot[Any]) -> None:
        await log_in(pilot, pilot.app, email=EMAIL)
        await pilot.press("b")
        await wait_for(pilot, lambda: on_screen(pilot.app, BrowseScreen) and pilot.app.screen.items)
        await settle(pilot)

    assert snap_compare(make_app(server.url, tmp_path), terminal_size=SIZE, run_before=browse)


def test_snapshot_details_of_a_show(snap_compare: Any, server: ThreadedServer, tmp_path: Path) -> None:
    account = make_account(server, email=EMAIL)
    show = server.get("/api/v1/catalog/content?type=tv_show&sort=a-z&limit=1", token=account.access_token)["content"][0]

    async def details(pilot: Pilot[Any]) -> None:
        await log_in(pilot, pilot.app, email=EMAIL)
        pilot.app.push_screen(DetailsScreen(content_id=show["id"]))
        await wait_for(pilot, lambda: on_screen(pilot.app, DetailsScreen) and pilot.app.screen.episodes)
        await wait_for(pilot, lambda: pilot.app.screen.prefetched or show.get("tier_requirement") != "free")
        pilot.app.screen.query_one("#play").focus()
        await settle(pilot)

    assert snap_compare(make_app(server.url, tmp_path), terminal_size=SIZE, run_before=details)
