"""The check nginx asks for before it serves a rendition's files itself (``auth_request``, deploy/nginx.conf).

nginx sends the viewer's signed URL with ``X-OTT-Media-Check: 1``; the app runs its usual checks
(path, token, viewer, session, the session's variants) and answers 204 with the asset id in
``X-OTT-Asset`` (nginx then sends ``<media>/<asset>/<path>`` from disk) or 403/404. Only the files of
a video rendition or audio track directory (segments and the packaged ``index.m3u8``) are served this
way; the steered stream, the master playlist, subtitles, DASH and images stay with the app.

nginx caches a 204 per session, token, directory and ``Authorization`` for ``X-Accel-Expires``
seconds (at most ``CHECK_CACHE_S``, never past the token's expiry) when the verdict holds for every
file of the directory (the token covers the whole directory); otherwise ``X-Accel-Expires: 0``.
So a viewer's segments cost the app one check per rendition per ``CHECK_CACHE_S``, not one per
segment. The price: a session that ends is still served for up to ``CHECK_CACHE_S`` seconds.
"""

from __future__ import annotations

from aiohttp import web

from media import Asset
from server.errors import Forbidden
from server.streaming.sessions import StreamSession
from server.streaming.signing import Grant
from server.streaming.urls import STEERED_DIR

CHECK_HEADER = "X-OTT-Media-Check"
ASSET_HEADER = "X-OTT-Asset"
CHECK_CACHE_S = 10


def front_directories(asset: Asset, session: StreamSession) -> set[str]:
    """Directories (with a trailing slash) whose files nginx may serve itself in this session."""
    dirs = {r.directory.rstrip("/") + "/" for r in asset.renditions if r.name in session.variants}
    dirs |= {a.directory.rstrip("/") + "/" for a in asset.audio}
    dirs.discard(STEERED_DIR)
    return dirs


def check_answer(asset: Asset, *, session: StreamSession, grant: Grant, path: str, now: float) -> web.Response:
    """204 + ``X-OTT-Asset`` when nginx may send ``path`` itself (see module docstring); Forbidden otherwise."""
    directory = path.rpartition("/")[0] + "/"
    if directory not in front_directories(asset, session):
        raise Forbidden("this file is not served by the front")
    dir_wide = directory.startswith(grant.scope)
    ttl = max(0, min(CHECK_CACHE_S, int(grant.expires - now))) if dir_wide else 0
    return web.Response(status=204, headers={ASSET_HEADER: asset.asset_id, "X-Accel-Expires": str(ttl),
                                             "Cache-Control": "no-store"})
