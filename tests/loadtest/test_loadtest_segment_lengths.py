"""The simulated viewer's client ABR takes the title's segment lengths from the start playlist (EXTINF) before
its start choice: 4 s content is decided as 4 s segments, and the start choice sees a 3 s first segment."""

from __future__ import annotations

from typing import Any

import pytest

from loadtest import player as player_module
from loadtest.adplay import AdConfig, AdSession
from loadtest.link import PacedLink
from loadtest.player import PlayerConfig, Reply, SimulatedPlayer
from media import AbrController, Decision, StartHint
from tests.loadtest import test_loadtest_ads as ads
from tests.loadtest.fakes import FakeClock, FakeServer


class LengthsServer(FakeServer):
    """The fake server with media playlists of the given segment lengths (segments sized to them)."""

    def __init__(self, lengths: tuple[float, ...]) -> None:
        super().__init__(segments=len(lengths))
        self.lengths = lengths

    def _answer(self, url: str, *, name: str) -> Reply:
        if name != "/media/[playlist]":
            return super()._answer(url, name=name)
        lines = ["#EXTM3U", f"#EXT-X-TARGETDURATION:{round(max(self.lengths))}", "#EXT-X-MEDIA-SEQUENCE:1"]
        for i, d in enumerate(self.lengths, start=1):
            lines += [f"#EXTINF:{d:.3f},", f"/media/s/v/{url.split('/')[-2]}/seg_{i:05d}.ts"]
        return Reply(200, "\n".join([*lines, "#EXT-X-ENDLIST", ""]).encode(), {})


class Recording(AbrController):
    """The controller, remembering itself and the segment lengths its start choice saw."""

    made: list[Recording] = []  # noqa: RUF012

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.started_with: tuple[float | None, float] | None = None
        Recording.made.append(self)

    def choose_start(self, hint: StartHint | None = None) -> Decision:
        self.started_with = (self.config.first_segment_s, self.config.segment_s)
        return super().choose_start(hint)


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> list[Recording]:
    Recording.made = []
    monkeypatch.setattr(player_module, "AbrController", Recording)
    return Recording.made


def play(lengths: tuple[float, ...], profile: str = "3g") -> None:
    clock = FakeClock()
    link = PacedLink(profile, clock=clock, sleep=clock.sleep)
    report = SimulatedPlayer(transport=LengthsServer(lengths), link=link, profile_id="p1", network=profile,
                             config=PlayerConfig(send_net_hint=False)).play(content_id="c1")
    assert report.error is None and report.segments == len(lengths)


def test_a_4s_playlist_gives_the_client_abr_4s_segments(recording: list[Recording]) -> None:
    play((4.0,) * 6 + (1.5,))
    (ctl,) = recording
    assert (ctl.config.first_segment_s, ctl.config.segment_s) == (4.0, 4.0)
    assert ctl.started_with == (4.0, 4.0)


def test_the_start_choice_sees_the_3s_first_segment(recording: list[Recording]) -> None:
    play((3.0, 2.0, 2.0, 2.0, 2.0, 2.0))
    (ctl,) = recording
    assert ctl.started_with == (3.0, 2.0)
    assert ctl.config.segment_s == 2.0


def test_the_ad_start_choice_takes_the_pods_earlier_playlist(monkeypatch: pytest.MonkeyPatch) -> None:
    # a master lists no segment lengths and the creative's playlist comes after the start choice: the first ad
    # is chosen on the 2 s default, the next one on the first creative's 3 s + 2 s segments
    def playlist(count: int) -> str:
        lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:3", "#EXT-X-MEDIA-SEQUENCE:1", "#EXTINF:3.0,", "seg0.ts"]
        for i in range(1, count):
            lines += ["#EXTINF:2.0,", f"seg{i}.ts"]
        return "\n".join([*lines, "#EXT-X-ENDLIST", ""])

    monkeypatch.setattr(ads, "playlist", playlist)
    clock = FakeClock()
    figures: list[tuple[str, dict[str, Any]]] = []
    server = ads.AdServer(clock)
    session = AdSession(transport=server, link=PacedLink("3g", clock=clock, sleep=clock.sleep),
                        profile_id="p", network="3g", config=AdConfig(skip_rate=0.0, click_rate=0.0),
                        emit=lambda kind, value, extra: figures.append((kind, extra)))
    assert session.run(content_id="c1").error is None
    # 3g (1.6 Mbit/s, 300 ms): a 2 s segment of 360p (600 kbit/s) starts within 2 s, a 3 s one does not
    # (each ad's first segment is at its start rung; the ad's ABR may move later ones)
    firsts = [url.split("/")[-2] for _, name, url in server.log
              if name == "/media/[ad segment]" and url.endswith("seg0.ts")]
    assert firsts == ["360p", "144p"]


def test_the_client_abr_is_told_what_is_left_of_the_title(recording: list[Recording],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # near the end the controller spends its buffer on the last segments (#18): it needs the media from each
    # decided segment to the title's end
    told: list[float | None] = []
    on_buffer = Recording.on_buffer

    def spy(self: Recording, *, level_s: float, now: float, remaining_s: float | None = None) -> None:
        told.append(remaining_s)
        on_buffer(self, level_s=level_s, now=now, remaining_s=remaining_s)

    monkeypatch.setattr(Recording, "on_buffer", spy)
    play((3.0, 2.0, 2.0, 2.0, 2.0, 1.5))
    assert told == pytest.approx([9.5, 7.5, 5.5, 3.5, 1.5])  # segments 2–6 (the first is the start choice)
