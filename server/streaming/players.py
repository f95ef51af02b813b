"""Which clients adapt the bitrate themselves: players without ABR get one steered variant.

mpv (libmpv) and ffmpeg play the highest variant of a master playlist whatever its order and
read the first segments of every variant before the first frame. They identify themselves in
``User-Agent`` (mpv: ``libmpv`` / ``mpv 0.35``; ffmpeg's HTTP client: ``Lavf/59.27.100``); a
client can also say so with ``?player=mpv``. hls.js, dash.js, Safari/AVPlayer and ExoPlayer adapt
on their own and keep the full ladder.
"""

from __future__ import annotations

import re

_NO_ABR_AGENT = re.compile(r"(?:^|[\s(;])(?:Lavf|libmpv|mpv|ffmpeg|ffplay)(?:[/\s;)]|$)", re.IGNORECASE)
NO_ABR_PLAYERS = frozenset({"mpv", "ffmpeg", "ffplay", "lavf", "libmpv"})


def lacks_abr(*, user_agent: str | None, player: str | None = None) -> bool:
    """True when the request comes from a player that cannot adapt (mpv/ffmpeg or ``?player=mpv``)."""
    if player is not None:
        return player.strip().lower() in NO_ABR_PLAYERS
    return bool(user_agent) and _NO_ABR_AGENT.search(user_agent or "") is not None
