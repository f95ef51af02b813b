"""The server's throughput estimate from delivery, with real mpv through the shaping proxy (2g, 3g, 4g)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from media import python_mpv_kwargs, streaming_options
from netem_profiles import ShapingProxy, load_profile
from server import keys
from server.streaming import throughput
from server.streaming.state import batcher
from tests.helpers import new_viewer
from tests.streaming.conftest import add_title, manifest
from tests.streaming.test_streaming_mpv import Player, mpv

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["system"], indirect=True)]


def via(url: str, port: int) -> str:
    """``url`` with the proxy's origin."""
    from urllib.parse import urlsplit, urlunsplit

    u = urlsplit(url)
    return urlunsplit((u.scheme, f"127.0.0.1:{port}", u.path, u.query, u.fragment))


# The pinned rung keeps segments well above the link's bandwidth-delay product (a segment smaller
# than that mostly measures the round trip, for any estimator).
@pytest.mark.parametrize(("profile", "rung"), [("2g", "360p"), ("3g", "360p"), ("4g", "720p")])
async def test_estimate_from_delivery_lies_within_25_percent_of_the_link(api: TestClient, profile: str,
                                                                        rung: str) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    _, body, _ = await manifest(api, viewer, cid)
    sid = body["session_id"]
    pin = await api.put(f"/api/v1/stream/sessions/{sid}/rendition", json={"rendition": rung}, headers=viewer.headers)
    assert pin.status == 200
    link = load_profile(profile).down_kbps
    async with ShapingProxy(profile, upstream=(str(api.server.host), int(api.server.port or 0))) as proxy:
        player = Player(**python_mpv_kwargs(streaming_options()))
        try:
            player.mpv.play(via(body["steered_url"], proxy.port))
            assert await player.wait(lambda: player.ended is not None, within=120)
            assert player.ended == mpv.MpvEventEndFile.EOF
        finally:
            player.close()
    settings = api.app[keys.SETTINGS]
    await batcher(api.app).flush()
    log = await throughput.request_log(api.app[keys.REDIS], namespace=settings.redis_namespace,
                                       user_id=viewer.user_id)
    est = await throughput.estimate(api.app[keys.REDIS], namespace=settings.redis_namespace, user_id=viewer.user_id)
    print(profile, link, est, [(round(r.at - log[0].at, 2), r.nbytes, r.media_s, r.new_connection) for r in log])
    assert est is not None and est.samples >= 2
    assert 0.75 * link <= est.kbps <= 1.25 * link, (est, link)
