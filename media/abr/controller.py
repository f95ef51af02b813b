"""`AbrController`: one playback's ABR state, combining the rules ("throughput", "bola",
"dynamic")."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from media.abr.abandon import DownloadProgress, abandon_rule
from media.abr.base import (
    AbrConfig,
    Decision,
    as_finite,
    as_nonneg,
    clean_ladder,
    fmt_kbps,
    highest_within,
    make_decision,
)
from media.abr.baselines import mpc_plan
from media.abr.bola import bola_max_buffer_for, bola_min_buffer_for, bola_params, bola_rule
from media.abr.estimator import ThroughputEstimator, coefficient_of_variation
from media.abr.rules import insufficient_buffer_rule, throughput_rule
from media.abr.start import StartHint, start_from_hint

log = logging.getLogger(__name__)


class AbrController:
    """One playback's ABR state; the server, the TUI and Locust drive it the same way.

    Call `choose_start(hint)` once, then per segment: `on_buffer(...)`, `decide(now)`, and after
    the download `on_download(...)`; during a download, `should_abandon(progress)`.
    """

    def __init__(
        self, ladder_kbps: Sequence[float], *, config: AbrConfig | None = None, **overrides: Any
    ) -> None:
        """Create a controller for `ladder_kbps` (lowest first); `overrides` patch `config`."""
        cfg = config or AbrConfig()
        if overrides:
            cfg = replace(cfg, **overrides)
        self.config = cfg
        self.ladder = clean_ladder(ladder_kbps)
        self.estimator = ThroughputEstimator(
            fast_half_life_s=cfg.fast_half_life_s,
            slow_half_life_s=cfg.slow_half_life_s,
            min_sample_bytes=cfg.min_sample_bytes,
            default_kbps=cfg.default_kbps,
        )
        self.current_index: int | None = None
        self.buffer_s = 0.0
        self.buffer_at: float | None = None
        self.playing = False
        self.stalled = False
        self.bola_active = False
        self.placeholder_s = 0.0
        self._last_download_end: float | None = None
        self._last_down_at: float | None = None
        self.last_decision: Decision | None = None
        self._progress: list[tuple[float, float]] = []  # (elapsed_s, loaded_bytes) in flight
        self._progress_key: tuple[int, float] | None = None
        # (bytes, seconds) of an abandoned download's last `abandon_window_s`, and its loaded
        # bytes: `on_download` of that download records the tail, not the whole average.
        self._abandon_tail: tuple[float, float, float] | None = None
        # robustMPC's bookkeeping for the "dynamic" plan: the recent throughput predicted at the
        # last decision, and the relative errors of the last 5 such predictions.
        self._prediction: float | None = None
        self.errors: list[float] = []
        self._history: list[float] = []  # the last `mpc_cv_samples` samples (kbit/s)
        self._idle_s = 0.0  # time from the last download's end to this decision
        self.remaining_s: float | None = None  # media still to request, this segment included

    @property
    def rule(self) -> str:
        """The rule name in use."""
        return self.config.rule

    def _dead_factor(self) -> float:
        """Share of a segment's time not lost to first-byte latency (dash.js "dead time")."""
        seg = max(self.config.segment_s, 1e-3)
        return 1.0 - min(self.estimator.latency_s / seg, 0.9)

    @property
    def estimate_kbps(self) -> float:
        """Throughput the throughput rule uses (kbit/s): min(fast, slow) EWMA less latency."""
        return self.estimator.estimate_kbps * self._dead_factor()

    def _trust(self) -> float:
        """0 with `trust_low_s` of buffer or less, 1 from `trust_high_s`, linear between."""
        cfg = self.config
        span = cfg.trust_high_s - cfg.trust_low_s
        if span <= 0:
            return 1.0 if self.buffer_s >= cfg.trust_high_s else 0.0
        return min(max((self.buffer_s - cfg.trust_low_s) / span, 0.0), 1.0)

    @property
    def trusted_kbps(self) -> float:
        """Estimate for up-switches and the safety cap (kbit/s): `estimate_kbps` with an empty
        buffer, moving linearly to the latest sample (if higher) as the buffer grows from
        `trust_low_s` to `trust_high_s`. A full buffer can afford a wrong guess (it drains,
        and abandonment catches it once under `abandon_wait_above_s`); an empty one cannot."""
        cons = self.estimate_kbps
        k = max(1, int(self.config.trust_samples))
        fast = min(self.estimator.recent[-k:] or [self.estimator.default_kbps]) * self._dead_factor()
        if self.estimator.samples == 0:
            return cons
        last = self.estimator.last_kbps * self._dead_factor()
        pess, opt = min(cons, last), max(cons, fast)
        return pess + self._trust() * (opt - pess)

    @property
    def recent_kbps(self) -> float:
        """Throughput BOLA-O uses (kbit/s): harmonic mean of recent samples less latency."""
        return self.estimator.window_kbps * self._dead_factor()

    @property
    def link_cv(self) -> float:
        """Coefficient of variation of the recent samples (0 with fewer than two): how much a
        buffer has to absorb. A steady link (≈ 0) is served by the throughput alone."""
        return coefficient_of_variation(self.estimator.recent)

    def set_segments(self, *, segment_s: float, first_segment_s: float | None = None) -> None:
        """Take the title's segment durations once its playlist is known, keeping every other
        state (the rules read `config.segment_s` at each decision); bad numbers are ignored."""
        seg, first, cfg = as_finite(segment_s, -1.0), as_finite(first_segment_s, -1.0), self.config
        self.config = replace(
            cfg,
            segment_s=seg if seg > 0 else cfg.segment_s,
            first_segment_s=first if first > 0 else cfg.first_segment_s,
        )

    def choose_start(self, hint: StartHint | None = None) -> Decision:
        """Pick the starting rung from `hint` (see module `choose_start`) and remember it."""
        d, seed = start_from_hint(
            self.ladder,
            hint,
            segment_s=self.config.segment_s,
            default_kbps=self.config.default_kbps,
            up_factor=self.config.up_factor,
            first_segment_s=self.config.first_segment_s,
        )
        if seed is not None and self.estimator.samples == 0:
            self.estimator.default_kbps = seed
        self.current_index = d.index
        self.last_decision = d
        return d

    def on_download(
        self,
        *,
        nbytes: float,
        duration_s: float,
        now: float,
        index: int | None = None,
        ttfb_s: float = 0.0,
    ) -> bool:
        """Record a finished (or abandoned) download of `nbytes` taking `duration_s` (request
        to last byte, of which `ttfb_s` waiting for the first byte, if known) of rung `index`.
        Returns whether it counted as a throughput sample."""
        tail, self._abandon_tail = self._abandon_tail, None
        pred, self._prediction = self._prediction, None
        n0 = self.estimator.samples
        if tail is not None and 0 <= as_finite(nbytes, -1.0) <= tail[2] * 1.01 + 1:
            # The abandoned download: its average is inflated by the time before the link
            # collapsed; its last second is what the link does now.
            counted = self.estimator.sample(nbytes=tail[0], duration_s=tail[1])
        else:
            counted = self._sample_download(nbytes, duration_s, ttfb_s, index)
        new = self.estimator.samples - n0
        if new > 0:
            keep = max(int(self.config.mpc_cv_samples), 1)
            self._history = [*self._history, *self.estimator.recent[-new:]][-keep:]
        if pred is not None and tail is None and self.estimator.samples > n0:
            got = self.estimator.last_kbps
            if got > 0:
                self.errors = [*self.errors[-4:], abs(pred - got) / got]
        now_f = as_finite(now, math.nan)
        self._last_download_end = now_f if math.isfinite(now_f) else None
        if index is not None and 0 <= index < len(self.ladder):
            self.current_index = index
        return counted

    def _sample_download(
        self, nbytes: float, duration_s: float, ttfb_s: float, index: int | None
    ) -> bool:
        """Record a finished download; split it in two samples when the progress reports seen
        for it (`should_abandon`) show the link collapsed during it, so the estimate learns
        the rate at its end, not an average with the fast start."""
        est = self.estimator
        hist, key = self._progress, self._progress_key
        self._progress = []
        self._progress_key = None
        n = as_finite(nbytes, -1.0)
        dur = as_finite(duration_s, -1.0)
        ttfb = min(as_nonneg(ttfb_s, 0.0), max(dur, 0.0))
        window = self.config.abandon_window_s
        same = key is not None and (index is None or key[0] == index) and abs(key[1] - n) < 1
        if self.config.split_samples and same and hist and window > 0 and n > 0 and dur > 0:
            cut = [h for h in hist if dur - h[0] >= window and h[0] > ttfb and 0 < h[1] < n]
            if cut:
                e_k, l_k = cut[-1]
                head = l_k / (e_k - ttfb)
                tail = (n - l_k) / (dur - e_k)
                if tail < 0.5 * head:
                    est.sample(nbytes=l_k, duration_s=e_k, ttfb_s=ttfb)
                    return est.sample(nbytes=n - l_k, duration_s=dur - e_k, force=True)
        return est.sample(nbytes=nbytes, duration_s=duration_s, ttfb_s=ttfb_s)

    def on_buffer(self, *, level_s: float, now: float, remaining_s: float | None = None) -> None:
        """Record the buffer level (seconds ahead of the playhead) at time `now`, and the media
        still to request after it (the next segment included) when the title's end is known
        (None: a live stream, or not told; see `AbrConfig.end_reserve_s`)."""
        rem = as_finite(remaining_s, -1.0)
        self.remaining_s = rem if rem >= 0 else None
        level = as_nonneg(level_s, 0.0)
        if level > 0:
            self.playing = True
        was_stalled = self.stalled
        self.stalled = self.playing and level <= 0
        if self.stalled and not was_stalled:
            self.placeholder_s = 0.0
        self.buffer_s = level
        now_f = as_finite(now, math.nan)
        self.buffer_at = now_f if math.isfinite(now_f) else self.buffer_at

    @property
    def low_link(self) -> bool:
        """Whether "dynamic" treats the link as low: its slow throughput average is under
        `low_link_factor` × the lowest rung (see `_rule_config`)."""
        cfg = self.config
        if cfg.low_link_extra_s <= 0 or not self.ladder or self.estimator.samples == 0:
            return False
        return self.estimator.slow.get() < cfg.low_link_factor * self.ladder[0]

    def _rule_config(self) -> AbrConfig:
        """The config the rules decide with: `config`, with every buffer level of "dynamic"
        raised by `low_link_extra_s` while the slow throughput average is under
        `low_link_factor` × the lowest rung (a link that low stalls on any dip below the
        lowest rung, and spending buffer on it buys little bitrate)."""
        cfg = self.config
        extra = cfg.low_link_extra_s
        if cfg.rule != "dynamic" or not self.low_link:
            return cfg
        guard = cfg.bola_guard_buffer_s
        return replace(
            cfg,
            bola_min_buffer_s=cfg.bola_min_buffer_s + extra,
            bola_target_s=None if cfg.bola_target_s is None else cfg.bola_target_s + extra,
            dynamic_on_s=cfg.dynamic_on_s + extra,
            dynamic_off_s=cfg.dynamic_off_s + extra,
            bola_guard_buffer_s=None if guard is None else guard + extra,
        )

    def _bola(self, now: float, est: float, cur: int) -> Decision:
        """BOLA decision with placeholder bookkeeping (idle time grows it; delay trims it)."""
        cfg = self._rule_config()
        params = bola_params(self.ladder, config=cfg)
        if not self.bola_active:
            # Enter BOLA without a jump: the placeholder makes BOLA keep the current rung.
            self.bola_active = True
            need = bola_min_buffer_for(self.ladder, cur, params=params)
            self.placeholder_s = max(0.0, need + 0.01 - self.buffer_s) if cur > 0 else 0.0
        elif self._last_download_end is not None and math.isfinite(now):
            self.placeholder_s += max(0.0, now - self._last_download_end)
        self._last_download_end = None
        d = bola_rule(
            self.ladder,
            buffer_s=self.buffer_s,
            placeholder_s=self.placeholder_s,
            last_index=cur,
            estimate_kbps=self.recent_kbps,
            variable=self.link_cv >= cfg.bola_guard_min_cv,
            config=cfg,
        )
        over = self.buffer_s + self.placeholder_s - bola_max_buffer_for(d.index, params=params)
        if over > 0:
            self.placeholder_s = max(0.0, self.placeholder_s - over)
        return d

    def _mpc_on(self, cfg: AbrConfig, use_bola: bool) -> bool:
        """Whether "dynamic" decides with the MPC plan now (see `AbrConfig.mpc_horizon`)."""
        if cfg.mpc_horizon <= 0 or self.estimator.samples < 2 or self.low_link:
            return False
        if coefficient_of_variation(self._history) < cfg.mpc_min_cv:
            return False
        if cfg.mpc_min_buffer_s is None:
            return use_bola
        return self.buffer_s >= cfg.mpc_min_buffer_s

    @property
    def recent_errors(self) -> list[float]:
        """The prediction errors the plan discounts by: those of the downloads of the last
        `mpc_error_window_s` seconds of media (⌈window ÷ segment⌉ predictions, at most the 5
        kept, as robustMPC)."""
        window = self.config.mpc_error_window_s
        if window is None or window <= 0:
            return self.errors
        n = math.ceil(window / max(self.config.segment_s, 1e-3) - 1e-9)
        return self.errors[-max(n, 1) :]

    def _mpc(self, cur: int, cfg: AbrConfig) -> Decision:
        """robustMPC's plan (`mpc_plan`) on the recent throughput discounted by its recent
        prediction errors, with `mpc_reserve_s` of the buffer kept out of it."""
        err = min(max(self.recent_errors, default=0.0), max(cfg.mpc_max_error, 0.0))
        recent = self.recent_kbps
        bw = recent / (1.0 + err)
        usable = max(self.buffer_s - cfg.mpc_reserve_s, 0.0)
        idx, qoe = mpc_plan(
            self.ladder,
            buffer_s=usable,
            last_index=cur,
            bandwidth_kbps=bw,
            segment_s=cfg.segment_s,
            horizon=cfg.mpc_horizon,
        )
        plan = idx
        idx = self._mpc_hysteresis(plan, cur, usable, bw)
        reason = (
            f"MPC {fmt_kbps(recent)} / (1 + {err:.2f}) = {fmt_kbps(bw)}, buffer "
            f"{self.buffer_s:.1f} s − {cfg.mpc_reserve_s:g} s reserve → {fmt_kbps(self.ladder[idx])}"
            f" (QoE {qoe:.2f} over {cfg.mpc_horizon} segments"
            + (f"; plan {fmt_kbps(self.ladder[plan])}, hysteresis)" if idx != plan else ")")
        )
        return make_decision(self.ladder, idx, reason, "mpc")

    def _mpc_hysteresis(self, idx: int, cur: int, usable: float, bw: float) -> int:
        """The plan's choice `idx` with hysteresis (`mpc_keep`, `mpc_up_run_s`): a down-switch
        waits while `usable` buffer still loads the current rung's next segment at `bw`; an
        up-switch goes to the highest rung up to `idx` that `bw` sustains or that `usable`
        buffer can play for `mpc_up_run_s` seconds."""
        cfg = self.config
        bw = max(bw, 1e-6)
        if idx < cur:
            load = cfg.segment_s * self.ladder[cur] / bw
            return cur if cfg.mpc_keep and usable >= load else idx
        if idx == cur or cfg.mpc_up_run_s <= 0 or self._idle_s >= cfg.mpc_idle_s:
            return idx  # a request that waited for room: the buffer cannot grow any more
        for r in range(idx, cur, -1):
            drain = self.ladder[r] / bw - 1.0  # buffer lost per second played
            if drain <= 0 or usable >= cfg.mpc_up_run_s * drain:
                return r
        return cur

    def _rule_decision(self, now: float, est: float, cur: int) -> Decision:
        """The selected rule's raw choice (before the safety cap and hysteresis)."""
        cfg = self._rule_config()
        if cfg.rule == "throughput":
            return throughput_rule(self.ladder, estimate_kbps=est, current_index=cur, config=cfg)
        if cfg.rule == "bola":
            if not self.bola_active and self.buffer_s < cfg.segment_s:
                d = throughput_rule(
                    self.ladder,
                    estimate_kbps=est * cfg.bola_throughput_factor / cfg.down_factor,
                    current_index=cur,
                    config=cfg,
                )
                return replace(d, reason="BOLA startup: " + d.reason)
            if self.stalled:
                self.bola_active = False
                d = throughput_rule(self.ladder, estimate_kbps=est, current_index=cur, config=cfg)
                return replace(d, reason="BOLA after stall: " + d.reason)
            return self._bola(now, est, cur)
        # dynamic
        if self.bola_active and self.buffer_s < cfg.dynamic_off_s:
            self.bola_active = False
        use_bola = self.bola_active or self.buffer_s >= cfg.dynamic_on_s
        up = cfg.up_factor + self._trust() * max(cfg.trust_up_factor - cfg.up_factor, 0.0)
        down = cfg.down_factor
        if cfg.low_down_factor is not None:
            down = cfg.low_down_factor + self._trust() * (cfg.down_factor - cfg.low_down_factor)
        tput = throughput_rule(
            self.ladder,
            estimate_kbps=est,
            current_index=cur,
            config=replace(cfg, up_factor=min(up, down), down_factor=down),
        )
        use_mpc = self._mpc_on(cfg, use_bola)
        if use_bola or use_mpc:
            d = self._bola(now, est, cur) if use_bola else tput
            if use_mpc:
                d = self._mpc(cur, cfg)
            if cfg.dynamic_tput_floor and tput.index > d.index:
                return replace(tput, reason=f"{tput.reason} (above {d.reason})")
            return d
        return tput

    def _end_game(self, d: Decision, cur: int, now: float) -> Decision:
        """Near the title's end ("dynamic"), the highest rung at which all the media left downloads
        before the buffer, less `end_reserve_s`, runs out, when it is above `d` (see
        `AbrConfig.end_reserve_s`; "throughput" and "bola" stay the references' rules)."""
        cfg = self.config
        rem = self.remaining_s
        if (
            cfg.end_reserve_s is None
            or cfg.rule != "dynamic"
            or rem is None
            or rem <= 0
            or rem > cfg.end_window_x * self.buffer_s
            or not self.playing
            or self.stalled
            or self.estimator.samples == 0
            or self.low_link
        ):
            return d
        if self._last_down_at is not None and 0 <= now - self._last_down_at < cfg.up_hold_s:
            return d  # just abandoned or dropped: not straight back up
        seg = max(as_nonneg(cfg.segment_s, 2.0), 1e-3)
        rate = min(self.recent_kbps, self.estimate_kbps) * cfg.end_factor
        last = self.last_decision
        # The rung the end chose stays while the plan still holds with no reserve at all: a
        # client deciding between segments (the terminal client's ticks) sees the buffer drain
        # by the segment in flight before `remaining_s` drops, and would flap.
        keep = last is not None and last.rule == "end" and d.index < cur
        spare = self.buffer_s - (0.0 if keep else cfg.end_reserve_s)
        if rate <= 0 or spare <= 0:
            return d
        # Every segment left at one rung arrives before the playhead reaches it: above the link
        # the last one binds (rem × kbps ÷ rate ≤ spare + rem − seg), the next one at any rate.
        kbps = rate * min((spare + rem - seg) / rem, spare / seg)
        idx = highest_within(self.ladder, kbps)
        if keep:
            idx = min(idx, cur)
        if idx <= d.index:
            return d
        reason = (
            f"end: {rem:.0f} s left, buffer {self.buffer_s:.1f} s − {self.buffer_s - spare:g} s at "
            f"{fmt_kbps(rate)} → ≤ {fmt_kbps(kbps)} (was {fmt_kbps(d.kbps)}: {d.reason})"
        )
        return make_decision(self.ladder, idx, reason, "end")

    def _keep_band(self, cap: Decision, d: Decision, est: float, cur: int) -> Decision:
        """Widen the safety cap to the current rung when the rule wants to keep (or go above)
        it and its next segment still loads within `keep_factor × buffer` at `est`."""
        cfg = self.config
        if cap.index >= cur or d.index < cur or self.buffer_s <= 0:
            return cap
        seg = max(as_nonneg(cfg.segment_s, 2.0), 1e-3)
        load_s = self.ladder[cur] * seg / est if est > 0 else math.inf
        if load_s > cfg.keep_factor * self.buffer_s:
            return cap
        reason = (
            f"keep {fmt_kbps(self.ladder[cur])}: segment loads in {load_s:.1f} s ≤ "
            f"{cfg.keep_factor:g} × buffer {self.buffer_s:.1f} s"
        )
        return make_decision(self.ladder, cur, reason, "insufficient-buffer")

    def decide(self, now: float) -> Decision:
        """Choose the rung for the next segment at time `now`."""
        cfg = self.config
        est = self.estimate_kbps
        if not self.ladder:
            d = make_decision(self.ladder, 0, "no rungs", cfg.rule)
            self.last_decision = d
            return d
        if self.current_index is None:
            d = throughput_rule(self.ladder, estimate_kbps=est, current_index=None, config=cfg)
            self.current_index = d.index
            self.last_decision = d
            return d
        cur = self.current_index
        if self.remaining_s is not None and self.remaining_s <= 0:
            d = make_decision(self.ladder, cur, "nothing left to request: keep", cfg.rule)
            self.last_decision = d
            return d
        now_f = as_finite(now, math.nan)
        if cfg.rule == "dynamic":
            est = self.trusted_kbps
        self._prediction = self.estimator.window_kbps if self.estimator.samples else None
        end = self._last_download_end
        self._idle_s = now_f - end if end is not None and math.isfinite(now_f) else 0.0
        d = self._rule_decision(now_f, est, cur)
        link_down = d.index < cur
        if self.playing:
            cap = insufficient_buffer_rule(
                self.ladder, estimate_kbps=est, buffer_s=self.buffer_s, config=cfg
            )
            cap = self._keep_band(cap, d, est, cur)
            if cap.index < d.index:
                d = replace(
                    cap, reason=f"{cap.reason} (capped {fmt_kbps(d.kbps)}: {d.reason})"
                )
                # A cap because the buffer is short (e.g. at start) is not a link drop.
                link_down = link_down or est < self.ladder[cur]
        d = self._end_game(d, cur, now_f)
        if (
            d.index > cur
            and d.rule == "throughput"
            and self._last_down_at is not None
            and math.isfinite(now_f)
            and not (cfg.rule == "dynamic" and self.buffer_s >= cfg.trust_low_s)
        ):
            since = now_f - self._last_down_at
            if since < cfg.up_hold_s:
                held = make_decision(
                    self.ladder,
                    cur,
                    f"hold {fmt_kbps(self.ladder[cur])}: {since:.1f} s since a down-switch "
                    f"< {cfg.up_hold_s:g} s (wanted {fmt_kbps(d.kbps)}: {d.reason})",
                    d.rule,
                )
                self.last_decision = held
                return held
        if d.index < cur and link_down and math.isfinite(now_f):
            self._last_down_at = now_f
        if d.index != cur:
            log.debug("ABR %s: %s → %s (%s)", cfg.rule, cur, d.index, d.reason)
        self.current_index = d.index
        self.last_decision = d
        return d

    def _recent_rate(self, p: DownloadProgress) -> float | None:
        """Bytes/s of the download in flight over its last `abandon_window_s` (None until
        that much of it has been seen). Calls for a new download (another rung or size, or
        time going backwards) start a new history."""
        elapsed = as_finite(p.elapsed_s, math.nan)
        loaded = as_finite(p.loaded_bytes, math.nan)
        if not (math.isfinite(elapsed) and math.isfinite(loaded)):
            return None
        key = (int(p.index) if isinstance(p.index, int) else -1, as_finite(p.total_bytes, -1.0))
        hist = self._progress
        if key != self._progress_key or (hist and (elapsed < hist[-1][0] or loaded < hist[-1][1])):
            hist.clear()
            self._progress_key = key
        hist.append((elapsed, loaded))
        window = self.config.abandon_window_s
        older = [h for h in hist if elapsed - h[0] >= window - 1e-9]
        if len(hist) > 64:
            del hist[: len(hist) - 64]
        if not older or window <= 0:
            return None
        e0, l0 = older[-1]
        return (loaded - l0) / max(elapsed - e0, 1e-3)

    def _abandon(self, p: DownloadProgress) -> Decision | None:
        """`abandon_rule` judged at the download's rate over its last `abandon_window_s` (a
        collapsed link is seen at once, an outage is waited out). With at least
        `abandon_recent_below_s` buffered that verdict stands only if the average since the
        first byte also says the segment cannot arrive in time: a one-second dip does not throw
        away a download the buffer carries. No verdict at all while `abandon_wait_above_s` or
        more is buffered (the download's rate history is still kept, so the verdict under it
        sees the recent rate)."""
        d = abandon_rule(
            self.ladder, progress=p, config=self.config, recent_bps=self._recent_rate(p)
        )
        wait = self.config.abandon_wait_above_s
        if d is not None and wait is not None and as_nonneg(p.buffer_s, 0.0) >= wait:
            return None
        below = self.config.abandon_recent_below_s
        if d is None or below is None or as_nonneg(p.buffer_s, 0.0) < below:
            return d
        if abandon_rule(self.ladder, progress=p, config=self.config) is None:
            return None
        return d

    def should_abandon(self, progress: DownloadProgress) -> Decision | None:
        """Whether to abandon the download in flight; the Decision names the rung to
        re-request the same segment at (and becomes the current rung). Never before playback
        has started (the start rung is `choose_start`'s business)."""
        if not self.playing:
            return None  # before the first frame there is no buffer to run dry
        d = self._abandon(progress)
        if d is not None:
            log.debug("ABR abandon: %s", d.reason)
            hist = self._progress
            older = [h for h in hist if hist[-1][0] - h[0] >= self.config.abandon_window_s - 1e-9]
            if older:
                e0, l0 = older[-1]
                self._abandon_tail = (hist[-1][1] - l0, hist[-1][0] - e0, hist[-1][1])
            self._progress.clear()
            self._progress_key = None
            self.current_index = d.index
            now = as_finite(progress.now, math.nan)
            if math.isfinite(now):
                self._last_down_at = now
        return d
