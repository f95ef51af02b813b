"""The Locust users' HTTP client: the app's token goes to the API only, sockets are read in large blocks.

Locust monkey-patches the process it is imported in, so the user runs in a fresh interpreter against a
small gevent server that records what it was sent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import json
from gevent.server import StreamServer
from geventhttpclient.url import URL
from locust.env import Environment
from loadtest.users import Viewer
from loadtest.users.base import READ_BLOCK_BYTES

seen = []
BODY = bytes(range(256)) * 2700  # ~690 kB, a 720p segment

def handle(sock, _addr):
    f = sock.makefile("rb")
    while True:
        line = f.readline()
        if not line:
            return
        headers = {}
        while (h := f.readline()) not in (b"\\r\\n", b""):
            name, _, value = h.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        seen.append({"path": line.split()[1].decode(), "authorization": headers.get("authorization")})
        sock.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(BODY) + BODY)

server = StreamServer(("127.0.0.1", 0), handle)
server.start()
host = f"http://127.0.0.1:{server.server_port}"
Viewer.host = host  # as Locust sets it from --host
user = Viewer(Environment(user_classes=[Viewer], host=host))
user.token = "tok"
api = user.raw("GET", "/api/v1/catalog/genres", name="api")
media = user.raw("GET", f"{host}/media/s/sid/sig/video/720p/seg_00001.ts", name="media")
print(json.dumps({"seen": seen, "bodies": [len(api.body), len(media.body)], "whole": media.body == BODY,
                  "block": user.client.client.clientpool.get_client(URL(host)).block_size,
                  "wanted": READ_BLOCK_BYTES}))
"""


def test_the_token_goes_to_the_api_only_and_bodies_are_read_whole() -> None:
    # Real players (mpv, hls.js) fetch the signed media URLs without the app's bearer token; the simulated
    # one did, which made the server verify a JWT and read the account for every segment.
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True, cwd=ROOT,
                         timeout=60).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found["seen"] == [
        {"path": "/api/v1/catalog/genres", "authorization": "Bearer tok"},
        {"path": "/media/s/sid/sig/video/720p/seg_00001.ts", "authorization": None},
    ]
    assert found["bodies"] == [691200, 691200] and found["whole"]
    assert found["block"] == found["wanted"] >= 64 * 1024


ARRIVAL = """
import json
import gevent
from locust.env import Environment
from loadtest.users import Viewer
from loadtest.users import base

events = []
base.gevent.sleep = lambda s: events.append(("sleep", s))
base.next_account = lambda environment: None
Viewer.host = "http://127.0.0.1:9"
users = [Viewer(Environment(user_classes=[Viewer], host=Viewer.host)) for _ in range(50)]
for user in users:
    user.choose_network = lambda: events.append(("network", None))
    user.log_in = lambda account: events.append(("login", None)) or "tok"
    user.first_profile = lambda: "p"
    base.OttUser.on_start(user)  # what every user does first (the Viewer then lists titles)
print(json.dumps({"events": events, "spread": base.ARRIVAL_SPREAD_S}))
"""


def test_users_of_one_spawn_batch_arrive_spread_over_a_second() -> None:
    # Locust's worker starts a whole spawn batch at one instant (20 logins in the same milliseconds at
    # spawn rate 20/s); each user now waits a random part of a second before its first request.
    out = subprocess.run([sys.executable, "-c", ARRIVAL], capture_output=True, text=True, check=True, cwd=ROOT,
                         timeout=60).stdout
    found = json.loads(out.strip().splitlines()[-1])
    events, spread = found["events"], found["spread"]
    # the wait comes before any request; the network is taken before it, so the mix's networks follow spawn order
    assert [e[0] for e in events] == ["network", "sleep", "login"] * 50
    waits = [e[1] for e in events if e[0] == "sleep"]
    assert all(0 <= w <= spread for w in waits)
    assert min(waits) < spread / 4 and max(waits) > 3 * spread / 4  # spread over the window, not one instant
