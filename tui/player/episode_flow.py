"""Episodes in the player: the header names the episode playing, ``n`` plays the next one, and the end
of a title completes it (offering the next episode when there is one)."""

from __future__ import annotations

import logging

from textual import work
from textual.widgets import Label

from tui.errors import ApiError
from tui.player.episodes import episode_place
from tui.player.screen_base import PlayerScreenBase

log = logging.getLogger(__name__)


class EpisodeFlow(PlayerScreenBase):
    """The episode header, the next episode (``n``) and completion."""

    @work(exclusive=True, exit_on_error=False, group="episodes")
    async def _learn_episodes(self) -> None:
        """The episode playing (header) and the next one (``n`` works at any time)."""
        ott = self.ott
        if not self.episode_id:
            return
        try:
            place = await episode_place(ott.api, content_id=self.content_id, episode_id=self.episode_id,
                                        profile_id=ott.profile_id)
        except ApiError as err:
            log.info("episode list unavailable: %s", err)
            return
        self.next_episode = place.next or self.next_episode
        if place.current is not None:
            show = self.play_title.split(" · ")[0] if self.play_title else ""
            self.play_title = f"{show} · {place.current.label()}" if show else place.current.label()
            self.query_one("#now-playing", Label).update(self.play_title)

    @work(exclusive=True, exit_on_error=False, group="complete")
    async def _complete(self) -> None:
        if self.reporter is None:
            return
        answer = await self.reporter.complete(watched_s=self.watched_s)
        if answer is None:
            return
        self.next_episode = answer.next_episode or self.next_episode
        if self.next_episode:
            from tui.screens.next_episode import NextEpisodeScreen

            self.ott.push_screen(NextEpisodeScreen(episode=self.next_episode), self._next_answered)
        else:
            self.ott.notify("Finished.")

    def _next_answered(self, play: bool | None) -> None:
        if play and self.next_episode:
            self.action_next_episode()

    def action_next_episode(self) -> None:
        """Play the next episode (when there is one) on a new player screen of the same kind."""
        if not self.next_episode:
            self.app.notify("This is the last episode (or not a show)." if self.episode_id
                            else "Not a show: there is no next episode.", timeout=2)
            return
        nxt = self.next_episode
        show = self.play_title.split(" · ")[0]
        screen = type(self)(content_id=self.content_id, episode_id=nxt.id, title=f"{show} · {nxt.label()}")
        self._shutdown()
        self.app.switch_screen(screen)
