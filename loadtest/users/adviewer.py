"""`AdViewer`: a free-tier viewer on an ad-supported title: VMAP, VAST, the pre-roll pod with tracking beacons."""

from __future__ import annotations

import random

from locust import between, task

from loadtest.adplay import AdConfig, AdSession
from loadtest.hooks import options
from loadtest.users.base import API, FreeMovieUser


class AdViewer(FreeMovieUser):
    """Presses play on a free movie, watches (or skips) the pre-roll, reaches the content's first segment."""

    weight = 3
    wait_time = between(2, 6)

    @task
    def watch_with_ads(self) -> None:
        """Open a title's details, press play, sit through the pre-roll."""
        content_id = random.choice(self.titles)
        self.call("GET", f"{API}/catalog/content/{content_id}?profile_id={self.profile_id}",
                  name=f"{API}/catalog/content/[id]")
        assert self.link is not None
        self.start_playing()
        buffer = options(self.environment).ott_max_buffer
        config = AdConfig() if buffer is None else AdConfig(max_buffer_s=float(buffer))
        session = AdSession(transport=self.raw, link=self.link, profile_id=self.profile_id, network=self.network,
                            config=config, emit=self.emit)
        session.run(content_id=content_id)
