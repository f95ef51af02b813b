"""Adaptive-bitrate rules shared by the server's steered `auto` mode, the TUI and Locust.

Everything here is plain data in, plain data out: no I/O, no clocks (time is passed in as
`now`, in seconds on any monotonic scale). Ladders are plain sequences of bitrates in kbit/s,
lowest first, so nominal and measured bitrates work alike.

Modules (see the README's "ABR engine" section):

- `base`: `AbrConfig` (every tunable), `Decision`, ladder and number helpers.
- `estimator`: `ThroughputEstimator`, the dual EWMA of download throughput.
- `rules`: `throughput_rule` (hls.js style: stay/down when bitrate ≤ 0.95 × estimate, up only
  when ≤ 0.7 × estimate) and `insufficient_buffer_rule` (the next segment must download before
  the buffer runs dry).
- `bola`: BOLA (Spiteri et al., dash.js `BolaRule`) with a placeholder buffer and BOLA-O.
- `abandon`: `abandon_rule`, giving up a download that cannot finish before the buffer runs dry.
- `start`: `choose_start`, the starting rung that keeps stream start under target, and
  `start_from_hint` (the start rung and estimator seed from a `StartHint`, for every controller).
- `baselines`: the literature's BBA-0, rate-based (RB) and robustMPC, and `BaselineController`.
- `factory`: `make_controller(rule, ladder)` for any name in `ALL_RULES` (rules + baselines).
- `controller`: `AbrController` holds one playback's state and combines them ("throughput",
  "bola" or "dynamic", i.e. throughput while the buffer is low and BOLA once it is healthy,
  robustMPC's 5-segment plan instead of BOLA while the link varies).
"""

from media.abr.abandon import DownloadProgress, abandon_rule
from media.abr.base import (
    DEFAULT_RULE,
    RULES,
    AbrConfig,
    Decision,
    clean_ladder,
    fmt_kbps,
    highest_within,
)
from media.abr.baselines import (
    BASELINES,
    BaselineController,
    bba0_rule,
    mpc_plan,
    rate_based_rule,
)
from media.abr.bola import (
    BolaParams,
    bola_max_buffer_for,
    bola_min_buffer_for,
    bola_params,
    bola_rule,
)
from media.abr.controller import AbrController
from media.abr.estimator import ThroughputEstimator
from media.abr.factory import ALL_RULES, make_controller
from media.abr.rules import insufficient_buffer_rule, throughput_rule
from media.abr.start import ECT_TABLE, StartHint, choose_start, start_from_hint

__all__ = [
    "ALL_RULES",
    "BASELINES",
    "DEFAULT_RULE",
    "ECT_TABLE",
    "RULES",
    "AbrConfig",
    "AbrController",
    "BaselineController",
    "BolaParams",
    "Decision",
    "DownloadProgress",
    "StartHint",
    "ThroughputEstimator",
    "abandon_rule",
    "bba0_rule",
    "bola_max_buffer_for",
    "bola_min_buffer_for",
    "bola_params",
    "bola_rule",
    "choose_start",
    "clean_ladder",
    "fmt_kbps",
    "highest_within",
    "insufficient_buffer_rule",
    "make_controller",
    "mpc_plan",
    "rate_based_rule",
    "start_from_hint",
    "throughput_rule",
]
