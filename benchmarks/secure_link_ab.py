"""nginx alone: a packaged file served statically vs through deploy/nginx.conf's ``secure_link`` location (#19).

No app runs (the front's upstream is a closed port): the link URL is signed with the app's own
signer, so this isolates what the location costs (regex, MD5 check, alias). One nginx, 2 workers:
``--pairs`` rounds of (static, link, link, static), ``--seconds`` each with wrk (2 threads, 50
connections); variants of the site config: as deployed, without ``open_file_cache``, without the
check. Prints req/s per run, the link ÷ static ratio of the sums and the load average.

    .venv/bin/python benchmarks/secure_link_ab.py [--file video/108p/seg_00002.ts] [--seconds 3] [--pairs 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import ROOT, free_port
from serving import ASSET_ID, LINK_SECRET, nginx_conf, packaged_media, wrk

sys.path.insert(0, str(ROOT))

from server.streaming.signing import Grant, UrlSigner

SID = "6f1d8a52-7a0e-4b8e-9d0c-1c2b3a4d5e6f"
UID = "0b7c1f7e-1111-4e8e-9d0c-1c2b3a4d5e6f"


def variants(site: str) -> dict[str, str]:
    """The configs compared: as deployed, without open_file_cache, without the secure_link check."""
    return {
        "as deployed": site,
        "no open_file_cache": site.replace("open_file_cache max=10000 inactive=30s;", "").replace(
            "open_file_cache_valid 10s;", ""),
        "no check": site.replace('if ($secure_link != "1") {\n            return 403;\n        }', ""),
    }


def main() -> int:
    """Parse arguments, run every variant, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", default="video/108p/seg_00002.ts", help="path inside the bench card")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--media-cache", default=str(Path(tempfile.gettempdir()) / "ott-bench-serving"))
    args = parser.parse_args()
    media = asyncio.run(packaged_media(Path(args.media_cache)))
    directory = args.file.rpartition("/")[0]
    signer = UrlSigner(secret=b"h" * 32, link_secret=LINK_SECRET.encode())
    token = signer.link_token(Grant(session_id=SID, user_id=UID, asset_id=ASSET_ID, scope=f"{directory}/",
                                    expires=int(time.time()) + 3600))
    with tempfile.TemporaryDirectory(prefix="ott-secure-link-ab-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)  # noqa: S103 - nginx's workers read the cache and temp paths
        static_port, front_port = free_port(), free_port()
        conf = nginx_conf(work, project=ROOT, static=static_port, front=front_port, app_port=free_port(), media=media)
        static_url = f"http://127.0.0.1:{static_port}/{ASSET_ID}/{args.file}"
        link_url = f"http://127.0.0.1:{front_port}/media/s/{SID}/{token}/{args.file}"
        print(f"{args.file}: wrk -t2 -c50 -d{args.seconds:g}s, nginx 2 workers; load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        for label, text in variants(conf.read_text(encoding="utf-8")).items():
            conf.write_text(text, encoding="utf-8")
            nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)])
            try:
                time.sleep(1)
                runs: dict[str, list[float]] = {"static": [], "link": []}
                for _ in range(args.pairs):
                    for which, url in (("static", static_url), ("link", link_url), ("link", link_url),
                                       ("static", static_url)):
                        result = wrk(url, seconds=args.seconds, connections=50)
                        if result.errors:
                            raise RuntimeError(f"{which} answered {result.errors} errors")
                        runs[which].append(result.rps)
            finally:
                nginx.terminate()
                nginx.wait()
            print(f"{label:<20} static {[round(x) for x in runs['static']]} link {[round(x) for x in runs['link']]}"
                  f"  link ÷ static {sum(runs['link']) / sum(runs['static']):.2f}  load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
