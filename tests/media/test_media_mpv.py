"""Real mpv (libmpv via python-mpv, --vo=null --ao=null) plays what we package."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from .conftest import Packaged

mpv = pytest.importorskip("mpv")
pytestmark = pytest.mark.slow


def end_reason(event: Any) -> list[int]:
    """The reason code of an end-file event, wrapped in a (truthy) list: read it in the callback,
    the event's data is freed afterwards."""
    return [int(event.data.reason)]


class Watch:
    """An mpv instance recording video-params heights and the end-file reason."""

    def __init__(self, *, speed: float) -> None:
        self.player = mpv.MPV(vo="null", ao="null", config=False, ytdl=False, speed=speed,
                              demuxer_lavf_o="http_multiple=0")  # fmt: skip
        self.heights: list[int] = []
        self.seen = threading.Condition()
        self.player.observe_property("video-params", self._params)

    def _params(self, _name: str, value: Any) -> None:
        if value and value.get("h"):
            with self.seen:
                self.heights.append(int(value["h"]))
                self.seen.notify_all()

    def wait_height(self, height: int, timeout: float) -> bool:
        with self.seen:
            return self.seen.wait_for(lambda: height in self.heights, timeout=timeout)

    def play_to_end(self, url: str, *, timeout: float = 60) -> int:
        with self.player.prepare_and_wait_for_event("end_file", cond=end_reason, timeout=timeout) as result:
            self.player.play(url)
        return int(result.result()[0])

    def close(self) -> None:
        self.player.terminate()


@pytest.fixture
def watch() -> Any:
    w = Watch(speed=4.0)
    yield w
    w.close()


@pytest.mark.parametrize("entry", ["master.m3u8", "video/144p/index.m3u8", "manifest.mpd"])
def test_mpv_plays_to_the_end(packaged: Packaged, watch: Watch, entry: str) -> None:
    reason = watch.play_to_end(str(packaged.root / entry))
    assert reason == mpv.MpvEventEndFile.EOF
    assert watch.heights, "no video-params seen"


def test_single_rendition_has_sound(packaged: Packaged, watch: Watch) -> None:
    watch.player.play(str(packaged.root / "video/144p/index.m3u8"))
    watch.player.wait_for_property("audio-params", timeout=30)
    assert watch.player.audio_params["samplerate"] == 48000


def test_switching_vid_between_ts_renditions(packaged: Packaged) -> None:
    w = Watch(speed=1.0)
    try:
        w.player.play(str(packaged.root / "master.m3u8"))
        w.player.wait_for_property("video-params", timeout=30)
        tracks = [t for t in w.player.track_list if t["type"] == "video"]
        by_height = {int(t["demux-h"]): int(t["id"]) for t in tracks}
        assert set(by_height) == {108, 144, 360}
        current = w.heights[-1]
        other = 144 if current == 360 else 360
        w.player.vid = by_height[other]
        assert w.wait_height(other, timeout=20), f"height {other} never appeared: {w.heights}"
        with w.player.prepare_and_wait_for_event("end_file", cond=end_reason, timeout=60) as result:
            pass
        assert result.result() == [mpv.MpvEventEndFile.EOF]
    finally:
        w.close()
