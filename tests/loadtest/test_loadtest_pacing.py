"""The simulated player's link and player against the profile, with a fake clock (no Locust runtime, no sockets)."""

from __future__ import annotations

from typing import Any

import pytest

from loadtest.link import HEADER_BYTES, PacedLink, Progress, Watch
from loadtest.player import PlayerConfig, Reply, SimulatedPlayer
from netem_profiles import load_profile
from tests.loadtest.fakes import FakeClock, FakeServer


def _never(progress: Progress) -> bool:
    return False


@pytest.mark.parametrize("watch", [None, _never], ids=["unwatched", "watched"])
@pytest.mark.parametrize("profile", ["2g", "3g", "4g"])
def test_a_viewer_cannot_download_faster_than_its_profile(profile: str, watch: Watch | None) -> None:
    clock = FakeClock()
    link = PacedLink(profile, clock=clock, sleep=clock.sleep)
    body = b"x" * 200_000
    total = 0
    for _ in range(20):  # the server answers instantly: only the link limits the viewer
        paced = link.exchange(lambda: Reply(200, body, {}), size=lambda r: len(r.body), watch=watch)
        assert not paced.abandoned and paced.nbytes == len(body) + HEADER_BYTES
        total += paced.nbytes
    elapsed = clock.now - 1000.0
    kbps = total * 8 / elapsed / 1000
    spec = load_profile(profile)
    assert kbps <= spec.down_kbps * 1.01  # the token bucket's 10 ms burst is the only slack
    assert kbps >= spec.down_kbps * 0.5  # and the link is used, not idle
    assert paced.ttfb_s == pytest.approx(spec.rtt_ms / 1000)


def test_every_request_costs_a_round_trip_and_the_first_opens_the_connection() -> None:
    clock = FakeClock()
    link = PacedLink("2g", clock=clock, sleep=clock.sleep)
    first = link.exchange(lambda: Reply(200, b"", {}), size=lambda r: len(r.body))
    second = link.exchange(lambda: Reply(200, b"", {}), size=lambda r: len(r.body))
    assert first.duration_s >= 2 * 0.8 - 1e-9  # connect + request round trips at 800 ms
    assert 0.8 - 1e-9 <= second.duration_s < 0.8 + HEADER_BYTES * 8 / 280_000 + 0.01


def test_a_slow_server_is_not_hidden_by_the_model() -> None:
    clock = FakeClock()
    link = PacedLink("5g", clock=clock, sleep=clock.sleep)

    def slow() -> Reply:
        clock.now += 3.0  # the server took 3 s
        return Reply(200, b"{}", {})

    paced = link.exchange(slow, size=lambda r: len(r.body))
    # the server's 3 s come on top of the round trips (connect + request at 30 ms), as through the proxy
    assert paced.duration_s == pytest.approx(3.0 + 2 * 0.030 + (len(b"{}") + HEADER_BYTES) * 8 / 50e6, abs=1e-3)


def test_a_3g_player_plays_at_real_time_pace_and_reports_every_figure() -> None:
    clock = FakeClock()
    link = PacedLink("3g", clock=clock, sleep=clock.sleep)
    link.connected = True
    server = FakeServer(segments=6)
    figures: list[tuple[str, float, dict[str, Any]]] = []
    player = SimulatedPlayer(transport=server, link=link, profile_id="p", network="3g",
                             config=PlayerConfig(max_buffer_s=4.0, position_every_s=5.0),
                             emit=lambda k, v, e: figures.append((k, v, e)))
    report = player.play(content_id="c")
    assert report.error is None and report.completed and report.segments == 6
    kinds = [k for k, _, _ in figures]
    assert kinds.count("stream_start") == 1 and "avg_bitrate" in kinds and "rebuffer_ratio" in kinds
    start_ms = next(v for k, v, _ in figures if k == "stream_start")
    floor_ms = next(e["floor_ms"] for k, _, e in figures if k == "stream_start")
    assert start_ms >= 0.95 * floor_ms >= 4 * 300  # playback/start, manifest, master, playlist, segment: 5 RTTs
    # 12 s of media with a 4 s buffer cannot be done much faster than real time
    assert clock.now - 1000.0 >= 12.0
    assert ("PUT", "/api/v1/stream/playback/position") in server.calls
    assert server.calls[-1] == ("POST", "/api/v1/stream/playback/complete")
    assert report.avg_kbps is not None and report.avg_kbps <= 1600  # the ABR never sustains more than the link
    assert report.rebuffer_ratio < 0.5


def test_a_2g_player_stays_on_the_lowest_rung() -> None:
    clock = FakeClock()
    link = PacedLink("2g", clock=clock, sleep=clock.sleep)
    player = SimulatedPlayer(transport=FakeServer(segments=4), link=link, profile_id="p", network="2g",
                             config=PlayerConfig(max_buffer_s=6.0))
    report = player.play(content_id="c")
    assert report.segments == 4
    assert set(report.kbps[1:]) == {250}  # 360p (600 kbit/s) cannot be sustained on 280 kbit/s


def test_a_failed_manifest_ends_the_session_without_figures() -> None:
    clock = FakeClock()
    link = PacedLink("4g", clock=clock, sleep=clock.sleep)

    def broken(method: str, url: str, **kw: Any) -> Reply:
        return Reply(404, b'{"title": "Not Found"}', {}) if "manifest" in url else FakeServer()(method, url, **kw)

    figures: list[str] = []
    report = SimulatedPlayer(transport=broken, link=link, profile_id="p", network="4g",
                             emit=lambda k, v, e: figures.append(k)).play(content_id="c")
    assert report.error is not None and "404" in report.error
    assert report.stream_start_s is None and figures == []
