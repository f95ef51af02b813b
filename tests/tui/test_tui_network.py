"""The network picker (#15): profiles and schedules with rate/RTT, the current one marked, Enter applies live;
a schedule's current step and time left in the stats panel (real server, real headless mpv)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList

from tui.screens.network_picker import NetworkPickerScreen

from .conftest import ThreadedServer, make_account, make_app
from .helpers import SIZE, first_free_movie, log_in, play, screen_text, settle, wait_for

pytestmark = pytest.mark.slow


async def test_network_picker_marks_current_applies_a_schedule_and_stats_show_its_step(
        tmp_path: Path, server: ThreadedServer) -> None:
    account = make_account(server)
    app = make_app(server.url, tmp_path, network_profile="edge")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, email=account.email)
        player = await play(pilot, app, first_free_movie(server, account))

        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, NetworkPickerScreen))
        picker = app.screen
        assert isinstance(picker, NetworkPickerScreen)
        options = picker.query_one("#network-list", OptionList)
        await settle(pilot)
        highlighted = options.get_option_at_index(options.highlighted or 0)
        assert highlighted.id == "edge" and str(highlighted.prompt).startswith("● edge")
        text = screen_text(app)
        (tmp_path / "network-picker.txt").write_text(text, encoding="utf-8")
        assert "240 kbit/s · RTT 840 ms" in text and "commute" in text and "4g 30 s → 2g 20 s" in text
        names = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert names.index("2g") < names.index("4g") < names.index("commute")  # slowest first, then schedules
        for _ in range(options.option_count):
            if options.get_option_at_index(options.highlighted or 0).id == "commute":
                break
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is player and app.shaper.profile_name == "commute")
        await wait_for(pilot, lambda: player.stats.network_step.startswith("step 1/4 4g"), tries=2400)
        assert "s left" in player.stats.network_step
        await settle(pilot, stable_frames=1)
        text = screen_text(app)
        (tmp_path / "player-network.txt").write_text(text, encoding="utf-8")
        assert "Network    commute · step 1/4 4g" in text
