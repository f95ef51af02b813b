"""Player models for the simulated viewer (#14): one data file, `loadtest/player_models.toml`.

A `PlayerModel` says what a real player does on the wire: which requests open a new connection
(one round trip of handshake each), how often the first playlist is fetched before the first
segment, how many segments the demuxer reads before it decodes, its forward-buffer limits and
when a rendition switch reaches the screen. `first_frame_factor` is the calibration measured
last per network (real ÷ simulated first frame p50, by `benchmarks/sim_vs_real.py`); a network
without one is uncalibrated. `start` says which variant of the master playlist the player starts on
(`hlsjs_start`: hls.js's own rule).
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from media import Variant

MODELS_FILE = Path(__file__).with_name("player_models.toml")
DEFAULT_MODEL = "mpv"
STARTS = ("first-listed", "hls.js")


class ModelError(ValueError):
    """The models file is missing a model or holds a bad value."""


@dataclass(frozen=True, slots=True)
class PlayerModel:
    """What one real player does (fields documented in `player_models.toml`)."""

    name: str
    description: str = ""
    measured_by: str = ""
    api_new_connection: bool = True
    playlist_opens: int = 1
    playlist_new_connection: bool = False
    segment_new_connection: bool = False
    persistent_segments: bool = True
    segments_before_decode: int = 1
    max_buffer_s: float = 30.0
    max_buffer_bytes: int = 0
    switch_after_buffer: bool = True
    decode_after: str = "segment"  # "segment": the whole segment; "probe": max(probe_bytes, its first picture)
    probe_bytes: int = 0
    start_cpu_s: float = 0.0
    progressive_buffer: bool = False
    read_bytes: int = 0  # progressive_buffer: media playable in whole reads of this many bytes (0: as bytes arrive)
    held_s: float = 0.0  # media the decoders and audio output hold: the demuxer runs dry this much earlier
    resume_after_s: float = 0.0
    resume_late_s: float = 0.0  # measured: how much more than resume_after_s is buffered when playback resumes
    fetch_below_limit: bool = False
    start: str = "first-listed"  # "first-listed" or "hls.js" (`hlsjs_start`)
    start_estimate_kbps: float = 500.0  # start = "hls.js": abrEwmaDefaultEstimate
    start_estimate_max_kbps: float = 5000.0  # start = "hls.js": abrEwmaDefaultEstimateMax
    first_frame_factor: dict[str, float] = field(default_factory=dict)  # network -> real ÷ simulated p50
    calibrated_at: str = ""
    calibration_command: str = ""

    def factor(self, network: str) -> float | None:
        """The calibration factor measured last on ``network`` (None: uncalibrated there)."""
        return self.first_frame_factor.get(network)

    def decodable_bytes(self, segment_bytes: int, first_picture_bytes: int | None) -> int:
        """Bytes of the first segment the player must have before it can show a picture: all of it
        (``decode_after = "segment"``, or a segment whose first picture cannot be found), else its
        demuxer's probe bytes or its first picture, whichever is more, at most the whole segment."""
        if self.decode_after == "segment" or first_picture_bytes is None:
            return segment_bytes
        return min(segment_bytes, max(self.probe_bytes, first_picture_bytes))

    def start_variant(self, variants: Sequence[Variant]) -> Variant:
        """The variant of the master playlist (``variants`` in listed order) the player starts on."""
        if self.start == "hls.js":
            return hlsjs_start(variants, estimate_kbps=self.start_estimate_kbps,
                               estimate_max_kbps=self.start_estimate_max_kbps)
        return variants[0]

    def start_round_trips(self, *, master: bool = False) -> int:
        """Round trips before the first frame on a fresh link, handshakes included: the play command's
        two API calls, the master playlist when the player reads one (on the API's connection), the
        first media playlist's opens and the `segments_before_decode` segments."""
        trips = 2 + (1 if self.api_new_connection else 0) + (1 if master else 0)
        trips += self.playlist_opens * (2 if self.playlist_new_connection else 1)
        trips += self.segments_before_decode + (1 if self.segment_new_connection else 0)
        return trips


def hlsjs_start(variants: Sequence[Variant], *, estimate_kbps: float, estimate_max_kbps: float) -> Variant:
    """hls.js 1.7.4's start level with its defaults (``startLevel`` undefined: `AbrController.firstAutoLevel`,
    i.e. ``findBestLevel``'s first selection; no bitrate test) on a VOD master of one codec family.

    Levels are sorted by height, frame rate, average bitrate; the estimate is ``estimate_kbps`` raised to
    the first listed variant's peak ``BANDWIDTH`` (at most ``estimate_max_kbps``) and to the lowest peak.
    From the top down the first level whose peak fits the estimate wins, except that a level at or below
    the first listed one (not an up-switch) with a higher ``FRAME-RATE`` than the lowest in the ladder is
    skipped, the lowest level never: with a 15 fps bottom rung and the start rung listed first, hls.js
    starts on the bottom rung whatever the estimate (level-controller.ts, abr-controller.ts)."""
    levels = sorted(variants, key=lambda v: (v.height, v.frame_rate, v.kbps))
    first = levels.index(variants[0])
    peaks = [v.peak_kbps or v.kbps for v in levels]
    estimate = max(estimate_kbps, min(peaks[first], estimate_max_kbps), min(peaks))
    lowest_fps = min(v.frame_rate for v in levels)
    for i in range(len(levels) - 1, 0, -1):
        if i <= first and 0 < lowest_fps < levels[i].frame_rate:
            continue
        if estimate >= peaks[i]:
            return levels[i]
    return levels[0]


def _model(name: str, table: dict[str, object]) -> PlayerModel:
    """One model from its TOML table (unknown keys are an error)."""
    known = set(PlayerModel.__dataclass_fields__) - {"name"}
    table = dict(table)
    factors = table.get("first_frame_factor", {})
    if not isinstance(factors, dict) or not all(isinstance(v, int | float) and v > 0 for v in factors.values()):
        raise ModelError(f"{MODELS_FILE.name} [{name}]: first_frame_factor must map network -> factor > 0")
    table["first_frame_factor"] = {str(k): float(v) for k, v in factors.items()}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ModelError(f"{MODELS_FILE.name} [{name}]: unknown keys {unknown}")
    try:
        model = PlayerModel(name=name, **table)  # type: ignore[arg-type]
    except TypeError as err:
        raise ModelError(f"{MODELS_FILE.name} [{name}]: {err}") from err
    if model.playlist_opens < 1 or model.segments_before_decode < 1 or model.max_buffer_s <= 0:
        raise ModelError(f"{MODELS_FILE.name} [{name}]: playlist_opens, segments_before_decode >= 1, max_buffer_s > 0")
    if model.start not in STARTS:
        raise ModelError(f"{MODELS_FILE.name} [{name}]: start must be one of {', '.join(STARTS)}")
    if model.decode_after not in ("segment", "probe"):
        raise ModelError(f"{MODELS_FILE.name} [{name}]: decode_after must be 'segment' or 'probe'")
    if min(model.probe_bytes, model.start_cpu_s, model.resume_after_s, model.resume_late_s, model.read_bytes,
           model.held_s) < 0:
        raise ModelError(f"{MODELS_FILE.name} [{name}]: probe_bytes, start_cpu_s, resume_after_s, resume_late_s, "
                         "read_bytes, held_s >= 0")
    return model


@functools.lru_cache(maxsize=4)
def load_models(path: Path = MODELS_FILE) -> dict[str, PlayerModel]:
    """Every model in the data file, by name."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {name: _model(name, dict(table)) for name, table in data.items()}


def load_model(name: str = DEFAULT_MODEL, *, path: Path = MODELS_FILE) -> PlayerModel:
    """The model called `name` (ModelError naming the known ones otherwise)."""
    models = load_models(path)
    if name not in models:
        raise ModelError(f"unknown player model {name!r} (known: {', '.join(sorted(models))})")
    return models[name]
