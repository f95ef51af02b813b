"""Path safety for media serving: a request path must name a plain file inside the asset directory.

Checks, in order: the raw (still percent-encoded) request path carries no encoded separators,
dots, NULs or backslashes; the decoded relative path is made of plain segments (letters,
digits, ``._-``; no ``.``/``..``/empty segments, no leading ``/``); the real path (symlinks
resolved) lies inside the media directory's real path; the suffix is a known media type.
"""

from __future__ import annotations

import re
from pathlib import Path

MAX_PATH = 400
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
_BAD_ENCODED = re.compile(r"%(2[eEfF]|00|5[cC]|25)")
_ASSET_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")

CONTENT_TYPES: dict[str, str] = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mpd": "application/dash+xml",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".aac": "audio/aac",
    ".vtt": "text/vtt",
    ".jpg": "image/jpeg",
    ".png": "image/png",
}


class UnsafePath(Exception):
    """The requested path is not a plain file path inside the media directory."""


def check_raw(raw_path: str) -> None:
    """Reject a raw request path with encoded ``.``, ``/``, ``\\``, ``%`` or NUL (before decoding)."""
    if _BAD_ENCODED.search(raw_path):
        raise UnsafePath("encoded dots, separators or NULs are not allowed in media paths")


def clean_relative(path: str) -> str:
    """The path itself if it is a safe relative path of plain segments; UnsafePath otherwise."""
    if not path or len(path) > MAX_PATH or path.startswith("/"):
        raise UnsafePath("a media path must be a non-empty relative path")
    parts = path.split("/")
    for part in parts:
        if part in ("", ".", "..") or not _SEGMENT.match(part):
            raise UnsafePath(f"illegal path segment {part[:40]!r}")
    if Path(parts[-1]).suffix.lower() not in CONTENT_TYPES:
        raise UnsafePath("not a media file type")
    return path


def check_asset_id(asset_id: str) -> str:
    """The asset id itself if it is one plain path segment; UnsafePath otherwise."""
    if not _ASSET_ID.match(asset_id) or asset_id in (".", ".."):
        raise UnsafePath("illegal asset id")
    return asset_id


def resolve_inside(*, media_dir: Path, asset_id: str, relative: str) -> Path:
    """The real path of ``<media_dir>/<asset_id>/<relative>`` if it is a regular file inside ``media_dir``.

    Symlinks are followed and the result must still lie inside the media directory's real path;
    a missing file or a special file is an UnsafePath too (the caller answers 404).
    """
    root = media_dir.resolve()
    target = (root / check_asset_id(asset_id) / clean_relative(relative)).resolve()
    if not target.is_relative_to(root):
        raise UnsafePath("path leaves the media directory")
    if not target.is_file():
        raise UnsafePath("no such media file")
    return target


def content_type(path: str) -> str:
    """The media type for a file name by its suffix."""
    return CONTENT_TYPES.get(Path(path).suffix.lower(), "application/octet-stream")
