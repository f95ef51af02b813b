"""mpv's debug log split into network waits and mpv's own time (#14)."""

from __future__ import annotations

import pytest

from loadtest.mpv_log import LogError, start_phases

LOG = """\
[   0.022][v][cplayer] Done loading scripts.
[   0.154][d][cplayer] Run command: loadfile, flags=64, args=[url="http://127.0.0.1:1/v/auto/index.m3u8"]
[   0.157][v][ffmpeg] Opening http://127.0.0.1:1/v/auto/index.m3u8
[   0.158][d][ffmpeg] tcp: Starting connection attempt to 127.0.0.1 port 1
[   0.158][d][ffmpeg] tcp: Successfully connected to 127.0.0.1 port 1
[   0.222][d][ffmpeg] Stream opened successfully.
[   0.228][v][lavf] Found 'hls' at score=100 size=405.
[   0.229][d][ffmpeg] tcp: Starting connection attempt to 127.0.0.1 port 1
[   0.292][v][ffmpeg/demuxer] hls: Skip ('#EXT-X-VERSION:3')
[   0.292][v][ffmpeg/demuxer] hls: Skip ('#EXT-X-INDEPENDENT-SEGMENTS')
[   0.293][d][ffmpeg] tcp: Starting connection attempt to 127.0.0.1 port 1
[   0.358][v][lavf] Could not set AVOption fpsprobesize='0'
[   0.371][v][lavf] avformat_find_stream_info() finished after 0 bytes.
[   0.374][v][vd] Opening decoder h264
[   0.393][v][cplayer] first video frame after restart shown
[   0.393][d][ffmpeg] tcp: Starting connection attempt to 127.0.0.1 port 1
"""


def test_start_is_split_into_network_waits_and_mpvs_own_time() -> None:
    phases = start_phases(LOG)
    assert phases.requests == 3  # mpv's probe of the URL, the HLS demuxer's playlist, the first segment
    assert phases.total_s == pytest.approx(0.393 - 0.154)
    assert phases.network_s == pytest.approx((0.222 - 0.158) + (0.292 - 0.229) + (0.358 - 0.293))
    assert phases.cpu_s == pytest.approx(phases.total_s - phases.network_s)


def test_a_log_without_a_start_is_an_error() -> None:
    with pytest.raises(LogError, match="loadfile"):
        start_phases("[   0.1][v][cplayer] Done loading scripts.\n")
    with pytest.raises(LogError, match="first video frame"):
        start_phases(LOG.split("[   0.393]")[0])
