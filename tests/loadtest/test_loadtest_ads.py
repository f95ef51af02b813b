"""The AdViewer's ad playback with tracking beacons (documents from the server's own builders, read
strictly by media.ads), against a scripted server and a fake clock (no Locust runtime, no sockets)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from loadtest.adplay import AdConfig, AdSession
from loadtest.link import PacedLink
from loadtest.player import Reply
from server.ads import documents
from tests.loadtest.conftest import FLAP
from tests.loadtest.test_loadtest_pacing import FakeClock

BASE = "http://127.0.0.1:9"
AD1, AD2 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
SESSION = "33333333-3333-4333-8333-333333333333"


def tracker(ad_id: str, event: str) -> str:
    return f"{BASE}/api/v1/ads/track?session_id={SESSION}&ad_id={ad_id}&event={event}"


def creative(ad_id: str, *, skip: int | None) -> documents.Creative:
    return documents.Creative(ad_id=ad_id, title="Chai", advertiser="Acme", duration_s=8.0,
                              media_url=f"{BASE}/media/ad/{ad_id}/master.m3u8", width=640, height=360,
                              bitrate_kbps=500, click_url="https://example.com", skip_after_s=skip)


def vmap_bytes() -> bytes:
    breaks = [documents.VmapBreak(kind="pre-roll", offset_s=0, index=1,
                                  creatives=[creative(AD1, skip=5), creative(AD2, skip=None)]),
              documents.VmapBreak(kind="post-roll", offset_s=8, index=2, creatives=[creative(AD2, skip=None)])]
    return documents.to_bytes(documents.vmap_element(breaks, tracker=tracker))


MASTER = """#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=300000,AVERAGE-BANDWIDTH=250000,RESOLUTION=256x144
144p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=700000,AVERAGE-BANDWIDTH=600000,RESOLUTION=640x360
360p/index.m3u8
"""


def playlist(count: int) -> str:
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:2", "#EXT-X-MEDIA-SEQUENCE:1"]
    for i in range(count):
        lines += ["#EXTINF:2.0,", f"seg{i}.ts"]
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


class AdServer:
    """Answers the ad-supported start like the real server; records every request with the fake time."""

    def __init__(self, clock: FakeClock, *, ads: bool = True, vmap: bytes | None = None) -> None:
        self.clock = clock
        self.ads = ads
        self.vmap = vmap_bytes() if vmap is None else vmap
        self.log: list[tuple[float, str, str]] = []

    def __call__(self, method: str, url: str, *, name: str, json: Any = None,
                 context: dict[str, Any] | None = None) -> Reply:
        self.log.append((self.clock.now, name, url))
        path = urlsplit(url).path
        if path == "/api/v1/stream/playback/start":
            ads = [{"type": "pre-roll", "url": "x", "duration": 8.0}] * 2 if self.ads else []
            return self.json({"session_id": SESSION, "ads": ads})
        if path == "/api/v1/ads/vmap":
            assert parse_qs(urlsplit(url).query)["session_id"] == [SESSION]
            return Reply(200, self.vmap, {})
        if path.startswith("/api/v1/ads/vast/"):
            ad = path.rsplit("/", 1)[1]
            return Reply(200, documents.to_bytes(documents.vast_element(
                [creative(ad, skip=5 if ad == AD1 else None)], tracker=tracker)), {})
        if path == "/api/v1/ads/track":
            return self.json({"recorded": True, "counted": False})
        if path.endswith("/manifest"):
            return self.json({"manifest_url": f"{BASE}/media/content/master.m3u8"})
        if path.endswith("master.m3u8"):
            return Reply(200, MASTER.encode(), {})
        if path.endswith("index.m3u8"):
            return Reply(200, playlist(4).encode(), {})
        if path.endswith(".ts"):
            return Reply(200, b"\0" * 20_000, {})
        return Reply(404, b"{}", {})

    @staticmethod
    def json(body: dict[str, Any]) -> Reply:
        return Reply(200, json.dumps(body).encode(), {})

    def beacons(self) -> list[tuple[float, str, str]]:
        """(time, ad id, event) of every tracking request."""
        out = []
        for t, _, url in self.log:
            q = parse_qs(urlsplit(url).query)
            if urlsplit(url).path == "/api/v1/ads/track":
                out.append((t, q["ad_id"][0], q["event"][0]))
        return out


def run(profile: str, *, skip_rate: float, ads: bool = True) -> tuple[AdServer, list[tuple[str, float, dict]], Any]:
    clock = FakeClock()
    server = AdServer(clock, ads=ads)
    figures: list[tuple[str, float, dict]] = []
    link = PacedLink(profile, clock=clock, sleep=clock.sleep)
    session = AdSession(transport=server, link=link, profile_id="p", network=profile,
                        config=AdConfig(max_buffer_s=4, skip_rate=skip_rate, click_rate=0.0),
                        emit=lambda kind, value, extra: figures.append((kind, value, extra)))
    report = session.run(content_id="c1")
    assert report.error is None, report.error
    return server, figures, report


def test_the_pre_roll_pod_is_played_in_real_time_with_every_beacon_in_order() -> None:
    server, figures, report = run("4g", skip_rate=0.0)
    names = [n for _, n, _ in server.log]
    assert names[:3] == ["/api/v1/stream/playback/start", "/api/v1/ads/vmap", "/api/v1/ads/vast/[id]"]
    assert names[-4:] == ["/api/v1/stream/[id]/manifest", "/media/[master]", "/media/[playlist]", "/media/[segment]"]
    beacons = server.beacons()
    for ad in (AD1, AD2):
        events = [e for _, a, e in beacons if a == ad]
        assert events == ["impression", "start", "firstQuartile", "midpoint", "thirdQuartile", "complete"]
        times = {e: t for t, a, e in beacons if a == ad}
        # 8 s of ad at real-time pace: quartiles 2 s apart (plus the beacon's own round trip on 4g)
        assert times["midpoint"] - times["firstQuartile"] == pytest.approx(2.0, abs=0.4)
        assert times["complete"] - times["impression"] >= 8.0 - 1e-6  # first frame → end of the ad
    assert report.ads_played == report.ads_completed == 2 and report.ads_skipped == 0
    kinds = [k for k, _, _ in figures]
    assert kinds.count("ad_start") == 1 and kinds.count("ad_view") == 2 and kinds.count("ad_content_start") == 1
    fill = next(v for k, v, _ in figures if k == "ad_fill")
    assert fill == 100.0
    start = next(v for k, v, _ in figures if k == "ad_start")
    content = next(v for k, v, _ in figures if k == "ad_content_start")
    assert content - start >= 16_000  # the pod (2 × 8 s) is watched before the content starts


def test_a_skipper_skips_after_the_skip_offset_of_a_skippable_ad_only() -> None:
    server, _, report = run("4g", skip_rate=1.0)
    first = [e for _, a, e in server.beacons() if a == AD1]
    assert first[-1] == "skip" and "complete" not in first and "thirdQuartile" not in first
    second = [e for _, a, e in server.beacons() if a == AD2]
    assert second[-1] == "complete"  # not skippable
    assert report.ads_skipped == 1 and report.ads_completed == 1


def test_no_pre_roll_means_no_vmap_and_a_zero_fill() -> None:
    server, figures, report = run("4g", skip_rate=0.0, ads=False)
    assert "/api/v1/ads/vmap" not in [n for _, n, _ in server.log]
    assert ("ad_fill", 0.0) in [(k, v) for k, v, _ in figures] and report.content_start_s is not None


def test_ad_start_on_2g_is_slower_than_on_4g_and_above_its_round_trips() -> None:
    _, slow, _ = run("2g", skip_rate=0.0)
    _, fast, _ = run("4g", skip_rate=0.0)
    slow_ms = next(v for k, v, _ in slow if k == "ad_start")
    fast_ms = next(v for k, v, _ in fast if k == "ad_start")
    assert slow_ms > fast_ms
    assert slow_ms >= 7 * 800  # connect + start + VMAP + VAST + master + playlist + segment at 800 ms RTT


@pytest.mark.parametrize("doc", [b"<nope", b"<VAST/>", b'<?xml version="1.0"?><html/>',
                                 vmap_bytes().replace(b"<Duration>", b"<Duration>8 s", 1)])
def test_an_unreadable_or_unplayable_vmap_ends_the_session_with_an_error(doc: bytes) -> None:
    clock = FakeClock()
    server = AdServer(clock, vmap=doc)
    session = AdSession(transport=server, link=PacedLink("4g", clock=clock, sleep=clock.sleep), profile_id="p",
                        network="4g")
    report = session.run(content_id="c1")
    assert report.error and report.ads_played == 0
    assert "/api/v1/ads/vast/[id]" not in [n for _, n, _ in server.log]


# ------------------------------------------------------------------ a link that collapses mid-ad; the run's end
LADDER_MASTER = """#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=300000,AVERAGE-BANDWIDTH=250000,RESOLUTION=256x144
144p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=700000,AVERAGE-BANDWIDTH=600000,RESOLUTION=640x360
360p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2800000,AVERAGE-BANDWIDTH=2500000,RESOLUTION=1280x720
720p/index.m3u8
"""


class LadderAdServer(AdServer):
    """An ad with a 144p/360p/720p ladder whose 2 s segments weigh what their rung's bitrate says."""

    def __call__(self, method: str, url: str, *, name: str, json: Any = None,
                 context: dict[str, Any] | None = None) -> Reply:
        path = urlsplit(url).path
        if path.startswith("/media/ad/") and path.endswith("master.m3u8"):
            self.log.append((self.clock.now, name, url))
            return Reply(200, LADDER_MASTER.encode(), {})
        if path.startswith("/media/ad/") and path.endswith(".ts"):
            self.log.append((self.clock.now, name, url))
            kbps = {"144p": 250, "360p": 600, "720p": 2500}[path.split("/")[-2]]
            return Reply(200, b"\0" * (kbps * 1000 * 2 // 8), {})
        return super().__call__(method, url, name=name, json=json, context=context)

    def ad_segments(self) -> list[str]:
        """The rung of every ad segment requested, in order."""
        return [url.split("/")[-2] for _, name, url in self.log if name == "/media/[ad segment]"]


def flap_session(tmp_path: Path, clock: FakeClock, figures: list[tuple[str, float, dict]]) -> tuple[LadderAdServer,
                                                                                                   AdSession]:
    (tmp_path / "flap.toml").write_text(FLAP, encoding="utf-8")
    server = LadderAdServer(clock, vmap=documents.to_bytes(documents.vmap_element(
        [documents.VmapBreak(kind="pre-roll", offset_s=0, index=1, creatives=[creative(AD2, skip=None)])],
        tracker=tracker)))
    link = PacedLink(tmp_path / "flap.toml", clock=clock, sleep=clock.sleep)  # the schedule starts at play
    session = AdSession(transport=server, link=link, profile_id="p", network="flap",
                        config=AdConfig(max_buffer_s=6, skip_rate=0.0, click_rate=0.0),
                        emit=lambda kind, value, extra: figures.append((kind, value, extra)))
    return server, session


def test_an_ad_started_on_4g_steps_down_when_the_link_drops_to_2g_and_plays_to_its_end(tmp_path: Path) -> None:
    # the smoke run's flap viewer: the ad starts at 720p on 4g; 2 s after play the link is 2g (280 kbit/s) but
    # for 2 s of 4g every 12 s, where a 2 s 720p segment takes ~18 s: a player that keeps its start rung needs
    # 23.6 s (fake clock) for the 8 s ad, past the end of a 20 s smoke run; stepping down it needs 14.7 s
    clock = FakeClock()
    figures: list[tuple[str, float, dict]] = []
    server, session = flap_session(tmp_path, clock, figures)
    report = session.run(content_id="c1")
    assert report.error is None and report.ads_completed == report.ads_played == 1 and report.ads_cut == 0
    rungs = server.ad_segments()
    assert rungs[0] == "720p" and rungs[-1] == "144p"  # started on 4g, ended on the 2g rung
    ad_playlists = [url.split("/")[-2] for _, name, url in server.log if name == "/media/[ad playlist]"]
    assert ad_playlists[0] == "720p" and "144p" in ad_playlists and len(ad_playlists) == len(set(ad_playlists))
    (view,) = [(ms, extra) for kind, ms, extra in figures if kind == "ad_view"]
    ms, extra = view
    assert extra["played_s"] == 8.0 and extra["rendition"] == "144p" and extra["switches"] >= 1 and "cut" not in extra
    assert ms < 18_000
    events = [e for _, _, e in server.beacons()]
    assert events == ["impression", "start", "firstQuartile", "midpoint", "thirdQuartile", "complete"]


class Stopped(BaseException):
    """What Locust raises in a user's greenlet at the end of the run (GreenletExit is a BaseException too)."""


def test_an_ad_the_end_of_the_run_cuts_is_reported_as_cut_with_what_played() -> None:
    clock = FakeClock()
    figures: list[tuple[str, float, dict]] = []
    server = AdServer(clock)
    t0 = clock.now

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if clock.now - t0 > 6.0:  # the run ends while the first ad (8 s) plays
            raise Stopped

    link = PacedLink("4g", clock=clock, sleep=sleep)
    session = AdSession(transport=server, link=link, profile_id="p", network="4g",
                        config=AdConfig(max_buffer_s=4, skip_rate=0.0, click_rate=0.0),
                        emit=lambda kind, value, extra: figures.append((kind, value, extra)))
    with pytest.raises(Stopped):  # the user still stops: nothing swallows the kill
        session.run(content_id="c1")
    views = [extra for kind, _, extra in figures if kind == "ad_view"]
    assert len(views) == 1 and views[0]["ad_id"] == AD1
    view = views[0]
    assert view["cut"] is True and view["cut_reason"] == "Stopped" and view["length_s"] == 8.0
    assert 0 < view["played_s"] < 8.0 and view["skipped"] is False
    assert "complete" not in [e for _, a, e in server.beacons() if a == AD1]
    assert "/api/v1/ads/vast/[id]" in [n for _, n, _ in server.log]
    assert not [k for k, _, _ in figures if k == "ad_content_start"]


def test_a_killed_greenlet_reports_its_cut_ad_before_it_dies() -> None:
    # the real thing: Locust stops a user by killing its greenlet (GreenletExit at its next sleep); in a subprocess,
    # as gevent must not be imported into pytest's process
    script = """
import gevent
from loadtest.adplay import AdConfig, AdSession
from loadtest.link import PacedLink
from tests.loadtest.conftest import FLAP
from tests.loadtest.fakes import FakeClock
from tests.loadtest.test_loadtest_ads import AD1, AdServer

clock = FakeClock()
figures = []

def sleep(seconds):
    clock.sleep(seconds)
    gevent.sleep(0)  # a real sleep yields to the hub

session = AdSession(transport=AdServer(clock), link=PacedLink("4g", clock=clock, sleep=sleep), profile_id="p",
                    network="4g", config=AdConfig(skip_rate=0.0, click_rate=0.0),
                    emit=lambda kind, value, extra: figures.append((kind, extra)))
t0 = clock.now
user = gevent.spawn(session.run, content_id="c1")
while clock.now - t0 < 5.0 and not user.dead:
    gevent.sleep(0)
user.kill(block=True)
assert isinstance(user.value, gevent.GreenletExit), user.value
views = [extra for kind, extra in figures if kind == "ad_view"]
assert len(views) == 1 and views[0]["ad_id"] == AD1, views
assert views[0]["cut"] is True and views[0]["cut_reason"] == "GreenletExit", views
assert 0 < views[0]["played_s"] < 8.0, views
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr
