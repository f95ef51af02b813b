"""The terminal client's mpv on an HLS title served over HTTP (real headless mpv, a local three-segment title).

A lost stream looks like a plain end of file (#15): ffmpeg's HLS demuxer skips a segment it cannot open and,
past the last one, ends the file; mpv reports ``eof`` with no error. What tells it from the title's end is how
far mpv's demuxer had read (``PlaybackEnded.read_to_s``). And the client's mpv seeks over HTTP: a title
(re)loaded at a position starts there (with ``demuxer-lavf-hacks=no`` it replayed from 0:00 unless
``force-seekable`` is set)."""

from __future__ import annotations

import http.server
import queue
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tui.player.controller import MpvController, PlaybackEnded
from tui.player.recovery import READ_SLACK_S, stream_lost

END_GUARD_S = 120.0  # hang guard for mpv's end of file, not a timing assertion
TITLE_S = 3.0


def test_an_end_of_file_short_of_the_media_is_a_lost_stream_even_near_the_end() -> None:
    # the outage test's 8 s title: mpv had read to 6.2 s, played it out and reported eof (mpv's log)
    assert stream_lost(reason="eof", read_to_s=6.2, position_s=6.2, duration_s=8.0)
    assert not stream_lost(reason="eof", read_to_s=8.02, position_s=6.2, duration_s=8.0)  # the title's end
    assert not stream_lost(reason="eof", read_to_s=None, position_s=6.2, duration_s=8.0)  # nothing read: position
    assert stream_lost(reason="eof", read_to_s=None, position_s=3.0, duration_s=8.0)  # well before the end
    assert not stream_lost(reason="eof", read_to_s=2.0, position_s=2.0, duration_s=0.0)  # duration unknown
    assert stream_lost(reason="error", read_to_s=8.0, position_s=7.9, duration_s=8.0)
    assert not stream_lost(reason="stop", read_to_s=3.0, position_s=3.0, duration_s=8.0)  # the viewer stopped


@dataclass
class Title:
    """A short HLS title served over HTTP: its playlist URL, the files asked for, the files that answer 404."""

    url: str
    asked: list[str] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)


@pytest.fixture(scope="module")
def short_hls(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TITLE_S (3 s) HLS title in three 1 s segments (seg0.ts … seg2.ts)."""
    out = tmp_path_factory.mktemp("short-hls")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x36:rate=25", "-f", "lavfi",
                    "-i", "sine", "-t", f"{TITLE_S:g}", "-c:v", "libx264", "-g", "25", "-c:a", "aac", "-f", "hls",
                    "-hls_time", "1", "-hls_list_size", "0", "-hls_segment_filename", str(out / "seg%d.ts"),
                    str(out / "play.m3u8")], check=True)
    return out


@pytest.fixture
def title(short_hls: Path) -> Iterator[Title]:
    """``short_hls`` on a loopback HTTP server."""
    served = Title(url="")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(short_hls), **kwargs)

        def log_message(self, *_args: Any) -> None:
            pass

        def do_GET(self) -> None:
            name = self.path.rsplit("/", 1)[-1]
            served.asked.append(name)
            if name in served.gone:
                self.send_error(404)
                return
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served.url = f"http://127.0.0.1:{server.server_address[1]}/play.m3u8"
    yield served
    server.shutdown()
    server.server_close()


class _Inbox:
    """Stands in for the screen: keeps what the controller posts."""

    def __init__(self) -> None:
        self.messages: queue.Queue[Any] = queue.Queue()

    def post_message(self, message: Any) -> bool:
        self.messages.put(message)
        return True

    def ended(self) -> PlaybackEnded:
        while True:
            message = self.messages.get(timeout=END_GUARD_S)
            if isinstance(message, PlaybackEnded):
                return message


def play_to_the_end(url: str, *, start_s: float = 0.0) -> PlaybackEnded:
    """Play ``url`` in the terminal client's headless mpv (from ``start_s``) and return how the file ended."""
    inbox = _Inbox()
    player = MpvController(target=inbox, headless=True, vo="null")  # type: ignore[arg-type]
    try:
        player.load(url, start_s=start_s)
        return inbox.ended()
    finally:
        player.close()


def test_mpv_ends_a_lost_last_segment_as_a_plain_end_of_file_short_of_the_media(title: Title) -> None:
    whole = play_to_the_end(title.url)
    assert whole.reason == "eof" and whole.read_to_s is not None
    assert whole.read_to_s >= TITLE_S - READ_SLACK_S
    assert not stream_lost(reason=whole.reason, read_to_s=whole.read_to_s, position_s=TITLE_S, duration_s=TITLE_S)

    title.gone.add("seg2.ts")  # the server went away before the last segment
    cut = play_to_the_end(title.url)
    assert (cut.reason, cut.error) == ("eof", "")  # mpv says no more than that the file ended
    assert cut.read_to_s is not None and cut.read_to_s < TITLE_S - READ_SLACK_S
    # the position mpv had reached is within END_SLACK_S of the end: only the media read tells
    assert stream_lost(reason=cut.reason, read_to_s=cut.read_to_s, position_s=cut.read_to_s, duration_s=TITLE_S)


def test_a_title_loaded_at_a_position_starts_there_over_http(title: Title) -> None:
    ended = play_to_the_end(title.url, start_s=2.2)
    assert ended.reason == "eof"
    # ffmpeg probes the first segment, then goes to the one holding 2.2 s: the one between is never fetched
    assert "seg2.ts" in title.asked and "seg1.ts" not in title.asked, title.asked
