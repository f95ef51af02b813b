"""Tracks and the picture word (#15 items 3, 4): subtitles (en/hi) and the other audio language are added to
the steered stream as mpv tracks and can be cycled; a bare terminal says "no picture (headless)"
(real server, real headless mpv)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from tui.player.controller import mpv_options, picture_note
from tui.screens.player import PlayerScreen

from .conftest import ThreadedServer, make_account, make_app
from .helpers import SIZE, log_in, on_screen, wait_for

pytestmark = pytest.mark.slow


async def test_subtitles_and_audio_tracks_are_offered_and_cycle(tmp_path: Path, server: ThreadedServer) -> None:
    account = make_account(server)
    app = make_app(server.url, tmp_path, subtitle_language="hi")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, email=account.email)
        movie = server.get("/api/v1/catalog/content?type=movie&tier=free&sort=a-z&limit=1",
                           token=account.access_token)["content"][0]
        await app.push_screen(PlayerScreen(content_id=movie["id"], title=movie["title"]))
        await wait_for(pilot, lambda: on_screen(app, PlayerScreen))
        player = app.screen
        assert isinstance(player, PlayerScreen)
        await wait_for(pilot, lambda: player.first_frame_at is not None, tries=1200)
        assert "no picture (headless)" in str(player.query_one("#position-row", Static).render())
        mpv = player.mpv
        assert mpv is not None
        await wait_for(pilot, lambda: sorted(mpv.track_languages("sub")) == ["en", "hi"], tries=600)
        await wait_for(pilot, lambda: "hi" in mpv.track_languages("audio"), tries=600)
        assert mpv.prop("aid") == 1  # the stream's own audio: no second audio download by default
        await wait_for(pilot, lambda: mpv.selected_track("sub") == "hi", tries=600)  # Settings' subtitle language
        before = mpv.selected_track("sub")
        await pilot.press("c")
        await wait_for(pilot, lambda: mpv.selected_track("sub") != before)
        audio_before = mpv.prop("aid")
        await pilot.press("a")
        await wait_for(pilot, lambda: mpv.prop("aid") != audio_before)


def test_tct_never_draws_over_the_client() -> None:
    assert mpv_options(headless=False, vo="tct")["vo"] == "null"
    assert "draw over" in picture_note(headless=False, vo="tct")
    assert picture_note(headless=False, vo="auto") == "picture in mpv's own window"
