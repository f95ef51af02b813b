"""Media serving and API latency, side by side with nginx serving the same files (#19).

Media (wrk, 2 threads, ``--connections`` connections, ``--seconds`` per row, one URL per row):

- **nginx static**: nginx (2 workers) serving the packaged files directly, with the front's server-level
  file-serving and logging settings (sendfile, tcp_nopush, open_file_cache, access_log: ``static_settings``),
  in the same nginx process as the front, so that the two differ only by what the front's locations do:
  the reference;
- **embedded**: the app alone (``ott-server serve``, no nginx), the default deployment;
- **front**: the compose stack's shape: ``deploy/nginx.conf`` (of ``--project``) in front of an app
  with ``OTT_MEDIA_ACCEL_REDIRECT=/protected-media/``.

Rows: a 720p and a 108p segment, the master playlist, the 720p media playlist, the steered
playlist and a steered segment (session pinned to 720p so the reference is the same file). The
static reference for a built playlist is the packaged file of the same kind.

API (``--api-users``): ``ott-load run`` (Locust, India mix, 2 Locust worker processes, spawn 20/s,
``--api-seconds`` each, accounts seeded first) against the embedded app: p50/p95/p99 over the
whole run, spawn included.

Everything runs on 127.0.0.1 against a scratch database on the system PostgreSQL and a fresh Redis
namespace; removed afterwards. ``--project DIR`` measures another checkout (e.g. the commit before
a change: ``git worktree add /tmp/before <sha>``) with this script and this load tool. Run it under
the machine's benchmark lock:

    .venv/bin/python benchmarks/serving.py [--seconds 5] [--api-users 100 200 400]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp
import asyncpg
from _harness import ROOT, free_port, package_card, register_viewer, scratch_database, server_env, start_server, stop

ASSET_ID = "benchcard"
CARD_SECONDS = 12.0
LINK_SECRET = "bench-serving-link-secret-0123456789"  # noqa: S105 - a throwaway bench key


async def packaged_media(cache: Path) -> Path:
    """A media dir with ``benchcard`` (108p + 720p TS renditions), packaged once into ``cache``."""
    return await package_card(cache / "media", asset_id=ASSET_ID, seconds=CARD_SECONDS, renditions=("108p", "720p"),
                              width=1280, height=720, title="Bench card")


# The front's server-level file-serving and logging settings, given to the static reference too (same sendfile,
# tcp_nopush, open_file_cache, access_log...), so that the two differ only by what the front's locations do.
_SERVER_SETTINGS = re.compile(r"^ {4}((?:sendfile|tcp_nopush|tcp_nodelay|open_file_cache\w*|etag|directio"
                              r"|output_buffers|keepalive_\w+|access_log)\s[^;]*;)", re.MULTILINE)


def main_settings(project: Path) -> str:
    """The main-context tuning of ``project``'s compose nginx (deploy/nginx-main.conf: ``pcre_jit``), one line."""
    main = project / "deploy" / "nginx-main.conf"
    text = main.read_text(encoding="utf-8") if main.is_file() else ""
    return " ".join(re.findall(r"^\s*(pcre_jit\s+\w+;)", text, flags=re.MULTILINE))


def static_settings(site: str) -> str:
    """The server-level file-serving and logging directives of ``site`` (a deploy/nginx.conf), one line."""
    return " ".join(_SERVER_SETTINGS.findall(site)) or "sendfile on; tcp_nopush on;"


def nginx_conf(work: Path, *, project: Path, static: int, front: int, app_port: int, media: Path) -> Path:
    """A main config with ``project``'s deploy/nginx.conf on ``front`` and a static server on ``static`` (with the
    front's file-serving and logging settings). Logs go to ``work``, like the playlist cache; the main config
    leaves logging off, so a front that sets none logs nothing (nginx's image logs every request by default)."""
    site = (project / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    for old, new in (("server server:8080;", f"server 127.0.0.1:{app_port};"),
                     ("listen 80;", f"listen 127.0.0.1:{front};"),
                     ("/srv/media/", f"{media}/"), ("/var/cache/nginx/", f"{work}/cache/"),
                     ("/var/log/nginx/", f"{work}/"), ("${OTT_MEDIA_LINK_SECRET}", LINK_SECRET)):
        site = site.replace(old, new)
    static_server_settings = static_settings(site)
    (work / "cache").mkdir(exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""
    conf = work / "nginx.conf"
    conf.write_text(f"""
{user}
worker_processes 2; {main_settings(project)}
daemon off; pid {work}/nginx.pid; error_log {work}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  include /etc/nginx/mime.types;
  access_log off; keepalive_requests 100000;
  client_body_temp_path {work}/body; proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fcgi; uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
  {site}
  server {{
    listen 127.0.0.1:{static};
    {static_server_settings}
    location / {{ root {media}; }}
  }}
}}
""", encoding="utf-8")
    return conf


@dataclass
class WrkResult:
    """One wrk run."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int = 0


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        return float("nan")
    value, unit = float(m[1]), m[2]
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def wrk(url: str, *, seconds: float, connections: int, threads: int = 2, cpu: str | None = None) -> WrkResult:
    """Run wrk on ``url`` (on CPU ``cpu`` only, with taskset, when given); its req/s, p50/p99, requests and
    non-2xx/socket errors."""
    pin = ["taskset", "-c", cpu] if cpu is not None else []
    out = subprocess.run([*pin, "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", url],
                         capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    requests = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out)[1])  # type: ignore[index]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out)[1])  # type: ignore[index]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return WrkResult(rps=rps, p50_ms=p50, p99_ms=p99, errors=errors, requests=requests)


async def wait_front(base: str, *, timeout_s: float = 30) -> None:
    """Wait until nginx on ``base`` passes ``/ready`` through to the app."""
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(f"{base}/ready") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.1)


def on(base: str, url: str) -> str:
    """``url`` re-pointed at ``base`` (a front that drops the port hands out port-80 URLs: #19 defect 2)."""
    parts = urlsplit(url)
    return f"{base}{parts.path}" + (f"?{parts.query}" if parts.query else "")


async def media_urls(base: str, content_id: str) -> dict[str, str]:
    """A session on ``base`` pinned to 720p: the URL of each measured resource."""
    headers, profile, _ = await register_viewer(base)
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.get(f"{base}/api/v1/stream/{content_id}/manifest", params={"profile_id": profile},
                            headers={"Downlink": "10"}) as r:
            body = await r.json()
            assert r.status == 200, body
        async with http.put(f"{base}/api/v1/stream/sessions/{body['session_id']}/rendition",
                            json={"rendition": "720p"}) as r:
            assert r.status == 200, await r.text()
        body["manifest_url"], body["steered_url"] = on(base, body["manifest_url"]), on(base, body["steered_url"])
        urls = {"master playlist": body["manifest_url"], "steered playlist": body["steered_url"]}
        for q in body["qualities"]:
            q["url"] = on(base, q["url"])
            async with http.get(q["url"]) as r:
                text = await r.text()
            seg2 = [line for line in text.splitlines() if line and not line.startswith("#")][1]
            urls[f"{q['quality']} segment"] = urljoin(q["url"], seg2)
            if q["quality"] == "720p":
                urls["720p media playlist"] = q["url"]
        async with http.get(body["steered_url"]) as r:
            text = await r.text()
        urls["steered segment (720p)"] = urljoin(body["steered_url"], [
            line for line in text.splitlines() if line and not line.startswith("#")][1])
    return urls


STATIC_PATHS = {"720p segment": "video/720p/seg_00002.ts", "108p segment": "video/108p/seg_00002.ts",
                "master playlist": "master.m3u8", "720p media playlist": "video/720p/index.m3u8",
                "steered playlist": "video/720p/index.m3u8", "steered segment (720p)": "video/720p/seg_00002.ts"}


async def run_media(args: argparse.Namespace, env: dict[str, str], media: Path, content_id: str,
                    work: Path) -> list[dict[str, object]]:
    """Start the embedded app, the accel app and nginx; wrk every row; stop them."""
    app_port, accel_port, static_port, front_port = free_port(), free_port(), free_port(), free_port()
    procs: list[asyncio.subprocess.Process] = []
    try:
        front_env = {"OTT_MEDIA_ACCEL_REDIRECT": "/protected-media/"}
        if "${OTT_MEDIA_LINK_SECRET}" in (args.project / "deploy" / "nginx.conf").read_text(encoding="utf-8"):
            front_env["OTT_MEDIA_LINK_SECRET"] = LINK_SECRET  # the compose stack's secure_link front
        for port, extra in ((app_port, {}), (accel_port, front_env)):
            procs.append(await start_server({**env, **extra}, port=port, project=args.project))
        conf = nginx_conf(work, project=args.project, static=static_port, front=front_port, app_port=accel_port,
                          media=media)
        procs.append(await asyncio.create_subprocess_exec("nginx", "-c", str(conf), "-p", str(work)))
        await wait_front(f"http://127.0.0.1:{front_port}")
        embedded = await media_urls(f"http://127.0.0.1:{app_port}", content_id)
        front = await media_urls(f"http://127.0.0.1:{front_port}", content_id)
        rows: list[dict[str, object]] = []
        for round_no in range(args.rounds):
            forward = round_no % 2 == 0  # every other round runs rows and columns in the opposite order
            names = list(STATIC_PATHS) if forward else list(reversed(STATIC_PATHS))
            for name in names:
                rel = STATIC_PATHS[name]
                static_url = f"http://127.0.0.1:{static_port}/{ASSET_ID}/{rel}"
                size = (media / ASSET_ID / rel).stat().st_size
                row: dict[str, object] = {"what": name, "bytes": size, "round": round_no + 1}
                columns = [("static", static_url), ("embedded", embedded[name]), ("front", front[name])]
                for label, url in (columns if forward else list(reversed(columns))):
                    found = await asyncio.to_thread(wrk, url if urlsplit(url).scheme else static_url,
                                                    seconds=args.seconds, connections=args.connections)
                    row[label] = found.__dict__
                    await asyncio.sleep(0.5)
                rows.append(row)
        return rows
    finally:
        for p in procs:
            await stop(p)


def _cpu_s(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` so far."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def _children_cpu_s() -> float:
    """User + system CPU seconds of this process's finished children (and theirs): the load tool."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _loadavg() -> str:
    """The machine's 1/5/15-minute load average."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


async def run_api(args: argparse.Namespace, base_env: dict[str, str], work: Path) -> list[dict[str, object]]:
    """``ott-load run`` at each user count against one embedded app process."""
    port = free_port()
    profile = ("-m", "cProfile", "-o", args.profile_api) if args.profile_api else ()
    server = await start_server(base_env, port=port, project=args.project, python_args=profile)
    rows: list[dict[str, object]] = []
    try:
        base = f"http://127.0.0.1:{port}"
        for users in args.api_users:
            out = work / f"load-{users}"
            cmd = [str(Path(sys.executable).parent / "ott-load"), "run", "--host", base, "--users", str(users),
                   "--spawn-rate", "20", "--duration", f"{args.api_seconds:g}s", "--mix", "india",
                   "--seed-accounts", str(users), "--workers", "2", "--out", str(out)]
            server_cpu = _cpu_s(server.pid)
            children_cpu = _children_cpu_s()
            wall = time.monotonic()
            log_path = work / f"load-{users}.log"
            with log_path.open("wb") as log_file:
                proc = await asyncio.create_subprocess_exec(*cmd, stdout=log_file, stderr=asyncio.subprocess.STDOUT)
                await proc.wait()
            wall = time.monotonic() - wall
            cpu = {"wall_s": round(wall, 1), "server_cpu_s": round(_cpu_s(server.pid) - server_cpu, 1),
                   "load_tool_cpu_s": round(_children_cpu_s() - children_cpu, 1), "loadavg": _loadavg()}
            if not (out / "summary.json").is_file():
                tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
                raise RuntimeError(f"ott-load run at {users} users wrote no summary (exit {proc.returncode}):\n"
                                   + "\n".join(tail))
            summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
            api = summary["api"]
            slow = sorted(((k, v) for k, v in summary["endpoints"].items() if k.split(" ", 1)[1].startswith("/api/")),
                          key=lambda kv: -(kv[1]["p95_ms"] or 0))[:3]
            served = api["requests"] + summary["media"]["requests"]  # the load tool's HTTP requests, API + media
            per_request = {"media_requests": summary["media"]["requests"],
                           "server_cpu_ms_per_request": round(1000 * cpu["server_cpu_s"] / max(served, 1), 2),
                           "load_tool_cpu_s_per_1000": round(1000 * cpu["load_tool_cpu_s"] / max(served, 1), 2)}
            rows.append({"users": users, **{k: api[k] for k in ("requests", "failures", "rps", "p50_ms", "p95_ms",
                                                                  "p99_ms")},
                         "slowest": [f"{k} p95 {v['p95_ms']}" for k, v in slow], **cpu, **per_request})
        return rows
    finally:
        server.send_signal(signal.SIGINT)  # aiohttp stops cleanly (and cProfile writes its file)
        await server.wait()


async def run(args: argparse.Namespace) -> int:
    """Set up the database and media, run the parts asked for, print the tables."""
    media = await packaged_media(Path(args.media_cache))
    work = Path(tempfile.mkdtemp(prefix="ott-bench-serving-"))
    os.chmod(work, 0o755)  # noqa: S103 - nginx's workers read the config dir's cache and temp paths
    try:
        async with scratch_database(prefix="ott_bench_serving") as db_url:
            return await _measure(args, db_url=db_url, media=media, work=work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def _measure(args: argparse.Namespace, *, db_url: str, media: Path, work: Path) -> int:
    """Seed the scratch database, point its titles at the bench card, run the parts asked for, print the tables."""
    env = server_env(db_url=db_url, extra={
        "OTT_DATA_DIR": str(work / "data"), "OTT_MEDIA_DIR": str(media),
        "OTT_URL_SIGNING_SECRET": "bench-serving-secret-0123456789", "OTT_CATALOG_TRENDING_INTERVAL_S": "0"})
    seed = await asyncio.create_subprocess_exec(sys.executable, "-m", "server", "seed", "--movies", "40",
                                                "--shows", "5", "--sports", "5",
                                                env={**env, "PYTHONPATH": str(args.project)}, cwd=args.project,
                                                stdout=asyncio.subprocess.DEVNULL)
    if await seed.wait() != 0:
        raise RuntimeError("seeding failed")
    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute("UPDATE content SET asset_id = $1, asset_duration_s = $2 WHERE asset_id IS NOT NULL",
                           ASSET_ID, CARD_SECONDS)
        await conn.execute("UPDATE episodes SET asset_id = $1, asset_duration_s = $2", ASSET_ID, CARD_SECONDS)
        content_id = str(await conn.fetchval(
            "SELECT id::text FROM content WHERE type = 'movie' AND tier_requirement = 'free' "
            "AND workflow_state = 'published' AND asset_id IS NOT NULL ORDER BY title LIMIT 1"))
    finally:
        await conn.close()
    result: dict[str, object] = {"project": str(args.project), "seconds": args.seconds,
                                 "connections": args.connections}
    if args.seconds > 0:
        load_before = _loadavg()
        rows = await run_media(args, env, media, content_id, work)
        result["media"] = rows
        print(f"\nmedia: wrk -t2 -c{args.connections} -d{args.seconds:g}s; nginx 2 workers, sendfile "
              f"(project {args.project}); {args.rounds} round(s), even rounds in the opposite order; "
              f"load average {load_before} before, {_loadavg()} after")
        print(f"{'what':<24}{'bytes':>9}{'rnd':>4}{'static r/s':>12}{'embedded':>10}{'×':>7}{'front':>10}{'×':>7}"
              f"{'p99 st/emb/fr ms':>22}{'errors':>8}")
        for r in sorted(rows, key=lambda r: (list(STATIC_PATHS).index(str(r["what"])), r["round"])):
            st, em, fr = (r[k] for k in ("static", "embedded", "front"))
            assert isinstance(st, dict) and isinstance(em, dict) and isinstance(fr, dict)
            print(f"{r['what']:<24}{r['bytes']:>9}{r['round']:>4}{st['rps']:>12.0f}{em['rps']:>10.0f}"
                  f"{em['rps'] / st['rps']:>7.2f}"
                  f"{fr['rps']:>10.0f}{fr['rps'] / st['rps']:>7.2f}"
                  f"{st['p99_ms']:>8.1f}/{em['p99_ms']:.1f}/{fr['p99_ms']:.1f}"
                  f"{st['errors'] + em['errors'] + fr['errors']:>8}")
    if args.api_users:
        api = await run_api(args, env, work)
        result["api"] = api
        print(f"\nAPI: ott-load run, India mix, spawn 20/s, {args.api_seconds:g} s, 2 Locust workers, one server "
              "process, whole run incl. spawn")
        print(f"{'users':>6}{'requests':>10}{'failures':>10}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for a in api:
            print(f"{a['users']:>6}{a['requests']:>10}{a['failures']:>10}{a['rps']:>8}{a['p50_ms']:>9}"
                  f"{a['p95_ms']:>9}{a['p99_ms']:>9}   slowest: {'; '.join(a['slowest'])}")  # type: ignore[arg-type]
            print(f"{'':>6}CPU over {a['wall_s']} s: server {a['server_cpu_s']} s, load tool (Locust) "
                  f"{a['load_tool_cpu_s']} s; load average {a['loadavg']}; {a['media_requests']} media requests "
                  f"beside the API's; per request (API + media): server {a['server_cpu_ms_per_request']} ms, "
                  f"load tool {a['load_tool_cpu_s_per_1000']} CPU-s per 1,000")
    if args.json:
        await asyncio.to_thread(Path(args.json).write_text, json.dumps(result, indent=1), encoding="utf-8")
    return 0


def main() -> int:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="wrk time per media row and path (0: skip media)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2, help="media rounds (every other one in the opposite order)")
    parser.add_argument("--api-users", type=int, nargs="*", default=[100, 200, 400], help="user counts (none: skip)")
    parser.add_argument("--api-seconds", type=float, default=40.0, help="ott-load run time per user count")
    parser.add_argument("--project", type=Path, default=ROOT, help="checkout whose server and nginx.conf run")
    parser.add_argument("--media-cache", default=str(Path(tempfile.gettempdir()) / "ott-bench-serving"),
                        help="where the packaged bench card is kept between runs")
    parser.add_argument("--json", default=None, help="also write the figures here")
    parser.add_argument("--profile-api", default=None,
                        help="run the API server under cProfile and write its profile here (slows the server)")
    args = parser.parse_args()
    args.project = args.project.resolve()
    if args.profile_api:
        args.profile_api = str(Path(args.profile_api).resolve())
    if shutil.which("wrk") is None and args.seconds > 0:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
