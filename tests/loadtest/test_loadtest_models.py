"""Player models (#14): the simulated first frame is the arithmetic of its model, never below its floor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from loadtest.link import HEADER_BYTES, PacedLink
from loadtest.player import PlayerConfig, SimulatedPlayer
from loadtest.player_models import ModelError, hlsjs_start, load_model, load_models
from media import Variant
from netem_profiles import load_profile
from netem_profiles.pacing import default_burst
from tests.loadtest.fakes import MASTER_ORDER, FakeClock, FakeServer


def ts_segment(size: int, *, picture: int) -> bytes:
    """An MPEG-TS body of ``size`` bytes (a multiple of 188) whose first picture ends at byte ``picture``:
    a video PES starts in the first packet and the next one at ``picture``."""
    def packet(start: bool) -> bytes:
        head = bytes([0x47, 0x41 if start else 0x01, 0x00, 0x10])
        payload = b"\0\0\1\xe0" if start else b""
        return head + payload + b"\xff" * (184 - len(payload))
    return b"".join(packet(off in (0, picture)) for off in range(0, size, 188))


class TsServer(FakeServer):
    """FakeServer whose segments are MPEG-TS with the first picture ending at ``picture`` bytes."""

    def __init__(self, *, picture: int, **kw: Any) -> None:
        super().__init__(**kw)
        self.picture = picture

    def segment_bytes(self, rung: str) -> int:
        return super().segment_bytes(rung) // 188 * 188

    def __call__(self, method: str, url: str, **kw: Any) -> Any:
        reply = super().__call__(method, url, **kw)
        if kw.get("name") == "/media/[segment]":
            return type(reply)(200, ts_segment(len(reply.body), picture=self.picture), {})
        return reply


def _play(model: str, profile: Any, *, segments: int = 4,
          server: FakeServer | None = None) -> tuple[SimulatedPlayer, FakeServer, list[float]]:
    clock = FakeClock()
    server = server or FakeServer(segments=segments)
    link = PacedLink(profile, clock=clock, sleep=clock.sleep)
    starts: list[float] = []
    player = SimulatedPlayer(transport=server, link=link, profile_id="p1", network="synthetic",
                             config=PlayerConfig(model=model, send_net_hint=False),
                             emit=lambda kind, value, extra: starts.append(value / 1000) if kind == "stream_start"
                             else None)
    player.play(content_id="c1")
    return player, server, starts


@pytest.mark.parametrize("name", ["mpv", "hls.js"])
@pytest.mark.parametrize("picture", [None, 188 * 60, 188 * 300])  # not TS; picture < probe; picture > probe
def test_first_frame_is_handshakes_plus_playlists_plus_decodable_bytes_plus_cpu(name: str,
                                                                               picture: int | None) -> None:
    # 1 Mbit/s, 200 ms RTT: every exchange = its round trips + its bytes at 125,000 B/s
    profile = load_profile("3g").model_copy(update={"name": "synthetic", "down_kbps": 1000.0, "rtt_ms": 200.0,
                                                    "jitter_ms": 0.0, "loss_pct": 0.0})
    model = load_model(name)
    server = FakeServer(segments=4) if picture is None else TsServer(segments=4, picture=picture)
    player, server, starts = _play(name, profile, server=server)
    assert len(starts) == 1
    before = server.calls[: server.calls.index(("GET", "/media/[segment]"))]  # requests before the first segment
    assert sum(1 for _, call in before if call == "/media/[playlist]") == model.playlist_opens  # as the real player
    # bytes before the first frame: every answer so far (API, master, playlist opens) + the segments the demuxer
    # needs: whole ones before the last, of the last what the model decodes after (probe or first picture)
    bodies = server.other_bodies[: len(before)]
    first_rung = server.segment_gets[0][0]
    whole = server.segment_bytes(first_rung)
    exchanges = len(bodies) + model.segments_before_decode
    segment_bytes = (model.segments_before_decode - 1) * whole + model.decodable_bytes(whole, picture)
    if model.decode_after == "probe" and picture is not None:
        assert segment_bytes == min(whole, max(model.probe_bytes, picture))
    nbytes = sum(len(b) for b in bodies) + segment_bytes + exchanges * HEADER_BYTES
    expected = model.start_round_trips(master=True) * 0.200 + nbytes / 125_000 + model.start_cpu_s
    # the link's token bucket lets each exchange after an idle round trip start with a 3,000-byte burst;
    # the link books bytes in pieces of a packet (1,500 B at this rate), so a prefix ends on a piece
    burst_s = exchanges * default_burst(125_000) / 125_000
    piece_s = 1500 / 125_000
    assert expected - burst_s - 1e-6 <= starts[0] <= expected + piece_s + 1e-6
    assert starts[0] >= player.floor_s - 1e-9


@pytest.mark.parametrize("name", ["mpv", "hls.js"])
@pytest.mark.parametrize("profile", ["2g", "3g", "4g", "5g"])
def test_first_frame_never_below_the_floor_of_its_own_flow(name: str, profile: str) -> None:
    player, _, starts = _play(name, profile)
    spec = load_profile(profile)
    model = load_model(name)
    assert starts and starts[0] >= player.floor_s - 1e-9
    # and never below the round trips alone
    assert starts[0] >= model.start_round_trips(master=True) * spec.rtt_ms / 1000 - 1e-9


def test_mpv_opens_more_connections_than_hlsjs_so_starts_later_on_2g() -> None:
    # a master without FRAME-RATE: hls.js's start rule lands on the first listed variant too (its estimate is
    # raised to that variant's BANDWIDTH), so both fetch the same first segment and differ by round trips alone
    _, mpv_server, (mpv,) = _play("mpv", "2g")
    _, hls_server, (hls,) = _play("hls.js", "2g")
    assert mpv_server.segment_gets[0] == hls_server.segment_gets[0] == (MASTER_ORDER[0], 1)
    trips = load_model("mpv").start_round_trips(master=True) - load_model("hls.js").start_round_trips(master=True)
    assert mpv - hls == pytest.approx(trips * load_profile("2g").rtt_ms / 1000, abs=0.05)


# this server's packaged ladder (testcard-7m, 2026-12-08): peak BANDWIDTH kbit/s, FRAME-RATE; 108p is 15 fps
LADDER = {"108p": (436.0, 15.0), "144p": (629.0, 25.0), "360p": (919.0, 25.0), "480p": (1506.0, 25.0),
          "720p": (3107.0, 25.0), "1080p": (6200.0, 25.0)}


def _listed(first: str, *, names: tuple[str, ...] = ("108p", "144p", "360p", "480p", "720p"),
            fps: float | None = None) -> list[Variant]:
    """The ladder as the server lists it: its start rung ``first``, then the others lowest first."""
    def variant(name: str) -> Variant:
        peak, rate = LADDER[name]
        return Variant(name=name, kbps=peak * 0.85, url=name, peak_kbps=peak, frame_rate=fps or rate,
                       height=int(name[:-1]))
    return [variant(first), *(variant(n) for n in names if n != first)]


@pytest.mark.parametrize("first", ["108p", "144p", "360p", "480p", "720p"])
def test_hlsjs_starts_on_the_15fps_bottom_rung_whatever_is_listed_first(first: str) -> None:
    # measured: every real hls.js 1.7.4 started on 108p at 2g/3g/4g while the server listed 108p/144p/720p first
    # (MANIFEST_PARSED firstLevel 4 at 4g); levels at or below the first listed one with a higher frame rate
    # than the lowest are skipped on the first selection, the lowest one never
    variants = _listed(first)
    assert load_model("hls.js").start_variant(variants).name == "108p"
    assert load_model("mpv").start_variant(variants).name == first


@pytest.mark.parametrize(("first", "fps", "start"), [
    ("720p", 25.0, "720p"),  # equal frame rates: the estimate is raised to the first listed BANDWIDTH
    ("144p", 25.0, "144p"),
    ("108p", 25.0, "108p"),  # 500 kbit/s: 108p fits, 144p (629) does not
    ("1080p", 25.0, "720p"),  # the raised estimate stops at abrEwmaDefaultEstimateMax 5 Mbit/s
])
def test_hlsjs_start_rule_with_equal_frame_rates(first: str, fps: float, start: str) -> None:
    names = ("108p", "144p", "360p", "480p", "720p", "1080p")
    assert hlsjs_start(_listed(first, names=names, fps=fps), estimate_kbps=500.0,
                       estimate_max_kbps=5000.0).name == start


class FrameRateServer(FakeServer):
    """FakeServer whose master lists FRAME-RATE: its bottom rung at 15 fps, as this server's 108p."""

    def master(self) -> str:
        return super().master().replace(",RESOLUTION=256x144", ",RESOLUTION=256x144,FRAME-RATE=15") \
            .replace(",RESOLUTION=640x360", ",RESOLUTION=640x360,FRAME-RATE=25") \
            .replace(",RESOLUTION=1280x720", ",RESOLUTION=1280x720,FRAME-RATE=25")


@pytest.mark.parametrize(("name", "start"), [("hls.js", "144p"), ("mpv", "720p")])
def test_the_simulated_viewer_starts_where_its_model_says(name: str, start: str) -> None:
    server = FrameRateServer(segments=4, order=("720p", "144p", "360p"))
    _, server, starts = _play(name, "4g", server=server)
    assert starts and server.segment_gets[0] == (start, 1)


def test_models_file_is_complete_and_strict(tmp_path: Path) -> None:
    models = load_models()
    assert {"mpv", "hls.js"} <= set(models)
    for model in models.values():
        assert model.measured_by.strip()  # every model says where its figures come from
    with pytest.raises(ModelError, match="unknown player model"):
        load_model("vlc")
    bad = tmp_path / "m.toml"
    bad.write_text("[x]\nplaylist_opens = 1\nbogus = 2\n")
    with pytest.raises(ModelError, match="unknown keys"):
        load_models(bad)
    bad.write_text('[x]\nstart = "highest"\n')
    with pytest.raises(ModelError, match="start must be one of"):
        load_models(bad)


def test_the_report_shows_the_calibration_factor_or_marks_uncalibrated(tmp_path: Path) -> None:
    from loadtest.report import _profiles_table
    from loadtest.summary import calibrate, summarize

    models = tmp_path / "models.toml"
    models.write_text('[mpv]\nmeasured_by = "test"\n[mpv.first_frame_factor]\n"3g" = 1.07\n', encoding="utf-8")
    summary = summarize([], networks=["3g", "edge"])
    for net, block in summary["profiles"].items():
        calibrate(net, block, models=models)
    assert summary["profiles"]["3g"]["stream_start"]["calibration_factor"] == 1.07
    assert summary["profiles"]["edge"]["stream_start"]["calibrated"] is False
    table = _profiles_table(summary)
    assert "×1.07 (mpv)" in table and "uncalibrated" in table


def test_the_mpv_model_follows_the_shared_mpv_options() -> None:
    # the model must describe the options every client uses (media.mpv_options); when they change, so must it
    from media import mpv_options

    model = load_model("mpv")
    options = mpv_options.streaming_options()
    assert model.max_buffer_s == float(options["demuxer-readahead-secs"])
    assert model.max_buffer_s == mpv_options.demuxer_readahead_s(mpv_options.readahead_s())
    assert model.max_buffer_bytes == int(options["demuxer-max-bytes"])
    assert model.probe_bytes == int(options["demuxer-lavf-probesize"])
    assert model.resume_after_s == float(options["cache-pause-wait"]) == mpv_options.resume_s()


def test_position_reports_never_hold_up_the_next_segment() -> None:
    # the app's reports go out beside the demuxer's fetches: reporting every 0.1 s or never, the segments
    # arrive at the same times (but for the reports' few bytes on the link) and the stalls are the same
    def run(every: float) -> tuple[float, int, list[tuple[str, str]]]:
        clock = FakeClock()
        server = FakeServer(segments=6)
        link = PacedLink("2g", clock=clock, sleep=clock.sleep)
        player = SimulatedPlayer(transport=server, link=link, profile_id="p1", network="2g",
                                 config=PlayerConfig(model="mpv", send_net_hint=False, position_every_s=every))
        report = player.play(content_id="c1")
        return clock.now, report.stalls, server.calls

    end_often, stalls_often, calls = run(0.1)
    end_never, stalls_never, _ = run(10_000.0)
    assert sum(1 for _, name in calls if name.endswith("/playback/position")) >= 5
    assert stalls_often == stalls_never
    assert end_often == pytest.approx(end_never, abs=0.5)


def test_media_becomes_playable_in_the_demuxers_32k_reads() -> None:
    # ffmpeg's HLS demuxer reads a segment in blocking 32 KiB reads: mpv sees its media per read, the rest at the end
    from loadtest.link import Paced
    from loadtest.player import Reply, _progressive_chunks

    body = 100_000
    total = body + HEADER_BYTES
    arrivals = tuple((t / 10, min(total, t * 1_000)) for t in range(1, total // 1_000 + 2))  # 10 kB/s
    paced = Paced(reply=Reply(200, b"\0" * body, {}), nbytes=total, started=0.0, finished=arrivals[-1][0],
                  ttfb_s=0.0, modelled_s=arrivals[-1][0], arrivals=arrivals)
    reads = _progressive_chunks(paced, 3.0, read_bytes=32_768)
    assert [m for _, m in reads] == pytest.approx([3 * 32_768 / body] * 3 + [3 * (body - 3 * 32_768) / body])
    assert [t for t, _ in reads] == [paced.received_at(HEADER_BYTES + n) for n in (32_768, 65_536, 98_304, body)]
    smooth = _progressive_chunks(paced, 3.0, read_bytes=0)
    assert len(smooth) == len(arrivals) and sum(m for _, m in smooth) == pytest.approx(3.0)


def test_the_mpv_model_reads_32k_and_holds_media_in_its_decoders() -> None:
    # the fields the 2g stalls were fitted by (loadtest/player_models.toml [mpv] READS/HELD/RESUME)
    model = load_model("mpv")
    assert model.progressive_buffer and model.read_bytes == 32_768
    assert 0.25 <= model.held_s <= 0.35 and model.resume_late_s < 0.1
    assert load_model("hls.js").held_s == 0 and load_model("hls.js").read_bytes == 0
