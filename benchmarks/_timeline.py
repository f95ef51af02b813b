"""Where an mpv start goes: the shaping proxy's per-connection events merged with mpv's debug log (#13).

Used by ``mpv_start_floor.py --timeline``. The proxy (``ShapingProxy(record=True)``) stamps every accept,
every read from either side and every delivery after the emulated link; mpv's ``--log-file`` (debug)
stamps its own steps in seconds since the process started, mapped onto the same clock through the
``loadfile`` command (sent at ``t0``). From both, each HTTP exchange before the first frame is split into

- ``connect``: the emulated TCP handshake (one RTT after the connection reached the proxy),
- ``request up``: the request's way to the server (RTT/2 + uplink serialization),
- ``server``: the server's time to its first response byte,
- ``answer down``: the first byte's way back (RTT/2 + the first piece's serialization),
- ``transfer``: first → last byte delivered (or up to the first frame when the player went on before the end),

and the time between exchanges, when nothing was in flight, is mpv's own (start-up, probing, parsing,
decoder and output set-up). Pure functions over the recorded data; the script prints :func:`render`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from netem_profiles.proxy import LinkEvent

_LINE = re.compile(r"^\[\s*(?P<t>\d+\.\d+)\]\[(?P<lvl>\w)\]\[(?P<mod>[^\]]+)\] (?P<msg>.*)$")
#: mpv log messages worth a line in the timeline (prefix → label).
MPV_STEPS: tuple[tuple[str, str], ...] = (
    ("Done loading scripts", "mpv: scripts loaded"),
    ("Opening http", "mpv: opens the URL"),
    ("tcp: Starting connection attempt", "mpv: connect()"),
    ("Stream opened successfully", "mpv: stream open (answer headers in)"),
    ("Found '", "lavf: format probed"),
    ("hls: HLS request for url", "hls: segment request"),
    ("avformat_find_stream_info() finished", "lavf: stream info found"),
    ("Opening done", "mpv: opening done"),
    ("Starting playback", "mpv: decoders open, starting playback"),
    ("VO: [", "mpv: video output configured"),
    ("first video frame after restart shown", "mpv: first frame shown"),
)
_LOADFILE = "Run command: loadfile"


@dataclass
class Exchange:
    """One HTTP request and its answer on one connection (times on the monotonic clock)."""

    conn: int
    new_connection: bool
    accepted: float
    sent: float  # the request's first byte reached the proxy (the client wrote it)
    at_server: float | None = None  # its last byte was handed to the server
    server_first: float | None = None  # the server's first answer byte reached the proxy
    first_byte: float | None = None  # the answer's first byte delivered to the client
    last_byte: float | None = None  # the answer's last byte delivered (before the next request)
    up_bytes: int = 0
    down_bytes: int = 0
    deliveries: list[tuple[float, int]] = field(default_factory=list)

    def bytes_by(self, t: float) -> int:
        """Answer bytes delivered to the client by ``t``."""
        return sum(n for at, n in self.deliveries if at <= t)


def exchanges(events: Sequence[LinkEvent]) -> list[Exchange]:
    """The HTTP exchanges in ``events``: on each connection a request starts with the client's bytes after
    an answer (or the first bytes), and the answer is every server byte until the next request."""
    out: list[Exchange] = []
    accepted: dict[int, float] = {}
    current: dict[int, Exchange] = {}
    for ev in sorted(events, key=lambda e: e.at):
        if ev.kind == "accept":
            accepted[ev.conn] = ev.at
            continue
        cur = current.get(ev.conn)
        if ev.direction == "up" and ev.kind == "read":
            if cur is None or cur.down_bytes > 0:
                cur = Exchange(conn=ev.conn, new_connection=cur is None, accepted=accepted.get(ev.conn, ev.at),
                               sent=ev.at)
                current[ev.conn] = cur
                out.append(cur)
            cur.up_bytes += ev.nbytes
        elif cur is None:
            continue
        elif ev.direction == "up" and ev.kind == "deliver":
            cur.at_server = ev.at
        elif ev.direction == "down" and ev.kind == "read":
            if cur.server_first is None:
                cur.server_first = ev.at
        elif ev.direction == "down" and ev.kind == "deliver":
            cur.first_byte = cur.first_byte or ev.at
            cur.last_byte = ev.at
            cur.down_bytes += ev.nbytes
            cur.deliveries.append((ev.at, ev.nbytes))
    return out


def mpv_steps(log_text: str, *, t0: float) -> list[tuple[float, str, str]]:
    """(monotonic time, label, message) of mpv's steps after the ``loadfile`` sent at ``t0``."""
    lines = []
    for raw in log_text.splitlines():
        m = _LINE.match(raw)
        if m:
            lines.append((float(m["t"]), m["msg"]))
    base = next((t for t, msg in lines if msg.startswith(_LOADFILE)), None)
    if base is None:
        return []
    out = []
    for t, msg in lines:
        if t < base:
            continue
        for prefix, label in MPV_STEPS:
            if msg.startswith(prefix):
                out.append((t0 + t - base, label, msg))
                break
    return out


@dataclass(frozen=True, slots=True)
class Phase:
    """One span of the start: what it was, seconds, and the floor's term for it (None: not in the floor)."""

    name: str
    seconds: float
    floor_s: float | None = None


def phases(*, t0: float, first_frame: float, rtt_s: float, rate_bytes_s: float, floor_trips: int,
           floor_bytes: int, ex: Sequence[Exchange], steps: Sequence[tuple[float, str, str]]) -> list[Phase]:
    """The start (``t0`` → ``first_frame``) as consecutive phases, each beside the floor's term for it.

    The floor's terms: one RTT per connect, playlist and segment up to ``floor_trips`` (the rest of the
    exchanges' round trips have none), ``floor_bytes`` ÷ rate beside the transfers (whole, on the last)."""
    out: list[Phase] = []
    trips_left = floor_trips
    cursor = t0
    step_times = {label: t for t, label, _ in reversed(steps)}
    # the critical path: the exchanges the player started before it had its streams (later ones, e.g. the
    # second segment asked for while the decoders open, overlap the rest of the start)
    cutoff = min(step_times.get("lavf: stream info found", first_frame), first_frame)
    path = [e for e in ex if e.sent < cutoff and e.first_byte is not None]
    for i, e in enumerate(path):
        label = f"#{i + 1} ({'new conn, ' if e.new_connection else ''}{e.down_bytes / 1000:.1f} kB)"
        begin = e.accepted if e.new_connection else e.sent
        out.append(Phase(f"mpv before {label}", max(0.0, begin - cursor)))
        up_from = e.sent
        if e.new_connection:
            hs_end = e.accepted + rtt_s
            floor = rtt_s if trips_left > 0 else 0.0
            trips_left -= 1
            out.append(Phase(f"connect {label}", max(0.0, hs_end - e.accepted), floor))
            up_from = max(e.sent, hs_end)
        floor = rtt_s if trips_left > 0 else 0.0
        trips_left -= 1
        at_server = e.at_server or up_from
        server_first = e.server_first or at_server
        first_byte = e.first_byte or server_first
        out.append(Phase(f"request up {label}", max(0.0, at_server - up_from), floor))
        out.append(Phase(f"server {label}", max(0.0, server_first - at_server), 0.0))
        out.append(Phase(f"answer down {label}", max(0.0, first_byte - server_first), 0.0))
        end = max(first_byte, min(e.last_byte or first_byte, cutoff))
        tx_floor = floor_bytes / rate_bytes_s if i == len(path) - 1 else 0.0
        out.append(Phase(f"transfer {label}: {e.bytes_by(end) / 1000:.1f} kB by then", end - first_byte,
                         tx_floor))
        cursor = end
    info = step_times.get("lavf: stream info found")
    shown = step_times.get("mpv: first frame shown")
    if info is not None and cursor < info < first_frame:
        out.append(Phase("mpv: probe after the bytes (stream info found)", info - cursor))
        cursor = info
    if shown is not None and cursor < shown < first_frame:
        out.append(Phase("mpv: decoders, outputs, first frame shown", shown - cursor))
        cursor = shown
    out.append(Phase("mpv → IPC video-params", max(0.0, first_frame - cursor)))
    return out


def render(ph: Sequence[Phase], *, total_s: float, floor_s: float) -> str:
    """A markdown table: phase, seconds, the floor's term and the excess."""
    rows = ["| phase | measured | floor's term | over the floor |", "|---|---|---|---|"]
    for p in ph:
        floor = p.floor_s or 0.0
        term = "—" if p.floor_s is None else f"{floor * 1000:.0f} ms"
        rows.append(f"| {p.name} | {p.seconds * 1000:.0f} ms | {term} | {(p.seconds - floor) * 1000:+.0f} ms |")
    rows.append(f"| **total** | **{total_s * 1000:.0f} ms** | **{floor_s * 1000:.0f} ms** "
                f"| **{(total_s - floor_s) * 1000:+.0f} ms** |")
    return "\n".join(rows)


def render_steps(steps: Sequence[tuple[float, str, str]], ex: Sequence[Exchange], *, t0: float,
                 until: float) -> str:
    """A chronological list of mpv's steps and the link's exchanges (ms after ``t0``) up to ``until``."""
    items: list[tuple[float, str]] = [(t, label) for t, label, _ in steps if t <= until]
    for e in ex:
        if e.sent > until:
            continue
        tag = f"conn {e.conn}"
        if e.new_connection:
            items.append((e.accepted, f"link: {tag} accepted (handshake)"))
        items.append((e.sent, f"link: {tag} request written ({e.up_bytes} B)"))
        if e.at_server is not None:
            items.append((e.at_server, f"link: {tag} request at the server"))
        if e.server_first is not None:
            items.append((e.server_first, f"link: {tag} server answers"))
        if e.first_byte is not None:
            items.append((e.first_byte, f"link: {tag} first byte at mpv"))
        if e.last_byte is not None:
            items.append((e.last_byte, f"link: {tag} last byte at mpv ({e.down_bytes} B)"))
    items.sort()
    return "\n".join(f"    {1000 * (t - t0):8.1f} ms  {label}" for t, label in items)
