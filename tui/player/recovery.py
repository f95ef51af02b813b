"""Getting the stream back after the server (or the link) went away mid-play.

mpv ends a file early, or fails, when segments cannot be fetched; the player then keeps its position,
polls the steered playlist until the server answers and reloads it at that position. A lost stream mostly
looks like a plain end of file: ffmpeg's HLS demuxer skips a segment it cannot open and, past the last one,
ends the file; mpv plays out what it had buffered and reports ``eof`` with no error. So an end of file is a
lost stream when mpv's demuxer had not read the media up to the title's end (:func:`stream_lost`), or when
it came well before that end: the position alone cannot tell near the end (a short title, or a server that
went away with the last segments to fetch). A playlist that
answers 4xx after a restart (an expired link, a lost session) is renewed by asking the API for the
manifest again. The viewer never has to do anything; Esc still leaves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from tui.api import ApiClient
from tui.errors import ApiError

log = logging.getLogger(__name__)

RETRY_S = 1.0
END_SLACK_S = 2.5
#: mpv's demuxer reads a whole title to within a frame of its duration (3.02 s of a 3 s one); a lost last
#: segment leaves it a segment short (1.93 s).
READ_SLACK_S = 0.5
RENEW_STATUSES = (401, 403, 404, 410)


def ended_early(*, position_s: float, duration_s: float) -> bool:
    """An end of file at ``position_s`` is a lost stream, not the end of the title (duration unknown: the end)."""
    return duration_s > 0 and position_s < duration_s - END_SLACK_S


def stream_lost(*, reason: str, read_to_s: float | None, position_s: float, duration_s: float) -> bool:
    """Whether mpv's end of the file (``reason``: eof, error, …) after the first frame means the stream was lost:
    an error, an end before the media was read to the title's end (``read_to_s``: how far mpv's demuxer read,
    None when unknown), or an end well before the title's end (duration unknown: neither can tell)."""
    if reason == "error":
        return True
    short = read_to_s is not None and duration_s > 0 and read_to_s < duration_s - READ_SLACK_S
    return reason == "eof" and (short or ended_early(position_s=position_s, duration_s=duration_s))


def gave_up(err: ApiError) -> bool:
    """The API refused for good (4xx other than a timeout/rate limit): retrying will not help."""
    return 400 <= err.status < 500 and err.status not in (408, 429)


async def reachable_stream(*, api: ApiClient, url: str, renew: Callable[[], Awaitable[str]],
                           retry_s: float = RETRY_S, on_attempt: Callable[[int], None] | None = None) -> str:
    """Poll until the stream's playlist answers and return its URL (renewed when the old one is refused).

    Raises :class:`tui.errors.ApiError` only when renewing is refused for good (see :func:`gave_up`).
    """
    attempt = 0
    while True:
        attempt += 1
        if on_attempt is not None:
            on_attempt(attempt)
        try:
            await api.fetch_bytes(url)
            return url
        except ApiError as err:
            log.info("stream not back yet (attempt %d): %s", attempt, err)
            if err.status in RENEW_STATUSES:
                try:
                    url = await renew()
                    continue
                except ApiError as renew_err:
                    if gave_up(renew_err):
                        raise
                    log.info("manifest not available yet: %s", renew_err)
        await asyncio.sleep(retry_s)
