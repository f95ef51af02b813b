"""Calibration of player model ``hls.js`` (#14): the real hls.js (npm, default config) in headless Chromium
against the simulated viewer (model ``hls.js``), on the same server, title and shaping proxy.

Usage (bounded; run under the bench lock; not a test):

    .venv/bin/python benchmarks/hlsjs_calibrate.py [--profiles 2g,3g,4g] [--count 2] [--watch 40]
        [--hlsjs DIR] [--work DIR] [--media DIR] [--json FILE]

Needs ``chromium`` (Debian's, with H.264/AAC through its ffmpeg) and hls.js installed by npm into
``--hlsjs`` (default ``/tmp/hlsjs14-npm``: ``npm install hls.js`` there); when either is missing it says
so and exits 0 without measuring. It starts ``ott-server serve`` the way ``benchmarks/sim_vs_real.py``
does (``--title long``: the long sample title; ``--media DIR`` reuses an already packaged media folder
holding ``testcard-7m``). Per profile and viewer: a shaping proxy (``netem_profiles.ShapingProxy``, the
proxy of ``ott-netem proxy``) in front of the server, a page on 127.0.0.1 that loads hls.js with its
defaults (``new Hls()``) in headless Chromium, does the play command (playback/start, manifest) through
the proxy and plays the master playlist (full ladder: Chromium's User-Agent is not Lavf/mpv), for
``--watch`` seconds of media. The page records hls.js's events (requests in order, levels, buffered
fragments), the first frame (``requestVideoFrameCallback``, else ``playing``), stalls (``waiting``),
forward buffer over time; the proxy counts connections (before the first frame and in all). Then
``--count`` simulated viewers (model ``hls.js``, client ABR on the master, as hls.js) play the same
title on the same profile. Prints per profile real vs simulated with ratios, and what the model's fields
would be from the measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
import sim_vs_real
from _harness import fmt, ratio_text
from aiohttp import web

from loadtest.link import PacedLink
from loadtest.player import PlayerConfig, SimulatedPlayer
from loadtest.player_models import load_model
from loadtest.realplayers import _urllib_transport, make_account, net_hint
from loadtest.summary import percentile
from media.samples import LONG_ID
from netem_profiles import ShapingProxy

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")

PAGE = """<!doctype html><html><body><video id="v" muted playsinline></video>
<script src="/hls.js"></script><script>
const P = new URLSearchParams(location.search);
const origin = P.get('origin'), token = P.get('token'), watch = parseFloat(P.get('watch'));
const T = () => performance.now();
const log = [], buf = [], stalls = [];
let t0 = T(), first = null, firstLevel = null, bufferedAtFirst = 0, connAtFirst = null, stallAt = null;
const out = {log, buf, stalls};
const send = (path, body) => fetch(path, {method: 'POST', body: JSON.stringify(body)});
function via(u) { const x = new URL(u, origin); const o = new URL(origin);
  x.protocol = o.protocol; x.host = o.host; return x.href; }
async function main() {
  const h = {'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json'};
  const st = await (await fetch(origin + '/api/v1/stream/playback/start', {method: 'POST', headers: h,
    body: JSON.stringify({profile_id: P.get('profile'), content_id: P.get('content'), device_type: 'web'})})).json();
  const q = new URLSearchParams({profile_id: P.get('profile'), session_id: st.session_id, net: P.get('net')});
  const m = await (await fetch(origin + '/api/v1/stream/' + P.get('content') + '/manifest?' + q, {headers: h})).json();
  out.api_ms = T() - t0;
  const video = document.getElementById('v');
  const hls = new Hls();
  out.config = {maxBufferLength: hls.config.maxBufferLength, maxMaxBufferLength: hls.config.maxMaxBufferLength,
                maxBufferSize: hls.config.maxBufferSize, startLevel: hls.config.startLevel,
                abrEwmaDefaultEstimate: hls.config.abrEwmaDefaultEstimate, version: Hls.version};
  const E = Hls.Events;
  const rec = (ev, d) => log.push(Object.assign({t: T() - t0, ev: ev}, d));
  hls.on(E.MANIFEST_LOADING, (e, d) => rec('manifest', {url: d.url}));
  hls.on(E.MANIFEST_PARSED, (e, d) => { out.levels = d.levels.map(l => ({h: l.height,
    kbps: (l.averageBitrate || l.bitrate) / 1000}));
    out.first_level = d.firstLevel; rec('parsed', {first_level: d.firstLevel}); video.play().catch(() => {}); });
  hls.on(E.LEVEL_LOADING, (e, d) => rec('level_playlist', {url: d.url, level: d.level}));
  hls.on(E.AUDIO_TRACK_LOADING, (e, d) => rec('audio_playlist', {url: d.url}));
  hls.on(E.SUBTITLE_TRACK_LOADING, (e, d) => rec('subtitle_playlist', {url: d.url}));
  hls.on(E.FRAG_LOADING, (e, d) => rec('frag_loading', {type: d.frag.type, level: d.frag.level, sn: d.frag.sn,
    url: d.frag.url}));
  hls.on(E.FRAG_LOADED, (e, d) => rec('frag_loaded', {type: d.frag.type, level: d.frag.level, sn: d.frag.sn,
    bytes: d.frag.stats.total, dur: d.frag.duration}));
  hls.on(E.FRAG_BUFFERED, (e, d) => rec('frag_buffered', {type: d.frag.type, level: d.frag.level, sn: d.frag.sn}));
  hls.on(E.LEVEL_SWITCHING, (e, d) => rec('level_switching', {level: d.level}));
  hls.on(E.LEVEL_SWITCHED, (e, d) => rec('level_switched', {level: d.level}));
  hls.on(E.ERROR, (e, d) => rec('error', {type: d.type, details: d.details, fatal: d.fatal}));
  const firstFrame = () => { if (first === null) { first = T() - t0; out.first_frame_ms = first;
    out.first_frame_level = hls.currentLevel; out.first_frame_buffer_s = ahead(video);
    send('/event', {kind: 'first'}); } };
  if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(firstFrame);
  video.addEventListener('playing', () => { if (stallAt !== null) { stalls.push([stallAt, T() - t0]); stallAt = null; }
    if (!video.requestVideoFrameCallback) firstFrame(); });
  video.addEventListener('waiting', () => { if (first !== null && stallAt === null) stallAt = T() - t0; });
  hls.attachMedia(video);
  hls.loadSource(via(m.manifest_url));
  const timer = setInterval(() => {
    buf.push([Math.round(T() - t0), video.currentTime, ahead(video)]);
    if (video.currentTime >= watch || T() - t0 > 240000) {
      clearInterval(timer); out.played_s = video.currentTime; out.levels_played = hls.levels.length;
      hls.destroy(); send('/result', out);
    }
  }, 250);
}
function ahead(v) { for (let i = 0; i < v.buffered.length; i++) { if (v.buffered.start(i) <= v.currentTime + 0.1
  && v.buffered.end(i) >= v.currentTime) return v.buffered.end(i) - v.currentTime; } return 0; }
main().catch(e => send('/result', {error: String(e)}));
</script></body></html>
"""


def find_chromium() -> str | None:
    """The Chromium binary on PATH, or None."""
    return next((p for p in (shutil.which(n) for n in CHROMIUM) if p), None)


async def real_hlsjs(*, host: str, profile: str, chromium: str, hlsjs: Path, watch_s: float,
                     profile_dir: Path) -> dict[str, Any]:
    """One real hls.js viewer in headless Chromium through a shaping proxy on ``profile``."""
    upstream = host.rsplit(":", 1)
    async with aiohttp.ClientSession() as direct:
        account = await make_account(direct, host=host)
    done: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    marks: dict[str, int] = {}
    async with ShapingProxy(profile, upstream=(upstream[0].split("//")[1], int(upstream[1]))) as proxy:

        async def page(_: web.Request) -> web.Response:
            return web.Response(text=PAGE, content_type="text/html")

        async def script(_: web.Request) -> web.FileResponse:
            return web.FileResponse(hlsjs / "node_modules" / "hls.js" / "dist" / "hls.js")

        async def event(request: web.Request) -> web.Response:
            body = json.loads(await request.text())
            marks[body["kind"]] = proxy.total
            return web.Response(text="ok")

        async def result(request: web.Request) -> web.Response:
            if not done.done():
                done.set_result(json.loads(await request.text()))
            return web.Response(text="ok")

        app = web.Application()
        app.add_routes([web.get("/", page), web.get("/hls.js", script), web.post("/event", event),
                        web.post("/result", result)])
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        params = {"origin": f"http://127.0.0.1:{proxy.port}", "token": account.token, "watch": str(watch_s),
                  "profile": account.profile_id, "content": account.content_id, "net": net_hint(profile)}
        url = f"http://127.0.0.1:{port}/?{urlencode(params)}"
        proc = await asyncio.create_subprocess_exec(
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--mute-audio", "--no-first-run",
            "--autoplay-policy=no-user-gesture-required", "--disable-web-security",
            f"--user-data-dir={profile_dir}", "--remote-debugging-port=0", url,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            row = await asyncio.wait_for(done, timeout=watch_s + 240)
        finally:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), timeout=10)
            except TimeoutError:
                proc.kill()
            await runner.cleanup()
        row["connections_before_first_frame"] = marks.get("first")
        row["connections"] = proxy.total
    return row


def summarise_real(row: dict[str, Any]) -> dict[str, Any]:
    """Figures of one real viewer: first frame, requests before it, start level, buffer, stalls, switches."""
    if row.get("error") or row.get("first_frame_ms") is None:
        return {"error": row.get("error") or "no first frame"}
    first = row["first_frame_ms"]
    before = [e for e in row["log"] if e["t"] <= first]
    reqs = [e for e in before if e["ev"] in ("manifest", "level_playlist", "audio_playlist", "subtitle_playlist",
                                              "frag_loading")]
    levels = row.get("levels", [])
    main_frags = [e for e in row["log"] if e["ev"] == "frag_loading" and e.get("type") == "main"]
    start_level = main_frags[0]["level"] if main_frags else None
    switched = [e["level"] for e in row["log"] if e["ev"] == "level_switched"]
    switches = sum(1 for a, b in itertools.pairwise(switched) if a != b)
    buffered_before = sum(1 for e in before if e["ev"] == "frag_buffered" and e.get("type") == "main")
    kbps = [levels[e["level"]]["kbps"] for e in row["log"] if e["ev"] == "frag_buffered" and e.get("type") == "main"
            and e.get("level") is not None and e["level"] < len(levels)]
    return {"first_frame_ms": first, "api_ms": row.get("api_ms"),
            "requests_before_first_frame": [_req(e) for e in reqs],
            "main_frags_buffered_before_first_frame": buffered_before,
            "start_level": None if start_level is None else f"{levels[start_level]['h']}p",
            "first_level_parsed": row.get("first_level"), "max_buffer_s": max((b[2] for b in row["buf"]), default=0.0),
            "stalls": len(row["stalls"]), "stall_s": sum(b - a for a, b in row["stalls"]) / 1000,
            "switches": switches, "avg_kbps": statistics.fmean(kbps) if kbps else None,
            "connections_before_first_frame": row.get("connections_before_first_frame"),
            "connections": row.get("connections"), "config": row.get("config"), "played_s": row.get("played_s")}


def _req(e: dict[str, Any]) -> str:
    url = str(e.get("url", "")).split("?")[0].rsplit("/media/", 1)[-1]
    return f"{e['t'] / 1000:.2f}s {e['ev']} {url}"


def sim_hlsjs(*, host: str, profile: str, watch_s: float) -> dict[str, Any]:
    """One simulated viewer, model ``hls.js``, client ABR on the master (as hls.js), on ``profile``."""

    async def acc() -> Any:
        async with aiohttp.ClientSession() as session:
            return await make_account(session, host=host)

    account = asyncio.run(acc())
    link = PacedLink(profile, clock=time.monotonic, sleep=time.sleep)
    starts: list[tuple[float, dict[str, Any]]] = []
    player = SimulatedPlayer(transport=_urllib_transport(host, {"token": account.token}), link=link,
                             profile_id=account.profile_id, network=profile,
                             config=PlayerConfig(abr="client", watch_s=watch_s, model="hls.js"),
                             emit=lambda kind, value, extra: starts.append((value, extra))
                             if kind == "stream_start" else None)
    report = player.play(content_id=account.content_id)
    return {"first_frame_ms": starts[0][0] if starts else None,
            "start_level": starts[0][1].get("rendition") if starts else None, "stalls": report.stalls,
            "stall_s": report.stall_s, "switches": len(report.switches), "avg_kbps": report.avg_kbps,
            "error": report.error}


def _med(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [float(r[key]) for r in rows if r.get(key) is not None]
    return statistics.median(values) if values else None




def render(results: dict[str, dict[str, list[dict[str, Any]]]]) -> str:
    """The Markdown table: real hls.js vs simulated (model ``hls.js``) per profile, with ratios."""
    head = ["profile", "n real / sim", "first frame p50 s real / sim (÷)", "start level real / sim",
            "requests before first frame (real)", "conns before first frame / total (real)",
            "max buffer s real", "stalls real / sim", "switches real / sim", "avg kbps real / sim (÷)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for profile, sides in results.items():
        real = [r for r in sides["real"] if not r.get("error")]
        sim = [r for r in sides["sim"] if r.get("first_frame_ms") is not None]
        r50 = percentile([r["first_frame_ms"] / 1000 for r in real], 50)
        s50 = percentile([r["first_frame_ms"] / 1000 for r in sim], 50)
        nreq = _med(real, "n_requests")
        lines.append(
            f"| {profile} | {len(real)} / {len(sim)} | {fmt(r50)} / {fmt(s50)} ({ratio_text(s50, r50)}) | "
            f"{'/'.join(sorted({str(r.get('start_level')) for r in real})) or '—'} / "
            f"{'/'.join(sorted({str(r.get('start_level')) for r in sim})) or '—'} | {fmt(nreq, '.0f')} | "
            f"{fmt(_med(real, 'connections_before_first_frame'), '.0f')} / {fmt(_med(real, 'connections'), '.0f')} | "
            f"{fmt(_med(real, 'max_buffer_s'), '.1f')} | {fmt(_med(real, 'stalls'), '.1f')} / "
            f"{fmt(_med(sim, 'stalls'), '.1f')} | "
            f"{fmt(_med(real, 'switches'), '.1f')} / {fmt(_med(sim, 'switches'), '.1f')} | "
            f"{fmt(_med(real, 'avg_kbps'), '.0f')} / {fmt(_med(sim, 'avg_kbps'), '.0f')} "
            f"({ratio_text(_med(sim, 'avg_kbps'), _med(real, 'avg_kbps'))}) |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure real hls.js and the simulated model per profile and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profiles", default="2g,3g,4g")
    parser.add_argument("--count", type=int, default=2, help="viewers per side and profile")
    parser.add_argument("--watch", type=float, default=40.0, help="media seconds played")
    parser.add_argument("--hlsjs", type=Path, default=Path("/tmp/hlsjs14-npm"),
                        help="folder where `npm install hls.js` was run")
    parser.add_argument("--work", type=Path, default=None, help="server work folder (kept)")
    parser.add_argument("--media", type=Path, default=None,
                        help="an already packaged media folder holding testcard-7m (skips packaging)")
    parser.add_argument("--json", type=Path, default=None, help="write every row here")
    parser.add_argument("--sim-only", action="store_true", help="only the simulated viewers (no browser)")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None and not args.sim_only:
        print("# skipped: no chromium on PATH (apt-get install chromium)")
        return 0
    if not args.sim_only and not (args.hlsjs / "node_modules" / "hls.js" / "dist" / "hls.js").exists():
        print(f"# skipped: hls.js not installed in {args.hlsjs} (cd there && npm install hls.js)"
              + ("" if shutil.which("npm") else "; npm is missing"))
        return 0
    profiles = [p for p in args.profiles.split(",") if p]
    t0 = time.monotonic()
    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    raw: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hlsjs-cal-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if args.media is not None:
            duration = json.loads((args.media / LONG_ID / "asset.json").read_text())["duration"]
            if not (work / "media").exists():
                os.symlink(args.media.resolve(), work / "media")
            sim_vs_real.long_title = lambda _work: (LONG_ID, float(duration))  # type: ignore[assignment]
        with sim_vs_real.own_server(work, title="long") as host:
            for profile in profiles:
                real_rows = []
                for i in range(0 if args.sim_only else args.count):
                    row = asyncio.run(real_hlsjs(host=host, profile=profile, chromium=str(chromium), hlsjs=args.hlsjs,
                                                 watch_s=args.watch, profile_dir=Path(tmp) / f"chr-{profile}-{i}"))
                    raw.setdefault(profile, []).append(row)
                    s = summarise_real(row)
                    s["n_requests"] = len(s.get("requests_before_first_frame", []))
                    real_rows.append(s)
                    print(f"# real {profile} #{i}: " + json.dumps(s, default=str), flush=True)
                sim_rows = [sim_hlsjs(host=host, profile=profile, watch_s=args.watch) for _ in range(args.count)]
                for s in sim_rows:
                    print(f"# sim  {profile}: " + json.dumps(s, default=str), flush=True)
                results[profile] = {"real": real_rows, "sim": sim_rows}
    if args.json:
        args.json.write_text(json.dumps({"raw": raw, "results": results}, indent=1, default=str))
    print(render(results))
    versions = {str(r["config"].get("version")) for rows in results.values() for r in rows["real"] if r.get("config")}
    print(f"\n{args.count} viewer(s) per side and profile, {args.watch:g} s of media, hls.js "
          f"{'/'.join(sorted(versions)) or '(not run)'} in {chromium}; "
          f"model hls.js ({load_model('hls.js').description}); {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
