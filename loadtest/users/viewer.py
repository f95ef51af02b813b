"""`Viewer`: browses to a title and plays it with the simulated HLS player (see `loadtest.player`)."""

from __future__ import annotations

import logging
import random
from typing import Any
from urllib.parse import urlencode

from locust import between, task
from locust.exception import StopUser

from loadtest.hooks import options
from loadtest.player import PlayerConfig, SimulatedPlayer
from loadtest.users.base import API, OttUser

log = logging.getLogger(__name__)


class Viewer(OttUser):
    """A viewer on a network from the mix: play a free title at real-time pace, then another."""

    weight = 3
    wait_time = between(1, 4)
    titles: list[str]

    def on_start(self) -> None:
        """Log in, then list the free movies this profile may play."""
        super().on_start()
        query = urlencode({"type": "movie", "tier": "free", "limit": 50, "profile_id": self.profile_id})
        reply = self.call("GET", f"{API}/catalog/content?{query}", name=f"{API}/catalog/content?[filters]")
        self.titles = [item["id"] for item in reply.json().get("items", [])] if reply.ok else []
        if not self.titles:
            log.warning("no playable titles: seed the catalog (ott-server seed) and package media")
            raise StopUser()

    def emit(self, kind: str, value: float, extra: dict[str, Any]) -> None:
        """A player figure as a Locust request event (``name`` is the network, so stats group per profile)."""
        self.environment.events.request.fire(
            request_type=kind, name=self.network, response_time=value, response_length=0, exception=None,
            context={"network": self.network, "profile": self.link.profile_name if self.link else None, **extra})

    def player_config(self) -> PlayerConfig:
        """The player's settings from the ``--ott-*`` options."""
        opts = options(self.environment)
        return PlayerConfig(abr=opts.ott_abr, max_buffer_s=float(opts.ott_max_buffer),
                            watch_s=float(opts.ott_watch) or None)

    @task
    def watch(self) -> None:
        """Open a title's details, then play it."""
        content_id = random.choice(self.titles)
        self.call("GET", f"{API}/catalog/content/{content_id}?profile_id={self.profile_id}",
                  name=f"{API}/catalog/content/[id]")
        assert self.link is not None
        self.start_playing()
        player = SimulatedPlayer(transport=self.raw, link=self.link, profile_id=self.profile_id,
                                 network=self.network, config=self.player_config(), emit=self.emit)
        player.play(content_id=content_id)
