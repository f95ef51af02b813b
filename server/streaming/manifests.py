"""Playlists and MPDs for one session, built with ``media``'s builders and carrying signed child URLs.

Scopes of the child tokens: a rendition playlist and its segments share ``video/<name>/``, an
audio track ``audio/<lang>/``, a subtitle track ``subs/<lang>.`` (its playlist and .vtt), the
steered playlist ``video/auto/``; a DASH MPD's base URL covers the whole asset (the serving side
still refuses representations outside the session's variants).
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from media.assets import Asset
from media.dash import build_mpd
from media.playlists import build_audio_playlist, build_master, build_media_playlist, build_subtitle_playlist
from server.streaming.urls import STEERED_DIR, MediaUrls, steered_segment_name


def rendition_scope(asset: Asset, name: str) -> str:
    """Token scope of a video rendition: its directory with a trailing slash."""
    return asset.rendition(name).directory.rstrip("/") + "/"


def audio_scope(asset: Asset, language: str) -> str:
    """Token scope of an audio track: its directory with a trailing slash."""
    return asset.audio_track(language).directory.rstrip("/") + "/"


def subtitle_scope(asset: Asset, language: str) -> str:
    """Token scope of a subtitle track: the common prefix of its playlist and .vtt paths."""
    sub = asset.subtitle_track(language)
    return posixpath.commonprefix([sub.playlist, sub.uri])


def child_url(asset: Asset, urls: MediaUrls, kind: str, name: str) -> str:
    """Signed URL of a media playlist (``kind`` video/audio/subtitles) named ``name``."""
    if kind == "video":
        return urls.url(asset.rendition(name).playlist, scope=rendition_scope(asset, name))
    if kind == "audio":
        return urls.url(asset.audio_track(name).playlist, scope=audio_scope(asset, name))
    return urls.url(asset.subtitle_track(name).playlist, scope=subtitle_scope(asset, name))


def master_playlist(asset: Asset, urls: MediaUrls, *, variants: Sequence[str]) -> str:
    """Master playlist listing ``variants`` in order, every child URL signed."""
    return build_master(asset, variants=variants, uri_for=lambda kind, name: child_url(asset, urls, kind, name))


def rendition_playlist(asset: Asset, urls: MediaUrls, *, name: str) -> str:
    """Media playlist of one rendition with signed segment URLs."""
    rendition = asset.rendition(name)
    prefix = urls.prefix(rendition_scope(asset, name)) + rendition.directory.rstrip("/") + "/"
    files = {s.index: s.uri for s in rendition.segments}
    return build_media_playlist(asset, name, segment_uri=lambda i: prefix + files[i])


def steered_playlist(asset: Asset, urls: MediaUrls, *, timing_from: str) -> str:
    """The single-rendition steered playlist: ``video/auto/seg_NNNNN.ts`` segments with the timing of
    ``timing_from`` (aligned segments have the same durations in every rendition)."""
    prefix = urls.prefix(STEERED_DIR)
    return build_media_playlist(asset, timing_from, segment_uri=lambda i: prefix + steered_segment_name(i))


def audio_playlist(asset: Asset, urls: MediaUrls, *, language: str) -> str:
    """Media playlist of an audio-only track with signed segment URLs."""
    track = asset.audio_track(language)
    prefix = urls.prefix(audio_scope(asset, language)) + track.directory.rstrip("/") + "/"
    files = {s.index: s.uri for s in track.segments}
    return build_audio_playlist(asset, language, segment_uri=lambda i: prefix + files[i])


def subtitle_playlist(asset: Asset, urls: MediaUrls, *, language: str) -> str:
    """One-segment WebVTT playlist pointing at the signed .vtt file."""
    sub = asset.subtitle_track(language)
    return build_subtitle_playlist(asset, language, uri=urls.url(sub.uri, scope=subtitle_scope(asset, language)))


def dash_manifest(asset: Asset, urls: MediaUrls, *, variants: Sequence[str]) -> str:
    """MPD listing ``variants`` in order under a signed base URL covering the asset."""
    return build_mpd(asset, variants=variants, base_url=urls.prefix(""))
