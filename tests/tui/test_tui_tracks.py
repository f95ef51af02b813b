"""Tracks and the picture word (#15 items 3, 4): subtitles (en/hi) and the other audio language are added to
the steered stream as mpv tracks and can be cycled; a Hindi profile hears Hindi from the start (the manifest's
``is_default``, from the profile's language); a bare terminal says "no picture (headless)" (real server, real
headless mpv)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from tui.payloads import Manifest
from tui.player.controller import mpv_options, picture_note
from tui.player.tracks import own_audio

from .conftest import ThreadedServer, make_account, make_app
from .helpers import SIZE, first_free_movie, log_in, play, wait_for

pytestmark = pytest.mark.slow


async def test_subtitles_and_audio_tracks_are_offered_and_cycle(tmp_path: Path, server: ThreadedServer) -> None:
    account = make_account(server)
    app = make_app(server.url, tmp_path, subtitle_language="hi")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, email=account.email)
        player = await play(pilot, app, first_free_movie(server, account))
        assert "no picture (headless)" in str(player.query_one("#position-row", Static).render())
        mpv = player.mpv
        assert mpv is not None
        await wait_for(pilot, lambda: sorted(mpv.track_languages("sub")) == ["en", "hi"], tries=2400)
        await wait_for(pilot, lambda: "hi" in mpv.track_languages("audio"), tries=2400)
        assert mpv.prop("aid") == 1  # the stream's own audio: no second audio download by default
        await wait_for(pilot, lambda: mpv.selected_track("sub") == "hi", tries=2400)  # Settings' subtitle language
        before = mpv.selected_track("sub")
        await pilot.press("c")
        await wait_for(pilot, lambda: mpv.selected_track("sub") != before)
        audio_before = mpv.prop("aid")
        await pilot.press("a")
        await wait_for(pilot, lambda: mpv.prop("aid") != audio_before)


async def test_a_hindi_profile_hears_hindi_from_the_start(tmp_path: Path, server: ThreadedServer) -> None:
    account = make_account(server)
    server.post("/api/v1/auth/profiles", {"name": "Asha", "language_preference": "hi"}, token=account.access_token)
    app = make_app(server.url, tmp_path)  # Settings leave subtitles to the profile (off by default)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, email=account.email, profile="Asha")
        assert app.language == "hi"
        player = await play(pilot, app, first_free_movie(server, account))
        manifest, mpv = player.manifest, player.mpv
        assert manifest is not None and mpv is not None
        assert [a.language for a in manifest.audio_tracks if a.is_default] == ["hi"]
        # no key pressed: the Hindi track is added and selected by itself
        await wait_for(pilot, lambda: mpv.selected_track("audio") == "hi", tries=1200)
        # the profile's subtitle default: none while the audio is in the profile's language
        expected_sub = next((s.language for s in manifest.subtitles if s.is_default), "off")
        await wait_for(pilot, lambda: sorted(mpv.track_languages("sub")) == ["en", "hi"], tries=2400)
        assert mpv.selected_track("sub") == expected_sub == "off"
        position = player.position_s
        await wait_for(pilot, lambda: player.position_s >= position + 1.0, tries=1200)  # and it plays on
        assert mpv.selected_track("audio") == "hi"


def test_tct_never_draws_over_the_client() -> None:
    assert mpv_options(headless=False, vo="tct")["vo"] == "null"
    assert "draw over" in picture_note(headless=False, vo="tct")
    assert picture_note(headless=False, vo="auto") == "picture in mpv's own window"


def test_the_streams_untagged_audio_is_the_first_language() -> None:
    manifest = Manifest.model_validate({"session_id": "s", "steered_url": "http://x/s.m3u8", "audio_tracks": [
        {"language": "en", "url": "http://x/en.m3u8"}, {"language": "hi", "url": "http://x/hi.m3u8"}]})
    assert own_audio(["1"], manifest) == {"en"}  # mpv names an untagged track by its id
    assert own_audio(["hi"], manifest) == {"hi"}
    assert own_audio([], manifest) == set()  # no audio of its own: every language is added
