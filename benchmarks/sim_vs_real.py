"""Calibration: N real mpv viewers and N simulated viewers (model ``mpv``) on the same server and profiles.

Usage (bounded; run under the bench lock):

    .venv/bin/python benchmarks/sim_vs_real.py [--profiles 2g,3g,4g,5g] [--title card|long]
        [--count 2] [--watch 12] [--host URL] [--write] [--sim-only] [--mpv-log] [--parallel]

Without ``--host`` it starts its own ``ott-server serve`` over the system PostgreSQL/Redis on a
throw-away database, seeded, every title pointing at a 20 s 720p test card (144p/360p/720p), or with
``--title long`` at the long sample title ``testcard-7m`` (the 60 s card, full ladder, played 7 times:
``media.samples``; built once under ``--work``). ``--profiles`` also takes schedules (``commute``).
Per profile, ``ott-load real-players`` runs ``--count`` real headless mpv processes (the options of
`media.mpv_options`) one after another (``--parallel``: all at once), each through its own shaping
proxy, then ``--count`` simulated players (server-steered, player model ``mpv`` of
``loadtest/player_models.toml``) on the same server. Each side plays ``--watch`` seconds of media.
It prints first frame p50/p95, stalls, stalls per minute of media, stall time, switches and average
bitrate (ladder kbps of what was played) for both and the ratio simulated ÷ real. ``--mpv-log`` has
every real mpv write its debug log and prints its start split into network waits and mpv's own
(CPU) time (`loadtest.mpv_log`). ``--write`` stores real ÷ simulated first-frame p50 per profile in
the models file (``first_frame_factor``), shown beside simulated figures by the load report. When
mpv is missing (or ``--sim-only``) only the simulated figures are printed, marked uncalibrated.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import asyncpg
from _harness import fmt, ratio_text

from loadtest.player_models import MODELS_FILE, load_model
from loadtest.realplayers import make_account, run_real_players, sim_session
from loadtest.summary import percentile
from media.ladder import DEFAULT_LADDER
from media.pipeline import package_asset
from media.samples import LONG_ID, LONG_SOURCE, SAMPLES, build_long_sample
from media.testcard import make_testcard
from netem_profiles import list_profiles

PG_ADMIN = os.environ.get("OTT_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("OTT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ASSET_ID = "simcard"
CARD_S = 20.0
BIN = Path(sys.executable).parent
CAL_MARK = "# --- calibration: written by benchmarks/sim_vs_real.py --write ---"


async def _sql(url: str, *statements: tuple[str, tuple[Any, ...]]) -> None:
    """Run SQL statements on ``url``."""
    conn = await asyncpg.connect(url)
    try:
        for sql, args in statements:
            await conn.execute(sql, *args)
    finally:
        await conn.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def long_title(work: Path) -> tuple[str, float]:
    """The long sample title under ``WORK/media`` (built once: the 60 s card packaged, then repeated)."""
    media = work / "media"
    built = media / LONG_ID / "asset.json"
    if built.exists():
        return LONG_ID, float(json.loads(built.read_text(encoding="utf-8"))["duration"])
    media.mkdir(parents=True, exist_ok=True)
    card = next(s for s in SAMPLES if s.asset_id == LONG_SOURCE)

    async def build() -> float:
        src = work / f"{card.asset_id}.mp4"
        if not src.exists():
            await make_testcard(src, duration=card.duration, width=card.width, height=card.height)
        await package_asset(src, media / card.asset_id, asset_id=card.asset_id, title=card.title)
        return float((await build_long_sample(media)).duration)

    return LONG_ID, asyncio.run(build())


@contextlib.contextmanager
def own_server(work: Path, *, title: str = "card") -> Iterator[str]:
    """``ott-server serve`` on a fresh seeded database, titles on a packaged test card (or the long
    title); yields its URL."""
    media = work / "media"
    asset_id, duration = long_title(work) if title == "long" else (ASSET_ID, CARD_S)
    if title != "long" and not (media / ASSET_ID / "master.m3u8").exists():
        media.mkdir(parents=True, exist_ok=True)
        ladder = tuple(r for r in DEFAULT_LADDER if r.name in ("144p", "360p", "720p"))

        async def build() -> None:
            await make_testcard(work / "card.mp4", duration=CARD_S, width=1280, height=720)
            await package_asset(work / "card.mp4", media / ASSET_ID, ladder=ladder, title="Calibration card")

        asyncio.run(build())
    name = f"ott_simreal_{uuid.uuid4().hex[:8]}"
    asyncio.run(_sql(PG_ADMIN, (f'CREATE DATABASE "{name}"', ())))
    db = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    port = _free_port()
    env = {**os.environ, "OTT_DATABASE_URL": db, "OTT_REDIS_URL": REDIS,
           "OTT_REDIS_NAMESPACE": f"sr{uuid.uuid4().hex[:8]}",
           "OTT_MEDIA_DIR": str(media), "OTT_DATA_DIR": str(work), "OTT_PORT": str(port), "OTT_HOST": "127.0.0.1",
           "OTT_RATE_LIMITS_ENABLED": "false", "OTT_BCRYPT_ROUNDS": "4", "OTT_LOG_LEVEL": "WARNING",
           "OTT_URL_SIGNING_SECRET": "sim-vs-real-calibration", "OTT_CATALOG_TRENDING_INTERVAL_S": "0"}
    proc: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run([str(BIN / "ott-server"), "seed", "--movies", "4", "--shows", "1", "--sports", "1"],
                       env=env, capture_output=True, timeout=180, check=True)
        asyncio.run(_sql(db, ("UPDATE content SET asset_id = $1, asset_duration_s = $2 WHERE asset_id IS NOT NULL",
                              (asset_id, duration)),
                         ("UPDATE episodes SET asset_id = $1, asset_duration_s = $2", (asset_id, duration))))
        with (work / "server.log").open("wb") as log:
            proc = subprocess.Popen([str(BIN / "ott-server"), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/ready", timeout=2) as resp:  # noqa: S310 (127.0.0.1)
                    if resp.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("ott-server did not become ready") from None
                time.sleep(0.3)
        yield url
    finally:
        if proc is not None:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
        asyncio.run(_sql(PG_ADMIN, (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', ())))


def sim_only(*, host: str, profiles: list[str], count: int, watch_s: float) -> dict[str, Any]:
    """Simulated players only (no mpv): the same rows as ``run_real_players`` without the real side."""

    async def accounts() -> list[Any]:
        async with aiohttp.ClientSession() as session:
            return [await make_account(session, host=host) for _ in range(count)]

    rows: dict[str, Any] = {}
    for profile in profiles:
        accs = asyncio.run(accounts())

        async def run(accs: list[Any] = accs, profile: str = profile) -> list[dict[str, Any]]:
            return list(await asyncio.gather(*(asyncio.to_thread(sim_session, host=host, profile=profile,
                                                                 account=a, watch_s=watch_s) for a in accs)))

        rows[profile] = {"real": [], "sim": asyncio.run(run())}
    return {"profiles": rows}


def _stats(rows: list[dict[str, Any]], *, watch_s: float) -> dict[str, float | None]:
    """p50/p95 first frame (s), means of stalls, stall time, switches, bitrate over the rows that started,
    stalls per minute of media watched, and the median start CPU time of the real rows that logged it."""
    ok = [r for r in rows if r.get("stream_start_ms") is not None]
    ff = [r["stream_start_ms"] / 1000 for r in ok]

    def mean(key: str) -> float | None:
        values = [float(r[key]) for r in ok if r.get(key) is not None]
        return statistics.fmean(values) if values else None

    stalls = mean("stalls")
    cpu = [float(r["start_cpu_ms"]) for r in ok if r.get("start_cpu_ms") is not None]
    return {"n": len(ok), "p50": percentile(ff, 50), "p95": percentile(ff, 95), "stalls": stalls,
            "per_min": None if stalls is None or watch_s <= 0 else stalls * 60 / watch_s,
            "stall_s": mean("stall_s"), "switches": mean("switches"), "kbps": mean("avg_kbps"),
            "cpu_ms": statistics.median(cpu) if cpu else None}




def render(result: dict[str, Any], *, calibrated: bool, watch_s: float) -> tuple[str, dict[str, float]]:
    """The Markdown table (real / sim and sim ÷ real per figure) and the real ÷ simulated first-frame
    factors per profile."""
    head = ["profile", "n real / sim", "first frame p50 / p95 s real", "sim", "sim ÷ real p50",
            "stalls real / sim", "stalls per min real / sim", "stall s real / sim", "switches real / sim",
            "avg kbps real / sim (÷)", "mpv start CPU ms"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    factors: dict[str, float] = {}
    for profile, row in result["profiles"].items():
        real = _stats(row.get("real", []), watch_s=watch_s)
        sim = _stats(row.get("sim", []), watch_s=watch_s)
        ratio = sim["p50"] / real["p50"] if real["p50"] and sim["p50"] else None
        if ratio:
            factors[profile] = round(1 / ratio, 3)
        mark = "" if calibrated else " (uncalibrated)"
        lines.append(f"| {profile} | {real['n']} / {sim['n']} | {fmt(real['p50'])} / {fmt(real['p95'])} | "
                     f"{fmt(sim['p50'])} / {fmt(sim['p95'])}{mark} | {fmt(ratio)} | "
                     f"{fmt(real['stalls'], '.1f')} / {fmt(sim['stalls'], '.1f')} | "
                     f"{fmt(real['per_min'], '.1f')} / {fmt(sim['per_min'], '.1f')} | "
                     f"{fmt(real['stall_s'], '.1f')} / {fmt(sim['stall_s'], '.1f')} | "
                     f"{fmt(real['switches'], '.1f')} / {fmt(sim['switches'], '.1f')} | "
                     f"{fmt(real['kbps'], '.0f')} / {fmt(sim['kbps'], '.0f')} "
                     f"({ratio_text(sim['kbps'], real['kbps'])}) | "
                     f"{fmt(real['cpu_ms'], '.0f')} |")
    return "\n".join(lines), factors


def write_factors(factors: dict[str, float], *, command: str) -> None:
    """Replace the calibration block of the models file with ``factors`` for model ``mpv``."""
    text = MODELS_FILE.read_text(encoding="utf-8")
    text = text.split(CAL_MARK)[0].rstrip("\n") + "\n\n"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")
    body = "\n".join(f'"{k}" = {v}' for k, v in sorted(factors.items()))
    text += (f"{CAL_MARK}\n# measured {stamp}: .venv/bin/python {command}\n"
             f"[mpv.first_frame_factor]\n{body}\n")
    MODELS_FILE.write_text(text, encoding="utf-8")
    print(f"# wrote first_frame_factor for mpv ({stamp}) to {MODELS_FILE}: {command}")


def main(argv: list[str] | None = None) -> int:
    """Run both sides per profile and print the calibration table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profiles", default="2g,3g,4g,5g")
    parser.add_argument("--count", type=int, default=2, help="viewers per side and profile")
    parser.add_argument("--watch", type=float, default=12.0, help="seconds watched after the first frame")
    parser.add_argument("--timeout", type=float, default=60.0, help="per real player: first frame deadline (s)")
    parser.add_argument("--host", default="", help="a running server (default: start one)")
    parser.add_argument("--work", type=Path, default=None, help="keep the packaged card and server log here")
    parser.add_argument("--sim-only", action="store_true", help="skip real mpv (figures marked uncalibrated)")
    parser.add_argument("--write", action="store_true", help="store the factors in loadtest/player_models.toml")
    parser.add_argument("--title", choices=("card", "long"), default="card",
                        help="card: 20 s 720p card (3 rungs); long: testcard-7m (7 min, full ladder)")
    parser.add_argument("--parallel", action="store_true",
                        help="start a profile's real mpv processes all at once (default: one after another, "
                             "so no mpv's start shares the cores with another's decoding)")
    parser.add_argument("--mpv-log", action="store_true",
                        help="real mpv writes its debug log; print its start CPU time (loadtest.mpv_log)")
    args = parser.parse_args(argv)
    profiles = [p for p in args.profiles.split(",") if p]
    real = not args.sim_only and shutil.which("mpv") is not None
    if not real:
        print("# real mpv unavailable or --sim-only: simulated figures only, uncalibrated", file=sys.stderr)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sim-vs-real-") as tmp, contextlib.ExitStack() as stack:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        host = args.host or stack.enter_context(own_server(work, title=args.title))
        if real:
            result = run_real_players(host=host, count=args.count, profiles=profiles, out=work / "out",
                                      watch_s=args.watch, timeout_s=args.timeout, mpv_log=args.mpv_log,
                                      serial=not args.parallel)
        else:
            result = sim_only(host=host, profiles=profiles, count=args.count, watch_s=args.watch)
    table, factors = render(result, calibrated=real, watch_s=args.watch)
    print(table)
    print(f"\n{args.count} viewer(s) per side and profile, {args.watch:g} s watched, model mpv "
          f"({load_model('mpv').description}); {time.monotonic() - t0:.0f} s")
    if args.write and real and factors:
        factors = {k: v for k, v in factors.items() if k in list_profiles()}  # schedules: no single network
        write_factors(factors, command=" ".join(["benchmarks/sim_vs_real.py", *(argv or sys.argv[1:])]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
