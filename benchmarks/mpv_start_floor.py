"""Real mpv through the shaping proxy: first frame against the physical floor, stalls and switch latency.

Runs the real server in-process (system PostgreSQL/Redis on 127.0.0.1, a throw-away database),
packages a 60 s 720p test card once (cached under ``--work``), and for each profile starts a fresh
``ott-netem`` shaping proxy and a fresh headless mpv **process** (``--vo=null --ao=null``, JSON IPC,
the options of :mod:`media.mpv_options` unless ``--mpv-defaults``) and plays:

- ``steered``: the manifest's ``steered_url`` (the manifest asked with ``net=<profile>``);
- ``master``: the manifest's ``manifest_url`` exactly as a user would pass it to mpv.

Figures per run: first frame (``loadfile`` → first ``video-params``), the floor (round trips ×
RTT + (playlist bytes + first segment of the start rung) ÷ rate; round trips: connect, each
playlist, the segment), their ratio, bytes the proxy sent down before the first frame, connections
opened, stalls (``paused-for-cache``) in ``--watch`` seconds; and the first frame against the floor of
the bytes mpv actually read before it (same round trips + bytes before the first frame, headers included,
÷ rate): the floor counts the whole first segment, but ffmpeg decodes after its first 32 KiB read, so
with a long first segment the plain ratio can fall below 1 while this one still shows the time lost.
``--switches N`` measures N alternating ``PUT /stream/sessions/{id}/rendition`` → new ``video-params``
height on the 4g link (each PUT at a seeded random point of a segment; ``--switch-phase aligned``: at a
segment boundary, the worst case).
``--tbf`` also plays through a kernel ``tbf`` qdisc in a network namespace the script creates
(needs root; skipped with a message otherwise). A ``--profiles`` entry may be a schedule (``commute``:
4g → 2g → 3g → 4g); its floor and link rate are its first step's. ``--long`` plays the 7-minute title
(the card × 7, stream-copied like ``ott-media samples``' long title) so a schedule changes what is fetched.

    .venv/bin/python benchmarks/mpv_start_floor.py [--profiles 2g,3g,4g,5g]
        [--paths steered,master] [--watch 60] [--switches 10] [--mpv-defaults] [--set name=value ...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import shutil
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _timeline
import aiohttp
import asyncpg
from aiohttp import web

from loadtest.realplayers import MpvIpc
from media.assets import Asset
from media.longform import build_long_asset
from media.mpv_options import cli_args, streaming_options
from media.pipeline import package_asset
from media.testcard import make_testcard
from netem_profiles import Profile, load_profile, load_schedule
from netem_profiles.proxy import LinkEvent, ShapingProxy
from server import keys
from server.app import create_app
from server.settings import Settings
from server.streaming import throughput
from server.streaming.state import session_store

API = "/api/v1"
ASSET_ID = "card60"
LONG_ID = "card60x7"


def link_profile(name: str) -> Profile:
    """The profile ``name`` is, or a schedule's first step (its floor and link rate are the start's)."""
    return load_schedule(name).profile_at(0.0)


@dataclass
class Run:
    """One play: what was measured."""

    profile: str
    path: str
    first_frame_s: float | None = None
    floor_s: float = 0.0
    floor_bytes: int = 0
    floor_trips: int = 0
    bytes_before: int = 0
    connections: int = 0
    stalls: int = 0
    height: int | None = None
    heights: list[int] = field(default_factory=list)
    estimate_kbps: float | None = None
    link_kbps: float = 0.0
    rtt_s: float = 0.0
    error: str | None = None
    timeline: str = ""
    stall_at: list[tuple[float, float]] = field(default_factory=list)  # (start after loadfile, seconds)
    steering: list[str] = field(default_factory=list)  # the server's switches: "t s from → to (reason)"

    @property
    def ratio(self) -> float | None:
        """First frame ÷ floor."""
        return self.first_frame_s / self.floor_s if self.first_frame_s and self.floor_s else None

    @property
    def read_ratio(self) -> float | None:
        """First frame ÷ the floor of what mpv read before it (round trips × RTT + bytes before ÷ rate)."""
        if not self.first_frame_s or not self.link_kbps or not self.bytes_before:
            return None
        return self.first_frame_s / (self.floor_trips * self.rtt_s + self.bytes_before * 8 / (self.link_kbps * 1000))


class Mpv(MpvIpc):
    """A headless mpv process driven over its JSON IPC socket (inside network namespace ``netns`` if given).

    The real-players driver (``loadtest.realplayers.MpvIpc``) with this benchmark's command line:
    ``extra`` options, an optional debug log and network namespace.
    """

    def __init__(self, *, workdir: Path, extra: list[str], log_file: Path | None, netns: str | None = None) -> None:
        """Prepare (not start) mpv with ``extra`` options."""
        super().__init__(mpv="mpv", workdir=workdir)
        self.cmd = [*(["ip", "netns", "exec", netns] if netns else []), "mpv", "--no-config", "--idle=yes",
                    "--vo=null", "--ao=null", "--no-terminal", "--ytdl=no", f"--input-ipc-server={self.ipc}", *extra]
        if log_file is not None:
            self.cmd += [f"--log-file={log_file}", "--msg-level=all=debug"]


@dataclass
class Bench:
    """The running server and one viewer with a title."""

    base: str
    port: int
    app: web.Application
    settings: Settings
    token: str
    user_id: str
    profile_id: str
    content_id: str
    asset: Asset
    args: argparse.Namespace

    @property
    def headers(self) -> dict[str, str]:
        """The viewer's bearer header."""
        return {"Authorization": f"Bearer {self.token}"}

    async def manifest(self, http: aiohttp.ClientSession, **params: str) -> dict[str, Any]:
        """A fresh manifest (new session); the viewer's throughput samples are cleared first."""
        if self.args.forget:
            # (samples_key: the write-time samples of the server before #13, for "before" runs on an old tree)
            log_key = getattr(throughput, "log_key", None) or getattr(throughput, "samples_key")  # noqa: B009
            await self.app[keys.REDIS].delete(log_key(self.settings.redis_namespace, self.user_id))
        async with http.get(f"{self.base}{API}/stream/{self.content_id}/manifest",
                            params={"profile_id": self.profile_id, **params}, headers=self.headers) as resp:
            body: dict[str, Any] = await resp.json()
            if resp.status != 200:
                raise RuntimeError(f"manifest {resp.status}: {body}")
            return body


def via(url: str, port: int, host: str = "127.0.0.1") -> str:
    """``url`` with its origin replaced by the proxy's (or the namespace link's)."""
    from urllib.parse import urlsplit, urlunsplit

    u = urlsplit(url)
    return urlunsplit((u.scheme, f"{host}:{port}", u.path, u.query, u.fragment))


class TbfLink:
    """A veth pair into a network namespace this script creates, shaped by kernel ``tbf`` both ways.

    The server side is ``HOST_IP`` in the root namespace, mpv runs in the namespace. This kernel may
    lack ``netem``, so only the rate is shaped (the round trip is the veth's, ~0).
    """

    HOST_IP, PEER_IP = "10.213.7.1", "10.213.7.2"

    def __init__(self, profile: str) -> None:
        """Plan the link for ``profile`` (rates only)."""
        self.profile = load_profile(profile)
        tag = uuid.uuid4().hex[:6]
        self.netns, self.host_if, self.peer_if = f"ottfloor-{tag}", f"vfl{tag}", f"vfp{tag}"

    @staticmethod
    def _run(*cmd: str) -> None:
        import subprocess

        subprocess.run(cmd, check=True, capture_output=True, text=True)

    def up(self) -> None:
        """Create the namespace, the veth pair, addresses and the two tbf qdiscs (raises when not allowed)."""
        ns, run = self.netns, self._run
        run("ip", "netns", "add", ns)
        run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.peer_if)
        run("ip", "link", "set", self.peer_if, "netns", ns)
        run("ip", "addr", "add", f"{self.HOST_IP}/30", "dev", self.host_if)
        run("ip", "link", "set", self.host_if, "up")
        run("ip", "netns", "exec", ns, "ip", "addr", "add", f"{self.PEER_IP}/30", "dev", self.peer_if)
        run("ip", "netns", "exec", ns, "ip", "link", "set", self.peer_if, "up")
        run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        for prefix, dev, kbps in (((), self.host_if, self.profile.down_kbps),
                                  (("ip", "netns", "exec", ns), self.peer_if, self.profile.up_kbps)):
            run(*prefix, "tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", f"{int(kbps)}kbit",
                "burst", "4kb", "latency", "400ms")

    def tx_bytes(self) -> int:
        """Bytes the server side has sent into the link so far."""
        return int(Path(f"/sys/class/net/{self.host_if}/statistics/tx_bytes").read_text())

    def down(self) -> None:
        """Remove the namespace (and with it the veth pair)."""
        import subprocess

        subprocess.run(["ip", "netns", "del", self.netns], capture_output=True)
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True)


async def body_len(http: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> tuple[int, str]:
    """(bytes, text-or-empty) of ``url`` fetched directly from the server."""
    async with http.get(url, headers=headers) as resp:
        data = await resp.read()
    return len(data), data.decode("utf-8", "replace") if url.split("?")[0].endswith(".m3u8") else ""


async def floor_for(bench: Bench, http: aiohttp.ClientSession, *, path: str, manifest: dict[str, Any],
                    profile: str, tbf: bool = False) -> tuple[float, int, int]:
    """(floor seconds, floor bytes, round trips) for playing ``path`` of ``manifest`` on ``profile``."""
    prof = link_profile(profile)
    rtt_s = 0.0 if tbf else prof.rtt_ms / 1000  # no netem on the tbf link: the veth's round trip
    start = manifest["start"]
    rendition = bench.asset.rendition(start)
    first_seg = bench.args.work / "media" / bench.asset.asset_id / rendition.directory / rendition.segments[0].uri
    seg_bytes = first_seg.stat().st_size
    ua = {"User-Agent": "libmpv"}
    if path == "steered":
        n, _ = await body_len(http, manifest["steered_url"], ua)
        playlists, trips = n, 3  # connect, playlist, segment
    else:
        m, text = await body_len(http, manifest["manifest_url"], ua)
        if "#EXTINF" in text:  # the server answered a player without ABR with the steered playlist itself
            playlists, trips = m, 3  # connect, playlist, segment
        else:
            child = next(line for line in text.splitlines() if line and not line.startswith("#"))
            from urllib.parse import urljoin

            c, _ = await body_len(http, urljoin(manifest["manifest_url"], child), ua)
            playlists, trips = m + c, 4  # connect, master, media playlist, segment
    total = playlists + seg_bytes
    return trips * rtt_s + total * 8 / (prof.down_kbps * 1000), total, trips


async def play(bench: Bench, http: aiohttp.ClientSession, *, profile: str, path: str, extra: list[str],
               watch_s: float, log_file: Path | None, tbf: TbfLink | None = None) -> Run:
    """One fresh proxy (or the tbf link) + mpv playing ``path`` on ``profile``."""
    run = Run(profile=f"{profile} tbf" if tbf else profile, path=path)
    manifest = await bench.manifest(http, **({} if bench.args.no_hint else {"net": link_profile(profile).name}))
    run.link_kbps = link_profile(profile).down_kbps
    run.rtt_s = 0.0 if tbf else link_profile(profile).rtt_ms / 1000
    run.floor_s, run.floor_bytes, run.floor_trips = await floor_for(bench, http, path=path, manifest=manifest,
                                                                    profile=profile, tbf=tbf is not None)
    url = manifest["steered_url"] if path == "steered" else manifest["manifest_url"]
    player = Mpv(workdir=bench.args.work, extra=extra, log_file=log_file, netns=tbf.netns if tbf else None)
    await player.start()
    try:
        async with contextlib.AsyncExitStack() as stack:
            proxy = None if tbf else await stack.enter_async_context(
                ShapingProxy(profile, upstream=("127.0.0.1", bench.port), record=bench.args.timeline))
            sent_before = tbf.tx_bytes() if tbf else 0

            def down_bytes() -> int:
                if proxy is not None:
                    return int(proxy.stats()["down"]["bytes"])
                return tbf.tx_bytes() - sent_before if tbf else 0

            target = via(url, proxy.port) if proxy else via(url, bench.args.tbf_port, TbfLink.HOST_IP)
            await player.send("observe_property", 1, "video-params")
            await player.send("observe_property", 2, "paused-for-cache")
            t0 = time.monotonic()
            await player.send("loadfile", target)
            first: float | None = None
            stalled_at: float | None = None
            wall0 = time.time()
            deadline = t0 + bench.args.timeout
            while True:
                end = (first + watch_s) if first is not None else deadline  # --timeout: the wait for a 1st frame
                left = end - time.monotonic()
                if left <= 0:
                    break
                try:
                    event = await asyncio.wait_for(player.events.get(), left)
                except TimeoutError:
                    break
                if event.get("event") == "end-file":
                    if first is None:
                        run.error = f"end-file {event.get('reason')} {event.get('file_error', '')}"
                    break
                if event.get("event") != "property-change":
                    continue
                data = event.get("data")
                if event.get("name") == "video-params" and data and data.get("h"):
                    run.heights.append(int(data["h"]))
                    if first is None:
                        first = time.monotonic()
                        run.first_frame_s = first - t0
                        run.bytes_before = down_bytes()
                        run.height = int(data["h"])
                elif event.get("name") == "paused-for-cache" and data is True and first is not None:
                    run.stalls += 1
                    stalled_at = time.monotonic()
                elif event.get("name") == "paused-for-cache" and data is False and stalled_at is not None:
                    run.stall_at.append((stalled_at - t0, time.monotonic() - stalled_at))
                    stalled_at = None
            run.connections = int(proxy.stats()["connections"]["total"]) if proxy else -1
            est = await throughput.estimate(bench.app[keys.REDIS], namespace=bench.settings.redis_namespace,
                                            user_id=bench.user_id)
            run.estimate_kbps = est.kbps if est else None
            if stalled_at is not None:
                run.stall_at.append((stalled_at - t0, time.monotonic() - stalled_at))
            for sw in await session_store(bench.app).switches(manifest["session_id"]):
                run.steering.append(f"{sw['at'] - wall0:.1f} s {sw['from']} → {sw['to']} ({sw['reason']})")
            if first is None and run.error is None:
                run.error = "no first frame before the timeout"
            if first is not None and proxy is not None and proxy.events is not None and log_file is not None:
                run.timeline = timeline_text(run, t0=t0, first=first, events=proxy.events, log_file=log_file)
    finally:
        await player.close()
    return run


def timeline_text(run: Run, *, t0: float, first: float, events: list[LinkEvent], log_file: Path) -> str:
    """``--timeline``: the start split into phases beside the floor's terms, and the merged event list."""
    prof = link_profile(run.profile)
    ex = _timeline.exchanges(events)
    steps = _timeline.mpv_steps(log_file.read_text(errors="replace"), t0=t0)
    ph = _timeline.phases(t0=t0, first_frame=first, rtt_s=prof.rtt_ms / 1000, rate_bytes_s=prof.down_kbps * 125,
                          floor_trips=run.floor_trips, floor_bytes=run.floor_bytes, ex=ex, steps=steps)
    return (f"\n{run.profile} {run.path}: first frame {run.first_frame_s or 0:.3f} s, floor {run.floor_s:.3f} s "
            f"({run.floor_trips} round trips + {run.floor_bytes} B)\n\n"
            + _timeline.render(ph, total_s=first - t0, floor_s=run.floor_s) + "\n\n"
            + _timeline.render_steps(steps, ex, t0=t0, until=first) + "\n")


async def switches(bench: Bench, http: aiohttp.ClientSession, *, extra: list[str], count: int,
                   profile: str = "4g", phase: str = "random", seed: int = 1) -> list[float]:
    """Seconds from each ``PUT rendition`` to the new height in ``video-params`` (alternating rungs).

    ``phase``: when each PUT is made after the previous switch reached the screen. ``aligned`` makes it at
    once, i.e. right at a segment boundary, while mpv has just asked for the next segment of the old
    rendition: the worst case, which lands at read-ahead + one whole segment. ``random`` waits a uniform
    0 … one segment duration first (seeded), as a viewer's or a rule's decision falls at any point of a
    segment: the distribution a p95 is about.
    """
    rng = random.Random(seed)
    seg_s = bench.asset.segment_duration
    manifest = await bench.manifest(http, net=profile)
    sid = manifest["session_id"]
    names = [q["quality"] for q in manifest["qualities"]]
    by_h = {q["quality"]: q["height"] for q in manifest["qualities"]}
    low, high = min(names, key=lambda n: by_h[n]), max(names, key=lambda n: by_h[n])
    # the 60 s card is looped; with --long the 7-minute title needs no loop (a looped card can be replayed from
    # mpv's back buffer without a request, so a switch made then is never fetched)
    loop = [] if bench.args.long else ["--loop-file=inf"]
    player = Mpv(workdir=bench.args.work, extra=[*extra, *loop], log_file=None)
    out: list[float] = []
    await player.start()
    try:
        async with ShapingProxy(profile, upstream=("127.0.0.1", bench.port)) as proxy:
            await player.send("observe_property", 1, "video-params")
            await player.send("loadfile", via(manifest["steered_url"], proxy.port))
            current: int | None = None
            target = low
            for _ in range(count + 1):
                if phase == "random" and current is not None:
                    await _drain_for(player, rng.uniform(0.0, seg_s))
                async with http.put(f"{bench.base}{API}/stream/sessions/{sid}/rendition", json={"rendition": target},
                                    headers=bench.headers) as resp:
                    assert resp.status == 200, await resp.text()
                put_at = time.monotonic()
                want = by_h[target]
                while current != want:
                    event = await asyncio.wait_for(player.events.get(), 90)
                    data = event.get("data")
                    if event.get("name") == "video-params" and data and data.get("h"):
                        current = int(data["h"])
                if out or current != by_h[low] or target != low:
                    out.append(time.monotonic() - put_at)
                target = high if target == low else low
    finally:
        await player.close()
    return out[-count:]


async def _drain_for(player: Mpv, seconds: float) -> None:
    """Let ``seconds`` pass while mpv plays, dropping its events (nothing in them is waited for then)."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(player.events.get(), left)


async def asset_for(work: Path, *, long: bool = False) -> Asset:
    """The 60 s 720p card packaged with the default ladder (built once, cached); ``long``: that card played
    7 times (7 minutes, assembled by stream copy as ``ott-media samples`` builds its long title)."""
    src = work / "card60.mp4"
    if not src.exists():
        await make_testcard(src, duration=60, width=1280, height=720)
    (work / "media").mkdir(exist_ok=True)
    card = await package_asset(src, work / "media" / ASSET_ID, title="Test card (60 s)")
    if not long:
        return card
    out = work / "media" / LONG_ID
    if (out / "asset.json").exists():
        return Asset.load(out / "asset.json")
    return await build_long_asset(work / "media" / ASSET_ID, out, repeats=7, asset_id=LONG_ID,
                                  title="Test card (7 min)")


async def bench_server(args: argparse.Namespace, asset: Asset, db_name: str) -> tuple[web.AppRunner, Bench]:
    """Start the server and register a premium viewer with one title."""
    settings = Settings(data_dir=args.work / "data", media_dir=args.work / "media",
                        database_url=args.pg_admin.rsplit("/", 1)[0] + "/" + db_name, redis_url=args.redis,
                        redis_namespace=f"floor{uuid.uuid4().hex[:6]}",
                        url_signing_secret="bench-secret-0123456789",  # noqa: S106 - throw-away server
                        rate_limits_enabled=False, log_json=False, bcrypt_rounds=4)
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    args.tbf_port = 0
    if args.tbf_link is not None:  # the namespace's side of the link reaches the server here
        tbf_site = web.TCPSite(runner, TbfLink.HOST_IP, 0)
        await tbf_site.start()
        args.tbf_port = tbf_site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    app = runner.app
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}{API}/auth/register", json={
                "email": f"floor-{uuid.uuid4().hex[:8]}@example.com", "password": "Sup3r-secret!"}) as resp:
            reg = await resp.json()
        hdr = {"Authorization": f"Bearer {reg['access_token']}"}
        await app[keys.DB].execute("UPDATE users SET subscription_tier = 'premium' WHERE id = $1::uuid",
                                   reg["user_id"])
        async with http.get(f"{base}{API}/auth/profiles", headers=hdr) as resp:
            profile = (await resp.json())["profiles"][0]["id"]
    cid = await app[keys.DB].fetchval(
        "INSERT INTO content (type, title, maturity_rating, workflow_state, tier_requirement, asset_id,"
        " asset_duration_s, published_at) VALUES ('movie', 'Floor', 'U', 'published', 'free', $1, $2, now())"
        " RETURNING id::text", asset.asset_id, round(asset.duration))
    return runner, Bench(base=base, port=port, app=app, settings=settings, token=reg["access_token"],
                         user_id=reg["user_id"], profile_id=profile, content_id=cid, asset=asset, args=args)


def fmt(run: Run, runs: list[Run] | None = None) -> str:
    """One table row: the median run's figures; stalls of every run in ``runs`` (run order)."""
    est = f"{run.estimate_kbps:.0f} kbps ({run.estimate_kbps / run.link_kbps:.2f}× link)" if run.estimate_kbps else "—"
    conns = str(run.connections) if run.connections >= 0 else "—"
    if run.first_frame_s is None:
        return f"| {run.profile} | {run.path} | — ({run.error}) | {run.floor_s:.2f} s | — | — | — | {conns} | — |"
    shown = [h for i, h in enumerate(run.heights) if i == 0 or h != run.heights[i - 1]]
    read = f"{run.read_ratio:.2f}×" if run.read_ratio else "—"
    stalls = ", ".join(str(r.stalls) for r in runs) if runs else str(run.stalls)
    return (f"| {run.profile} | {run.path} | {run.first_frame_s:.2f} s | {run.floor_s:.2f} s | {run.ratio:.2f}× "
            f"| {read} | {run.bytes_before / 1000:.0f} kB ({run.floor_bytes / 1000:.0f} kB) | {conns} "
            f"| {stalls} | {run.height}p | {len(shown) - 1} | {est} |")


async def main() -> None:
    """Package, start the server, measure, print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/ott-bench-floor"))
    parser.add_argument("--profiles", default="2g,3g,4g,5g")
    parser.add_argument("--paths", default="steered,master")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--watch", type=float, default=60.0, help="seconds watched after the first frame")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for the first frame")
    parser.add_argument("--switches", type=int, default=0)
    parser.add_argument("--switch-phase", choices=("random", "aligned"), default="random",
                        help="when each PUT falls: a seeded uniform point in a segment (random), or right as "
                             "the last switch reached the screen, a segment boundary: the worst case (aligned)")
    parser.add_argument("--mpv-defaults", action="store_true", help="plain mpv (no media.mpv_options)")
    parser.add_argument("--set", action="append", default=[], help="extra/override mpv option name=value")
    parser.add_argument("--tbf", default="3g", help="profiles to also play over a kernel tbf link in a netns "
                        "(comma-separated; empty: none)")
    parser.add_argument("--long", action="store_true", help="play the 7-minute title (the card × 7) instead of 60 s")
    parser.add_argument("--no-hint", action="store_true", help="manifest without net= (server auto mode alone)")
    parser.add_argument("--forget", action=argparse.BooleanOptionalAction, default=True,
                        help="clear the viewer's request log before each run (default; --no-forget keeps it)")
    parser.add_argument("--steer-log", action="store_true",
                        help="print each run's stalls and the server's switches with their reasons")
    parser.add_argument("--mpv-log", type=Path, default=None, help="write mpv debug logs here")
    parser.add_argument("--timeline", action="store_true", help="after each run, split its start into phases "
                        "(connects, request → first byte, server, transfer, mpv's own time) beside the floor's "
                        "terms, from the proxy's events and mpv's debug log (to --mpv-log, else under --work)")
    parser.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    if shutil.which("mpv") is None:
        raise SystemExit("mpv not found")
    args.work.mkdir(parents=True, exist_ok=True)
    options = {} if args.mpv_defaults else streaming_options(headless=True)  # mpv runs --vo=null here
    for item in args.set:
        name, _, value = item.partition("=")
        options[name.lstrip("-")] = value
    extra = cli_args(options)
    asset = await asset_for(args.work, long=args.long)
    args.tbf_link = None
    tbf_profiles = [p for p in args.tbf.split(",") if p]
    if tbf_profiles:
        link = TbfLink(tbf_profiles[0])
        try:
            link.up()
            args.tbf_link = link
        except Exception as err:
            link.down()
            print(f"tbf link skipped: cannot create a network namespace with tbf here ({err})")
    db_name = f"ott_floor_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(args.pg_admin)
    await admin.execute(f'CREATE DATABASE "{db_name}"')
    runner: web.AppRunner | None = None
    try:
        runner, bench = await bench_server(args, asset, db_name)
        print(f"mpv options: {' '.join(extra) or '(defaults)'}")
        print("| profile | path | first frame | floor | ratio | ÷ floor of the bytes read | bytes before 1st frame "
              "(floor) | connections | stalls (each run) | start | switches | server estimate |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        timelines: list[str] = []
        async with aiohttp.ClientSession() as http:
            for profile in args.profiles.split(","):
                for path in args.paths.split(","):
                    runs = []
                    for i in range(args.runs):
                        logs = args.mpv_log or (args.work / "timeline" if args.timeline else None)
                        log_file = logs / f"{profile}-{path}-{i}.log" if logs else None
                        if log_file is not None:
                            log_file.parent.mkdir(parents=True, exist_ok=True)
                        runs.append(await play(bench, http, profile=profile, path=path, extra=extra,
                                               watch_s=args.watch, log_file=log_file))
                        if runs[-1].timeline:
                            timelines.append(runs[-1].timeline)
                    ok = [r for r in runs if r.first_frame_s is not None]
                    best = sorted(ok, key=lambda r: r.first_frame_s or 0)[len(ok) // 2] if ok else runs[0]
                    print(fmt(best, runs), flush=True)
                    if args.steer_log:
                        for r in runs:
                            stalls = ", ".join(f"{at:.1f} s for {d:.1f} s" for at, d in r.stall_at) or "none"
                            print(f"    stalls (after loadfile): {stalls}")
                            for line in r.steering:
                                print(f"    {line}")
            for text in timelines:
                print(text, flush=True)
            if args.tbf_link is not None:
                for i, profile in enumerate(tbf_profiles):
                    if i:  # one namespace, re-shaped per profile
                        args.tbf_link.down()
                        args.tbf_link = TbfLink(profile)
                        args.tbf_link.up()
                    for path in args.paths.split(","):
                        print(fmt(await play(bench, http, profile=profile, path=path, extra=extra,
                                             watch_s=args.watch, log_file=None, tbf=args.tbf_link)), flush=True)
            if args.switches:
                lat = await switches(bench, http, extra=extra, count=args.switches, phase=args.switch_phase)
                p95 = statistics.quantiles(lat, n=20, method="inclusive")[-1] if len(lat) > 1 else lat[0]
                print(f"switch latency over {len(lat)} switches (4g, PUT phase {args.switch_phase}): "
                      f"median {statistics.median(lat):.2f} s, p95 {p95:.2f} s, max {max(lat):.2f} s "
                      f"({', '.join(f'{x:.2f}' for x in lat)})")
    finally:
        if runner is not None:
            await runner.cleanup()
        if args.tbf_link is not None:
            args.tbf_link.down()
        await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
