"""The subtitle and extra audio tracks handed to mpv next to the one steered rendition."""

from __future__ import annotations

from collections.abc import Callable

from tui.payloads import Manifest
from tui.player.controller import MpvController


def add_tracks(mpv: MpvController, manifest: Manifest, *, subtitle_language: str,
               rewrite: Callable[[str], str]) -> None:
    """Subtitles (WebVTT) and the other audio languages as external mpv tracks: the steered stream
    carries one rendition with its own audio only. Defaults: the server's (``is_default``, from the
    profile's language) unless Settings names a subtitle language (``subtitle_language``). The stream's
    own audio language is never added again (a second audio download must not eat a slow link for the same
    language); another language is added, and selected when it is the default (a Hindi profile hears Hindi
    from the start). ``rewrite`` routes a URL through the shaper."""
    add = mpv.add_track  # asynchronous in mpv: never blocks this loop (the shaping proxy runs on it)
    for sub in manifest.subtitles:
        url = sub.vtt_url or sub.url
        if url:
            pick = sub.language == subtitle_language if subtitle_language != "off" else sub.is_default
            add("sub", rewrite(url), lang=sub.language, title=sub.label or sub.language, select=pick)
    muxed = own_audio(mpv.track_languages("audio"), manifest)
    for audio in manifest.audio_tracks:
        if audio.url and audio.language not in muxed:
            add("audio", rewrite(audio.url), lang=audio.language,
                title=audio.label or audio.language, select=audio.is_default)


def own_audio(languages: list[str], manifest: Manifest) -> set[str]:
    """The languages of the stream's own (muxed) audio, from mpv's ``languages`` of it. The packager tags
    no language on it: an untagged track is the manifest's first audio language, the one the packager
    muxes into every rendition (media/package.py: the default language)."""
    offered = [a.language for a in manifest.audio_tracks]
    known = {lang for lang in languages if lang in offered}
    if languages and not known and offered:
        known = {offered[0]}
    return known
