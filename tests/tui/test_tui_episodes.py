"""Next episode any time, the episode in the header, the Paused indicator and the switch log (#15 items 2, 7)
against the real server and real headless mpv."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Label, Static

from server import keys
from tui.screens.player import PlayerScreen

from .conftest import ThreadedServer, make_account, make_app
from .helpers import SIZE, log_in, on_screen, screen_text, settle, wait_for

pytestmark = pytest.mark.slow


async def test_next_episode_any_time_header_paused_and_switch_log(tmp_path: Path, server: ThreadedServer) -> None:
    account = make_account(server)
    show = server.get("/api/v1/catalog/content?type=tv_show&sort=a-z&limit=1", token=account.access_token)["content"][0]
    assert server.app is not None
    server.call(server.app[keys.DB].execute(
        "UPDATE content SET tier_requirement = 'free' WHERE id = $1::uuid", show["id"]))
    season = server.get(f"/api/v1/catalog/content/{show['id']}/seasons/1", token=account.access_token)
    first, second = sorted(season["episodes"], key=lambda e: e["episode_number"])[:2]
    app = make_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, email=account.email)
        await app.push_screen(PlayerScreen(content_id=show["id"], episode_id=first["id"], title=show["title"]))
        await wait_for(pilot, lambda: on_screen(app, PlayerScreen))
        player = app.screen
        assert isinstance(player, PlayerScreen)
        await wait_for(pilot, lambda: player.first_frame_at is not None, tries=1200)
        # the next episode is known long before the end, and the header names the episode
        await wait_for(pilot, lambda: player.next_episode is not None)
        assert player.next_episode is not None and player.next_episode.id == second["id"]
        header = str(player.query_one("#now-playing", Label).render())
        assert header.startswith(show["title"]) and "S1E1" in header

        await pilot.press("space")
        await wait_for(pilot, lambda: "Paused" in str(player.query_one("#position-row", Static).render()))
        await pilot.press("space")
        await wait_for(pilot, lambda: "Paused" not in str(player.query_one("#position-row", Static).render()))

        await pilot.press("q", "q")  # auto → 144p → 360p: two switches asked by the viewer
        await wait_for(pilot, lambda: len(player.stats.switches) >= 1 and
                       player.stats.switches[-1].to == "360p" and player.stats.switches[-1].to_screen_s is not None,
                       tries=1200)
        await settle(pilot, stable_frames=1)
        text = screen_text(app)
        (tmp_path / "player-switch-log.txt").write_text(text, encoding="utf-8")
        assert "→360p" in text and "to screen" in text

        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PlayerScreen) and app.screen is not player)
        nxt = app.screen
        assert isinstance(nxt, PlayerScreen) and nxt.episode_id == second["id"]
        await wait_for(pilot, lambda: "S1E2" in str(nxt.query_one("#now-playing", Label).render()))
        assert nxt.stats is not player.stats and nxt.stats.switches == []  # the stats start afresh
