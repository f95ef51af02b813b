"""Errors raised by the media pipeline; the CLI maps them to exit statuses."""

from __future__ import annotations


class MediaError(Exception):
    """Base class of every error the media package raises on purpose."""


class InputError(MediaError):
    """The caller gave something unusable (missing/non-video source, bad ladder, bad output dir)."""


class FFmpegError(MediaError):
    """ffmpeg or ffprobe exited with an error."""

    def __init__(self, message: str, *, returncode: int | None = None, stderr: str = "") -> None:
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr
