"""Public images the catalog links to: asset posters/thumbnails and genre icons.

``poster_url`` / ``thumbnail_url`` of a title are ``/media/<asset>/images/poster.jpg`` and
``.../thumb.jpg``, the files the packager writes for every asset (``media.images``). Genre
``icon_url`` is ``/static/genres/<slug>.svg``, drawn from the genre's name. Neither needs a token:
artwork is public and cached for a day.
"""

from __future__ import annotations

import hashlib
import re
from html import escape

from aiohttp import web

from server import keys
from server.catalog import queries
from server.errors import NotFound
from server.routing import ApiRouter

router = ApiRouter(tag="images")

IMAGE_NAMES = ("poster.jpg", "thumb.jpg")
ASSET_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
SLUG = re.compile(r"^[a-z0-9-]{1,100}$")
IMAGE_CACHE = "public, max-age=86400"


@router.route("GET", "/media/{asset_id}/images/{name}", summary="Poster or thumbnail of a packaged asset",
              auth="none", errors=(404,), media_type="image/jpeg")
async def asset_image(request: web.Request) -> web.StreamResponse:
    """The asset's ``poster.jpg`` (16:9) or ``thumb.jpg`` (4:3) as the packager wrote it; 404 otherwise."""
    asset_id, name = request.match_info["asset_id"], request.match_info["name"]
    if name not in IMAGE_NAMES or not ASSET_ID.match(asset_id) or ".." in asset_id:
        raise NotFound("no such image")
    path = request.app[keys.SETTINGS].resolved_media_dir / asset_id / "images" / name
    if not path.is_file():
        raise NotFound(f"no {name} for asset {asset_id}")
    return web.FileResponse(path, headers={"Cache-Control": IMAGE_CACHE, "Content-Type": "image/jpeg"})


def genre_icon(slug: str, name: str) -> str:
    """A 64×64 SVG badge: the genre's initials on a colour derived from its slug."""
    hue = int(hashlib.sha256(slug.encode()).hexdigest()[:4], 16) % 360
    words = [w for w in re.split(r"[\s&/-]+", name) if w]
    initials = escape("".join(w[0] for w in words[:2]).upper() or "?")
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
            f'<title>{escape(name)}</title>'
            f'<rect width="64" height="64" rx="12" fill="hsl({hue},55%,42%)"/>'
            '<text x="32" y="41" font-family="sans-serif" font-size="24" font-weight="bold" fill="#fff" '
            f'text-anchor="middle">{initials}</text></svg>')


@router.route("GET", "/static/genres/{slug}.svg", summary="Icon of a genre", auth="none", errors=(404,),
              media_type="image/svg+xml")
async def genre_icon_svg(request: web.Request) -> web.Response:
    """The genre's icon (SVG); 404 for an unknown slug."""
    slug = request.match_info["slug"]
    name = await queries.genre_name(request.app[keys.DB], slug=slug) if SLUG.match(slug) else None
    if name is None:
        raise NotFound(f"no genre {slug}")
    return web.Response(text=genre_icon(slug, name), content_type="image/svg+xml",
                        headers={"Cache-Control": IMAGE_CACHE})
