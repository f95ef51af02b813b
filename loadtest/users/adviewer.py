"""`AdViewer`: a free-tier viewer on an ad-supported title: VMAP, VAST, the pre-roll pod with tracking beacons."""

from __future__ import annotations

import logging
import random
from typing import Any
from urllib.parse import urlencode

from locust import between, task
from locust.exception import StopUser

from loadtest.adplay import AdConfig, AdSession
from loadtest.hooks import options
from loadtest.users.base import API, OttUser

log = logging.getLogger(__name__)


class AdViewer(OttUser):
    """Presses play on a free movie, watches (or skips) the pre-roll, reaches the content's first segment."""

    weight = 3
    wait_time = between(2, 6)
    titles: list[str]

    def on_start(self) -> None:
        """Log in (free tier), then list the free movies this profile may play."""
        super().on_start()
        query = urlencode({"type": "movie", "tier": "free", "limit": 50, "profile_id": self.profile_id})
        reply = self.call("GET", f"{API}/catalog/content?{query}", name=f"{API}/catalog/content?[filters]")
        self.titles = [item["id"] for item in reply.json().get("items", [])] if reply.ok else []
        if not self.titles:
            log.warning("no playable titles: seed the catalog (ott-server seed) and package media")
            raise StopUser()

    def emit(self, kind: str, value: float, extra: dict[str, Any]) -> None:
        """An ad figure as a Locust request event (``name`` is the network, so stats group per profile)."""
        self.environment.events.request.fire(
            request_type=kind, name=self.network, response_time=value, response_length=0, exception=None,
            context={"network": self.network, "profile": self.link.profile_name if self.link else None, **extra})

    @task
    def watch_with_ads(self) -> None:
        """Open a title's details, press play, sit through the pre-roll."""
        content_id = random.choice(self.titles)
        self.call("GET", f"{API}/catalog/content/{content_id}?profile_id={self.profile_id}",
                  name=f"{API}/catalog/content/[id]")
        assert self.link is not None
        self.start_playing()
        config = AdConfig(max_buffer_s=float(options(self.environment).ott_max_buffer))
        session = AdSession(transport=self.raw, link=self.link, profile_id=self.profile_id, network=self.network,
                            config=config, emit=self.emit)
        session.run(content_id=content_id)
