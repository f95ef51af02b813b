"""The simulated ad-supported start: playback start → VMAP → VAST → pre-roll pod with tracking → content start.

``AdSession.run(content_id=...)`` does what a free-tier client does when it presses play:
``POST /stream/playback/start`` (its ``ads`` say whether there is a pre-roll), ``GET
/ads/vmap?session_id=`` (the break schedule with each pod as inline VAST), ``GET
/ads/vast/{ad_id}?session_id=`` per pre-roll ad, then plays each creative (its HLS master →
a start rendition chosen by `media.abr` from the link → segments at real-time pace with a bounded
buffer, the rendition re-chosen between segments and a collapsing download abandoned, as IMA/hls.js
do) while sending the VAST beacons as playback crosses them: ``impression`` and ``start`` with the
first frame, ``firstQuartile``/``midpoint``/``thirdQuartile``, ``complete`` (or ``skip``
once the skip offset has passed, for a share of viewers; ``click`` for a few). After the pod it
fetches the content's manifest, master, playlist and first segment.

Figures (``emit``): ``ad_start`` (play → first segment of the first ad, ms), ``ad_content_start``
(play → first content segment after the pod, ms), ``ad_view`` per ad (wall ms; ``played_s``,
``stall_s``, ``skipped``, ``switches``; ``cut`` when the ad was left mid-way: the user stopped at
the end of the run, or an error), ``ad_fill`` per session (100 with a pre-roll, 0 without).

No Locust here: the transport, link (clock and sleep) and random source are injected.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from loadtest.link import Paced, PacedLink, Watch
from loadtest.player import API, AbandonWatch, Emit, PlayerError, Reply, Transport
from media import (
    AD_QUARTILES,
    AbrController,
    AdCreative,
    MediaError,
    Playback,
    PlaylistSegment,
    SegmentTiming,
    StartHint,
    Variant,
    parse_master,
    parse_media,
    parse_vast,
    parse_vmap,
    segment_timing,
)
from netem_profiles import list_profiles

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class AdConfig:
    """How the ad viewer behaves."""

    max_buffer_s: float = 30.0
    skip_rate: float = 0.3  # share of viewers who press skip on a skippable ad once they may
    click_rate: float = 0.02
    max_ad_s: float = 600.0  # bound on one ad's wall time
    send_net_hint: bool = True


@dataclass
class AdReport:
    """What one ad-supported start measured."""

    session_id: str | None = None
    ads_planned: int = 0
    ads_played: int = 0
    ads_completed: int = 0
    ads_skipped: int = 0
    ads_cut: int = 0  # ads left mid-way: the run ended (user stopped) or an error
    beacons: list[str] = field(default_factory=list)  # events sent, in order
    ad_start_s: float | None = None
    content_start_s: float | None = None
    ad_played_s: float = 0.0
    ad_stall_s: float = 0.0
    error: str | None = None


@dataclass
class _AdPlay:
    """One ad in play: its playback, the rendition now fetched and how it got there."""

    pb: Playback
    rendition: str | None = None
    length_s: float = 0.0
    skipped: bool = False
    switches: int = 0
    abandons: int = 0


class AdSession:
    """One free-tier viewer pressing play on an ad-supported title."""

    def __init__(self, *, transport: Transport, link: PacedLink, profile_id: str, network: str,
                 config: AdConfig | None = None, emit: Emit | None = None, rng: random.Random | None = None) -> None:
        """Play through ``transport`` paced by ``link``; figures are labelled with ``network``."""
        self.transport = transport
        self.link = link
        self.profile_id = profile_id
        self.network = network
        self.config = config or AdConfig()
        self.emit: Emit = emit or (lambda kind, value, extra: None)
        self.rng = rng or random.Random()
        self.clock = link.clock
        self.sleep = link.sleep
        self.timing: SegmentTiming | None = None  # segment lengths of the last ad playlist read

    def _call(self, method: str, url: str, *, name: str, json: Any = None,
              context: dict[str, Any] | None = None, required: bool = True,
              watch: Watch | None = None) -> Paced[Reply]:
        ctx = {"network": self.network, **(context or {})}
        paced = self.link.exchange(lambda: self.transport(method, url, name=name, json=json, context=ctx),
                                   size=lambda r: len(r.body), watch=watch)
        if required and not paced.reply.ok:
            raise PlayerError(f"{method} {name}: HTTP {paced.reply.status}")
        return paced

    def _start_abr(self, ladder: list[Variant]) -> AbrController:
        """The ad's `media.abr` controller on ``ladder`` (lowest first), started for this link. A master lists
        no segment lengths and the creative's playlist comes after this choice: the start choice takes those
        of the pod's previous creative (same packager), the controller's defaults for the first one."""
        abr = AbrController([v.kbps for v in ladder])
        if self.timing is not None:
            abr.set_segments(segment_s=self.timing.next_s, first_segment_s=self.timing.first_s)
        abr.choose_start(StartHint(downlink_kbps=self.link.down_kbps(), rtt_ms=self.link.rtt_s() * 1000))
        return abr

    # ------------------------------------------------------------------ session
    def run(self, *, content_id: str) -> AdReport:
        """Start ``content_id``, play its pre-roll pod with tracking, then fetch the first content segment."""
        report = AdReport()
        t_play = self.clock()
        try:
            self._run(report, t_play=t_play, content_id=content_id)
        except (PlayerError, MediaError) as err:  # MediaError: an unreadable VMAP/VAST or playlist
            report.error = str(err)
            log.debug("ad session ended early: %s", err)
        return report

    def _run(self, report: AdReport, *, t_play: float, content_id: str) -> None:
        ids = {"profile_id": self.profile_id, "content_id": content_id}
        start = self._call("POST", f"{API}/stream/playback/start", name=f"{API}/stream/playback/start",
                           json={**ids, "device_type": "loadtest"}).reply.json()
        session_id = report.session_id = str(start["session_id"])
        pre_roll_in_start = [a for a in start.get("ads") or [] if a.get("type") == "pre-roll"]
        pod: tuple[AdCreative, ...] = ()
        if start.get("ads"):
            vmap = self._call("GET", f"{API}/ads/vmap?{urlencode({'session_id': session_id})}",
                              name=f"{API}/ads/vmap").reply
            breaks = parse_vmap(vmap.body, strict=True)
            pod = next((b.creatives for b in breaks if b.kind == "pre-roll"), ())
        report.ads_planned = len(pod)
        self.emit("ad_fill", 100.0 if pod else 0.0, {"ads": len(pod), "listed": len(pre_roll_in_start)})
        for index, creative in enumerate(pod):
            vast = self._call("GET", f"{API}/ads/vast/{creative.ad_id}?{urlencode({'session_id': session_id})}",
                              name=f"{API}/ads/vast/[id]").reply
            ads = parse_vast(vast.body, strict=True)
            self._play_ad(report, ads[0] if ads else creative, t_play=t_play, position=index + 1, pod=len(pod))
        self._content_start(report, t_play=t_play, content_id=content_id, session_id=session_id)

    # ------------------------------------------------------------------ one ad
    def _beacon(self, report: AdReport, creative: AdCreative, event: str) -> None:
        """Send every tracking URL of ``event`` (one beacon per URL, as a player does)."""
        for url in creative.urls(event):
            self._call("GET", url, name=f"{API}/ads/track?event={event}", context={"ad_id": creative.ad_id},
                       required=False)
            report.beacons.append(event)

    def _play_ad(self, report: AdReport, creative: AdCreative, *, t_play: float, position: int, pod: int) -> None:
        """Play one creative, adapting its rendition between segments (as IMA/hls.js do on HLS ads); report it as an
        ``ad_view`` however it ends: an ad left mid-way (the run stopped the user, or an error) is ``cut``."""
        t_ad = self.clock()
        state = _AdPlay(pb=Playback(t0=t_ad))
        try:
            self._play_ad_segments(report, creative, state, t_play=t_play)
        except BaseException as err:  # GreenletExit when Locust stops the user at the end of the run, or an error
            # no request here: a greenlet being killed must not block; the figure goes to the buffer synchronously
            self._ad_view(report, creative, state, t_ad=t_ad, position=position, pod=pod,
                          cut=type(err).__name__ if not isinstance(err, Exception) else str(err) or type(err).__name__)
            raise
        self._ad_view(report, creative, state, t_ad=t_ad, position=position, pod=pod, cut=None)

    def _ad_view(self, report: AdReport, creative: AdCreative, state: _AdPlay, *, t_ad: float, position: int,
                 pod: int, cut: str | None) -> None:
        pb = state.pb
        if cut is not None:  # what played up to now (a skipped or ended ad stopped playing at the skip / its end)
            pb.advance(self.clock())
        report.ads_skipped += int(state.skipped)
        report.ads_played += 1
        report.ads_cut += int(cut is not None)
        report.ad_played_s += pb.played_s
        report.ad_stall_s += pb.stall_s
        extra: dict[str, Any] = {"ad_id": creative.ad_id, "played_s": round(pb.played_s, 3),
                                 "stall_s": round(pb.stall_s, 3), "stalls": pb.stalls, "skipped": state.skipped,
                                 "position": position, "pod": pod, "rendition": state.rendition,
                                 "switches": state.switches, "abandons": state.abandons}
        if cut is not None:
            extra.update(cut=True, cut_reason=cut[:200], length_s=round(state.length_s, 3))
        self.emit("ad_view", (self.clock() - t_ad) * 1000, extra)

    def _play_ad_segments(self, report: AdReport, creative: AdCreative, state: _AdPlay, *, t_play: float) -> None:
        pb = state.pb
        t_ad = pb.t0
        master = self._call("GET", creative.media_url, name="/media/[ad master]", context={"kind": "playlist"})
        ladder = sorted(parse_master(master.reply.text(), base=creative.media_url), key=lambda v: v.kbps)
        abr = self._start_abr(ladder)
        playlists: dict[str, list[PlaylistSegment]] = {}

        def playlist(v: Variant) -> list[PlaylistSegment]:
            if v.name not in playlists:
                reply = self._call("GET", v.url, name="/media/[ad playlist]", context={"kind": "playlist"}).reply
                playlists[v.name] = parse_media(reply.text(), base=v.url)
            return playlists[v.name]

        variant = ladder[abr.current_index or 0]
        state.rendition = variant.name
        segments = playlist(variant)
        self.timing = segment_timing(segments) or self.timing
        if self.timing is not None:  # this creative's own segment lengths for the rules from here on
            abr.set_segments(segment_s=self.timing.next_s, first_segment_s=self.timing.first_s)
        length = state.length_s = sum(s.duration for s in segments)
        skip_at = creative.skip_after_s if creative.skip_after_s is not None and \
            self.rng.random() < self.config.skip_rate else None
        click = self.rng.random() < self.config.click_rate
        pending = [(f, length * q) for f, q in AD_QUARTILES]
        deadline = t_ad + self.config.max_ad_s

        def due() -> bool:
            """Send the beacons playback has reached; True once the viewer skipped."""
            nonlocal click
            pb.advance(self.clock())
            while pending and pb.played_s >= pending[0][1] - 1e-6:
                event, _ = pending.pop(0)
                self._beacon(report, creative, event)
                if event == "midpoint" and click:
                    click = False
                    self._beacon(report, creative, "click")
            if skip_at is not None and not state.skipped and pb.played_s >= min(skip_at, length) - 1e-6:
                state.skipped = True
                self._beacon(report, creative, "skip")
            return state.skipped

        def idle(until: float) -> None:
            """Let playback run until ``until`` (or the skip), sending beacons on the way."""
            while not due() and self.clock() < min(until, deadline):
                marks = [t for _, t in pending] + ([skip_at] if skip_at is not None else [])
                ahead = [m - pb.played_s for m in marks if m > pb.played_s]
                step = min([until - self.clock(), *ahead]) if pb.buffer_s > 0 else until - self.clock()
                self.sleep(max(0.001, step))

        for i in range(len(segments)):
            if state.skipped:
                break
            pb.advance(self.clock())
            over = pb.buffer_s + segments[i].duration - self.config.max_buffer_s
            if over > 0:
                idle(self.clock() + over)
                if state.skipped:
                    break
            if i > 0:  # the rung for this segment from the throughput measured so far and the buffer
                now = self.clock()
                pb.advance(now)
                abr.on_buffer(level_s=pb.buffer_s, now=now)
                variant = self._switch(state, ladder[abr.decide(now).index])
            while True:  # download segment i; while the ABR abandons it, again at the rung it names
                seg = playlist(variant)[min(i, len(playlist(variant)) - 1)]
                watch = AbandonWatch(abr, pb, ladder.index(variant))
                paced = self._call("GET", seg.url, name="/media/[ad segment]", watch=watch,
                                   context={"kind": "ad-segment", "rendition": variant.name, "kbps": variant.kbps})
                abandon = watch.decision
                if not paced.abandoned or abandon is None:
                    break
                state.abandons += 1
                abr.on_download(nbytes=paced.nbytes, duration_s=paced.duration_s, now=paced.finished,
                                ttfb_s=paced.ttfb_s)
                variant = self._switch(state, ladder[abandon.index])
            abr.on_download(nbytes=paced.nbytes, duration_s=paced.duration_s, now=paced.finished,
                            index=ladder.index(variant), ttfb_s=paced.ttfb_s)
            pb.add(seg.duration, paced.finished)
            if report.ad_start_s is None:
                report.ad_start_s = paced.finished - t_play
                self.emit("ad_start", report.ad_start_s * 1000, {"rendition": variant.name, "kbps": variant.kbps,
                                                                 "ad_id": creative.ad_id})
            if pb.started_at == paced.finished:  # first frame of this ad
                self._beacon(report, creative, "impression")
                self._beacon(report, creative, "start")
            due()
        if not state.skipped:
            pb.finished = True
            idle(self.clock() + pb.buffer_s)
        if not state.skipped and pb.played_s >= length - 1e-3:
            self._beacon(report, creative, "complete")
            report.ads_completed += 1

    @staticmethod
    def _switch(state: _AdPlay, variant: Variant) -> Variant:
        if variant.name != state.rendition:
            state.switches += 1
            state.rendition = variant.name
        return variant

    # ------------------------------------------------------------------ the content after the pod
    def _content_start(self, report: AdReport, *, t_play: float, content_id: str, session_id: str) -> None:
        query = {"profile_id": self.profile_id, "session_id": session_id}
        name = self.link.profile_name
        if self.config.send_net_hint and name in list_profiles():
            query["net"] = name
        manifest = self._call("GET", f"{API}/stream/{content_id}/manifest?{urlencode(query)}",
                              name=f"{API}/stream/[id]/manifest").reply.json()
        master_url = manifest["manifest_url"]
        master = self._call("GET", master_url, name="/media/[master]", context={"kind": "playlist"})
        variants = parse_master(master.reply.text(), base=master_url)
        variant = variants[0]  # the server's steered start (ABR-aware ordering)
        reply = self._call("GET", variant.url, name="/media/[playlist]", context={"kind": "playlist"}).reply
        first = parse_media(reply.text(), base=variant.url)[0]
        paced = self._call("GET", first.url, name="/media/[segment]",
                           context={"kind": "segment", "rendition": variant.name, "kbps": variant.kbps})
        report.content_start_s = paced.finished - t_play
        self.emit("ad_content_start", report.content_start_s * 1000,
                  {"ads": report.ads_played, "rendition": variant.name, "kbps": variant.kbps})
