"""Request and response models of the stream endpoints (manifest, steered session, rendition choice)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ManifestQuery(_Strict):
    """Query of the manifest endpoint."""

    profile_id: uuid.UUID
    episode_id: uuid.UUID | None = None
    format: Literal["hls", "dash"] = "hls"
    max_kbps: int | None = Field(default=None, ge=50, le=1_000_000, description="cap on a variant's peak kbit/s")
    net: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,31}$",
                            description="network profile the client is on (netem_profiles name)")
    session_id: uuid.UUID | None = Field(default=None, description="a playback session from /stream/playback/start")


class QualityOut(BaseModel):
    """One offered variant, in playlist order (the first one is where playback starts)."""

    quality: str
    bitrate_kbps: int
    peak_kbps: int
    width: int
    height: int
    url: str


class AudioOut(BaseModel):
    """One audio language."""

    language: str
    label: str
    url: str
    is_default: bool


class SubtitleOut(BaseModel):
    """One subtitle language (``url``: its playlist; ``vtt_url``: the WebVTT file)."""

    language: str
    label: str
    url: str
    vtt_url: str
    is_default: bool = Field(description="shown by default: the profile's language when no audio track has it")


class ManifestOut(BaseModel):
    """Where to play from, what is offered, where playback starts and why."""

    manifest_url: str
    format: str
    qualities: list[QualityOut]
    audio_tracks: list[AudioOut]
    subtitles: list[SubtitleOut]
    session_id: str
    expires_at: datetime
    start: str
    reason: str
    steered_url: str


class SwitchOut(BaseModel):
    """One rendition switch of a steered session."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    at: datetime
    from_: str = Field(alias="from")
    to: str
    reason: str
    by: Literal["client", "server"]
    segment: int | None = None


class StreamSessionOut(BaseModel):
    """A steered session's state."""

    session_id: str
    content_id: str
    episode_id: str | None
    asset_id: str
    variants: list[str]
    start: str
    mode: Literal["auto", "fixed"]
    current: str
    estimate_kbps: float | None
    buffer_s: float
    delivered_s: float
    switch_count: int
    switches: list[SwitchOut]
    expires_at: datetime


class RenditionIn(_Strict):
    """Pin the steered rendition (a rung name) or hand the choice back to the server (``auto``)."""

    rendition: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
