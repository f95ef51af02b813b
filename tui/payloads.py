"""Typed views of the API answers the player reads (the server's models, as far as this client uses them).

Unknown fields are ignored and missing optional ones take defaults, so a newer server does not break
an older client; a field the client cannot do without (``session_id``, ``steered_url``) is required.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tui.errors import BadResponse


class Payload(BaseModel):
    """Base: immutable, extra fields ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def of(cls, body: Any) -> Self:
        """Validate a decoded JSON body; a malformed one is a :class:`tui.errors.BadResponse`."""
        try:
            return cls.model_validate(body if isinstance(body, dict) else {})
        except ValidationError as err:
            raise BadResponse(f"the server sent an unexpected {cls.__name__} answer",
                              detail=str(err).splitlines()[0]) from err


class Quality(Payload):
    """One rendition on offer."""

    quality: str
    bitrate_kbps: float = 0.0
    width: int = 0
    height: int = 0
    url: str = ""


class Track(Payload):
    """One audio or subtitle language (``vtt_url``: the WebVTT file of a subtitle track)."""

    language: str
    label: str = ""
    url: str = ""
    vtt_url: str = ""
    is_default: bool = False


class Manifest(Payload):
    """What the server chose for this viewer: the ladder, the start rendition and why, the steered URL."""

    session_id: str = ""
    steered_url: str
    start: str = ""
    reason: str = ""
    qualities: list[Quality] = Field(default_factory=list)
    audio_tracks: list[Track] = Field(default_factory=list)
    subtitles: list[Track] = Field(default_factory=list)

    def start_rendition(self) -> str:
        """The rendition playback starts on (the first offered one when the server named none)."""
        return self.start or (self.qualities[0].quality if self.qualities else "")


class PlaybackSession(Payload):
    """A playback session: where to resume, how long the title is and its ads (the VMAP fallback)."""

    session_id: str
    content_id: str = ""
    episode_id: str | None = None
    title: str = ""
    duration_s: float = 0.0
    resume_position: float = 0.0
    ads: list[dict[str, Any]] = Field(default_factory=list)


class NextEpisode(Payload):
    """The episode after the one played."""

    id: str
    title: str = ""
    season_number: int = 0
    episode_number: int = 0
    thumbnail_url: str | None = None

    def label(self) -> str:
        """``S1E2 Title``."""
        return f"S{self.season_number}E{self.episode_number} {self.title}".strip()


class Completion(Payload):
    """The answer to playback/complete."""

    success: bool = True
    next_episode: NextEpisode | None = None


class PositionAck(Payload):
    """The answer to a position report: whether it was applied and the stored position."""

    success: bool = True
    applied: bool = True
    position_seconds: float | None = None
