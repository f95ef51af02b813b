"""libmpv in-process (python-mpv). mpv's callbacks run on its own thread: they only post messages."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from textual.message import Message
from textual.message_pump import MessagePump

from media import CLIENT_ABR_READAHEAD_S, python_mpv_kwargs, streaming_options

log = logging.getLogger(__name__)

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
#: Seconds the terminal client lets mpv read ahead: media's CLIENT_ABR_READAHEAD_S (why: see there).
READAHEAD_S = CLIENT_ABR_READAHEAD_S
#: The buffer counts as full (mpv reads only as fast as it plays) from this many seconds.
FULL_BUFFER_S = READAHEAD_S - 2.0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """mpv's live numbers at one tick (0 where mpv has none yet)."""

    cache_speed: float = 0.0
    buffer_s: float = 0.0
    raw_input_rate: float = 0.0
    video_bitrate: float = 0.0
    time_pos: float = 0.0
    has_position: bool = False
    duration: float = 0.0
    dropped: int = 0
    paused: bool = False


@dataclass
class VideoParamsChanged(Message):
    """mpv reported new video parameters (the first ones mean the first frame is decoded)."""

    width: int
    height: int


@dataclass
class CacheStallChanged(Message):
    """mpv paused for the cache (a stall) or resumed."""

    stalled: bool


@dataclass
class PlaybackEnded(Message):
    """The file ended: ``reason`` is eof, stop, error or quit; ``read_to_s``: how far into the media mpv's demuxer
    had read (None when it reported nothing): an ``eof`` short of the title's end is a lost stream."""

    reason: str
    error: str = ""
    read_to_s: float | None = None


ISO_639_2 = {"eng": "en", "hin": "hi", "tam": "ta", "tel": "te", "ben": "bn", "mar": "mr"}


def two_letter(lang: str) -> str:
    """``eng`` → ``en`` (the manifest's codes) for the languages of the catalog; others unchanged."""
    return ISO_639_2.get(lang.lower(), lang)


def picture_note(*, headless: bool, vo: str) -> str:
    """What the viewer is told about the picture: mpv's own window, or why there is none.

    ``tct`` (coloured text) is never used inside the client: it would paint over the Textual screen and
    leave the terminal full of blocks after quitting.
    """
    if vo == "tct":
        return "no picture (tct would draw over this screen)"
    if headless or vo == "null":
        return "no picture (headless)"
    return "picture in mpv's own window"


def mpv_options(*, headless: bool, vo: str) -> dict[str, Any]:
    """The mpv options for this terminal: a window with a display, null outputs otherwise (``tct`` included:
    see :func:`picture_note`)."""
    # media.streaming_options: bounded read-ahead (the client-ABR one), probe limits, one persistent
    # connection (shared with ott-load real-players and the README); a local playlist (fast start) may
    # point at http segments.
    opts: dict[str, Any] = {"config": False, "ytdl": False, "input_default_bindings": False, "osc": False,
                            **python_mpv_kwargs(streaming_options(local_playlist=True, readahead=READAHEAD_S)),
                            "keep_open": "no",
                            "terminal": False, "msg_level": "all=no"}
    if vo == "tct":
        opts.update(vo="null", ao="null" if headless else "auto")
    elif headless or vo == "null":
        opts.update(vo="null", ao="null")
    else:
        opts.update(vo="gpu" if vo == "gpu" else "gpu,x11,wayland", force_window="yes")
    return opts


class MpvController:
    """One mpv instance; properties are read on demand (thread-safe in libmpv)."""

    def __init__(self, *, target: MessagePump, headless: bool, vo: str) -> None:
        """Create mpv; its events are posted to ``target``."""
        import mpv

        self.target = target
        self._read_to: float | None = None  # of the file playing; touched on mpv's event thread only
        self.player = mpv.MPV(**mpv_options(headless=headless, vo=vo))
        self.player.observe_property("video-params", self._on_params)
        self.player.observe_property("paused-for-cache", self._on_cache)
        self.player.observe_property("demuxer-cache-state", self._on_cache_state)
        self.player.event_callback("start-file")(self._on_start)
        self.player.event_callback("end-file")(self._on_end)
        self._closed = False

    # ----------------------------------------------------------------- mpv thread
    def _on_params(self, _name: str, value: Any) -> None:
        if value and value.get("h"):
            self.target.post_message(VideoParamsChanged(int(value.get("w") or 0), int(value["h"])))

    def _on_cache(self, _name: str, value: Any) -> None:
        if value is not None:
            self.target.post_message(CacheStallChanged(bool(value)))

    def _on_cache_state(self, _name: str, value: Any) -> None:
        # the furthest media the demuxer read: a segment ffmpeg could not fetch is skipped, and past the last
        # one the file ends as a plain eof (mpv 0.35 / ffmpeg 5.1), so only this tells a lost stream's end
        end = value.get("cache-end") if isinstance(value, dict) else None
        if isinstance(end, int | float) and (self._read_to is None or end > self._read_to):
            self._read_to = float(end)

    def _on_start(self, _event: Any) -> None:
        self._read_to = None

    def _on_end(self, event: Any) -> None:
        try:
            data = event.data
            reason = {0: "eof", 2: "stop", 3: "quit", 4: "error", 5: "redirect"}.get(int(data.reason), "stop")
            error = str(getattr(data, "error", "") or "") if reason == "error" else ""
        except (AttributeError, TypeError, ValueError):
            reason, error = "stop", ""
        self.target.post_message(PlaybackEnded(reason, error, self._read_to))

    # ----------------------------------------------------------------- commands (UI thread)
    def load(self, url: str, *, start_s: float = 0.0) -> None:
        """Play ``url`` from ``start_s``."""
        if start_s > 0:
            self.player.loadfile(url, start=f"{start_s:.3f}")
        else:
            self.player.loadfile(url)

    def prop(self, name: str, default: Any = None) -> Any:
        """A property value, or ``default`` when mpv has none (yet)."""
        try:
            value = getattr(self.player, name.replace("-", "_"))
        except (AttributeError, RuntimeError, OSError) as err:
            log.debug("mpv property %s: %s", name, err)
            return default
        return default if value is None else value

    def snapshot(self) -> Snapshot:
        """The live numbers the ABR loop and the stats panel need (``has_position``: mpv knows the playhead)."""
        cache = self.prop("demuxer-cache-state", {}) or {}
        time_pos = self.prop("time-pos")
        return Snapshot(
            cache_speed=float(self.prop("cache-speed", 0) or 0),
            buffer_s=float(cache.get("cache-duration") or 0),
            raw_input_rate=float(cache.get("raw-input-rate") or 0),
            video_bitrate=float(self.prop("video-bitrate", 0) or 0),
            time_pos=float(time_pos or 0),
            has_position=time_pos is not None,
            duration=float(self.prop("duration", 0) or 0),
            dropped=int(self.prop("frame-drop-count", 0) or 0) + int(self.prop("decoder-frame-drop-count", 0) or 0),
            paused=bool(self.prop("pause", False)))

    def command(self, *args: Any) -> None:
        """Run an mpv command, logging failures (a command on a closing player is not an error)."""
        try:
            self.player.command(*args)
        except (RuntimeError, SystemError, OSError) as err:
            log.info("mpv command %s failed: %s", args, err)

    def set(self, name: str, value: Any) -> None:
        """Set a property, logging failures."""
        try:
            setattr(self.player, name.replace("-", "_"), value)
        except (RuntimeError, SystemError, OSError, TypeError, ValueError) as err:
            log.info("mpv set %s=%r failed: %s", name, value, err)

    def toggle_pause(self) -> bool:
        """Pause or resume; returns whether paused now."""
        paused = not bool(self.prop("pause", False))
        self.set("pause", paused)
        return paused

    def seek(self, seconds: float) -> None:
        """Seek relative to the playhead."""
        self.command("seek", seconds, "relative")

    def change_volume(self, step: float) -> float:
        """Volume ±``step`` percent (0–100); returns the new volume."""
        volume = max(0.0, min(100.0, float(self.prop("volume", 100) or 0) + step))
        self.set("volume", volume)
        return volume

    def toggle_mute(self) -> bool:
        """Mute or unmute; returns whether muted."""
        muted = not bool(self.prop("mute", False))
        self.set("mute", muted)
        return muted

    def add_track(self, kind: str, url: str, *, lang: str, title: str, select: bool) -> None:
        """Add an external ``sub`` (WebVTT) or ``audio`` (an HLS rendition) track to the file playing.

        Asynchronous (mpv fetches the track in the background): the fetch may go through the shaping proxy
        on the UI's event loop, which a blocking command would deadlock.
        """
        try:
            self.player.command_async(f"{kind}-add", url, "select" if select else "auto", title, lang)
        except (RuntimeError, SystemError, OSError) as err:
            log.info("mpv %s-add failed: %s", kind, err)

    def selected_track(self, kind: str) -> str:
        """The language (or title) of the selected ``sub``/``audio`` track, ``off`` when none is."""
        for track in self.prop("track-list", []) or []:
            if track.get("type") == kind and track.get("selected"):
                return two_letter(str(track.get("lang") or track.get("title") or track.get("id")))
        return "off"

    def track_languages(self, kind: str) -> list[str]:
        """Languages of the ``sub``/``audio`` tracks mpv has (two-letter codes where known: ``eng`` → ``en``)."""
        return [two_letter(str(t.get("lang") or t.get("title") or t.get("id")))
                for t in self.prop("track-list", []) or [] if t.get("type") == kind]

    def cycle(self, prop: str) -> Any:
        """Cycle a track property (``sid``, ``aid``) and return the new value."""
        self.command("cycle", prop)
        return self.prop(prop)

    def next_speed(self) -> float:
        """Cycle 0.5× … 2×."""
        current = float(self.prop("speed", 1.0) or 1.0)
        later = [s for s in SPEEDS if s > current + 1e-6]
        speed = later[0] if later else SPEEDS[0]
        self.set("speed", speed)
        return speed

    def toggle_fullscreen(self) -> None:
        """Fullscreen on/off (a window only)."""
        self.set("fullscreen", not bool(self.prop("fullscreen", False)))

    def close(self) -> None:
        """Stop and terminate mpv (blocks until its thread ends: call it off the event loop)."""
        if self._closed:
            return
        self._closed = True
        try:
            self.player.terminate()
        except (RuntimeError, SystemError, OSError) as err:
            log.info("mpv terminate: %s", err)
