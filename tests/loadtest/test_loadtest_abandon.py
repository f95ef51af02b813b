"""Abandonment in the simulated player, and the link under it: fake clock, fake server, no Locust runtime.

The player offers each segment download to `AbrController.should_abandon` every 250 ms (media/ABR.md
"Driving it"); a link that drops from 4g to 2g in the middle of a 720p segment must end in an
abandonment and the same segment requested again at a lower rung; a steady link never does.
"""

from __future__ import annotations

from typing import Any

import pytest

from loadtest.link import HEADER_BYTES, PacedLink, Progress
from loadtest.player import PlayerConfig, Reply, SessionReport, SimulatedPlayer
from media.abr import AbrController
from netem_profiles import Schedule, ScheduleStep, load_profile
from tests.loadtest.fakes import FakeClock, FakeServer

Figures = list[tuple[str, float, dict[str, Any]]]


def drop(after_s: float) -> Schedule:
    """4g for ``after_s`` seconds, then 2g for good."""
    return Schedule(name="drop", steps=(ScheduleStep(load_profile("4g"), after_s),
                                        ScheduleStep(load_profile("2g"), None)))


def play(source: Schedule | str, server: FakeServer, *, clock: FakeClock,
         max_buffer_s: float = 6.0) -> tuple[SessionReport, Figures, PacedLink]:
    """One session over ``source`` (schedule time 0 = the play command), its figures and its link."""
    link = PacedLink(source, clock=clock, sleep=clock.sleep)
    link.connected = True
    figures: Figures = []
    player = SimulatedPlayer(transport=server, link=link, profile_id="p", network="test",
                             config=PlayerConfig(max_buffer_s=max_buffer_s, send_net_hint=False),
                             emit=lambda k, v, e: figures.append((k, v, e)))
    return player.play(content_id="c"), figures, link


def test_a_4g_to_2g_drop_mid_segment_abandons_and_refetches_lower() -> None:
    clock = FakeClock()
    server = FakeServer(segments=6, order=("720p", "360p", "144p"))
    # 4g: stream start ≈ 1.4 s (four API round trips + a 720p segment), the next 720p segment is
    # done ≈ 2.2 s, the one after is in flight when the link drops at 2.5 s (650 kB at 280 kbit/s: 19 s).
    report, figures, link = play(drop(2.5), server, clock=clock)

    assert report.error is None and report.completed and report.segments == 6
    assert report.abandons >= 1
    first = next(i for i, (rung, _) in enumerate(server.segment_gets) if rung != "720p")
    abandoned_rung, number = server.segment_gets[first - 1]
    rung, again = server.segment_gets[first]
    assert abandoned_rung == "720p" and number >= 2  # not the first segment: no buffer, no abandonment
    assert again == number and server.kbps[rung] < server.kbps["720p"]  # the same segment, a lower rung
    # every segment once, except one more request (at a lower rung) per abandonment
    pairs = list(zip(server.segment_gets, server.segment_gets[1:], strict=False))
    repeats = [(a, b) for a, b in pairs if a[1] == b[1]]
    assert len(repeats) == report.abandons and all(server.kbps[b[0]] < server.kbps[a[0]] for a, b in repeats)
    assert [n for _, n in server.segment_gets ] == sorted(n for _, n in server.segment_gets)
    assert {n for _, n in server.segment_gets} == set(range(1, 7))

    switches = [(v, e) for k, v, e in figures if k == "bitrate_switch"]
    abandon = [(v, e) for v, e in switches if e["reason"] == "abandon"]
    assert abandon, switches
    ms, rec = abandon[0]
    assert rec["from"] == "720p" and rec["to"] != "720p" and rec["direction"] == "down" and rec["segment"] == number
    # abandon → first frame of the lower rung: by its last byte, but for the media the player's decoders still
    # hold when it ran dry (mpv: held_s, loadtest/player_models.toml), which plays first
    from loadtest.player_models import load_model

    assert 0 < ms <= rec["segment_ms"] + load_model("mpv").held_s * 1000 + 1e-6
    full_720p = server.segment_bytes("720p") + HEADER_BYTES
    assert 0 < rec["wasted_bytes"] < full_720p  # part of the 720p segment arrived, not all of it
    assert report.wasted_bytes >= rec["wasted_bytes"]
    ended = {k: e for k, _, e in figures if k == "rebuffer_ratio"}
    assert ended["rebuffer_ratio"]["abandons"] == report.abandons
    assert ended["rebuffer_ratio"]["wasted_bytes"] == report.wasted_bytes
    # the link carried the completed segments and the wasted part, never the unsent rest
    kept = [server.segment_bytes(rung) + HEADER_BYTES for (rung, n), nxt in
            zip(server.segment_gets, [*server.segment_gets[1:], None], strict=True) if nxt is None or nxt[1] != n]
    assert link.bytes_down - report.wasted_bytes - sum(kept) == sum(
        len(body) + HEADER_BYTES for body in server.other_bodies)


@pytest.mark.parametrize(("profile", "order", "longest_s"), [
    ("3g", ("360p", "144p", "720p"), 1.0),  # 360p: ~1.05 s a segment, judged past half a segment
    ("4g", ("720p", "360p", "144p"), 0.5),  # 720p: ~0.75 s a segment
])
def test_a_steady_link_never_abandons(profile: str, order: tuple[str, ...], longest_s: float,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[float] = []
    real = AbrController.should_abandon

    def spy(self: AbrController, progress: Any) -> Any:
        asked.append(progress.elapsed_s)
        return real(self, progress)

    monkeypatch.setattr(AbrController, "should_abandon", spy)
    clock = FakeClock()
    server = FakeServer(segments=6, order=order)
    report, figures, _ = play(profile, server, clock=clock)

    assert report.error is None and report.completed and report.segments == 6
    assert max(asked) >= longest_s  # the controller was really asked, mid-download
    assert report.abandons == 0 and report.wasted_bytes == 0
    assert [n for _, n in server.segment_gets] == [1, 2, 3, 4, 5, 6]
    assert not [e for k, _, e in figures if k == "bitrate_switch" and e["reason"] == "abandon"]


def test_a_watched_download_stops_where_it_was_abandoned() -> None:
    clock = FakeClock()
    link = PacedLink("2g", clock=clock, sleep=clock.sleep)
    link.connected = True
    body = b"x" * 100_000
    seen: list[Progress] = []

    def watch(progress: Progress) -> bool:
        seen.append(progress)
        return progress.elapsed_s >= 1.5 - 1e-9

    paced = link.exchange(lambda: Reply(200, body, {}), size=lambda r: len(r.body), watch=watch)
    assert paced.abandoned and paced.finished == pytest.approx(1000.0 + 1.5)
    assert [round(p.elapsed_s, 6) for p in seen] == [0.25, 0.5, 0.75, 1.0, 1.25, 1.5]
    assert [p.loaded_bytes for p in seen[:3]] == [0, 0, 0]  # the first byte needs one 800 ms round trip
    loads = [p.loaded_bytes for p in seen]
    assert loads == sorted(loads) and all(p.total_bytes == len(body) + HEADER_BYTES for p in seen)
    rate = load_profile("2g").down_kbps * 1000 / 8  # bytes/s
    assert paced.nbytes == seen[-1].loaded_bytes
    assert paced.nbytes <= rate * (1.5 - 0.8) + 3000  # never faster than 2g (+ the 10 ms burst and a packet)
    assert paced.nbytes >= rate * (1.5 - 0.8) * 0.9
    assert link.bytes_down == paced.nbytes
    # the unsent rest does not hold the link: the next small reply takes about one round trip
    nxt = link.exchange(lambda: Reply(200, b"{}", {}), size=lambda r: len(r.body))
    assert nxt.duration_s < 0.8 + 0.2


def test_a_schedule_step_mid_download_slows_the_rest_of_it() -> None:
    clock = FakeClock()
    link = PacedLink(drop(1.0), clock=clock, sleep=clock.sleep)
    link.connected = True
    body = b"x" * 400_000
    paced = link.exchange(lambda: Reply(200, body, {}), size=lambda r: len(r.body))
    # 4g until 1.0 s (first byte at 0.17 s: ~0.93 MB could go), but 400 kB at 9 Mbit/s needs 0.36 s:
    # done on 4g. A 1.2 MB download begun at the same point must finish the rest at 280 kbit/s.
    assert paced.duration_s < 0.6
    clock2 = FakeClock()
    link2 = PacedLink(drop(1.0), clock=clock2, sleep=clock2.sleep)
    link2.connected = True
    big = b"x" * 1_200_000
    slow = link2.exchange(lambda: Reply(200, big, {}), size=lambda r: len(r.body))
    fast, slow_rate = (load_profile(p).down_kbps * 1000 / 8 for p in ("4g", "2g"))
    # bytes leave the server from 0.085 s (half the 4g RTT) to the step at 1.0 s at 4g (+ its 10 ms burst,
    # + at most one 5.6 kB piece booked just before the step), the rest at 2g; arrival half an RTT later
    latest = 1.0 + (len(big) + HEADER_BYTES - fast * 0.915) / slow_rate + 0.085
    earliest = 1.0 + (len(big) + HEADER_BYTES - fast * 0.925 - 5625) / slow_rate + 0.085
    assert earliest <= slow.finished - 1000.0 <= latest
    assert slow.finished - 1000.0 > 4 * (0.17 + len(big) / fast)  # far slower than all of it at 4g
    assert slow.received_at(len(big) // 2) < 1000.0 + 1.0 + 0.085  # the first half came at 4g


def test_start_schedule_restarts_the_timeline_at_the_play_command() -> None:
    clock = FakeClock()
    link = PacedLink(drop(2.0), clock=clock, sleep=clock.sleep)
    clock.sleep(30.0)  # long after the link was made: 2g by now
    assert link.profile_name == "2g"
    link.start_schedule()
    assert link.profile_name == "4g" and link.down_kbps() == load_profile("4g").down_kbps
    clock.sleep(2.5)
    assert link.profile_name == "2g"
