"""Segment sizes and a player's buffer / stall accounting (reused by Locust's player)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from media.abr import clean_ladder


def segment_sizes(
    ladder_kbps: Sequence[float],
    *,
    segment_s: float,
    count: int,
    variability: float = 0.0,
    seed: int = 0,
) -> tuple[tuple[int, ...], ...]:
    """Bytes of each segment per rung: `sizes[rung][segment]`.

    Nominal size is bitrate × duration; `variability` > 0 multiplies segment j of every rung by
    the same log-normal factor (mean 1, σ = `variability`: scene complexity is shared across
    renditions), drawn from a private `random.Random(seed)`.
    """
    rng = random.Random(seed)
    factors = [
        math.exp(rng.gauss(0.0, variability) - variability**2 / 2) if variability > 0 else 1.0
        for _ in range(count)
    ]
    ladder = clean_ladder(ladder_kbps)
    return tuple(
        tuple(int(k * 1000 / 8 * segment_s * f) if math.isfinite(k) else 0 for f in factors)
        for k in ladder
    )


class Playback:
    """Buffer and stall accounting for one player.

    `advance(t)` lets wall time pass (playing from the buffer once started, counting stalls
    when it runs dry); `add(seconds, t)` appends a received segment. Playback starts with the
    first segment; after a stall it resumes as soon as a segment arrives, or, with
    `resume_s` > 0, once that much media is buffered again (mpv's ``cache-pause-wait``). Time before
    the first segment is stream start, not a stall. With `held_s` > 0 the player's decoders and
    audio output hold that much of the received media (filling up as they play: as much as has
    played, at most `held_s`): it runs dry (stalls) when the buffer is down to what they hold, and
    `resume_s` counts the buffer beyond it (mpv's demuxer cache); at the end the held media plays out.
    """

    def __init__(self, *, t0: float = 0.0, resume_s: float = 0.0, held_s: float = 0.0) -> None:
        """A player with an empty buffer whose play command was issued at `t0`; after a stall it
        waits for `resume_s` seconds of media beyond the `held_s` its decoders hold before playing again."""
        self.t0 = t0
        self.resume_s = resume_s
        self.held_s = held_s
        self.t = t0
        self.buffer_s = 0.0
        self.played_s = 0.0
        self.stall_s = 0.0
        self.stalls = 0
        self.stalled = False
        self.started_at: float | None = None
        self.finished = False

    def advance(self, t: float) -> None:
        """Let time pass until `t` (no-op if `t` is not later than now)."""
        if t <= self.t:
            return
        elapsed = t - self.t
        self.t = t
        if self.started_at is None:
            return
        waiting = self.stalled and not self.finished and self.buffer_s - self._held() < self.resume_s - 1e-9
        play = 0.0 if waiting else min(self._playable(), elapsed)
        self.buffer_s -= play
        self.played_s += play
        if elapsed - play > 1e-9 and not self.finished:
            self.stall_s += elapsed - play
            if not self.stalled:
                self.stalls += 1
                self.stalled = True

    def add(self, seconds: float, t: float) -> None:
        """A segment of `seconds` of media arrived at `t`."""
        self.advance(t)
        if self.started_at is None:
            self.started_at = t
        self.buffer_s += seconds
        level = self.buffer_s - self._held()  # what it can play (mpv: its demuxer cache)
        if level >= self.resume_s - 1e-9 and (level > 1e-9 or self.held_s == 0):
            self.stalled = False

    def _held(self) -> float:
        """Media the decoders hold now: as much as has played, at most `held_s`."""
        return min(self.held_s, self.played_s)

    def _playable(self) -> float:
        """Media that can play before the buffer is down to what the decoders hold (all of it once finished)."""
        b, h, played = self.buffer_s, self.held_s, self.played_s
        if self.finished or h <= 0:
            return b
        if b - h >= h - played:  # the decoders fill up to held_s before the buffer is down to it
            return max(0.0, b - h)
        return max(0.0, (b - played) / 2)  # down to the held level while they still fill (held = played)

    def finish(self) -> float:
        """No more segments: play the buffer out; return the end time."""
        self.finished = True
        end = self.t + self.buffer_s
        self.advance(end)
        return end

    @property
    def stream_start_s(self) -> float | None:
        """Play command → first segment received, or None if none arrived."""
        return None if self.started_at is None else self.started_at - self.t0
