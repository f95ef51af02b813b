"""Players without ABR (mpv/ffmpeg by User-Agent, or ``?player=mpv``) get the steered playlist at the master URL
(or, asking for an extra audio language, a one-variant master around it)."""

from __future__ import annotations

import m3u8
import pytest
from aiohttp.test_utils import TestClient

from server.streaming.players import lacks_abr
from tests.helpers import new_viewer
from tests.streaming.conftest import add_title, local, manifest

# What the real players send (mpv 0.35 stream, ffmpeg 5.1 HLS demuxer, hls.js in Chrome, dash.js in
# Firefox, Safari's AVPlayer, ExoPlayer).
NO_ABR_AGENTS = ("libmpv", "mpv 0.35.1", "Lavf/59.27.100")
ABR_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "AppleCoreMedia/1.0.0.21C62 (iPhone; U; CPU OS 17_2 like Mac OS X; en_us)",
    "ExoPlayerLib/2.19.1",
)


def test_user_agents_without_abr_are_recognised() -> None:
    assert all(lacks_abr(user_agent=ua) for ua in NO_ABR_AGENTS)
    assert not any(lacks_abr(user_agent=ua) for ua in ABR_AGENTS)
    assert not lacks_abr(user_agent=None) and not lacks_abr(user_agent="")
    assert lacks_abr(user_agent=ABR_AGENTS[0], player="mpv")
    assert not lacks_abr(user_agent="libmpv", player="hlsjs")


@pytest.mark.parametrize("backend", ["system"], indirect=True)
async def test_master_for_mpv_is_the_steered_playlist_and_players_with_abr_get_the_ladder(api: TestClient) -> None:
    viewer = await new_viewer(api)
    cid = await add_title(api)
    status, body, _ = await manifest(api, viewer, cid)
    assert status == 200, body
    ladder = [q["quality"] for q in body["qualities"]]
    assert len(ladder) > 1
    url = local(body["manifest_url"])
    steered = m3u8.loads(await (await api.get(local(body["steered_url"]), headers={"User-Agent": "libmpv"})).text())
    for ua in NO_ABR_AGENTS:
        # nothing to choose beyond the muxed audio: the steered media playlist itself, one document less
        resp = await api.get(url, headers={"User-Agent": ua})
        assert resp.status == 200
        direct = m3u8.loads(await resp.text())
        assert not direct.is_variant and direct.is_endlist
        assert [s.duration for s in direct.segments] == [s.duration for s in steered.segments]
        assert all("/video/auto/seg_" in s.uri and s.uri.startswith("/media/s/") for s in direct.segments)
        first = await api.get(direct.segments[0].uri, headers={"User-Agent": ua})
        assert first.status == 200 and first.headers["X-OTT-Rendition"] in ladder  # steered (auto mode)
    # an extra audio language: the one-variant master (the steered playlist plus the audio renditions)
    with_hindi = m3u8.loads(await (await api.get(url + "?audio=hi", headers={"User-Agent": "libmpv"})).text())
    assert len(with_hindi.playlists) == 1
    variant = with_hindi.playlists[0]
    assert variant.uri.endswith("/video/auto/index.m3u8")
    start = next(q for q in body["qualities"] if q["quality"] == body["start"])
    assert variant.stream_info.resolution == (start["width"], start["height"])
    assert {m.language for m in with_hindi.media if m.type == "AUDIO"} == {"en", "hi"}
    assert {m.language for m in with_hindi.media if m.type == "SUBTITLES"} == {"en", "hi"}
    assert (await api.get(local(variant.uri), headers={"User-Agent": "libmpv"})).status == 200
    forced = m3u8.loads(await (await api.get(url + "?player=mpv", headers={"User-Agent": ABR_AGENTS[0]})).text())
    assert not forced.is_variant and forced.segments
    for ua in ABR_AGENTS:
        full = m3u8.loads(await (await api.get(url, headers={"User-Agent": ua})).text())
        assert [p.stream_info.resolution[1] for p in full.playlists] == \
            [q["height"] for q in body["qualities"]], ua
        assert {m.language for m in full.media if m.type == "AUDIO"} == {"en", "hi"}
