"""`OttUser`: the abstract base of every OTT Lowband Locust user.

On start it takes a network from the mix (its own `PacedLink`: every request it makes is paced to
that profile), logs in with a seeded account (or registers a fresh one) and picks a profile.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import gevent
from locust import FastHttpUser
from locust.exception import StopUser

from loadtest.hooks import next_account, next_network, test_clock_start
from loadtest.link import PacedLink
from loadtest.player import Reply

log = logging.getLogger(__name__)

API = "/api/v1"
PASSWORD = "Load-test-1!"  # noqa: S105  (accounts made by the load test itself)


class OttUser(FastHttpUser):
    """Account + profile + paced link; `call` sends one paced request and returns a `Reply`."""

    abstract = True
    network: str = "unpaced"
    link: PacedLink | None = None
    token: str = ""
    profile_id: str = ""

    def context(self) -> dict[str, Any]:
        """Attached to every request record: the user's network."""
        return {"network": self.network}

    # ------------------------------------------------------------------ requests
    def raw(self, method: str, url: str, *, name: str, json: Any = None,
            context: dict[str, Any] | None = None) -> Reply:
        """One request to the server, unpaced (the `Transport` of the simulated player)."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        resp = self.client.request(method, url, name=name, json=json, headers=headers, context=context or {})
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
    def on_start(self) -> None:
        """Network, login (or register) and profile; a user that cannot log in stops."""
        self.network, schedule = next_network(self.environment)
        self.link = PacedLink(schedule, clock=time.monotonic, sleep=gevent.sleep, start=test_clock_start())
        account = next_account(self.environment)
        if account is not None:
            reply = self.call("POST", f"{API}/auth/login", json=account)
        else:
            email = f"load-{uuid.uuid4().hex[:16]}@example.com"
            reply = self.call("POST", f"{API}/auth/register", json={"email": email, "password": PASSWORD})
        if not reply.ok:
            log.warning("%s could not log in: HTTP %s", type(self).__name__, reply.status)
            raise StopUser()
        self.token = str(reply.json()["access_token"])
        profiles = self.call("GET", f"{API}/auth/profiles")
        if not profiles.ok or not profiles.json().get("profiles"):
            raise StopUser()
        self.profile_id = str(profiles.json()["profiles"][0]["id"])
