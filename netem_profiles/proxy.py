"""Asyncio TCP shaping proxy: one shared link budget per proxy instance (= one "client").

Each direction of every connection is a two-stage pipeline:

1. *link* — the reader books small pieces on the shared `LinkPacer` for its direction and
   sleeps until each piece has been "serialized" (this is the rate limit and gives TCP
   back-pressure to the sender);
2. *propagation* — the piece is queued as `(release_time, piece)` with release = departure +
   RTT/2 (+ jitter, + an RTO-sized stall when a packet of it is "lost"); a writer task
   delivers pieces in order at their release times. Delay therefore never limits throughput.

All connections accepted on one listen port share the same two `LinkPacer`s, so parallel
connections (ffmpeg's `http_multiple`) split one link instead of each getting a full one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from netem_profiles.pacing import Direction, LinkPacer
from netem_profiles.profiles import Profile
from netem_profiles.schedules import Schedule, load_schedule
from netem_profiles.traces import PACKET_BYTES

log = logging.getLogger(__name__)

READ_SIZE = 65536
QUEUE_PIECES = 4096
MIN_SLEEP_S = 0.0005
RTO_MIN_S = 0.2
RATE_WINDOW_S = 2.0
CONNECT_TIMEOUT_S = 10.0


class ProxyError(RuntimeError):
    """The proxy could not start (e.g. the listen port is in use)."""


Source = Profile | Schedule | str | Path


@dataclass(frozen=True, slots=True)
class LinkEvent:
    """One moment of a connection on the emulated link (``ShapingProxy(record=True)``).

    ``kind``: ``accept`` (the client's connection reached the proxy; its emulated handshake ends one
    RTT later), ``read`` (``nbytes`` came from the sender: the client's request bytes for ``up``, the
    server's answer for ``down``), ``deliver`` (``nbytes`` handed to the receiver after the link's
    serialization and propagation delay). ``at`` is ``time.monotonic()``; ``conn`` counts from 1.
    """

    at: float
    conn: int
    direction: str
    kind: str
    nbytes: int = 0


@dataclass
class DirectionStats:
    """Counters for one direction of the shared link."""

    bytes: int = 0
    pieces: int = 0
    lost_packets: int = 0
    first_at: float | None = None
    last_at: float | None = None
    queue_delay_sum: float = 0.0
    queue_delay_max: float = 0.0
    queue_delay_last: float = 0.0
    recent: deque[tuple[float, int]] = field(default_factory=deque)

    def record_wait(self, wait: float) -> None:
        """Account the time a piece waited for the link (queueing + serialization)."""
        self.pieces += 1
        self.queue_delay_sum += wait
        self.queue_delay_last = wait
        self.queue_delay_max = max(self.queue_delay_max, wait)

    def record_delivery(self, nbytes: int, now: float) -> None:
        """Account bytes handed to the receiving socket."""
        if self.first_at is None:
            self.first_at = now
        self.last_at = now
        self.bytes += nbytes
        self.recent.append((now, nbytes))
        while self.recent and self.recent[0][0] < now - RATE_WINDOW_S:
            self.recent.popleft()

    def as_dict(self, *, now: float, target_kbps: float) -> dict[str, Any]:
        """JSON-ready figures: bytes, achieved rates (kbit/s), queueing delay (ms)."""
        span = (self.last_at - self.first_at) if self.first_at and self.last_at else 0.0
        window_bytes = sum(n for t, n in self.recent if t >= now - RATE_WINDOW_S)
        return {
            "bytes": self.bytes,
            "target_kbps": round(target_kbps, 1),
            "mean_kbps": round(self.bytes * 8 / span / 1000, 1) if span > 0 else None,
            "recent_kbps": round(window_bytes * 8 / RATE_WINDOW_S / 1000, 1),
            "queue_delay_ms": {
                "avg": round(1000 * self.queue_delay_sum / self.pieces, 2) if self.pieces else 0,
                "max": round(1000 * self.queue_delay_max, 2),
                "last": round(1000 * self.queue_delay_last, 2),
            },
            "lost_packets": self.lost_packets,
        }


class ShapingProxy:
    """TCP proxy shaping both directions like one link following a profile/schedule/trace.

    Use `await start()` / `await stop()` or `async with ShapingProxy(...) as proxy:`.
    """

    def __init__(
        self,
        source: Source,
        *,
        listen: tuple[str, int] = ("127.0.0.1", 0),
        upstream: tuple[str, int],
        seed: int | None = None,
        trace_rtt_ms: float = 0.0,
        record: bool = False,
    ) -> None:
        self.listen = listen
        #: with ``record``: every accept, read and delivery as a :class:`LinkEvent` (timeline analysis)
        self.events: list[LinkEvent] | None = [] if record else None
        self.upstream = upstream
        self.trace_rtt_ms = trace_rtt_ms
        self.rng = random.Random(seed)
        self.schedule = load_schedule(source, rtt_ms=trace_rtt_ms)
        self.started_at = time.monotonic()
        self.links: dict[Direction, LinkPacer] = {}
        self.dir_stats: dict[Direction, DirectionStats] = {
            "down": DirectionStats(),
            "up": DirectionStats(),
        }
        self.active = 0
        self.total = 0
        self.upstream_failures = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._reset_links()

    # ---------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Start listening; raise `ProxyError` if the address cannot be bound."""
        host, port = self.listen
        try:
            self._server = await asyncio.start_server(self._handle, host, port)
        except OSError as err:
            raise ProxyError(f"cannot listen on {host}:{port}: {err.strerror or err}") from err
        self.started_at = time.monotonic()
        self._reset_links()
        log.info("shaping %s -> %s:%s as %r", self.address, *self.upstream, self.schedule.name)

    async def stop(self) -> None:
        """Stop listening and drop every open connection."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=2)
            self._server = None

    async def __aenter__(self) -> ShapingProxy:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The bound listen port (useful with port 0)."""
        if self._server is None or not self._server.sockets:
            raise ProxyError("proxy is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def address(self) -> str:
        """host:port actually listened on."""
        return f"{self.listen[0]}:{self.port}"

    # ---------------------------------------------------------------- control
    def _reset_links(self) -> None:
        """New shared pacers following the current schedule from now."""
        now = time.monotonic()
        self.schedule_started = now
        self.links = {
            "down": LinkPacer(self.schedule, direction="down", start=now),
            "up": LinkPacer(self.schedule, direction="up", start=now),
        }

    async def set_profile(self, source: Source) -> Schedule:
        """Switch live to another profile, schedule or trace (restarts its timeline)."""
        self.schedule = load_schedule(source, rtt_ms=self.trace_rtt_ms)
        self._reset_links()
        log.info("switched to %r", self.schedule.name)
        return self.schedule

    def current_profile(self) -> Profile:
        """The profile in force right now."""
        return self.schedule.profile_at(time.monotonic() - self.schedule_started)

    def stats(self) -> dict[str, Any]:
        """JSON-ready snapshot: profile, connections, per-direction bytes/rates/queueing."""
        now = time.monotonic()
        t = now - self.schedule_started
        index, _, _ = self.schedule.step_at(t)
        profile = self.schedule.steps[index].profile
        return {
            "schedule": self.schedule.name,
            "profile": profile.model_dump(),
            "step": index,
            "schedule_elapsed_s": round(t, 3),
            "uptime_s": round(now - self.started_at, 3),
            "listen": self.address if self._server else None,
            "upstream": f"{self.upstream[0]}:{self.upstream[1]}",
            "connections": {
                "active": self.active,
                "total": self.total,
                "upstream_failures": self.upstream_failures,
            },
            "down": self.dir_stats["down"].as_dict(
                now=now, target_kbps=self.schedule.down_kbps_at(t)
            ),
            "up": self.dir_stats["up"].as_dict(now=now, target_kbps=profile.up_kbps),
        }

    # ---------------------------------------------------------------- data path
    async def _handle(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        """Accept callback: serve the connection in a task owned (and cancellable) by us."""
        task = asyncio.create_task(self._serve(c_reader, c_writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        """Serve one client connection until both directions are done."""
        self.total += 1
        self.active += 1
        conn = self.total
        accepted = time.monotonic()
        self._record(accepted, conn, "up", "accept", 0)
        u_writer: asyncio.StreamWriter | None = None
        try:
            try:
                u_reader, upstream_writer = await asyncio.wait_for(
                    asyncio.open_connection(*self.upstream), timeout=CONNECT_TIMEOUT_S
                )
                u_writer = upstream_writer
            except (OSError, TimeoutError) as err:
                self.upstream_failures += 1
                log.warning("upstream %s:%s unreachable: %s", *self.upstream, err)
                return
            # the emulated TCP handshake costs one RTT before the client's first byte moves
            handshake = accepted + 2 * self.links["up"].one_way_delay_s(accepted)
            pumps = [
                asyncio.create_task(
                    self._pump(c_reader, upstream_writer, direction="up", not_before=handshake, conn=conn)
                ),
                asyncio.create_task(
                    self._pump(u_reader, c_writer, direction="down", not_before=0.0, conn=conn)
                ),
            ]
            try:
                await asyncio.wait(pumps, return_when=asyncio.FIRST_EXCEPTION)
            finally:
                for pump in pumps:
                    pump.cancel()
                for result in await asyncio.gather(*pumps, return_exceptions=True):
                    if isinstance(result, Exception):
                        log.debug("connection dropped: %r", result)
        finally:
            self.active -= 1
            for writer in (c_writer, u_writer):
                if writer is not None:
                    writer.close()
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(writer.wait_closed(), timeout=1)

    def _stall_s(self, profile: Profile, npackets: int) -> float:
        """Extra delay when some of `npackets` are lost: about one RTO (0 if none lost)."""
        p = profile.loss_pct / 100.0
        if p <= 0:
            return 0.0
        if not any(self.rng.random() < p for _ in range(npackets)):
            return 0.0
        return profile.rtt_ms / 1000.0 + max(4 * profile.jitter_ms / 1000.0, RTO_MIN_S)

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        direction: Direction,
        not_before: float,
        conn: int = 0,
    ) -> None:
        """Move one direction: book pieces on the shared link, then release them after delay."""
        queue: asyncio.Queue[tuple[float, bytes | None]] = asyncio.Queue(maxsize=QUEUE_PIECES)
        stats = self.dir_stats[direction]
        sender = asyncio.create_task(self._release(queue, writer, stats, conn=conn, direction=direction))
        last_release = not_before
        try:
            while True:
                data = await reader.read(READ_SIZE)
                if not data:
                    break
                self._record(time.monotonic(), conn, direction, "read", len(data))
                offset = 0
                while offset < len(data):
                    link = self.links[direction]  # re-read: set_profile may swap it
                    now = max(time.monotonic(), not_before)
                    size = link.piece_size(now)
                    piece = data[offset : offset + size]
                    offset += len(piece)
                    wait = link.delay_for(len(piece), now)
                    stats.record_wait(wait)
                    profile = link.profile
                    stall = self._stall_s(profile, math.ceil(len(piece) / PACKET_BYTES))
                    if stall:
                        stats.lost_packets += 1
                    jitter = (
                        self.rng.uniform(-0.5, 0.5) * profile.jitter_ms / 1000.0
                        if profile.jitter_ms
                        else 0.0
                    )
                    owd = max(0.0, profile.rtt_ms / 2000.0 + jitter)
                    depart = now + wait + stall
                    release = max(depart + owd, last_release)
                    last_release = release
                    await queue.put((release, piece))
                    sleep = depart - time.monotonic()
                    if sleep > MIN_SLEEP_S:
                        await asyncio.sleep(sleep)
        except BaseException:
            sender.cancel()
            raise
        # half-close after the last byte has propagated
        await queue.put((last_release, None))
        await sender

    async def _release(
        self,
        queue: asyncio.Queue[tuple[float, bytes | None]],
        writer: asyncio.StreamWriter,
        stats: DirectionStats,
        *,
        conn: int = 0,
        direction: Direction = "down",
    ) -> None:
        """Deliver queued pieces at their release times, in order; EOF on the sentinel."""
        while True:
            release, piece = await queue.get()
            delay = release - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if piece is None:
                if writer.can_write_eof() and not writer.is_closing():
                    with contextlib.suppress(OSError):
                        writer.write_eof()
                return
            writer.write(piece)
            await writer.drain()
            now = time.monotonic()
            stats.record_delivery(len(piece), now)
            self._record(now, conn, direction, "deliver", len(piece))

    def _record(self, at: float, conn: int, direction: str, kind: str, nbytes: int) -> None:
        """Append a :class:`LinkEvent` when recording."""
        if self.events is not None:
            self.events.append(LinkEvent(at=at, conn=conn, direction=direction, kind=kind, nbytes=nbytes))
