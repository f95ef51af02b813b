"""Pilot helpers shared by the TUI tests."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Button, Input, OptionList
from textual.worker import WorkerState

from tui.app import OttApp
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen
from tui.screens.network_picker import NetworkPickerScreen
from tui.screens.player import PlayerScreen
from tui.screens.profiles import ProfilesScreen

from .conftest import CLIP_SECONDS, LONG_ASSET, LONG_REPEATS, PASSWORD, Account, ThreadedServer

SIZE = (80, 24)


def on_screen(app: OttApp, cls: type) -> bool:
    """The app shows a composed screen of type ``cls``."""
    return isinstance(app.screen, cls) and app.screen.is_mounted and bool(app.screen.children)


async def wait_for(pilot: Pilot[Any], predicate: Callable[[], Any], *, tries: int = 1200, step: float = 0.05,
                   why: Callable[[], str] | None = None) -> None:
    """Let the app run until ``predicate()`` holds (bounded by a number of ticks: at least a minute by
    default, as a login on a machine starved of CPU took more than 20 s). ``why``: the failure message when it
    never does (read then)."""
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(step)
    raise AssertionError(why() if why is not None else "condition never became true")


#: Seconds of the long sample title (LONG_ASSET).
LONG_S = LONG_REPEATS * CLIP_SECONDS


def make_long(server: ThreadedServer, content_id: str) -> None:
    """The title ``content_id`` plays the long sample title from now on: a test that needs media left
    beyond the player's read-ahead (the 8 s clip fits in it whole) uses this."""
    server.execute("UPDATE content SET asset_id = $1, asset_duration_s = $2, duration_minutes = $3 WHERE id = $4",
                   LONG_ASSET, LONG_S, round(LONG_S / 60), content_id)


async def wait_for_rendition_on_screen(pilot: Pilot[Any], player: PlayerScreen, rendition: str, *,
                                       media_budget_s: float, tries: int = 4800) -> None:
    """Let the player run until ``rendition`` reaches the screen after a switch. Bounded by the media
    the player plays, not by the clock: it fails when more than ``media_budget_s`` seconds of media
    played since the call without the new rendition showing (a switch that lands late), or after
    ``tries`` ticks (a player that stopped). On a machine starved of CPU mpv plays slower than real
    time, so a bound in ticks alone failed while the switch was still inside its budget."""
    start = player.position_s

    def shown() -> bool:
        if player.stats.rendition == rendition:
            return True
        played = player.position_s - start
        assert played <= media_budget_s, f"{rendition} not on screen after {played:.1f} s of media"
        return False

    await wait_for(pilot, shown, tries=tries,
                   why=lambda: f"{rendition} never reached the screen (player at {player.position_s:.1f} s)")


@dataclass(frozen=True, slots=True)
class Noted:
    """One notification the app posted: kept after Textual expires it from the screen."""

    message: str
    title: str
    severity: str


def record_notifications(app: OttApp) -> list[Noted]:
    """Every notification ``app`` posts from now on, in order. On a loaded machine a notification can
    expire (its timeout) before a test looks at ``app._notifications``; this record does not."""
    seen: list[Noted] = []
    post = app.notify

    def notify(message: str, *, title: str = "", severity: Any = "information", **kwargs: Any) -> None:
        seen.append(Noted(message=str(message), title=title, severity=str(severity)))
        post(message, title=title, severity=severity, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return seen


def screen_text(app: OttApp) -> str:
    """The current screen (with any modal over it) as plain text, as a terminal would show it."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


def _busy_workers(app: OttApp) -> list[str]:
    return [w.name or w.group for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]


async def settle(pilot: Pilot[Any], *, stable_frames: int = 3, tries: int = 400) -> None:
    """Let the app run until it is idle: no worker pending or running, no animation scheduled, and the
    same screen rendered ``stable_frames`` times in a row (bounded by a number of rounds, not by time,
    so a busy machine only makes it slower). Input cursors stop blinking (shown steadily)."""
    app = pilot.app
    previous, same = "", 0
    for _ in range(tries):
        for field in app.screen.query(Input):
            field.cursor_blink = False
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        frame = app.export_screenshot()
        if _busy_workers(app) or frame != previous:
            previous, same = frame, 0
            await pilot.pause(0.02)
            continue
        same += 1
        if same >= stable_frames:
            return
    raise AssertionError(f"the app never settled (busy workers: {_busy_workers(app)})")


async def log_in(pilot: Pilot[Any], app: OttApp, *, email: str, profile: str | None = None) -> None:
    """Connect → log in → pick ``profile`` (default: the first) → home."""
    await wait_for(pilot, lambda: on_screen(app, LoginScreen))
    app.screen.query_one("#email", Input).value = email
    app.screen.query_one("#password", Input).value = PASSWORD
    app.screen.query_one("#login", Button).press()  # a click could land before the form is laid out
    await wait_for(pilot, lambda: on_screen(app, ProfilesScreen) and app.screen.profiles)  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, ProfilesScreen)
    chosen = next((p for p in screen.profiles if profile is None or p["name"] == profile), screen.profiles[0])
    app.profile_chosen(chosen)
    await wait_for(pilot, lambda: on_screen(app, HomeScreen))


def first_free_movie(server: ThreadedServer, account: Account) -> dict[str, Any]:
    """The first free movie A–Z (the catalog row: ``id``, ``title``, …)."""
    return dict(server.get("/api/v1/catalog/content?type=movie&tier=free&sort=a-z&limit=1",
                           token=account.access_token)["content"][0])


async def play(pilot: Pilot[Any], app: OttApp, movie: dict[str, Any], *, tries: int = 1200) -> PlayerScreen:
    """Open the player on ``movie`` and wait until mpv shows its first frame of content; returns the screen."""
    await app.push_screen(PlayerScreen(content_id=movie["id"], title=movie["title"]))
    await wait_for(pilot, lambda: on_screen(app, PlayerScreen))
    player = app.screen
    assert isinstance(player, PlayerScreen)
    await wait_for(pilot, lambda: player.first_frame_at is not None, tries=tries)
    return player


async def choose_network(pilot: Pilot[Any], app: OttApp, name: str) -> None:
    """From the player: open the network picker (``t``), move to ``name`` with ↓ and apply it with Enter."""
    player = app.screen
    await pilot.press("t")
    await wait_for(pilot, lambda: isinstance(app.screen, NetworkPickerScreen))
    options = app.screen.query_one("#network-list", OptionList)
    for _ in range(options.option_count):
        if options.get_option_at_index(options.highlighted or 0).id == name:
            break
        await pilot.press("down")
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.screen is player and app.shaper.profile_name == name)
