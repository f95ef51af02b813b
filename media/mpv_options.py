"""The mpv options every client of this server uses (terminal client, ``ott-load real-players``, README).

Chosen by measurement with real mpv through ``ott-netem proxy`` (``benchmarks/mpv_start_floor.py``;
figures and what each option bought in ``benchmarks/RESULTS.md``, "mpv at the physical floor"):

- **bounded read-ahead**: mpv's defaults read ahead up to 150 MiB / 1 h of cache, so on a short title
  the whole rest is downloaded at the old rendition and a server-steered switch reaches the screen
  only when that runs out. ``cache-secs`` and ``demuxer-readahead-secs`` are sized from the segment
  duration (:func:`readahead_s`), and ``demuxer-max-bytes`` caps a burst.
- **resume after a stall with a segment buffered** (``cache-pause-wait``, mpv's default 1 s): when a
  link drops far below the segment in flight (``commute``: a 720p segment at 2g), its bytes trickle in
  and mpv, resuming with 1 s buffered, stalls again a second later; waiting for one segment's worth
  turns those into one stall of about the same total length.
- **probe/analyze limits**: ffmpeg's ``avformat_find_stream_info`` reads up to 5 s of media (two or
  three segments) before the first frame; small ``probesize``/``analyzeduration`` and
  ``fpsprobesize=0`` let it decode after the first segment.
- **one connection**: ``http_multiple=0`` (no parallel segment connection on a one-budget link),
  ``http_persistent=1`` (keep-alive between segments).
- **the playlist read once**: ``demuxer-lavf-hacks=no``. mpv opens the URL itself to probe it; with its
  format hacks on, the ``hls`` entry (``no_stream``) then makes ffmpeg's HLS demuxer open the same URL
  again on a new connection. Without them ffmpeg reads the playlist from mpv's already open stream:
  one connection and two round trips less before the first frame (mpv's log: 3 → 2 connections for the
  steered URL). The other hacks only tune local formats (mp4/mkv probing, text subtitles' charset);
  WebVTT subtitles added with ``sub-add`` still show the right cue after seeks.
- **seekable HLS over HTTP** (``force-seekable``): with the hacks off mpv takes the stream's seekability
  from the playlist's own HTTP stream, which has none (mpv's demux_lavf sets ``seekable`` only for the
  ``no_stream`` formats): every ``start``, seek key and resume at a position played from 0:00 instead
  (mpv's log: ``Stream is not seekable.`` … ``Cannot seek in this stream.``). ffmpeg's HLS demuxer seeks
  on its segment list by itself, so seeking is safe to force.

- **no on-screen scripts in a headless mpv** (``headless=True``: ``ott-load real-players`` and the
  benchmarks run ``--vo=null``): mpv waits for its built-in Lua scripts before it opens the first file,
  and the on-screen controller alone took 20–70 ms of a loaded 2-core machine when the ``loadfile``
  came right after mpv started (``mpv_start_floor.py --timeline``, "mpv before #1"). A headless player
  never shows the OSC, stats or console; a windowed ``mpv URL`` keeps them.

Pure data: no mpv import here. :func:`streaming_options` gives ``{"option-name": "value"}``;
:func:`cli_args` renders ``--option=value`` for an mpv process and :func:`python_mpv_kwargs` the
keyword arguments of ``mpv.MPV``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

DEFAULT_SEGMENT_S = 2.0
#: Read-ahead in segments for mpv steered by the server (``ott-load real-players``, ``mpv URL``); a
#: server-steered switch shows within it plus one segment. 4 segments (8 s): the smallest that lets the
#: server up-probe (the next rung's segment, at the rate a paced player proves, loads with a segment
#: still buffered — never with 4 s) and with one stall on ``commute`` over the long title where 4 s had
#: two or more (RESULTS.md #13). No read-ahead reaches zero there: the drop lands inside a segment mpv
#: cannot abandon.
READAHEAD_SEGMENTS = 4.0
#: After a stall, mpv resumes once this many segments are buffered (``cache-pause-wait``): every mpv of this
#: project, the terminal client's included.
RESUME_SEGMENTS = 1.0
#: Read-ahead of the terminal client, which runs its own ABR and probes the link while its buffer is
#: full: under ``commute`` it needs one segment's worth at the new rate before its lower rendition
#: arrives; 10 s gave zero stalls where 4 s stalled twice (RESULTS.md, TUI, #15).
CLIENT_ABR_READAHEAD_S = 10.0
#: Media mpv holds ahead of the screen besides its demuxer cache: its audio output buffer (``audio-buffer``,
#: 0.2 s by default) and the decoded frames queued for display. The read-ahead is a budget of media ahead of
#: the screen, so the demuxer (``cache-secs``, ``demuxer-readahead-secs``) gets that less this
#: (:func:`demuxer_readahead_s`). With the demuxer at the whole 8 s, server-steered switches (PUT at a random
#: point of a segment) reached the screen up to 0.26 s past read-ahead + one segment (RESULTS.md #13).
OUTPUT_AHEAD_S = 0.25
#: Cap on bytes held ahead by the demuxer (a 1080p segment is ~1.5 MB; four of them fit).
DEMUXER_MAX_BYTES = 8 * 1024 * 1024
#: ffmpeg's probe limits: one small first segment is enough for TS with H.264 + AAC.
PROBE_BYTES = 32 * 1024
ANALYZE_S = 0.5
#: Built-in scripts a player with no window never shows (``--vo=null``): on-screen controller, stats, console.
HEADLESS = {"osc": "no", "load-stats-overlay": "no", "load-osd-console": "no"}
#: Protocols a local (fast-start) playlist may point at.
PROTOCOLS = "file,http,https,tcp,tls,crypto,data"


def readahead_s(segment_s: float = DEFAULT_SEGMENT_S) -> float:
    """Seconds of media mpv may hold ahead: ``READAHEAD_SEGMENTS`` segments, at least 2 s."""
    seg = segment_s if math.isfinite(segment_s) and segment_s > 0 else DEFAULT_SEGMENT_S
    return max(2.0, READAHEAD_SEGMENTS * seg)


def demuxer_readahead_s(ahead_s: float) -> float:
    """Seconds mpv's demuxer reads ahead so that ``ahead_s`` of media in all is ahead of the screen (at least 1 s)."""
    return max(1.0, ahead_s - OUTPUT_AHEAD_S)


def resume_s(segment_s: float = DEFAULT_SEGMENT_S) -> float:
    """Seconds buffered before playback resumes after a stall: ``RESUME_SEGMENTS`` segments, at least 1 s."""
    seg = segment_s if math.isfinite(segment_s) and segment_s > 0 else DEFAULT_SEGMENT_S
    return max(1.0, RESUME_SEGMENTS * seg)


def lavf_options(*, local_playlist: bool = False) -> str:
    """The ``demuxer-lavf-o`` value: ffmpeg's HLS/HTTP options (comma-separated ``key=value``)."""
    opts = ["http_multiple=0", "http_persistent=1", "fpsprobesize=0"]
    if local_playlist:
        opts.append(f"protocol_whitelist=[{PROTOCOLS}]")
    return ",".join(opts)


def streaming_options(
    *, segment_s: float = DEFAULT_SEGMENT_S, local_playlist: bool = False, readahead: float | None = None,
    headless: bool = False,
) -> dict[str, str]:
    """mpv's options (``name -> value``) for streaming this server's titles with ``segment_s`` segments.

    ``readahead``: seconds of media held ahead of the screen (the demuxer's share:
    :func:`demuxer_readahead_s`); by default :func:`readahead_s` (server-steered mpv);
    the terminal client passes :data:`CLIENT_ABR_READAHEAD_S`. ``headless``: an mpv without a window
    (``--vo=null``) also skips the on-screen scripts (:data:`HEADLESS`).
    """
    ahead = demuxer_readahead_s(readahead if readahead is not None else readahead_s(segment_s))
    return {
        **(HEADLESS if headless else {}),
        "cache": "yes",
        "cache-secs": f"{ahead:g}",
        "cache-pause-wait": f"{resume_s(segment_s):g}",
        "demuxer-readahead-secs": f"{ahead:g}",
        "demuxer-max-bytes": str(DEMUXER_MAX_BYTES),
        "demuxer-max-back-bytes": str(DEMUXER_MAX_BYTES // 4),
        "demuxer-lavf-probesize": str(PROBE_BYTES),
        "demuxer-lavf-analyzeduration": f"{ANALYZE_S:g}",
        "demuxer-lavf-o": lavf_options(local_playlist=local_playlist),
        "demuxer-lavf-hacks": "no",
        "force-seekable": "yes",
        "stream-lavf-o": "multiple_requests=1",
    }


def cli_args(options: Mapping[str, str]) -> list[str]:
    """``--name=value`` arguments for an mpv process."""
    return [f"--{name}={value}" for name, value in options.items()]


def python_mpv_kwargs(options: Mapping[str, str]) -> dict[str, str]:
    """Keyword arguments for ``mpv.MPV(...)`` (python-mpv spells options with underscores)."""
    return {name.replace("-", "_"): value for name, value in options.items()}
