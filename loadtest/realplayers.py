"""``ott-load real-players``: real mpv processes through the shaping proxy, against the simulated player.

For each network profile, ``count`` real players run at once, each with its own `ShapingProxy`
(one link budget per client) and its own headless mpv **process** (``--vo=null --ao=null``,
driven over its JSON IPC socket; libmpv is never loaded here). The play command is the same for
both players: ``POST /stream/playback/start`` → manifest → the server-steered playlist → first
segment; the real player's stream start ends at mpv's first ``video-params`` (first decoded
frame), the simulated one's at its first segment received. Then ``count`` simulated players
(``abr="server"``, paced by `PacedLink`) play the same way, and the gap per profile is reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp

from loadtest.link import PacedLink
from loadtest.mpv_log import LogError, start_phases
from loadtest.player import PlayerConfig, Reply, SimulatedPlayer
from loadtest.summary import percentile
from media import mpv_cli_args, streaming_options
from netem_profiles import ProfileError, ShapingProxy, load_schedule

log = logging.getLogger(__name__)

API = "/api/v1"
PASSWORD = "Load-test-1!"  # noqa: S105  (throw-away accounts on a test server)
IPC_WAIT_S = 10.0


class RealError(RuntimeError):
    """The real-player run could not be made (no mpv, server unreachable...)."""


def mpv_command(*, mpv: str, ipc: Path) -> list[str]:
    """An idle headless mpv waiting for commands on ``ipc`` (pure; unit-tested)."""
    return [mpv, "--no-config", "--idle=yes", "--vo=null", "--ao=null", "--no-terminal", "--ytdl=no",
            f"--input-ipc-server={ipc}", *mpv_cli_args(streaming_options(headless=True))]


@dataclass
class Account:
    """A registered account with its profile and a title to play."""

    token: str
    profile_id: str
    content_id: str


async def make_account(session: aiohttp.ClientSession, *, host: str) -> Account:
    """Register, read the default profile and pick the first free movie."""
    email = f"real-{uuid.uuid4().hex[:16]}@example.com"
    async with session.post(f"{host}{API}/auth/register", json={"email": email, "password": PASSWORD}) as resp:
        if resp.status != 201:
            raise RealError(f"register: HTTP {resp.status} (rate limits on? OTT_RATE_LIMITS_ENABLED=false)")
        token = (await resp.json())["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    async with session.get(f"{host}{API}/auth/profiles", headers=headers) as resp:
        profile_id = (await resp.json())["profiles"][0]["id"]
    query = urlencode({"type": "movie", "tier": "free", "limit": 1, "profile_id": profile_id})
    async with session.get(f"{host}{API}/catalog/content?{query}", headers=headers) as resp:
        items = (await resp.json()).get("content", []) if resp.status == 200 else []
    if not items:
        raise RealError("no free movie to play: seed the catalog and package media")
    return Account(token=token, profile_id=profile_id, content_id=items[0]["id"])


def net_hint(source: str) -> str:
    """The ``net=`` hint a player sends for a profile or schedule: the profile in force at its start
    (a simulated viewer sends the same, `SimulatedPlayer._net_hint`)."""
    return load_schedule(source).steps[0].profile.name


def _height(quality: object) -> int:
    """720 for "720p" (0 when the name is not a height)."""
    text = str(quality or "")
    return int(text[:-1]) if text.endswith("p") and text[:-1].isdigit() else 0


def via(url: str, *, origin: str) -> str:
    """``url`` with its scheme and host:port replaced by ``origin`` (to route it through a proxy)."""
    o = urlsplit(origin)
    u = urlsplit(url)
    return urlunsplit((o.scheme, o.netloc, u.path, u.query, u.fragment))


class MpvIpc:
    """A headless mpv process and its JSON IPC connection."""

    def __init__(self, *, mpv: str, workdir: Path, log_file: Path | None = None) -> None:
        """Prepare (not start) an mpv with its socket in ``workdir`` (its debug log in ``log_file``, if given)."""
        self.ipc = workdir / f"mpv-{uuid.uuid4().hex[:8]}.sock"
        self.cmd = mpv_command(mpv=mpv, ipc=self.ipc)
        if log_file is not None:
            self.cmd += [f"--log-file={log_file}", "--msg-level=all=debug"]
        self.proc: asyncio.subprocess.Process | None = None
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._pump: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start mpv and connect to its socket."""
        self.proc = await asyncio.create_subprocess_exec(*self.cmd, stdout=asyncio.subprocess.DEVNULL,
                                                         stderr=asyncio.subprocess.DEVNULL)
        deadline = time.monotonic() + IPC_WAIT_S
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                self.reader, self.writer = await asyncio.open_unix_connection(str(self.ipc))
                break
            await asyncio.sleep(0.05)
        if self.writer is None:
            raise RealError("mpv did not open its IPC socket")
        self._pump = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.reader is not None
        while line := await self.reader.readline():
            with contextlib.suppress(ValueError):
                await self.events.put(json.loads(line))

    async def send(self, *command: Any) -> None:
        """Send one command."""
        assert self.writer is not None
        self.writer.write(json.dumps({"command": list(command)}).encode() + b"\n")
        await self.writer.drain()

    async def close(self) -> None:
        """Quit mpv (kill it if it does not go)."""
        with contextlib.suppress(Exception):
            await self.send("quit")
        if self.proc is not None:
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._pump is not None:
            self._pump.cancel()
        if self.writer is not None:
            self.writer.close()


async def real_session(*, host: str, profile: str, mpv: str, watch_s: float, timeout_s: float,
                       workdir: Path, mpv_log: bool = False) -> dict[str, Any]:
    """One real player: account, proxy, mpv; returns stream start (ms), stalls and what mpv played.

    With ``mpv_log`` mpv writes its debug log into ``workdir`` and the row also holds its start
    split into network waits and mpv's own time (`loadtest.mpv_log.start_phases`)."""
    upstream = urlsplit(host)
    async with aiohttp.ClientSession() as direct:
        account = await make_account(direct, host=host)
    log_file = workdir / f"mpv-{profile}-{uuid.uuid4().hex[:8]}.log" if mpv_log else None
    player = MpvIpc(mpv=mpv, workdir=workdir, log_file=log_file)
    await player.start()
    try:
        async with ShapingProxy(profile, upstream=(upstream.hostname or "127.0.0.1", upstream.port or 80)) as proxy:
            origin = f"http://127.0.0.1:{proxy.port}"
            await player.send("observe_property", 1, "video-params")
            await player.send("observe_property", 2, "paused-for-cache")
            await player.send("observe_property", 3, "video-bitrate")
            await player.send("observe_property", 4, "playback-time")
            headers = {"Authorization": f"Bearer {account.token}"}
            async with aiohttp.ClientSession(headers=headers) as shaped:
                t0 = time.monotonic()
                async with shaped.post(f"{origin}{API}/stream/playback/start", json={
                        "profile_id": account.profile_id, "content_id": account.content_id,
                        "device_type": "loadtest"}) as resp:
                    session_id = (await resp.json())["session_id"]
                query = urlencode({"profile_id": account.profile_id, "session_id": session_id,
                                   "net": net_hint(profile)})
                async with shaped.get(f"{origin}{API}/stream/{account.content_id}/manifest?{query}") as resp:
                    manifest = await resp.json()
            await player.send("loadfile", via(manifest["steered_url"], origin=origin))
            ladder = {_height(q.get("quality")): float(q["bitrate_kbps"]) for q in manifest.get("qualities", [])
                      if _height(q.get("quality")) and q.get("bitrate_kbps")}
            row = await _watch(player, t0=t0, watch_s=watch_s, timeout_s=timeout_s, kbps_by_height=ladder)
    finally:
        await player.close()
    if log_file is not None:
        row["mpv_log"] = str(log_file)
        try:
            phases = start_phases(log_file.read_text(encoding="utf-8", errors="replace"))
        except (OSError, LogError) as err:
            row["start_phases_error"] = str(err)
        else:
            row["start_cpu_ms"] = round(phases.cpu_s * 1000, 1)
            row["start_net_ms"] = round(phases.network_s * 1000, 1)
    return row


async def _watch(player: MpvIpc, *, t0: float, watch_s: float, timeout_s: float,
                 kbps_by_height: dict[int, float] | None = None) -> dict[str, Any]:
    """Stream start (first ``video-params``), then stalls, switches and bitrate until mpv has played
    ``watch_s`` seconds of media (``playback-time``), as the simulated player plays ``watch_s`` of media.

    ``avg_kbps`` is the ladder bitrate (``kbps_by_height``: the manifest's qualities) of the rendition on
    screen, weighted by media time played — the simulated player's definition (mpv's own
    ``video-bitrate``, video only, when no ladder is given)."""
    first: float | None = None
    stalls, stall_s, stalled_at = 0, 0.0, None
    heights: list[int] = []
    bitrates: list[float] = []
    weighted, played, last_pos = 0.0, 0.0, 0.0
    deadline = t0 + timeout_s
    while time.monotonic() < deadline:
        try:
            event = await asyncio.wait_for(player.events.get(), max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            break
        if event.get("event") == "end-file" and event.get("reason") not in (None, "eof"):
            if first is None:
                return {"stream_start_ms": None, "stalls": stalls, "error": f"mpv end-file: {event.get('reason')}"}
            break
        if event.get("event") == "end-file":
            break
        if event.get("event") != "property-change":
            continue
        name, data = event.get("name"), event.get("data")
        if name == "video-params" and data:
            if first is None:
                first = time.monotonic()
                deadline = first + 4 * watch_s + timeout_s  # bound on the watch, stalls included
            height = int(data.get("h") or 0) if isinstance(data, dict) else 0
            if height and (not heights or heights[-1] != height):
                heights.append(height)
        elif name == "playback-time" and isinstance(data, int | float) and first is not None:
            step = max(0.0, float(data) - last_pos)
            last_pos = max(last_pos, float(data))
            if kbps_by_height and heights and step < 5.0:
                weighted += step * kbps_by_height.get(heights[-1], 0.0)
                played += step
            if last_pos >= watch_s:
                break
        elif name == "video-bitrate" and isinstance(data, int | float) and data > 0 and first is not None:
            bitrates.append(float(data) / 1000)
        elif name == "paused-for-cache" and first is not None:
            if data is True and stalled_at is None:
                stalls += 1
                stalled_at = time.monotonic()
            elif data is False and stalled_at is not None:
                stall_s += time.monotonic() - stalled_at
                stalled_at = None
    if stalled_at is not None:
        stall_s += time.monotonic() - stalled_at
    if first is None:
        return {"stream_start_ms": None, "stalls": stalls, "error": "no first frame before the timeout"}
    if played > 0:
        avg: float | None = round(weighted / played, 1)
    else:
        avg = round(sum(bitrates) / len(bitrates), 1) if bitrates else None
    return {"stream_start_ms": round((first - t0) * 1000, 1), "stalls": stalls, "stall_s": round(stall_s, 3),
            "switches": max(0, len(heights) - 1), "played_s": round(last_pos, 3),
            "watch_wall_s": round(time.monotonic() - first, 3), "avg_kbps": avg, "error": None}


def _urllib_transport(host: str, token_box: dict[str, str]) -> Any:
    def call(method: str, url: str, *, name: str, json: Any = None, context: dict[str, Any] | None = None) -> Reply:
        full = url if url.startswith("http") else f"{host}{url}"
        data = None if json is None else __import__("json").dumps(json).encode()
        req = urllib.request.Request(full, data=data, method=method,  # noqa: S310 (the server under test)
                                     headers={"Authorization": f"Bearer {token_box['token']}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
                return Reply(resp.status, resp.read(), {k.lower(): v for k, v in resp.headers.items()})
        except urllib.error.HTTPError as err:
            return Reply(err.code, err.read(), {})
        except OSError:
            return Reply(0, b"", {})
    return call


def sim_session(*, host: str, profile: str, account: Account, watch_s: float, model: str = "mpv") -> dict[str, Any]:
    """One simulated player (server-steered, as the real one, following player ``model``) on ``profile``:
    stream start (ms), stalls, stall time, switches and average bitrate."""
    link = PacedLink(profile, clock=time.monotonic, sleep=time.sleep)
    starts: list[float] = []
    player = SimulatedPlayer(transport=_urllib_transport(host, {"token": account.token}), link=link,
                             profile_id=account.profile_id, network=profile,
                             config=PlayerConfig(abr="server", watch_s=watch_s, model=model),
                             emit=lambda kind, value, extra: starts.append(value) if kind == "stream_start" else None)
    report = player.play(content_id=account.content_id)
    return {"stream_start_ms": round(starts[0], 1) if starts else None, "stalls": report.stalls,
            "stall_s": round(report.stall_s, 3), "switches": len(report.switches),
            "avg_kbps": None if report.avg_kbps is None else round(report.avg_kbps, 1), "error": report.error}


async def _profile_run(*, host: str, profile: str, count: int, mpv: str, watch_s: float, timeout_s: float,
                       workdir: Path, mpv_log: bool = False, serial: bool = False) -> dict[str, Any]:
    def one() -> Any:
        return real_session(host=host, profile=profile, mpv=mpv, watch_s=watch_s, timeout_s=timeout_s,
                            workdir=workdir, mpv_log=mpv_log)

    if serial:  # one mpv at a time: each real viewer has its own machine, not a share of this one's cores
        real: list[Any] = []
        for _ in range(count):
            real += await asyncio.gather(one(), return_exceptions=True)
    else:
        real = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    real_rows: list[dict[str, Any]] = [r if isinstance(r, dict) else {"stream_start_ms": None, "error": repr(r)}
                                       for r in real]
    async with aiohttp.ClientSession() as session:
        accounts = [await make_account(session, host=host) for _ in range(count)]
    sim_rows = await asyncio.gather(*(asyncio.to_thread(sim_session, host=host, profile=profile, account=a,
                                                        watch_s=watch_s) for a in accounts))
    real_ms: list[float] = [r["stream_start_ms"] for r in real_rows if r.get("stream_start_ms") is not None]
    sim_ms: list[float] = [r["stream_start_ms"] for r in sim_rows if r.get("stream_start_ms") is not None]
    r50, s50 = percentile(real_ms, 50), percentile(sim_ms, 50)
    gap = None if r50 is None or s50 is None else round(r50 - s50, 1)
    return {"real_count": len(real_ms), "real_p50_ms": _r(r50), "real_p95_ms": _r(percentile(real_ms, 95)),
            "sim_count": len(sim_ms), "sim_p50_ms": _r(s50), "sim_p95_ms": _r(percentile(sim_ms, 95)),
            "gap_p50_ms": gap, "gap_pct": _r(100 * gap / r50) if gap is not None and r50 else None,
            "real": real_rows, "sim": sim_rows}


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def run_real_players(*, host: str, count: int, profiles: list[str], out: Path, watch_s: float = 6.0,
                     timeout_s: float = 90.0, mpv: str = "mpv", mpv_log: bool = False,
                     serial: bool = False) -> dict[str, Any]:
    """Run real and simulated players per profile (or schedule); write and return ``OUT/real-players.json``.

    With ``mpv_log`` each real mpv writes its debug log under ``OUT`` and its row holds its start split
    into network waits and CPU time (``start_net_ms``, ``start_cpu_ms``). With ``serial`` the real
    players of a profile run one after another instead of all at once."""
    if shutil.which(mpv) is None:
        raise RealError(f"mpv not found: {mpv}")
    for p in profiles:
        try:
            load_schedule(p)
        except ProfileError as err:
            raise RealError(str(err)) from err
    host = host.rstrip("/")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ott-real-") as tmp:
        async def main() -> dict[str, Any]:
            return {p: await _profile_run(host=host, profile=p, count=max(1, count), mpv=mpv, watch_s=watch_s,
                                          timeout_s=timeout_s, workdir=out if mpv_log else Path(tmp),
                                          mpv_log=mpv_log, serial=serial) for p in profiles}
        try:
            rows = asyncio.run(main())
        except (aiohttp.ClientError, OSError) as err:
            raise RealError(f"cannot reach {host}: {err}") from err
    summary = {"host": host, "count": count, "watch_s": watch_s, "profiles": rows}
    (out / "real-players.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary
