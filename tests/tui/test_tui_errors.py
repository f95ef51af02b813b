"""Error paths: an expired token is refreshed silently; the server dying mid-playback is a notification."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.api import Tokens
from tui.screens.details import DetailsScreen
from tui.screens.home import HomeScreen
from tui.screens.player import PlayerScreen
from tui.widgets.tray import Tray

from .conftest import ThreadedServer, make_account, make_app
from .helpers import SIZE, log_in, on_screen, record_notifications, wait_for


async def test_expired_access_token_is_refreshed_silently(tmp_path: Path, server: ThreadedServer) -> None:
    account = make_account(server)
    app = make_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, email=account.email)
        assert app.api.tokens is not None
        old = app.api.tokens
        app.api.set_tokens(Tokens(access_token="expired." + old.access_token[8:], refresh_token=old.refresh_token,
                                  user_id=old.user_id, email=old.email))
        home = app.screen
        assert isinstance(home, HomeScreen)
        home.query_one("#tray-trending", Tray).items = []
        home.action_refresh()
        await wait_for(pilot, lambda: home.query_one("#tray-trending", Tray).items)
        assert app.api.stats.refreshes == 1
        assert app.api.tokens.access_token != old.access_token
        assert on_screen(app, HomeScreen)
        assert not [n for n in app._notifications if n.severity == "error"]


async def test_refresh_failure_sends_the_user_to_log_in_again(tmp_path: Path, server: ThreadedServer) -> None:
    account = make_account(server)
    app = make_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, email=account.email)
        noted = record_notifications(app)
        app.api.set_tokens(Tokens(access_token="bad", refresh_token="also-bad"))
        app.screen.action_refresh()  # type: ignore[attr-defined]
        from tui.screens.login import LoginScreen

        await wait_for(pilot, lambda: on_screen(app, LoginScreen))
        assert any("log in again" in n.message for n in noted)


@pytest.mark.slow
async def test_server_killed_during_playback_is_a_notification_not_a_crash(tmp_path: Path,
                                                                           server: ThreadedServer) -> None:
    account = make_account(server)
    app = make_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, email=account.email)
        body = server.get("/api/v1/catalog/content?type=movie&tier=free&limit=1", token=account.access_token)
        movie = body["content"][0]
        app.push_screen(DetailsScreen(content_id=movie["id"]))
        await wait_for(pilot, lambda: on_screen(app, DetailsScreen) and app.screen.details)  # type: ignore[attr-defined]
        await pilot.press("p")
        await wait_for(pilot, lambda: on_screen(app, PlayerScreen))
        player = app.screen
        assert isinstance(player, PlayerScreen)
        await wait_for(pilot, lambda: player.stats.stream_start_ms is not None, tries=2400)
        noted = record_notifications(app)
        server.kill()
        await pilot.press("q")  # a quality change needs the server
        await wait_for(pilot, lambda: not player.server_ok)
        # the note may have expired from the screen (8 s) before this line runs on a loaded machine
        assert any(n.title == "Server problem" and n.severity == "warning" for n in noted)
        await pilot.press("escape")
        await wait_for(pilot, lambda: on_screen(app, DetailsScreen))
        assert app.is_running
