"""Every screen at 80×24 (#15 target): each screen's primary action is on screen, whole, not clipped or
scrolled away (real server; the player with real headless mpv).

A button or input must be shown whole; a list must show its first row. Problems are collected over all
screens and reported together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Input

from tui.app import OttApp
from tui.payloads import NextEpisode
from tui.screens.account import AccountScreen
from tui.screens.browse import BrowseScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.connect import ConnectScreen
from tui.screens.details import DetailsScreen
from tui.screens.forgot_password import ForgotPasswordScreen
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen
from tui.screens.network_picker import NetworkPickerScreen
from tui.screens.next_episode import NextEpisodeScreen
from tui.screens.profile_form import ProfileFormScreen
from tui.screens.profiles import ProfilesScreen
from tui.screens.register import RegisterScreen
from tui.screens.settings import SettingsScreen
from tui.screens.verify_email import VerifyEmailScreen

from .conftest import ThreadedServer, free_port, make_account, make_app
from .helpers import SIZE, first_free_movie, log_in, on_screen, play, settle, wait_for

pytestmark = pytest.mark.slow


def shown(app: OttApp, selector: str) -> str | None:
    """None when the widget ``selector`` of the current screen is on screen as it must be, else the problem."""
    widget: Widget = app.screen.query_one(selector)
    geo = app.screen.find_widget(widget)
    region, visible = geo.region, geo.visible_region
    whole_screen = Region(0, 0, *app.size)
    name = f"{type(app.screen).__name__} {selector}"
    if not visible.area:
        return f"{name}: not visible (at {region})"
    if not whole_screen.contains_region(visible):
        return f"{name}: outside the screen (at {region})"
    if isinstance(widget, Button | Input) and visible != region:
        return f"{name}: clipped ({region} shows {visible})"
    if visible.y != region.y:
        return f"{name}: its first row is scrolled away ({region} shows {visible})"
    return None


async def check(pilot: Pilot[Any], problems: list[str], screen: type, *selectors: str) -> None:
    """Wait for ``screen`` to be shown and settled (no worker running, the same frame twice: the player
    repaints every second, so three frames in a row may not come on a loaded machine), then note every
    selector not shown as it must be."""
    app = pilot.app
    await wait_for(pilot, lambda: on_screen(app, screen))  # type: ignore[arg-type]
    await settle(pilot, stable_frames=1)
    problems.extend(p for p in (shown(app, s) for s in selectors) if p)  # type: ignore[arg-type]


async def back_to(pilot: Pilot[Any], screen: type) -> None:
    """Close screens until ``screen`` is shown."""
    app = pilot.app
    while not isinstance(app.screen, screen) and len(app.screen_stack) > 1:
        app.pop_screen()
        await pilot.pause()
    await wait_for(pilot, lambda: on_screen(app, screen))  # type: ignore[arg-type]


async def test_every_screen_shows_its_primary_action_at_80x24(tmp_path: Path, server: ThreadedServer) -> None:
    problems: list[str] = []
    async with make_app(f"http://127.0.0.1:{free_port()}", tmp_path / "down").run_test(size=SIZE) as pilot:
        await check(pilot, problems, ConnectScreen, "#server-url", "#connect")

    account = make_account(server)
    movie = first_free_movie(server, account)
    show = server.get("/api/v1/catalog/content?type=tv_show&sort=a-z&limit=1", token=account.access_token)["content"][0]
    app = make_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await check(pilot, problems, LoginScreen, "#email", "#password", "#login")
        await app.push_screen(RegisterScreen())
        await check(pilot, problems, RegisterScreen, "#reg-email", "#reg-password", "#do-register")
        await back_to(pilot, LoginScreen)
        await app.push_screen(ForgotPasswordScreen(email=account.email))
        await check(pilot, problems, ForgotPasswordScreen, "#reset-email", "#send-code")
        await back_to(pilot, LoginScreen)
        await app.push_screen(VerifyEmailScreen(session={"email": account.email}))
        await check(pilot, problems, VerifyEmailScreen, "#verify-token", "#verify")
        await back_to(pilot, LoginScreen)

        await log_in(pilot, app, email=account.email)
        await check(pilot, problems, HomeScreen, "#trays")
        focused = app.focused
        assert focused is not None and focused.id, "nothing focused on the home screen"
        problems.extend(p for p in [shown(app, f"#{focused.id}")] if p)
        await app.push_screen(ProfilesScreen())
        await check(pilot, problems, ProfilesScreen, "#profile-list", "#new")
        await back_to(pilot, HomeScreen)
        await app.push_screen(ProfileFormScreen())
        await check(pilot, problems, ProfileFormScreen, "#pf-name", "#pf-save")
        await back_to(pilot, HomeScreen)
        await pilot.press("b")
        await check(pilot, problems, BrowseScreen, "#search", "#results")
        await back_to(pilot, HomeScreen)
        await app.push_screen(DetailsScreen(content_id=movie["id"]))
        await check(pilot, problems, DetailsScreen, "#play")
        await back_to(pilot, HomeScreen)
        await app.push_screen(DetailsScreen(content_id=show["id"]))
        await wait_for(pilot, lambda: on_screen(app, DetailsScreen) and app.screen.episodes)  # type: ignore[attr-defined]
        await check(pilot, problems, DetailsScreen, "#play", "#episodes")
        await back_to(pilot, HomeScreen)
        await app.push_screen(AccountScreen())
        await wait_for(pilot, lambda: on_screen(app, AccountScreen) and app.screen.data.plans)  # type: ignore[attr-defined]
        await check(pilot, problems, AccountScreen, "#plans")
        await back_to(pilot, HomeScreen)
        await app.push_screen(SettingsScreen())
        await check(pilot, problems, SettingsScreen, "#s-net", "#s-save")
        await back_to(pilot, HomeScreen)
        await app.push_screen(ConfirmScreen("Log out?"))
        await check(pilot, problems, ConfirmScreen, "#yes", "#no")
        await back_to(pilot, HomeScreen)
        await app.push_screen(NextEpisodeScreen(episode=NextEpisode(id=show["id"], title="Next", season_number=1,
                                                                    episode_number=2), seconds=600))
        await check(pilot, problems, NextEpisodeScreen, "#play-next", "#cancel-next")
        await back_to(pilot, HomeScreen)

        player = await play(pilot, app, movie)
        await wait_for(pilot, lambda: player.stats.stream_start_ms is not None)
        await check(pilot, problems, type(player), "#now-playing", "#position-row", "#stats")
        await pilot.press("t")
        await check(pilot, problems, NetworkPickerScreen, "#network-list")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is player)
        await pilot.press("escape")
        await wait_for(pilot, lambda: on_screen(app, HomeScreen))
    assert not problems, "\n".join(problems)
