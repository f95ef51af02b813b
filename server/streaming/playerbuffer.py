"""The buffer of a server-steered player as the server can know it: pure, one small state per session.

A player without ABR (mpv, ffmpeg) reads the steered playlist's segments in order on one connection,
so when its request for segment *n+1* arrives, segment *n* is in its buffer — and not before that can
the server be sure of it: a segment "sent" has often only reached the kernel's buffers (on a link that
has just dropped, a 700 kB segment is still in flight 20 s later). The model:

- the media of segment *n* is in the buffer from the arrival of the request for *n+1*;
- playback begins when the first segment is in (``started``) and then runs at 1× wall clock, never past
  the media in the buffer (an empty buffer is a stall: the playhead waits, it does not run ahead);
- a request that is not for the next segment (a seek, or a fresh start) starts the model again.

What it misses: time the player spends paused (the model keeps playing, so after a pause it reads the
buffer low — the safe side), and the time to the first frame after the first segment (the model starts
playback a little early — the buffer reads a little low, the safe side too).

The state goes in the session hash as one JSON field (:meth:`PlayerBuffer.dumps`).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True, slots=True)
class PlayerBuffer:
    """Buffered media of a steered player, as of wall clock ``clock``.

    ``end``: media time up to which the player holds media; ``played``: media time played at ``clock``;
    ``pending_*``: the last requested segment (index, media start, media end), in the buffer once the
    next request arrives.
    """

    started: bool = False
    clock: float = 0.0
    played: float = 0.0
    end: float = 0.0
    pending_index: int = -1
    pending_start: float = 0.0
    pending_end: float = 0.0

    def level(self, now: float) -> float:
        """Seconds of media buffered at wall clock ``now`` (0 before playback begins)."""
        if not self.started:
            return 0.0
        played = min(self.end, self.played + max(0.0, now - self.clock))
        return max(0.0, self.end - played)

    def arrive(self, *, index: int, start: float, end: float, now: float) -> PlayerBuffer:
        """The model after a request for segment ``index`` (media ``start``–``end``) arrived at ``now``."""
        if index == self.pending_index + 1 and self.pending_index >= 0:
            if self.started:
                played = min(self.end, self.played + max(0.0, now - self.clock))
                base = replace(self, played=played, clock=max(self.clock, now), end=max(self.end, self.pending_end))
            else:  # the first segment is in: playback begins
                base = replace(self, started=True, played=self.pending_start, clock=now, end=self.pending_end)
        elif index == self.pending_index:  # the same segment again (a retry): nothing new is in
            return replace(self, pending_start=start, pending_end=end) if self.pending_index >= 0 else self
        else:  # the first request, or a seek: nothing of the new position is buffered yet
            base = PlayerBuffer()
        return replace(base, pending_index=index, pending_start=start, pending_end=end)

    def dumps(self) -> str:
        """JSON for the session hash."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def loads(cls, raw: str | None) -> PlayerBuffer | None:
        """The model stored as ``raw`` (None when absent or unreadable)."""
        if not raw:
            return None
        try:
            data = json.loads(raw)
            out = cls(started=bool(data["started"]), clock=float(data["clock"]), played=float(data["played"]),
                      end=float(data["end"]), pending_index=int(data["pending_index"]),
                      pending_start=float(data["pending_start"]), pending_end=float(data["pending_end"]))
        except (ValueError, KeyError, TypeError):
            return None
        numbers = (out.clock, out.played, out.end, out.pending_start, out.pending_end)
        return out if all(math.isfinite(x) for x in numbers) else None
