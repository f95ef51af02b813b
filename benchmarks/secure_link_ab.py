"""nginx alone: a packaged file served statically vs through deploy/nginx.conf's ``secure_link`` location (#19).

No app runs (the front's upstream is a closed port): the link URL is signed with the app's own
signer, so this isolates what the location costs (regex locations, MD5 check, ``alias`` with
variables, the Cache-Control map). One nginx per variant of the config, 2 workers (the static
reference server in the same nginx, with the front's file-serving settings: ``serving.nginx_conf``);
``--pairs`` rounds of (static, link, link, static), ``--seconds`` each with wrk (2 threads, 50
connections). Besides req/s it counts the CPU time nginx's workers and wrk used per request: on a
shared box req/s follows whatever else runs, CPU per request much less so.

``--pin``: one nginx worker on CPU 0 and one wrk thread on CPU 1 (taskset), so the two do not
take turns on the same core.

    .venv/bin/python benchmarks/secure_link_ab.py [--file video/108p/seg_00002.ts] [--seconds 3] [--pairs 2]
        [--variants "as deployed" "pcre_jit on" ...] [--pin] [--project DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _harness import ROOT, free_port
from serving import ASSET_ID, LINK_SECRET, nginx_conf, packaged_media, wrk

sys.path.insert(0, str(ROOT))

from server.streaming.signing import Grant, UrlSigner

SID = "6f1d8a52-7a0e-4b8e-9d0c-1c2b3a4d5e6f"
UID = "0b7c1f7e-1111-4e8e-9d0c-1c2b3a4d5e6f"
TICK_S = 1 / os.sysconf("SC_CLK_TCK")
# The nginx image's own main config (nginx:1.27, /etc/nginx/nginx.conf) logs every request like this.
IMAGE_LOG_FORMAT = ("log_format main '$remote_addr - $remote_user [$time_local] \"$request\" '"
                    " '$status $body_bytes_sent \"$http_referer\" '"
                    " '\"$http_user_agent\" \"$http_x_forwarded_for\"';")


def _sub(text: str, old: str, new: str) -> str:
    if old not in text:
        raise SystemExit(f"this config has no {old!r}: the variant does not apply")
    return text.replace(old, new)


def _link_location_first(text: str) -> str:
    """The secure_link location moved before the other regex locations (checked first)."""
    block = re.search(r"\n( {4}# A rendition's / audio track's files.*?\n {4}\}\n)", text, re.DOTALL)
    first = text.find("\n    location ~")
    if block is None or first < 0:
        raise SystemExit("this config has no secure_link location to move")
    text = text.replace(block[1], "")
    return text[:first + 1] + block[1] + text[first + 1:]


def _access_log(buffered: bool) -> Callable[[str], str]:
    def apply(text: str) -> str:
        work = re.search(r"pid (\S+)/nginx\.pid;", text)
        assert work is not None
        log = f"access_log {work[1]}/access.log main{' buffer=64k flush=1s' if buffered else ''};"
        return _sub(text, "access_log off;", f"{IMAGE_LOG_FORMAT} {log}")
    return apply


def _static_without_open_file_cache(text: str) -> str:
    """The static reference (the main config's last server) without open_file_cache, as serving.py had it."""
    i = text.rindex("  server {")
    return text[:i] + re.sub(r"open_file_cache\w* [^;]*; ?", "", text[i:])


def _no_access_log(text: str) -> str:
    """The front's own access_log (and the static reference's copy of it) switched off."""
    found = re.search(r"access_log /\S+ ott_front[^;]*;", text)
    if found is None:
        raise SystemExit("this config sets no ott_front access log: the variant does not apply")
    return text.replace(found[0], "access_log off;")


VARIANTS: dict[str, Callable[[str], str]] = {
    "as deployed": lambda t: t,
    "no open_file_cache": lambda t: t.replace("open_file_cache max=10000 inactive=30s;", "").replace(
        "open_file_cache_valid 10s;", ""),
    "no check": lambda t: _sub(t, 'if ($secure_link != "1") {\n            return 403;\n        }', ""),
    "pcre_jit on": lambda t: _sub(t, "worker_processes", "pcre_jit on; worker_processes"),
    "no Cache-Control map": lambda t: _sub(t, "add_header Cache-Control $ott_media_cache_control;", ""),
    "link location first": _link_location_first,
    "image access log": _access_log(buffered=False),
    "image access log, buffered": _access_log(buffered=True),
    "static without open_file_cache": _static_without_open_file_cache,
    "unbuffered access log": lambda t: _sub(t, " buffer=4k flush=1s;", ";"),
    "no access log": _no_access_log,
}


def _nginx_cpu_s(master: int) -> float:
    """User + system CPU seconds of ``master``'s worker processes so far."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text(encoding="ascii")
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if int(fields[1]) == master:  # ppid
            total += (int(fields[11]) + int(fields[12])) * TICK_S  # utime, stime
    return total


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    """Parse arguments, run every variant, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", default="video/108p/seg_00002.ts", help="path inside the bench card")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--variants", nargs="+", default=["as deployed", "no open_file_cache", "no check"],
                        help=f"any of {', '.join(repr(v) for v in VARIANTS)}, or several joined by '+'")
    parser.add_argument("--verbose", action="store_true", help="also print nginx's CPU per request of every run")
    parser.add_argument("--pin", action="store_true", help="1 nginx worker on CPU 0, 1 wrk thread on CPU 1")
    parser.add_argument("--project", type=Path, default=ROOT, help="checkout whose deploy/nginx.conf is measured")
    parser.add_argument("--media-cache", default=str(Path(tempfile.gettempdir()) / "ott-bench-serving"))
    args = parser.parse_args()
    for label in args.variants:
        if unknown := [v for v in label.split("+") if v not in VARIANTS]:
            parser.error(f"unknown variant(s) {unknown}")
    media = asyncio.run(packaged_media(Path(args.media_cache)))
    directory = args.file.rpartition("/")[0]
    signer = UrlSigner(secret=b"h" * 32, link_secret=LINK_SECRET.encode())
    token = signer.link_token(Grant(session_id=SID, user_id=UID, asset_id=ASSET_ID, scope=f"{directory}/",
                                    expires=int(time.time()) + 3600))
    threads, wrk_cpu = (1, "1") if args.pin else (2, None)
    with tempfile.TemporaryDirectory(prefix="ott-secure-link-ab-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)  # noqa: S103 - nginx's workers read the cache and temp paths
        static_port, front_port = free_port(), free_port()
        conf = nginx_conf(work, project=args.project.resolve(), static=static_port, front=front_port,
                          app_port=free_port(), media=media)
        base = conf.read_text(encoding="utf-8")
        if args.pin:
            base = _sub(base, "worker_processes 2;", "worker_processes 1; worker_cpu_affinity 01;")
        static_url = f"http://127.0.0.1:{static_port}/{ASSET_ID}/{args.file}"
        link_url = f"http://127.0.0.1:{front_port}/media/s/{SID}/{token}/{args.file}"
        print(f"{args.file} ({(media / ASSET_ID / args.file).stat().st_size} bytes): wrk -t{threads} -c50 "
              f"-d{args.seconds:g}s, nginx {'1 worker on CPU 0, wrk on CPU 1' if args.pin else '2 workers'}; "
              f"{args.pairs} x (static, link, link, static); load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; project {args.project}")
        print(f"{'variant':<28}{'static r/s':>11}{'link r/s':>10}{'÷':>6}{'nginx µs/req st/link':>22}{'÷':>6}"
              f"{'wrk µs/req st/link':>20}{'load':>6}")
        for label in args.variants:
            text = base
            for part in label.split("+"):
                text = VARIANTS[part](text)
            conf.write_text(text, encoding="utf-8")
            nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)])
            try:
                time.sleep(1)
                for url in (static_url, link_url):  # warm: open_file_cache, connections
                    wrk(url, seconds=1, connections=50, threads=threads, cpu=wrk_cpu)
                totals = {which: {"requests": 0, "seconds": 0.0, "nginx_s": 0.0, "wrk_s": 0.0}
                          for which in ("static", "link")}
                per_run: dict[str, list[float]] = {"static": [], "link": []}
                for _ in range(args.pairs):
                    for which, url in (("static", static_url), ("link", link_url), ("link", link_url),
                                       ("static", static_url)):
                        nginx_before, wrk_before = _nginx_cpu_s(nginx.pid), _children_cpu_s()
                        result = wrk(url, seconds=args.seconds, connections=50, threads=threads, cpu=wrk_cpu)
                        if result.errors:
                            raise RuntimeError(f"{which} answered {result.errors} errors")
                        t = totals[which]
                        t["requests"] += result.requests
                        t["seconds"] += result.requests / result.rps
                        t["nginx_s"] += _nginx_cpu_s(nginx.pid) - nginx_before
                        t["wrk_s"] += _children_cpu_s() - wrk_before
                        per_run[which].append((_nginx_cpu_s(nginx.pid) - nginx_before) / result.requests * 1e6)
            finally:
                nginx.terminate()
                nginx.wait()
            rps = {k: v["requests"] / v["seconds"] for k, v in totals.items()}
            us = {k: {c: v[c] / v["requests"] * 1e6 for c in ("nginx_s", "wrk_s")} for k, v in totals.items()}
            print(f"{label:<28}{rps['static']:>11.0f}{rps['link']:>10.0f}{rps['link'] / rps['static']:>6.2f}"
                  f"{us['static']['nginx_s']:>13.1f} / {us['link']['nginx_s']:<6.1f}"
                  f"{us['link']['nginx_s'] / us['static']['nginx_s']:>6.2f}"
                  f"{us['static']['wrk_s']:>11.1f} / {us['link']['wrk_s']:<6.1f}{os.getloadavg()[0]:>6.1f}")
            if args.verbose:
                print(f"{'':<28}nginx µs/req per run: static {' '.join(f'{x:.1f}' for x in per_run['static'])}; "
                      f"link {' '.join(f'{x:.1f}' for x in per_run['link'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
