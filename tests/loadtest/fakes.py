"""Fakes for the simulated player's unit tests: a clock that moves only when slept, and a server
answering the player's requests in the shapes of server/api (no sockets, no Locust runtime)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from loadtest.player import Reply

MASTER_ORDER = ("360p", "144p", "720p")
RESOLUTIONS = {"144p": "256x144", "360p": "640x360", "720p": "1280x720"}


class FakeClock:
    """Time that only moves when someone sleeps (or a request 'takes' time)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds
        self.slept += seconds


def media_playlist(name: str, count: int) -> str:
    """A VOD media playlist of ``count`` 2 s segments of rendition ``name``."""
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:2", "#EXT-X-MEDIA-SEQUENCE:1"]
    for i in range(1, count + 1):
        lines += ["#EXTINF:2.0,", f"/media/s/v/{name}/seg_{i:05d}.ts"]
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


class FakeServer:
    """Answers the player's requests like the real API does; segments are ``kbps`` × 2 s of bytes.

    ``order`` is the order of the master playlist (the player starts on the first variant);
    ``segment_gets`` lists (rendition, segment number) of every segment request."""

    kbps: ClassVar[dict[str, int]] = {"144p": 250, "360p": 600, "720p": 2600}

    def __init__(self, segments: int = 6, *, order: tuple[str, ...] = MASTER_ORDER) -> None:
        self.segments = segments
        self.order = order
        self.calls: list[tuple[str, str]] = []
        self.segment_gets: list[tuple[str, int]] = []
        self.other_bodies: list[bytes] = []  # every answer that is not a segment

    def master(self) -> str:
        """The master playlist, variants in ``order``."""
        lines = ["#EXTM3U"]
        for name in self.order:
            k = self.kbps[name]
            lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={k * 1150},AVERAGE-BANDWIDTH={k * 1000},"
                      f"RESOLUTION={RESOLUTIONS[name]}", f"/media/s/v/{name}/index.m3u8"]
        return "\n".join([*lines, ""])

    def segment_bytes(self, rung: str) -> int:
        """Body size of every segment of ``rung``."""
        return int(self.kbps[rung] * 1000 / 8 * 2)

    def __call__(self, method: str, url: str, *, name: str, json: Any = None,
                 context: dict[str, Any] | None = None) -> Reply:
        self.calls.append((method, name))
        reply = self._answer(url, name=name)
        if name != "/media/[segment]":
            self.other_bodies.append(reply.body)
        return reply

    def _answer(self, url: str, *, name: str) -> Reply:
        if name.endswith("/playback/start"):
            return _json({"session_id": "s1", "duration_s": 2 * self.segments})
        if name.endswith("/manifest"):
            qualities = [{"quality": q, "bitrate_kbps": k} for q, k in self.kbps.items()]
            return _json({"manifest_url": "http://h/media/s/v/master.m3u8", "qualities": qualities,
                          "steered_url": "http://h/media/s/v/auto/index.m3u8"})
        if name == "/media/[master]":
            return Reply(200, self.master().encode(), {})
        if name == "/media/[playlist]":
            return Reply(200, media_playlist(url.split("/")[-2], self.segments).encode(), {})
        if name == "/media/[segment]":
            rung = url.split("/")[-2]
            self.segment_gets.append((rung, int(url.rsplit("_", 1)[1].split(".")[0])))
            return Reply(200, b"\0" * self.segment_bytes(rung), {})
        return Reply(200, b"{}", {})


def _json(body: dict[str, Any]) -> Reply:
    return Reply(200, json.dumps(body).encode(), {})
