"""Trace-driven player simulator and zero-rebuffer oracle for the ABR rules in `media.abr`.

Pure and side-effect-free: a rate source (anything with `down_kbps_at(t)` and `rtt_ms_at(t)`),
per-rung segment sizes and a controller go in, per-session metrics come out. Each request
costs one RTT, then its bytes cross a link whose capacity is integrated over time (piecewise
constant over `dt`-second cells, sampled at each cell's midpoint).

Modules:

- `link`: `RateSource`, `ConstantRate`, `StepRate` and `LinkIntegrator` (bits deliverable
  between two times and the finish time of a transfer).
- `playback`: `segment_sizes` and `Playback` (buffer / playhead / stall accounting, reused by
  Locust's simulated player).
- `metrics`: `SessionMetrics`, `detect_drops` and `switch_reaction_s`.
- `session`: `simulate`, one playback with a controller choosing each segment's rung.
- `oracle`: `oracle`, the best zero-rebuffer plan knowing the future.
- `traces`: links from any Mahimahi or `time,throughput` file (`load_link`, `trace_files`) and
  the synthetic low-band, broadband and LTE families (`lowband_link`, `broadband_link`,
  `lte_link`).
- `settings`: `EvalSetting`, `PROJECT` and `PENSIEVE` (ladder, segment durations, buffer cap and
  content length an evaluation uses).
- `evaluate`: `Case`, `Run` and `run_case` (every rule on one link beside its oracle).
"""

from media.abr_sim.link import ConstantRate, ExactSource, LinkIntegrator, RateSource, StepRate
from media.abr_sim.metrics import SessionMetrics, detect_drops, qoe_lin, switch_reaction_s
from media.abr_sim.oracle import OracleResult, oracle
from media.abr_sim.playback import Playback, segment_sizes
from media.abr_sim.session import Controller, simulate

__all__ = [
    "ConstantRate",
    "Controller",
    "ExactSource",
    "LinkIntegrator",
    "OracleResult",
    "Playback",
    "RateSource",
    "SessionMetrics",
    "StepRate",
    "detect_drops",
    "oracle",
    "qoe_lin",
    "segment_sizes",
    "simulate",
    "switch_reaction_s",
]
