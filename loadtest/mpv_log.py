"""What real mpv spends between ``loadfile`` and its first frame, read from its debug log (#14).

mpv's ``--log-file`` (debug level) stamps every line with seconds since the process started. Between
the ``loadfile`` command and ``first video frame after restart shown`` the log alternates between
waiting on the network (a connection opened → the answer's first data) and work on this machine
(mpv opening the stream, trying its demuxers, ffmpeg's HLS demuxer parsing the playlist, opening the
decoders, decoding, the outputs). `start_phases` splits the start into the two: the network waits
are the spans a request was outstanding, the rest is CPU (and scheduling) time of mpv on this machine
— a constant of the machine and its load, not of the link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"^\[\s*(?P<t>\d+\.\d+)\]\[(?P<lvl>\w)\]\[(?P<mod>[^\]]+)\] (?P<msg>.*)$")

#: A request leaves (a connection attempt; with keep-alive, the request line itself).
_REQUEST = ("tcp: Starting connection attempt",)
#: Its answer's first data is in: mpv's stream opened (playlist 1), ffmpeg's HLS demuxer parsing the playlist
#: (playlist 2), the segment's sub-demuxer opened after reading its probe bytes (first segment).
_ANSWER = ("Stream opened successfully", "hls: Skip (", "Could not set AVOption fpsprobesize",
           "avformat_find_stream_info() finished")
_LOADFILE = "Run command: loadfile"
_FIRST_FRAME = "first video frame after restart shown"


class LogError(ValueError):
    """The log does not hold a complete start (no loadfile or no first frame)."""


@dataclass(frozen=True, slots=True)
class StartPhases:
    """loadfile → first frame, split into network waits and mpv's own (CPU) time, seconds."""

    total_s: float
    network_s: float
    requests: int  # requests that were waited for before the first frame

    @property
    def cpu_s(self) -> float:
        """Time mpv spent between the network waits (opening, probing, decoder set-up, decode, outputs)."""
        return max(0.0, self.total_s - self.network_s)


def _lines(text: str) -> list[tuple[float, str]]:
    out = []
    for raw in text.splitlines():
        m = _LINE.match(raw)
        if m:
            out.append((float(m["t"]), m["msg"]))
    return out


def start_phases(text: str) -> StartPhases:
    """The first ``loadfile`` → first frame of an mpv debug log, as network waits and CPU time."""
    lines = _lines(text)
    start = next((t for t, msg in lines if msg.startswith(_LOADFILE)), None)
    if start is None:
        raise LogError("no loadfile command in the log")
    end = next((t for t, msg in lines if t >= start and msg.startswith(_FIRST_FRAME)), None)
    if end is None:
        raise LogError("no first video frame after the loadfile")
    network, requests, sent = 0.0, 0, None
    for t, msg in lines:
        if not start <= t <= end:
            continue
        if sent is None and msg.startswith(_REQUEST):
            sent = t
        elif sent is not None and msg.startswith(_ANSWER):
            network += t - sent
            requests += 1
            sent = None
    return StartPhases(total_s=end - start, network_s=network, requests=requests)
