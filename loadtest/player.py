"""The simulated HLS player: one playback from the play command to the last segment, at real-time pace.

play → ``POST /stream/playback/start`` → manifest JSON → master playlist → rendition playlist →
segments, every exchange paced by the viewer's `PacedLink`. The buffer is bounded
(`PlayerConfig.max_buffer_s`): once it is full the player waits for playback to drain it, as a
real player does, so a viewer downloads in real time. Position reports go out every
`position_every_s`; ``complete`` when the title was played to its end.

Rendition choice: ``abr="client"`` starts on the variant the player model names
(`PlayerModel.start_variant`: the first listed, or hls.js's own rule), then runs
`media.abr.AbrController` (the TUI's rules) on the variants of the master playlist;
``abr="server"`` plays the server-steered playlist and reads the rendition the server chose
from each segment's ``X-OTT-Rendition`` header. With the client
controller a segment download is also offered to ``should_abandon`` every ``abandon_check_s``
while it is in flight (media/ABR.md "Driving it"): on a decision the transfer stops, its bytes
are counted as wasted, and the same segment is requested again at the rung returned.

Buffer/stall accounting reuses `media.abr_sim.Playback`. Figures go out through ``emit``
(DESIGN.md §6): ``stream_start`` (play → first segment received, ms), ``bitrate_switch``
(decision → first frame of the new rendition, ms: its playlist if not yet fetched, one round trip,
then the segment's first keyframe — an MPEG-TS segment starts with an IDR frame, decodable as soon
as that frame's bytes are in; the whole segment's time is in the record as ``segment_ms``; the
record's ``reason`` is ``decision``, ``abandon`` or ``server``),
``rebuffer`` (each stall, ms),
and at the end of the session ``rebuffer_ratio`` (%) and ``avg_bitrate`` (kbit/s).

No Locust here: the transport, clock and sleep are injected.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol
from urllib.parse import urlencode

from loadtest.link import HEADER_BYTES, Paced, PacedLink, Progress, Watch
from loadtest.player_models import DEFAULT_MODEL, load_model
from media import (
    DEFAULT_RULE,
    AbrController,
    Decision,
    DownloadProgress,
    MediaError,
    Playback,
    PlaylistSegment,
    StartHint,
    Variant,
    parse_master,
    parse_media,
    segment_timing,
)
from netem_profiles import list_profiles
from netem_profiles.pacing import default_burst

log = logging.getLogger(__name__)

API = "/api/v1"


class PlayerError(RuntimeError):
    """The playback could not go on (a failed request, a broken playlist); already counted as a failure."""


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer as the player needs it."""

    status: int
    body: bytes
    headers: Mapping[str, str]  # names in lower case

    @property
    def ok(self) -> bool:
        """2xx."""
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body parsed as JSON (PlayerError when it is not)."""
        try:
            return json.loads(self.body)
        except ValueError as err:
            raise PlayerError(f"not JSON (HTTP {self.status})") from err

    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.body.decode("utf-8", errors="replace")


class Transport(Protocol):
    """Sends one request (absolute URL or path) and returns the whole reply.

    ``name`` groups templated URLs in statistics; ``context`` is attached to the request's record.
    """

    def __call__(self, method: str, url: str, *, name: str, json: Any = None,
                 context: dict[str, Any] | None = None) -> Reply:
        """Send the request."""
        ...


Emit = Callable[[str, float, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class PlayerConfig:
    """How the simulated player behaves."""

    abr: Literal["client", "server"] = "client"
    rule: str = DEFAULT_RULE
    model: str = DEFAULT_MODEL  # a player of loadtest/player_models.toml
    max_buffer_s: float | None = None  # None: the model's read-ahead limit
    position_every_s: float = 10.0
    watch_s: float | None = None  # media seconds to fetch (None: the whole title)
    max_session_s: float = 3 * 3600.0  # hard bound on one session's wall time
    send_net_hint: bool = True
    abandon_check_s: float = 0.25  # how often a segment in flight is offered to should_abandon (0: never)


@dataclass
class SessionReport:
    """What one playback measured."""

    network: str
    stream_start_s: float | None = None
    switches: list[dict[str, Any]] = field(default_factory=list)
    stalls: int = 0
    stall_s: float = 0.0
    played_s: float = 0.0
    segments: int = 0
    kbps: list[float] = field(default_factory=list)
    completed: bool = False
    error: str | None = None
    abandons: int = 0
    wasted_bytes: int = 0  # received in downloads that were abandoned

    @property
    def avg_kbps(self) -> float | None:
        """Mean bitrate of the segments received (each segment is one segment-length of media)."""
        return sum(self.kbps) / len(self.kbps) if self.kbps else None

    @property
    def rebuffer_ratio(self) -> float:
        """Stalled time ÷ watched time."""
        if self.played_s > 0:
            return self.stall_s / self.played_s
        return 1.0 if self.stall_s > 0 else 0.0


class SimulatedPlayer:
    """One viewer's player: `play(content_id=...)` runs a whole session and returns its report."""

    def __init__(self, *, transport: Transport, link: PacedLink, profile_id: str, network: str,
                 config: PlayerConfig | None = None, emit: Emit | None = None) -> None:
        """Play through ``transport`` paced by ``link``; figures are labelled with ``network``."""
        self.transport = transport
        self.link = link
        self.profile_id = profile_id
        self.network = network
        self.config = config or PlayerConfig()
        self.model = load_model(self.config.model)
        self.max_buffer_s = self.config.max_buffer_s or self.model.max_buffer_s
        self.emit: Emit = emit or (lambda kind, value, extra: None)
        self.clock = link.clock
        self.sleep = link.sleep
        self.floor_open = False
        self.floor_s = 0.0  # DESIGN.md §6 floor of this stream start: Σ (round trips + bytes ÷ bandwidth)
        self.floor_rate = 1.0  # link rate (B/s) of the last exchange counted in the floor

    # ------------------------------------------------------------------ plumbing
    def _call(self, method: str, url: str, *, name: str, json: Any = None, context: dict[str, Any] | None = None,
              required: bool = True, watch: Watch | None = None, new_connection: bool = False,
              side: bool = False) -> Paced[Reply]:
        ctx = {"network": self.network, **(context or {})}
        if side:
            # the app's own reports (position, complete) go out beside the player's fetches, on the API's
            # connection: they reach the server but never hold up the next segment (a few hundred bytes)
            t0 = self.clock()
            reply = self.transport(method, url, name=name, json=json, context=ctx)
            self.link.carry(len(reply.body) + HEADER_BYTES)
            now = self.clock()
            paced = Paced(reply=reply, nbytes=len(reply.body), started=t0, finished=now, ttfb_s=now - t0,
                          modelled_s=now - t0)
            if required and not reply.ok:
                raise PlayerError(f"{method} {name}: HTTP {reply.status}")
            return paced
        paced = self.link.exchange(lambda: self.transport(method, url, name=name, json=json, context=ctx),
                                   size=lambda r: len(r.body), watch=watch, every_s=self.config.abandon_check_s,
                                   new_connection=new_connection)
        if self.floor_open:
            rate = max(self.link.pacer.rate_bps(paced.started), 1.0)
            # the link (as the proxy's) may send one burst of default_burst bytes without waiting
            self.floor_rate = rate
            self.floor_s += paced.ttfb_s + max(0.0, paced.nbytes - default_burst(rate)) / rate
        if required and not paced.reply.ok:
            raise PlayerError(f"{method} {name}: HTTP {paced.reply.status}")
        return paced

    def _net_hint(self) -> str | None:
        name = self.link.profile_name
        return name if self.config.send_net_hint and name in list_profiles() else None

    # ------------------------------------------------------------------ session
    def play(self, *, content_id: str, episode_id: str | None = None) -> SessionReport:
        """Play one title (or episode) at real-time pace; figures are emitted as they happen."""
        report = SessionReport(network=self.network)
        t_play = self.clock()
        pb = Playback(t0=t_play, resume_s=self.model.resume_after_s + self.model.resume_late_s,
                      held_s=self.model.held_s)
        self.floor_open, self.floor_s = True, 0.0
        try:
            self._session(report, pb, t_play=t_play, content_id=content_id, episode_id=episode_id)
        except (PlayerError, MediaError) as err:  # MediaError: a playlist with nothing to play
            report.error = str(err)
            log.debug("playback ended early: %s", err)
        finally:
            self._close(report, pb)
        return report

    def _close(self, report: SessionReport, pb: Playback) -> None:
        """Final accounting and the end-of-session figures (also when the greenlet is being killed)."""
        pb.advance(self.clock())
        pending = pb.stall_s - report.stall_s
        if pending > 1e-6:
            self.emit("rebuffer", pending * 1000, {"ongoing": True})
        report.stall_s, report.stalls, report.played_s = pb.stall_s, pb.stalls, pb.played_s
        if report.stream_start_s is None:
            return
        extra = {"played_s": round(pb.played_s, 3), "stall_s": round(pb.stall_s, 3), "stalls": pb.stalls,
                 "link_kbps": round(self.link.down_kbps(), 1), "abandons": report.abandons,
                 "wasted_bytes": report.wasted_bytes}
        self.emit("rebuffer_ratio", report.rebuffer_ratio * 100, extra)
        if report.avg_kbps is not None:
            self.emit("avg_bitrate", report.avg_kbps, {"segments": report.segments, **extra})

    def _session(self, report: SessionReport, pb: Playback, *, t_play: float, content_id: str,
                 episode_id: str | None) -> None:
        cfg = self.config
        ids: dict[str, Any] = {"profile_id": self.profile_id, "content_id": content_id}
        if episode_id:
            ids["episode_id"] = episode_id
        start = self._call("POST", f"{API}/stream/playback/start", name=f"{API}/stream/playback/start",
                           json={**ids, "device_type": "loadtest"}).reply.json()
        session_id = str(start["session_id"])
        query: dict[str, str] = {"profile_id": self.profile_id, "session_id": session_id}
        if episode_id:
            query["episode_id"] = episode_id
        if (net := self._net_hint()) is not None:
            query["net"] = net
        manifest = self._call("GET", f"{API}/stream/{content_id}/manifest?{urlencode(query)}",
                              name=f"{API}/stream/[id]/manifest").reply.json()
        kbps_by_name = {q["quality"]: float(q["bitrate_kbps"]) for q in manifest.get("qualities", [])}
        if cfg.abr == "server":
            variants = [Variant(name="auto", kbps=0.0, url=manifest["steered_url"])]
        else:
            master_url = manifest["manifest_url"]
            master = self._call("GET", master_url, name="/media/[master]", context={"kind": "playlist"})
            variants = parse_master(master.reply.text(), base=master_url)
            variants = [replace(v, kbps=kbps_by_name.get(v.name, v.kbps)) for v in variants]
        state = _Run(player=self, report=report, pb=pb, t_play=t_play, ids={**ids, "session_id": session_id},
                     variants=variants, kbps_by_name=kbps_by_name)
        state.run()


class _Run:
    """The segment loop of one session (split out of `SimulatedPlayer` to keep each piece small)."""

    def __init__(self, *, player: SimulatedPlayer, report: SessionReport, pb: Playback, t_play: float,
                 ids: dict[str, Any], variants: list[Variant], kbps_by_name: dict[str, float]) -> None:
        self.p = player
        self.cfg = player.config
        self.report = report
        self.pb = pb
        self.t_play = t_play
        self.ids = ids
        self.start_variant = player.model.start_variant(variants)
        self.variants = sorted(variants, key=lambda v: v.kbps)
        self.kbps_by_name = kbps_by_name
        self.playlists: dict[str, list[PlaylistSegment]] = {}
        self.next_report = t_play + self.cfg.position_every_s
        self.seq = 0
        self.deadline = t_play + self.cfg.max_session_s
        self.pending_switch: tuple[float, str, str, str] | None = None  # (decided at, from, to, reason)
        self.wasted = 0  # bytes of the segment in hand received in abandoned downloads
        self.queued = 0.0  # media received before the first frame could be decoded (s)
        self.first_frame: float | None = None  # clock time of the first frame
        self.current = self.start_variant.name
        self.abr: AbrController | None = None
        self.start_hint: StartHint | None = None  # the link at play; the start choice waits for the playlist
        if self.cfg.abr == "client":
            self.abr = AbrController([v.kbps for v in self.variants], rule=self.cfg.rule)
            link = player.link
            self.start_hint = StartHint(downlink_kbps=link.down_kbps(), rtt_ms=link.rtt_s() * 1000)

    def _playlist(self, variant: Variant) -> list[PlaylistSegment]:
        if variant.name not in self.playlists:
            model = self.p.model
            first = not self.playlists
            # before the first segment a player may open the playlist several times (mpv probes the URL,
            # then ffmpeg's HLS demuxer opens it again), each time on a new connection
            opens = model.playlist_opens if first else 1
            for _ in range(opens):
                reply = self.p._call("GET", variant.url, name="/media/[playlist]", context={"kind": "playlist"},
                                     new_connection=first and model.playlist_new_connection).reply
            self.playlists[variant.name] = parse_media(reply.text(), base=variant.url)
        return self.playlists[variant.name]

    def _variant(self, name: str) -> Variant:
        return next(v for v in self.variants if v.name == name)

    def _duration(self) -> float:
        return sum(s.duration for s in self.playlists[self.start_variant.name])

    def run(self) -> None:
        """Fetch segments while there is room in the buffer, play them out, report, complete."""
        segments = self._playlist(self.start_variant)
        if self.abr is not None:  # the title's segment lengths (EXTINF) before the start choice and the rules
            if (timing := segment_timing(segments)) is not None:
                self.abr.set_segments(segment_s=timing.next_s, first_segment_s=timing.first_s)
            self.abr.choose_start(self.start_hint)
            self.abr.current_index = self.variants.index(self.start_variant)
        total = sum(s.duration for s in segments)
        want = total if self.cfg.watch_s is None else min(total, self.cfg.watch_s)
        fetched = 0.0
        left = total  # the title's media from segment i to its end (the start playlist's timeline)
        for i, seg in enumerate(segments):
            if fetched >= want - 1e-6:
                break
            self._wait_for_room(seg.duration)
            variant = self._choose(i, remaining_s=left)
            left -= seg.duration
            seg = self._playlist(variant)[i] if i < len(self._playlist(variant)) else seg
            self._fetch(i, seg, variant)
            fetched += seg.duration
        self._play_out()
        self.report.completed = fetched >= total - 1e-6 and self.pb.buffer_s <= 1e-6
        if self.report.completed:
            self._complete(total)
        else:
            self._position(final=True)

    # ------------------------------------------------------------------ timing
    def _idle(self, until: float) -> None:
        """Let time pass until ``until`` (bounded by the session deadline), sending position reports."""
        until = min(until, self.deadline)
        for _ in range(100_000):
            now = self.p.clock()
            if now >= until:
                break
            self.p.sleep(max(0.0, min(until, self.next_report) - now))
            self.pb.advance(self.p.clock())
            self._maybe_position()
        self.pb.advance(self.p.clock())

    def _wait_for_room(self, seg_s: float) -> None:
        self.pb.advance(self.p.clock())
        # mpv's demuxer and hls.js ask for the next segment as soon as the buffer is below the limit;
        # otherwise wait until the whole segment fits under it
        over = self.pb.buffer_s + (0.0 if self.p.model.fetch_below_limit else seg_s) - self.p.max_buffer_s
        if over > 0 and self.pb.started_at is not None:
            self._idle(self.p.clock() + over)
        if self.p.clock() >= self.deadline:
            raise PlayerError("session exceeded max_session_s")

    def _play_out(self) -> None:
        self.pb.advance(self.p.clock())
        self.pb.finished = True  # nothing more to fetch: the buffer plays out, waiting is not a stall
        if self.pb.started_at is not None and self.pb.buffer_s > 0:
            self._idle(self.p.clock() + self.pb.buffer_s)

    # ------------------------------------------------------------------ ABR and segments
    def _choose(self, index: int, *, remaining_s: float | None = None) -> Variant:
        """The variant for segment ``index``; ``remaining_s``: the title's media from it to the end (the
        controller spends its buffer on the last segments, as the terminal client does)."""
        if self.abr is None or index == 0:
            return self._variant(self.current) if self.abr is not None else self.variants[0]
        now = self.p.clock()
        self.pb.advance(now)
        self.abr.on_buffer(level_s=self.pb.buffer_s, now=now, remaining_s=remaining_s)
        decision = self.abr.decide(now)
        chosen = self.variants[decision.index]
        if chosen.name != self.current:
            self.pending_switch = (now, self.current, chosen.name, "decision")
            self.current = chosen.name
        return chosen

    def _download(self, index: int, seg: PlaylistSegment,
                  variant: Variant) -> tuple[Paced[Reply], PlaylistSegment, Variant]:
        """GET segment ``index`` at ``variant``; while the ABR abandons it, again at the rung it names."""
        self.wasted = 0
        while True:
            model = self.p.model
            fresh = model.segment_new_connection if self.report.segments == 0 else not model.persistent_segments
            watch = AbandonWatch(self.abr, self.pb, self.variants.index(variant)) if self.abr is not None else None
            paced = self.p._call("GET", seg.url, name="/media/[segment]", watch=watch,
                                 context={"kind": "segment", "rendition": variant.name, "kbps": variant.kbps},
                                 new_connection=fresh)
            decision = watch.decision if watch is not None else None
            if not paced.abandoned or decision is None or self.abr is None:
                return paced, seg, variant
            self.report.abandons += 1
            self.report.wasted_bytes += paced.nbytes
            self.wasted += paced.nbytes
            self.abr.on_download(nbytes=paced.nbytes, duration_s=paced.duration_s, now=paced.finished,
                                 ttfb_s=paced.ttfb_s)
            lower = self.variants[decision.index]
            log.debug("abandoned %s of segment %d after %d B: %s", variant.name, index, paced.nbytes, decision.reason)
            self.pending_switch = (paced.finished, variant.name, lower.name, "abandon")
            self.current = lower.name
            playlist = self._playlist(lower)
            seg, variant = (playlist[index] if index < len(playlist) else seg), lower

    def _fetch(self, index: int, seg: PlaylistSegment, variant: Variant) -> None:
        paced, seg, variant = self._download(index, seg, variant)
        kbps = variant.kbps
        rendition = variant.name
        if self.cfg.abr == "server":
            rendition = paced.reply.headers.get("x-ott-rendition", "auto")
            kbps = self.kbps_by_name.get(rendition, 0.0)
            if self.report.segments > 0 and rendition != self.current:
                self.pending_switch = (paced.started, self.current, rendition, "server")
            self.current = rendition
        self._buffer(paced, seg.duration)
        # media queued before this one (what plays out before a switch reaches the screen)
        ahead = max(0.0, self.pb.buffer_s - seg.duration) if self.pb.started_at is not None else 0.0
        if self.pb.stall_s - self.report.stall_s > 1e-6:  # a segment ends the stall in progress
            self.p.emit("rebuffer", (self.pb.stall_s - self.report.stall_s) * 1000, {"rendition": rendition})
            self.report.stall_s = self.pb.stall_s
        if self.abr is not None:
            self.abr.on_download(nbytes=paced.nbytes, duration_s=paced.duration_s, now=paced.finished,
                                 index=self.variants.index(variant), ttfb_s=paced.ttfb_s)
        self.report.segments += 1
        self.report.kbps.append(kbps)
        if self.report.stream_start_s is None and self.first_frame is not None:
            self.report.stream_start_s = self.first_frame - self.t_play
            self.p.floor_open = False
            self.p.emit("stream_start", self.report.stream_start_s * 1000,
                        {"rendition": rendition, "kbps": kbps, "floor_ms": round(self.p.floor_s * 1000, 1),
                         "model": self.p.model.name})
        if self.pending_switch is not None and self.pending_switch[2] == rendition:
            decided, old, new, reason = self.pending_switch
            self.pending_switch = None
            old_kbps = self.kbps_by_name.get(old, 0.0) or next((v.kbps for v in self.variants if v.name == old), 0.0)
            record = {"from": old, "to": new, "direction": "up" if kbps > old_kbps else "down",
                      "by": self.cfg.abr, "segment": index + 1, "reason": reason}
            if reason == "abandon":
                record["wasted_bytes"] = self.wasted  # received of this segment at the rungs abandoned
            visible = first_frame_at(paced)
            if self.p.model.switch_after_buffer:  # appended after what is buffered: on screen once that played
                visible = max(visible, paced.finished + ahead)
            first_frame_ms = (visible - decided) * 1000
            timed = {**record, "segment_ms": round((paced.finished - decided) * 1000, 1)}
            self.report.switches.append({**timed, "ms": first_frame_ms})
            self.p.emit("bitrate_switch", first_frame_ms, timed)
        self._maybe_position()

    def _buffer(self, paced: Paced[Reply], duration: float) -> None:
        """Put a received segment's media in the buffer: as its bytes arrive (in the demuxer's reads of
        `read_bytes`) when the model's demuxer reads while downloading, else whole at its end. Before
        the first frame media only queues; the first frame is when the decodable bytes of the
        `segments_before_decode`-th segment are in, plus the model's start-up CPU time
        (`PlayerModel.decodable_bytes`, `start_cpu_s`)."""
        model = self.p.model
        if model.progressive_buffer and paced.arrivals:
            chunks = _progressive_chunks(paced, duration, read_bytes=model.read_bytes)
        else:
            chunks = [(paced.finished, duration)]
        if self.pb.started_at is None:
            if self.report.segments + 1 < model.segments_before_decode:
                self.queued += duration
                return
            body = paced.reply.body
            need = model.decodable_bytes(len(body), first_frame_bytes(body)) + HEADER_BYTES
            decodable = min(paced.finished, paced.received_at(need)) if paced.arrivals else paced.finished
            if need < paced.nbytes:  # the floor counts the bytes waited for, not the whole segment
                rate = self.p.floor_rate
                self.p.floor_s -= max(0.0, paced.nbytes - default_burst(rate)) / rate
                self.p.floor_s += max(0.0, need - default_burst(rate)) / rate
            self.first_frame = decodable + model.start_cpu_s
            if not model.progressive_buffer:  # the segment being decoded plays on as the rest of it arrives
                chunks = [(self.first_frame, duration)]
            early = sum(m for t, m in chunks if t <= self.first_frame)
            self.pb.add(self.queued + early, self.first_frame)
            chunks = [(t, m) for t, m in chunks if t > self.first_frame]
        for t, media in chunks:
            self.pb.add(media, t)

    # ------------------------------------------------------------------ activity
    def _maybe_position(self) -> None:
        if self.p.clock() >= self.next_report and self.pb.started_at is not None:
            self._position(final=False)

    def _position(self, *, final: bool) -> None:
        if self.pb.started_at is None:
            return
        self.seq += 1
        self.next_report = self.p.clock() + self.cfg.position_every_s
        duration = max(self._duration(), 0.001)
        quality = self.current if self.current != "auto" else "auto"
        body = {**self.ids, "position_seconds": round(min(self.pb.played_s, duration), 3),
                "duration_seconds": round(duration, 3), "seq": self.seq}
        if quality and (quality == "auto" or quality[:-1].isdigit()):
            body["quality"] = quality
        self.p._call("PUT", f"{API}/stream/playback/position", name=f"{API}/stream/playback/position",
                     json=body, required=not final, side=True)

    def _complete(self, total: float) -> None:
        self.seq += 1
        watched = self.pb.played_s
        rate = min(100.0, 100.0 * watched / total) if total > 0 else 100.0
        self.p._call("POST", f"{API}/stream/playback/complete", name=f"{API}/stream/playback/complete",
                     json={**self.ids, "watch_duration_seconds": round(watched, 3),
                           "completion_rate": round(rate, 2) if math.isfinite(rate) else 100.0, "seq": self.seq},
                     side=True)


@dataclass
class AbandonWatch:
    """The abandonment check of one segment download (a `PacedLink` watch): the transfer in flight at
    ladder index ``rung`` is offered to ``abr.should_abandon`` with the buffer of ``pb`` (advanced to the
    moment); ``decision`` is the answer that stopped it (None while it runs on)."""

    abr: AbrController
    pb: Playback
    rung: int
    decision: Decision | None = None

    def __call__(self, progress: Progress) -> bool:
        """True: abandon the download now (``decision`` says at which rung to fetch the segment again)."""
        self.pb.advance(progress.now)
        self.decision = self.abr.should_abandon(DownloadProgress(
            index=self.rung, loaded_bytes=progress.loaded_bytes, total_bytes=progress.total_bytes,
            elapsed_s=progress.elapsed_s, buffer_s=self.pb.buffer_s, ttfb_s=progress.ttfb_s, now=progress.now))
        return self.decision is not None


def _progressive_chunks(paced: Paced[Reply], duration: float, *, read_bytes: int) -> list[tuple[float, float]]:
    """(clock time, media seconds) a segment's DURATION becomes playable as its bytes arrive: in
    proportion to the bytes, or with READ_BYTES > 0 in whole reads of that size (ffmpeg's HLS demuxer
    reads a segment in blocking 32 KiB reads, mpv's demuxer sees nothing in between) and the rest at the end."""
    total = max(1, paced.nbytes)
    if read_bytes <= 0:
        chunks, got = [], 0
        for t, n in paced.arrivals:
            chunks.append((t, duration * (n - got) / total))
            got = n
        return chunks
    body = max(1, total - HEADER_BYTES)
    ends = [*range(read_bytes, body, read_bytes), body]
    chunks, got = [], 0
    for end in ends:
        chunks.append((min(paced.finished, paced.received_at(HEADER_BYTES + end)), duration * (end - got) / body))
        got = end
    return chunks


TS_PACKET = 188


def first_frame_bytes(body: bytes) -> int | None:
    """Bytes of an MPEG-TS segment up to the end of its first video frame (PAT, PMT, the first
    video PES); None when ``body`` is not MPEG-TS or holds a single frame. Our segments start on
    a keyframe and carry one video frame per PES, so this is what a decoder needs for the first
    picture of the segment."""
    video_pid: int | None = None
    for off in range(0, len(body) - TS_PACKET + 1, TS_PACKET):
        if body[off] != 0x47:
            return None
        b1, b3 = body[off + 1], body[off + 3]
        if not b1 & 0x40 or not b3 & 0x10:  # no PES starts in this packet
            continue
        pid = ((b1 & 0x1F) << 8) | body[off + 2]
        start = off + 4 + (1 + body[off + 4] if b3 & 0x20 else 0)
        if body[start:start + 3] != b"\0\0\1":
            continue
        if video_pid is None and 0xE0 <= body[start + 3] <= 0xEF:
            video_pid = pid
        elif pid == video_pid:
            return off
    return None


def first_frame_at(paced: Paced[Reply]) -> float:
    """Clock time the first frame of a segment was decodable: its first-frame bytes received (from the
    transfer's arrival times; interpolated linearly from first to last byte when it has none), or
    the whole segment when it is not MPEG-TS."""
    upto = first_frame_bytes(paced.reply.body)
    if upto is None or paced.nbytes <= 0:
        return paced.finished
    if paced.arrivals:
        return min(paced.finished, paced.received_at(upto + HEADER_BYTES))
    first_byte = paced.started + paced.ttfb_s
    share = min(1.0, (upto + HEADER_BYTES) / paced.nbytes)
    return min(paced.finished, first_byte + max(0.0, paced.finished - first_byte) * share)

