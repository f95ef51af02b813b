"""`OttUser`: the abstract base of every OTT Lowband Locust user.

On start it takes a network from the mix (its own `PacedLink`: every request it makes is paced to
that profile), logs in with a seeded account (or registers a fresh one) and picks a profile. A
network schedule (e.g. 4g → 2g) starts over when the user first presses play (`start_playing`), so
every viewer meets every step at the same point of its playback, whenever it was spawned; the
storm shape's schedule follows the run instead.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from typing import Any
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser
from locust.exception import StopUser

from loadtest.hooks import next_account, next_network, options, test_clock_start
from loadtest.link import PacedLink
from loadtest.player import Reply

log = logging.getLogger(__name__)

API = "/api/v1"
PASSWORD = "Load-test-1!"  # noqa: S105  (accounts made by the load test itself)
#: Bytes read from a socket at a time (geventhttpclient's default, 4 kB, takes ~170 reads, each through the
#: HTTP parser, for one 690 kB segment: ~0.35 ms more client CPU per segment than 64 kB).
READ_BLOCK_BYTES = 64 * 1024
#: A spawned user starts within this many seconds of its spawn, at a random point: Locust's master hands
#: each worker its users once a second and the worker starts them all at the same instant, so "20/s" was
#: 20 logins in the same few milliseconds every second (each 180-280 ms, queued behind the others).
ARRIVAL_SPREAD_S = 1.0


def auth_headers(url: str, token: str) -> dict[str, str]:
    """The app's bearer token for a request to the API; none for anything else (signed media URLs, which
    real players fetch without it: the server would otherwise check the token of every segment)."""
    return {"Authorization": f"Bearer {token}"} if token and urlsplit(url).path.startswith("/api/") else {}


class OttUser(FastHttpUser):
    """Account + profile + paced link; `call` sends one paced request and returns a `Reply`."""

    abstract = True
    network: str = "unpaced"
    link: PacedLink | None = None
    token: str = ""
    profile_id: str = ""
    playing_since: float | None = None  # clock time of the first play command

    def __init__(self, environment: Any) -> None:
        """A Locust user whose HTTP client reads `READ_BLOCK_BYTES` at a time."""
        super().__init__(environment)
        # the user's own geventhttpclient pool (Locust makes one per user); it makes its clients on first use
        self.client.client.clientpool.client_args["block_size"] = READ_BLOCK_BYTES

    def context(self) -> dict[str, Any]:
        """Attached to every request record: the user's network."""
        return {"network": self.network}

    # ------------------------------------------------------------------ requests
    def raw(self, method: str, url: str, *, name: str, json: Any = None,
            context: dict[str, Any] | None = None) -> Reply:
        """One request to the server, unpaced (the `Transport` of the simulated player)."""
        resp = self.client.request(method, url, name=name, json=json, headers=auth_headers(url, self.token),
                                   context=context or {})
        body = resp.content or b""
        return Reply(status=int(resp.status_code or 0), body=body,
                     headers={str(k).lower(): str(v) for k, v in (resp.headers or {}).items()})

    def call(self, method: str, url: str, *, name: str | None = None, json: Any = None) -> Reply:
        """One request paced by the user's link."""
        label = name or url
        if self.link is None:
            return self.raw(method, url, name=label, json=json)
        return self.link.exchange(lambda: self.raw(method, url, name=label, json=json),
                                  size=lambda r: len(r.body)).reply

    # ------------------------------------------------------------------ lifecycle
    def choose_network(self) -> None:
        """Take the next network of the mix and pace every request to it."""
        self.network, schedule = next_network(self.environment)
        self.link = PacedLink(schedule, clock=time.monotonic, sleep=gevent.sleep, start=test_clock_start())

    def start_playing(self) -> None:
        """Called on each play command: the first one starts the link's schedule (not the storm shape's)."""
        if self.link is None or self.playing_since is not None:
            return
        self.playing_since = self.link.clock()
        if options(self.environment).ott_shape != "storm":
            self.link.start_schedule(at=self.playing_since)

    def log_in(self, account: dict[str, str] | None) -> str:
        """Log in with ``account`` (or register a fresh one); the access token. A user that cannot stops."""
        if account is not None:
            reply = self.call("POST", f"{API}/auth/login",
                              json={"email": account["email"], "password": account["password"]})
        else:
            email = f"load-{uuid.uuid4().hex[:16]}@example.com"
            reply = self.call("POST", f"{API}/auth/register", json={"email": email, "password": PASSWORD})
        if not reply.ok:
            log.warning("%s could not log in: HTTP %s", type(self).__name__, reply.status)
            raise StopUser()
        return str(reply.json()["access_token"])

    def first_profile(self) -> str:
        """The id of the account's first profile (every account has one from registration)."""
        profiles = self.call("GET", f"{API}/auth/profiles")
        if not profiles.ok or not profiles.json().get("profiles"):
            raise StopUser()
        return str(profiles.json()["profiles"][0]["id"])

    def arrive(self) -> None:
        """Wait a random part of `ARRIVAL_SPREAD_S`, so the users of one spawn batch arrive spread over it."""
        gevent.sleep(random.uniform(0.0, ARRIVAL_SPREAD_S))

    def on_start(self) -> None:
        """Network, then arrive, login (or register) and profile; a user that cannot log in stops.

        The network is taken before the arrival wait: the mix's round-robin then hands networks out in spawn
        order (Locust interleaves the user classes by weight), as it did before arrivals were spread; taken
        after the random wait, which class landed on which network was a draw (a small mix could leave a
        network without a single viewer)."""
        self.choose_network()
        self.arrive()
        self.token = self.log_in(next_account(self.environment))
        self.profile_id = self.first_profile()


class FreeMovieUser(OttUser):
    """Base of the users that play free movies: lists them at start, reports figures per network."""

    abstract = True
    titles: list[str]

    def on_start(self) -> None:
        """Log in, then list the free movies this profile may play."""
        super().on_start()
        query = urlencode({"type": "movie", "tier": "free", "limit": 50, "profile_id": self.profile_id})
        reply = self.call("GET", f"{API}/catalog/content?{query}", name=f"{API}/catalog/content?[filters]")
        self.titles = [item["id"] for item in reply.json().get("content", [])] if reply.ok else []
        if not self.titles:
            log.warning("no playable titles: seed the catalog (ott-server seed) and package media")
            raise StopUser()

    def emit(self, kind: str, value: float, extra: dict[str, Any]) -> None:
        """A figure as a Locust request event (``name`` is the network, so stats group per profile)."""
        self.environment.events.request.fire(
            request_type=kind, name=self.network, response_time=value, response_length=0, exception=None,
            context={"network": self.network, "profile": self.link.profile_name if self.link else None, **extra})
