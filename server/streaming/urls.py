"""Building signed media URLs for one session: ``/media/s/<session>/<token>/<path>``."""

from __future__ import annotations

from dataclasses import dataclass

from server.streaming.signing import Grant, UrlSigner

MEDIA_PREFIX = "/media/s"
STEERED_DIR = "video/auto/"
STEERED_PLAYLIST = "video/auto/index.m3u8"


def steered_segment_name(index: int) -> str:
    """Path of steered segment INDEX (1-based) inside the asset: ``video/auto/seg_00001.ts``."""
    return f"{STEERED_DIR}seg_{index:05d}.ts"


@dataclass(frozen=True, slots=True)
class MediaUrls:
    """Signs paths of one asset for one session and viewer until ``expires``.

    ``base`` is prepended (e.g. ``http://host:port`` for URLs handed out in JSON; empty for
    path-absolute URLs inside playlists).
    """

    signer: UrlSigner
    session_id: str
    user_id: str
    asset_id: str
    expires: int
    base: str = ""

    def prefix(self, scope: str) -> str:
        """URL prefix (ending in ``/``) whose token covers every path under ``scope``."""
        token = self.signer.token(Grant(session_id=self.session_id, user_id=self.user_id,
                                        asset_id=self.asset_id, scope=scope, expires=self.expires))
        return f"{self.base}{MEDIA_PREFIX}/{self.session_id}/{token}/"

    def directory_url(self, path: str, *, directory: str) -> str:
        """Signed URL of ``path`` inside a rendition's or audio track's ``directory`` (trailing ``/``): with a
        link secret the token is one nginx checks itself (``secure_link``), else the HMAC token."""
        token = self.signer.directory_token(Grant(session_id=self.session_id, user_id=self.user_id,
                                                  asset_id=self.asset_id, scope=directory, expires=self.expires))
        return f"{self.base}{MEDIA_PREFIX}/{self.session_id}/{token}/{path}"

    def url(self, path: str, *, scope: str | None = None) -> str:
        """Signed URL of ``path``; the token covers ``scope`` (default: the path itself)."""
        return self.prefix(path if scope is None else scope) + path
