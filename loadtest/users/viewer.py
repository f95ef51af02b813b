"""`Viewer`: browses to a title and plays it with the simulated HLS player (see `loadtest.player`)."""

from __future__ import annotations

import random

from locust import between, task

from loadtest.hooks import options
from loadtest.player import PlayerConfig, SimulatedPlayer
from loadtest.users.base import API, FreeMovieUser


class Viewer(FreeMovieUser):
    """A viewer on a network from the mix: play a free title at real-time pace, then another."""

    weight = 3
    wait_time = between(1, 4)

    def player_config(self) -> PlayerConfig:
        """The player's settings from the ``--ott-*`` options."""
        opts = options(self.environment)
        buffer = None if opts.ott_max_buffer is None else float(opts.ott_max_buffer)
        return PlayerConfig(abr=opts.ott_abr, max_buffer_s=buffer,
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
