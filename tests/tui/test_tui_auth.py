"""Connect, register (policy as you type), log in, profiles: the real server behind a real app."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList, Static

from tui.screens.connect import ConnectScreen
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen
from tui.screens.profiles import ProfilesScreen
from tui.screens.register import RegisterScreen
from tui.screens.verify_email import VerifyEmailScreen
from tui.widgets.password_policy import PasswordPolicy, policy_checks

from .conftest import PASSWORD, ThreadedServer, free_port, make_account, make_app

SIZE = (80, 24)


async def wait_for(pilot, predicate, *, tries: int = 200) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until ``predicate()`` holds (bounded by ticks, not wall time)."""
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition never became true")


def on_screen(app, cls) -> bool:  # type: ignore[no-untyped-def]
    """The app shows a composed screen of type ``cls``."""
    return isinstance(app.screen, cls) and app.screen.is_mounted and bool(app.screen.children)


def test_policy_checks_tick_each_rule() -> None:
    assert dict(policy_checks("abc")) == {"8+ characters": False, "uppercase": False, "lowercase": True,
                                          "number": False, "special": False}
    assert all(ok for _, ok in policy_checks(PASSWORD))


async def test_server_down_at_start_shows_error_and_retry_works(tmp_path: Path, server: ThreadedServer) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    app = make_app(dead, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Not connected" in str(app.screen.query_one("#connect-status", Static).render()))
        assert isinstance(app.screen, ConnectScreen)
        field = app.screen.query_one("#server-url", Input)
        field.value = server.url
        await pilot.click("#retry")
        await wait_for(pilot, lambda: on_screen(app, LoginScreen))


async def test_register_with_live_policy_then_kids_profile_then_home(tmp_path: Path, server: ThreadedServer) -> None:
    app = make_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: on_screen(app, LoginScreen))
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: on_screen(app, RegisterScreen))
        app.screen.query_one("#reg-email", Input).value = "newcomer@example.com"
        app.screen.query_one("#reg-password", Input).focus()
        await pilot.press(*"abc")
        policy = str(app.screen.query_one(PasswordPolicy).render())
        assert "✗ uppercase" in policy and "✓ lowercase" in policy
        app.screen.query_one("#reg-password", Input).value = PASSWORD
        await pilot.pause()
        assert "✗" not in str(app.screen.query_one(PasswordPolicy).render())
        await pilot.click("#do-register")
        await wait_for(pilot, lambda: isinstance(app.screen, VerifyEmailScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen) and app.screen.profiles)
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#pf-name", Input).value = "Kiddo"
        await pilot.click("#pf-kids")
        await pilot.click("#pf-save")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen) and len(app.screen.profiles) == 2)
        kids = [p for p in app.screen.profiles if p["name"] == "Kiddo"]
        assert kids and kids[0]["is_kids_profile"] and kids[0]["maturity_rating"] == "U"
        options = app.screen.query_one("#profile-list", OptionList)
        options.highlighted = app.screen.profiles.index(kids[0])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert app.profile is not None and app.profile["name"] == "Kiddo"


async def test_login_with_wrong_password_explains_and_right_one_works(tmp_path: Path,
                                                                      server: ThreadedServer) -> None:
    account = make_account(server)
    app = make_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: on_screen(app, LoginScreen))
        app.screen.query_one("#email", Input).value = account.email
        app.screen.query_one("#password", Input).value = "Wrong-pass1!"
        await pilot.click("#login")
        error = app.screen.query_one("#login-error", Static)
        await wait_for(pilot, lambda: "Next:" in str(error.render()))
        assert isinstance(app.screen, LoginScreen)
        password = app.screen.query_one("#password", Input)
        password.value = PASSWORD
        password.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
