"""The long sample title (media.longform): assembled by stream copy, valid, and real mpv plays into minute 5."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from media import python_mpv_kwargs, streaming_options
from media.longform import build_long_asset, repeat_vtt
from media.validate import validate_sync
from tests.media.conftest import CARD_SECONDS, LONG_REPEATS, Packaged

SEEK_TO = 305.0  # minute 5


def test_long_title_is_every_rung_and_track_repeated(long_title: Packaged, packaged: Packaged) -> None:
    long, short = long_title.asset, packaged.asset
    assert long.duration == pytest.approx(LONG_REPEATS * CARD_SECONDS) and long.duration > SEEK_TO
    assert [r.name for r in long.renditions] == [r.name for r in short.renditions]
    assert [a.language for a in long.audio] == [a.language for a in short.audio] == ["en", "hi"]
    assert [s.language for s in long.subtitles] == ["en", "hi"]
    for r in long.renditions:
        assert len(r.segments) == LONG_REPEATS * len(short.rendition(r.name).segments)
        assert sum(s.duration for s in r.segments) == pytest.approx(long.duration)
    vtt = (long_title.root / long.subtitles[0].uri).read_text(encoding="utf-8")
    assert vtt.count("-->") == LONG_REPEATS * (packaged.root / short.subtitles[0].uri).read_text().count("-->")
    assert long.is_complete(long_title.root)


def test_ott_media_validate_accepts_the_long_title(long_title: Packaged, packaged: Packaged, tmp_path: Path) -> None:
    """Playlists, bandwidth, alignment and DASH on the long title; keyframes (one ffprobe per segment) on a
    3-repeat assembly, which crosses the same repeat boundaries."""
    assert [str(f) for f in validate_sync(long_title.root, check_keyframes=False)] == []
    short = tmp_path / "three"
    asyncio.run(build_long_asset(packaged.root, short, repeats=3, asset_id="three", title="Three"))
    assert [str(f) for f in validate_sync(short)] == []


def test_repeated_cues_are_shifted_by_the_period() -> None:
    text = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900,LOCAL:00:00:00.000\n\n00:00.000 --> 00:01.900\nhello\n"
    out = repeat_vtt(text, repeats=3, period=60.0, mpegts_ticks=126000)
    assert "MPEGTS:126000" in out
    assert "00:02:00.000 --> 00:02:01.900\nhello" in out and out.count("hello") == 3


@pytest.mark.slow
def test_real_mpv_seeks_into_minute_5_and_plays(long_title: Packaged) -> None:
    mpv = pytest.importorskip("mpv")
    opts = python_mpv_kwargs(streaming_options(local_playlist=True))
    player = mpv.MPV(vo="null", ao="null", config=False, ytdl=False, start=f"{SEEK_TO:g}", **opts)
    times: list[float] = []
    heights: list[int] = []
    cond = threading.Condition()

    def on_time(_name: str, value: Any) -> None:
        if value is not None:
            with cond:
                times.append(float(value))
                cond.notify_all()

    def on_params(_name: str, value: Any) -> None:
        if value and value.get("h"):
            heights.append(int(value["h"]))

    player.observe_property("playback-time", on_time)
    player.observe_property("video-params", on_params)
    try:
        player.play(str(Path(long_title.root) / long_title.asset.master))
        with cond:  # two seconds of playback past the seek point (real time; generous on a busy box)
            assert cond.wait_for(lambda: any(t >= SEEK_TO + 2.0 for t in times), timeout=120), times[-5:]
        assert min(t for t in times if t > 1.0) >= SEEK_TO - 2 * CARD_SECONDS  # it started at minute 5
        assert heights  # pictures were decoded there
    finally:
        player.terminate()
