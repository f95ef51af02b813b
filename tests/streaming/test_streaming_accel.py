"""Behind nginx (docker-compose.yml): checked media requests hand the file to nginx, and a rendition's files
under a link token are checked and sent by nginx alone (``secure_link``, deploy/nginx.conf)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import time
from pathlib import Path
from urllib.parse import urljoin

import aiohttp
import m3u8
import pytest
from aiohttp.test_utils import TestClient

from server.settings import Settings
from server.streaming.signing import LINK_SEP, Grant, UrlSigner
from tests.conftest import make_settings
from tests.helpers import new_viewer
from tests.streaming.conftest import MediaRoot, add_title, local, manifest, media_playlist

PREFIX = "/protected-media/"
LINK_SECRET = "test-link-secret-0123456789abcdef"


@pytest.fixture
def settings(tmp_path: Path, store_urls: tuple[str, str], media_root: MediaRoot) -> Settings:
    """The selected backend, the packaged media dir, and the nginx hand-off switched on."""
    return make_settings(tmp_path, database_url=store_urls[0], redis_url=store_urls[1], media_dir=media_root.root,
                         media_accel_redirect=PREFIX, media_link_secret=LINK_SECRET)


async def test_segments_and_steered_segments_name_the_file_for_nginx(api: TestClient, media_root: MediaRoot) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    status, body, _ = await manifest(api, viewer, cid, headers={"Downlink": "0.9"})
    assert status == 200
    _, segments = await media_playlist(api, body["qualities"][0]["url"])
    seg = await api.get(segments[0])
    assert seg.status == 200 and await seg.read() == b""
    accel = seg.headers["X-Accel-Redirect"]
    assert accel.startswith(PREFIX) and accel.endswith("/seg_00001.ts")
    assert (media_root.root / accel[len(PREFIX):]).is_file()
    assert seg.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    _, steered = await media_playlist(api, body["steered_url"])
    st = await api.get(steered[1])
    assert st.status == 200 and st.headers["X-OTT-Rendition"]
    assert st.headers["X-Accel-Redirect"].startswith(f"{PREFIX}{media_root.asset.asset_id}/")
    bad = await api.get(segments[0].replace("seg_00001", "seg_99999"))
    assert bad.status == 404 and "X-Accel-Redirect" not in bad.headers


async def test_the_app_checks_link_tokens_itself(api: TestClient, media_root: MediaRoot) -> None:
    """The same link URLs work without nginx: the app verifies the MD5 and refuses a changed one."""
    viewer = await new_viewer(api)
    cid = await add_title(api)
    _, body, _ = await manifest(api, viewer, cid, headers={"Downlink": "0.9"})
    playlist_url = local(body["qualities"][0]["url"])
    token = playlist_url.split("/")[4]
    assert LINK_SEP in token and token.split(LINK_SEP)[2] == viewer.user_id
    _, segments = await media_playlist(api, body["qualities"][0]["url"])
    assert (await api.get(segments[0])).status == 200
    md5, rest = token.split(LINK_SEP, 1)
    forged = ("A" if md5[0] != "A" else "B") + md5[1:]
    assert (await api.get(segments[0].replace(token, f"{forged}{LINK_SEP}{rest}"))).status == 403
    other = next(r for r in media_root.asset.renditions if f"/{r.directory}/" not in playlist_url)
    here = next(r for r in media_root.asset.renditions if f"/{r.directory}/" in playlist_url)
    moved = segments[0].replace(f"/{here.directory}/", f"/{other.directory}/")
    assert (await api.get(moved)).status == 403
    # the master, subtitles and the steered stream keep HMAC tokens (the app serves them)
    assert LINK_SEP not in body["manifest_url"] and LINK_SEP not in body["steered_url"]


def test_bad_prefix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, media_accel_redirect="protected")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


DEPLOY_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"


def _nginx_conf(tmp_path: Path, *, front: int, app_port: int, media: Path) -> Path:
    """deploy/nginx.conf itself, pointed at the test app, port and media dir, inside a minimal main config."""
    site = DEPLOY_CONF.read_text(encoding="utf-8")
    for old, new in (("server server:8080;", f"server 127.0.0.1:{app_port};"),
                     ("listen 80;", f"listen 127.0.0.1:{front};"), ("/srv/media/", f"{media}/"),
                     ("/var/cache/nginx/", f"{tmp_path}/cache/"), ("/var/log/nginx/", f"{tmp_path}/"),
                     ("${OTT_MEDIA_LINK_SECRET}", LINK_SECRET)):
        assert old in site, f"deploy/nginx.conf no longer has {old!r}"
        site = site.replace(old, new)
    (tmp_path / "cache").mkdir(exist_ok=True)
    conf = tmp_path / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""  # workers must read pytest's (0700) base temp dir
    conf.write_text(f"""
{user}
daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;
events {{}}
http {{
  access_log off; client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
  fastcgi_temp_path {tmp_path}/fcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
  {site}
}}
""")
    return conf


def test_packaged_files_are_readable_by_other_users(media_root: MediaRoot) -> None:
    asset_dir = media_root.root / media_root.asset.asset_id
    for path in [asset_dir, *asset_dir.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o755 if path.is_dir() else 0o644), f"{path}: {oct(mode)}"


@pytest.fixture
def nginx_exe() -> str:
    """The nginx binary (installed by ``scripts/ensure-system-packages.sh test``)."""
    exe = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(exe).exists():
        pytest.skip("nginx is not installed (scripts/ensure-system-packages.sh test installs nginx-light)")
    return exe


async def test_nginx_sends_the_file_the_app_authorised(api: TestClient, media_root: MediaRoot,
                                                        tmp_path: Path, nginx_exe: str) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    front = _free_port()
    assert api.server.port is not None
    conf = _nginx_conf(tmp_path, front=front, app_port=api.server.port, media=media_root.root)
    proc = await asyncio.create_subprocess_exec(nginx_exe, "-c", str(conf), "-p", str(tmp_path),
                                                stderr=asyncio.subprocess.DEVNULL)
    try:
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{front}") as http:
            for _ in range(100):  # nginx takes a moment to bind
                try:
                    async with http.get("/health") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            async with http.get(f"/api/v1/stream/{cid}/manifest", params={"profile_id": viewer.profile_id},
                                headers={**viewer.headers, "Downlink": "0.9"}) as resp:
                assert resp.status == 200
                body = await resp.json()
            # nginx passes Host with its port, so the URLs handed out point back at the front
            assert body["qualities"][0]["url"].startswith(f"http://127.0.0.1:{front}/")
            playlist_url = local(body["qualities"][0]["url"])
            rendition = next(r for r in media_root.asset.renditions if f"/{r.playlist}" in playlist_url)
            on_disk = media_root.root / media_root.asset.asset_id / rendition.directory
            async with http.get(playlist_url) as resp:  # the packaged index.m3u8, sent by nginx
                text = await resp.text()
                assert resp.status == 200 and resp.headers["Content-Type"] == "application/vnd.apple.mpegurl"
                assert resp.headers.getall("Cache-Control") == ["private, max-age=2"]
                assert text == (on_disk / "index.m3u8").read_text(encoding="utf-8")
            playlist = m3u8.M3U8(text, strict=True)
            segment = urljoin(playlist_url, playlist.segments[0].uri)
            for seg in playlist.segments:
                async with http.get(urljoin(playlist_url, seg.uri)) as resp:
                    data = await resp.read()
                    assert resp.status == 200 and "X-Accel-Redirect" not in resp.headers
                    assert resp.headers.getall("Cache-Control") == ["public, max-age=31536000, immutable"]
                    assert data == (on_disk / seg.uri).read_bytes()
            # another rendition's directory with this rendition's token, or a forged token: refused
            other = next(r for r in media_root.asset.renditions if r.name != rendition.name)
            async with http.get(segment.replace(f"/{rendition.directory}/", f"/{other.directory}/")) as resp:
                assert resp.status == 403
            token = playlist_url.split("/")[4]
            forged = ("AA" if not token.startswith("AA") else "BB") + token[2:]
            async with http.get(segment.replace(f"/{token}/", f"/{forged}/")) as resp:
                assert resp.status == 403
            async with http.get(local(body["manifest_url"])) as resp:  # built by the app, cached by nginx
                master = await resp.text()
                assert resp.status == 200 and "X-Accel-Expires" not in resp.headers
            async with http.get(local(body["manifest_url"])) as resp:
                assert await resp.text() == master
            assert [p for p in (tmp_path / "cache" / "ott_playlists").rglob("*") if p.is_file()]
            async with http.get(local(body["steered_url"])) as resp:
                steered = m3u8.M3U8(await resp.text(), strict=True)
            async with http.get(urljoin(local(body["steered_url"]), steered.segments[0].uri)) as resp:
                assert resp.status == 200 and len(await resp.read()) > 0
                assert resp.headers.getall("Cache-Control") == ["no-store"]
            async with http.get(segment.replace("seg_00001", "seg_99999")) as resp:
                assert resp.status == 404
            async with http.get(f"{PREFIX}{media_root.asset.asset_id}/{rendition.directory}/seg_00001.ts") as resp:
                assert resp.status == 404  # the internal location is not reachable from outside
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), timeout=10)


async def test_nginx_checks_link_tokens_without_the_app(media_root: MediaRoot, tmp_path: Path,
                                                         nginx_exe: str) -> None:
    """nginx's secure_link accepts exactly the link tokens the app's signer makes and the app accepts:
    the upstream here is a closed port, so every answer below is nginx's own."""
    signer = UrlSigner(secret=b"h" * 32, link_secret=LINK_SECRET.encode())
    asset = media_root.asset
    rendition = asset.renditions[0]
    directory = rendition.directory.rstrip("/") + "/"
    sid, uid = "6f1d8a52-7a0e-4b8e-9d0c-1c2b3a4d5e6f", "0b7c1f7e-1111-4e8e-9d0c-1c2b3a4d5e6f"
    now = int(time.time())

    def url(*, expires: int, session: str = sid, scope: str = directory, file: str = "index.m3u8") -> str:
        token = signer.link_token(Grant(session_id=session, user_id=uid, asset_id=asset.asset_id, scope=scope,
                                        expires=expires))
        return f"/media/s/{session}/{token}/{scope}{file}"

    good = url(expires=now + 600)
    seg = rendition.segments[0].uri
    assert signer.verify(session_id=sid, token=good.split("/")[4], path=f"{directory}{seg}", now=now).user_id == uid
    front = _free_port()
    conf = _nginx_conf(tmp_path, front=front, app_port=_free_port(), media=media_root.root)
    proc = await asyncio.create_subprocess_exec(nginx_exe, "-c", str(conf), "-p", str(tmp_path),
                                                stderr=asyncio.subprocess.DEVNULL)
    on_disk = media_root.root / asset.asset_id / directory
    try:
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{front}") as http:
            for _ in range(200):  # nginx takes a moment to bind
                try:
                    async with http.get(good) as resp:
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            async with http.get(good) as resp:
                assert resp.status == 200
                assert await resp.read() == (on_disk / "index.m3u8").read_bytes()
            async with http.get(good.replace("index.m3u8", seg)) as resp:
                assert resp.status == 200 and resp.headers["Content-Type"] == "video/mp2t"
                assert await resp.read() == (on_disk / seg).read_bytes()
            token = good.split("/")[4]
            md5, rest = token.split(LINK_SEP, 1)
            other_dir = next((a.directory for a in asset.audio), None) or asset.renditions[-1].directory
            refused = [
                url(expires=now - 1),  # expired
                good.replace(f"/{sid}/", "/7f1d8a52-7a0e-4b8e-9d0c-1c2b3a4d5e6f/"),  # another session
                good.replace(token, f"{'A' if md5[0] != 'A' else 'B'}{md5[1:]}{LINK_SEP}{rest}"),  # forged
                good.replace(token, token.replace(str(now + 600), str(now + 6000))),  # expiry moved
                good.replace(token, token.replace(uid, uid.replace("0b7c", "0b7d"))),  # another viewer
                good.replace(f"/{directory}", f"/{other_dir.rstrip('/')}/"),  # another directory
            ]
            assert other_dir.rstrip("/") + "/" != directory
            for bad in refused:
                async with http.get(bad) as resp:
                    assert resp.status == 403, bad
            async with http.get(good.replace("index.m3u8", "seg_99999.ts")) as resp:
                assert resp.status == 404
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), timeout=10)
    # the front's access log (written in 4 kB blocks) holds every request once nginx has stopped
    lines = (tmp_path / "access.log").read_text(encoding="utf-8").splitlines()
    statuses = [line.split('"')[2].split()[0] for line in lines if f"/{sid}/" in line or "/7f1d8a52-" in line]
    assert statuses.count("200") >= 2 and statuses.count("403") == len(refused) and statuses[-1] == "404"
