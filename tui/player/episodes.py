"""Where an episode sits in its show: the episode playing (for the header) and the next one (for ``n``),
asked of the catalog when playback opens, not learned at completion."""

from __future__ import annotations

from dataclasses import dataclass

from tui.api import ApiClient
from tui.payloads import NextEpisode


@dataclass(frozen=True, slots=True)
class EpisodePlace:
    """The episode playing and the one after it (None after the last episode)."""

    current: NextEpisode | None
    next: NextEpisode | None


def _episode(raw: dict[str, object], season: int) -> NextEpisode:
    return NextEpisode.model_validate({**raw, "season_number": season})


async def episode_place(api: ApiClient, *, content_id: str, episode_id: str, profile_id: str | None) -> EpisodePlace:
    """The episode ``episode_id`` of show ``content_id`` and the next one (the next season's first after the
    last of a season). Raises :class:`tui.errors.ApiError` when the catalog cannot be read."""
    details = await api.details(content_id, profile_id=profile_id)
    numbers = sorted(int(s["season_number"]) for s in details.get("seasons") or [])
    current: NextEpisode | None = None
    for number in numbers:
        season = await api.season(content_id, number, profile_id=profile_id)
        episodes = sorted(season.get("episodes") or [], key=lambda e: int(e["episode_number"]))
        for raw in episodes:
            if current is not None:
                return EpisodePlace(current, _episode(raw, number))
            if str(raw["id"]) == episode_id:
                current = _episode(raw, number)
    return EpisodePlace(current, None)
