"""Playlists and MPDs, built with ``media``'s builders.

The master playlist (and a DASH MPD) is per session: it carries signed child URLs. Scopes of the
child tokens: a rendition playlist and its segments share ``video/<name>/``, an audio track
``audio/<lang>/``, a subtitle track ``subs/<lang>.`` (its playlist and .vtt), the steered playlist
``video/auto/``; a DASH MPD's base URL covers the whole asset (the serving side still refuses
representations outside the session's variants).

Media playlists (rendition, audio, subtitle, steered) name their segments *relative* to their own
URL: ``seg_00001.ts`` under ``/media/s/<session>/<token>/video/720p/index.m3u8`` resolves inside the
same signed prefix. So a rendition's media playlist is the same bytes for every viewer (the packaged
``index.m3u8`` itself), and can be served from the file or from one cached copy.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from media import Asset, build_audio_playlist, build_master, build_media_playlist, build_mpd, build_subtitle_playlist
from server.streaming.urls import STEERED_DIR, STEERED_PLAYLIST, MediaUrls, steered_segment_name


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
    """Signed URL of a media playlist (``kind`` video/audio/subtitles) named ``name``.

    A rendition's or audio track's URL carries a directory token (a link token nginx checks itself when
    the app has a link secret); a subtitle track's carries the HMAC token."""
    if kind == "video":
        return urls.directory_url(asset.rendition(name).playlist, directory=rendition_scope(asset, name))
    if kind == "audio":
        return urls.directory_url(asset.audio_track(name).playlist, directory=audio_scope(asset, name))
    return urls.url(asset.subtitle_track(name).playlist, scope=subtitle_scope(asset, name))


def master_playlist(asset: Asset, urls: MediaUrls, *, variants: Sequence[str]) -> str:
    """Master playlist listing ``variants`` in order, every child URL signed."""
    return build_master(asset, variants=variants, uri_for=lambda kind, name: child_url(asset, urls, kind, name))


def steered_master(asset: Asset, urls: MediaUrls, *, rendition: str, audio: Sequence[str] | None = None,
                   subtitles: Sequence[str] | None = None) -> str:
    """Master playlist for a player without ABR: one video variant, the steered playlist, described as
    ``rendition`` (the session's current rung), with the ``audio``/``subtitles`` languages (default all)."""

    def uri_for(kind: str, name: str) -> str:
        return urls.url(STEERED_PLAYLIST, scope=STEERED_DIR) if kind == "video" else child_url(asset, urls, kind, name)

    return build_master(asset, variants=[rendition], uri_for=uri_for, audio=audio, subtitles=subtitles)


def rendition_playlist(asset: Asset, *, name: str) -> str:
    """Media playlist of one rendition, segment URIs relative to it (the packaged ``index.m3u8``)."""
    return build_media_playlist(asset, name)


def steered_playlist(asset: Asset, *, timing_from: str) -> str:
    """The single-rendition steered playlist: relative ``seg_NNNNN.ts`` names (under ``video/auto/``) with the
    timing of ``timing_from`` (aligned segments have the same durations in every rendition)."""
    skip = len(STEERED_DIR)
    return build_media_playlist(asset, timing_from, segment_uri=lambda i: steered_segment_name(i)[skip:])


def direct_steered_playlist(asset: Asset, urls: MediaUrls, *, timing_from: str) -> str:
    """The steered media playlist served *at the master URL* (for a player without ABR that asked for no extra
    audio): the same segments as :func:`steered_playlist`, named by path-absolute signed URLs (the master's own
    token does not cover ``video/auto/``), so the player needs one playlist, not two."""
    prefix = urls.prefix(STEERED_DIR)
    skip = len(STEERED_DIR)
    return build_media_playlist(asset, timing_from,
                                segment_uri=lambda i: prefix + STEERED_DIR + steered_segment_name(i)[skip:])


def audio_playlist(asset: Asset, *, language: str) -> str:
    """Media playlist of an audio-only track, segment URIs relative to it."""
    return build_audio_playlist(asset, language)


def subtitle_playlist(asset: Asset, *, language: str) -> str:
    """One-segment WebVTT playlist naming the .vtt relative to itself."""
    sub = asset.subtitle_track(language)
    return build_subtitle_playlist(asset, language,
                                   uri=posixpath.relpath(sub.uri, posixpath.dirname(sub.playlist) or "."))


def dash_manifest(asset: Asset, urls: MediaUrls, *, variants: Sequence[str]) -> str:
    """MPD listing ``variants`` in order under a signed base URL covering the asset."""
    return build_mpd(asset, variants=variants, base_url=urls.prefix(""))
