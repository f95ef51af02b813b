"""Shared mpv options (media.mpv_options): read-ahead from the segment duration, probe limits, one connection."""

from __future__ import annotations

import math

from media import CLIENT_ABR_READAHEAD_S, mpv_cli_args, python_mpv_kwargs, readahead_s, streaming_options
from media.mpv_options import OUTPUT_AHEAD_S, demuxer_readahead_s
from tui.player.controller import mpv_options


def test_read_ahead_is_bounded_and_follows_the_segment_duration() -> None:
    assert readahead_s(2.0) == 8.0
    assert readahead_s(6.0) == 24.0
    assert readahead_s(0.25) == 2.0  # never below 2 s
    assert readahead_s(math.nan) == readahead_s(2.0) and readahead_s(-1) == readahead_s(2.0)
    opts = streaming_options(segment_s=6.0)
    # the demuxer's share of 24 s ahead of the screen: mpv's output buffers hold the rest
    assert opts["cache-secs"] == opts["demuxer-readahead-secs"] == f"{24 - OUTPUT_AHEAD_S:g}"
    assert 0 < OUTPUT_AHEAD_S < 0.5
    assert opts["cache-pause-wait"] == "6" and streaming_options()["cache-pause-wait"] == "2"  # one segment
    assert int(opts["demuxer-max-bytes"]) <= 16 * 1024 * 1024  # mpv's default is 150 MiB


def test_the_terminal_client_takes_its_read_ahead_from_the_shared_options() -> None:
    opts = streaming_options(readahead=CLIENT_ABR_READAHEAD_S)
    assert opts["cache-secs"] == opts["demuxer-readahead-secs"] == f"{demuxer_readahead_s(CLIENT_ABR_READAHEAD_S):g}"
    client = mpv_options(headless=True, vo="null")
    assert client["cache_secs"] == client["demuxer_readahead_secs"] == opts["cache-secs"]
    assert client["demuxer_lavf_hacks"] == "no"  # the rest of the shared options come along
    # one resume depth for every mpv: a segment buffered (a lost stream is told by how far mpv read,
    # tests/tui/test_tui_mpv_stream.py, whatever mpv waits for)
    assert client["cache_pause_wait"] == streaming_options()["cache-pause-wait"] == "2"


def test_ffmpeg_decodes_after_the_first_segment_on_one_persistent_connection() -> None:
    opts = streaming_options()
    assert int(opts["demuxer-lavf-probesize"]) <= 64 * 1024
    assert float(opts["demuxer-lavf-analyzeduration"]) <= 1.0
    lavf = dict(item.split("=", 1) for item in opts["demuxer-lavf-o"].split(","))
    assert lavf["http_multiple"] == "0" and lavf["http_persistent"] == "1" and lavf["fpsprobesize"] == "0"
    assert "protocol_whitelist" not in lavf
    assert "protocol_whitelist=[file," in streaming_options(local_playlist=True)["demuxer-lavf-o"]


def test_renderings_for_a_process_and_for_libmpv() -> None:
    opts = {"cache-secs": "4", "demuxer-lavf-o": "a=1,b=2"}
    assert mpv_cli_args(opts) == ["--cache-secs=4", "--demuxer-lavf-o=a=1,b=2"]
    assert python_mpv_kwargs(opts) == {"cache_secs": "4", "demuxer_lavf_o": "a=1,b=2"}


def test_a_headless_mpv_loads_no_on_screen_scripts() -> None:
    """mpv waits for its built-in scripts before it opens the first file; one without a window needs none."""
    headless = streaming_options(headless=True)
    assert headless["osc"] == headless["load-stats-overlay"] == headless["load-osd-console"] == "no"
    assert "osc" not in streaming_options()  # a windowed `mpv URL` keeps its on-screen controller
    assert {k: v for k, v in headless.items() if k not in ("osc", "load-stats-overlay", "load-osd-console")} \
        == streaming_options()
