"""Links for the evaluator from files and from a seed.

- `CsvTrace` / `load_csv_trace`: a `time,throughput` log (the cooked FCC and Norway HSDPA sets
  of the Pensieve paper: seconds and Mbit/s, comma or whitespace separated), or the raw Norway
  HSDPA logs (unix time, date, lat, lon, bytes, elapsed ms). Piecewise constant, repeating.
- `load_link`: any trace file, Mahimahi or CSV (detected from its content).
- `trace_files`: the trace files of a folder.
- `lowband_link`: a synthetic 2G/EDGE-like link (100–600 kbit/s with outages), reproducible
  from a seed.
- `broadband_link`: a synthetic fixed-broadband link in the style of the FCC set (a steady mean
  of 0.5–6 Mbit/s, modest variation, occasional short dips), reproducible from a seed.
- `lte_link`: a synthetic cellular LTE link (mostly above the top rung, deep dips), reproducible
  from a seed.
"""

from __future__ import annotations

import bisect
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from media.abr_sim.link import RateSource, StepRate

_SPLIT = re.compile(r"[,;\s]+")
#: File suffixes never taken for traces in a folder.
_SKIP_SUFFIXES = {".md", ".txt.gz", ".json", ".toml", ".py"}


class TraceError(ValueError):
    """A trace file that cannot be read as Mahimahi or `time,throughput`."""


@dataclass(frozen=True)
class CsvTrace:
    """A throughput log: capacity `kbps[i]` from `times_s[i]` until the next sample's time;
    the log repeats after its last sample (held for the median sample interval)."""

    name: str
    times_s: tuple[float, ...] = field(repr=False)
    kbps: tuple[float, ...] = field(repr=False)
    rtt_ms: float = 0.0

    def __post_init__(self) -> None:
        """Validate: at least two samples, increasing times."""
        if len(self.times_s) < 2 or len(self.times_s) != len(self.kbps):
            raise TraceError(f"{self.name}: need at least two (time, throughput) samples")

    @property
    def period_s(self) -> float:
        """One repetition: first to last sample plus one median interval."""
        gaps = sorted(b - a for a, b in zip(self.times_s, self.times_s[1:], strict=False))
        return self.times_s[-1] - self.times_s[0] + gaps[len(gaps) // 2]

    @property
    def duration_s(self) -> float:
        """Length of one repetition (seconds)."""
        return self.period_s

    def down_kbps_at(self, t: float) -> float:
        """Capacity at `t` seconds from the start of the log (repeating)."""
        period = self.period_s
        x = self.times_s[0] + (max(t, 0.0) % period)
        i = bisect.bisect_right(self.times_s, x) - 1
        return self.kbps[max(i, 0)]

    def rtt_ms_at(self, t: float) -> float:
        """The fixed round-trip time given at load."""
        return self.rtt_ms


def _numbers(line: str) -> list[float] | None:
    """The line's fields as floats; None if any field is not a number (a header)."""
    parts = [p for p in _SPLIT.split(line.strip()) if p]
    out: list[float] = []
    for p in parts:
        try:
            out.append(float(p))
        except ValueError:
            return None
    return out


def load_csv_trace(path: str | Path, *, rtt_ms: float = 0.0, unit_kbps: float = 1000.0) -> CsvTrace:
    """Read a `time,throughput` log (throughput × `unit_kbps` = kbit/s; Mbit/s by default) or a
    raw Norway HSDPA log (6 fields: unix time, date, lat, lon, bytes, elapsed ms → the bytes
    received in each interval). Header and comment lines are skipped; times are shifted to
    start at 0."""
    p = Path(path)
    times: list[float] = []
    kbps: list[float] = []
    try:
        text = p.read_text()
    except OSError as err:
        raise TraceError(f"{p}: cannot read trace: {err.strerror}") from err
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = _SPLIT.split(line)
        if len(fields) >= 6:  # raw Norway HSDPA: the date field is not a number
            try:
                t, nbytes, ms = float(fields[0]), float(fields[4]), float(fields[5])
            except ValueError:
                continue
            rate = nbytes * 8.0 / ms if ms > 0 else 0.0  # bits per ms = kbit/s
        else:
            nums = _numbers(line)
            if nums is None or len(nums) < 2:
                continue
            t, rate = nums[0], nums[1] * unit_kbps
        if not (math.isfinite(t) and math.isfinite(rate)) or (times and t <= times[-1]):
            continue
        times.append(t)
        kbps.append(max(rate, 0.0))
    if len(times) < 2:
        raise TraceError(f"{p}: not a time,throughput log (fewer than two samples)")
    t0 = times[0]
    return CsvTrace(p.stem, tuple(t - t0 for t in times), tuple(kbps), rtt_ms)


def is_mahimahi(path: str | Path) -> bool:
    """Whether the file looks like a Mahimahi trace (one integer per line)."""
    p = Path(path)
    if p.suffix in (".down", ".up", ".trace"):
        return True
    with p.open() as fh:
        for line in fh:
            s = line.strip()
            if s:
                return s.isdigit()
    return False


def load_link(path: str | Path, *, rtt_ms: float = 100.0) -> tuple[RateSource, float]:
    """A rate source replaying any trace file, and its length in seconds: Mahimahi traces
    through `netem_profiles` (its replay, shared with the shaping proxy), anything else as a
    `time,throughput` log."""
    p = Path(path)
    if is_mahimahi(p):
        import netem_profiles as netem

        trace = netem.MahimahiTrace.load(p)
        return netem.rate_source(p, rtt_ms=rtt_ms), trace.duration_s
    csv = load_csv_trace(p, rtt_ms=rtt_ms)
    return csv, csv.duration_s


def trace_files(folder: str | Path) -> list[Path]:
    """The trace files in `folder` (not recursive; README, JSON and the like skipped), sorted."""
    d = Path(folder)
    if not d.is_dir():
        return []
    return sorted(
        f for f in d.iterdir() if f.is_file() and not f.name.startswith(".") and f.suffix.lower() not in _SKIP_SUFFIXES
    )


def lowband_link(
    seed: int,
    *,
    duration_s: float = 300.0,
    low_kbps: float = 100.0,
    high_kbps: float = 600.0,
    outage_rate_per_min: float = 1.5,
) -> StepRate:
    """A synthetic 2G/EDGE-like link, the same for the same `seed`.

    Capacity follows a random walk in log space between `low_kbps` and `high_kbps`, holding
    each level 0.5–3 s; outages (0 kbit/s, 1–8 s) start at `outage_rate_per_min` on average.
    The RTT wanders between 250 and 700 ms (EDGE/GPRS latencies) and rises with low capacity.
    """
    rng = random.Random(seed)
    lo, hi = math.log(low_kbps), math.log(high_kbps)
    level = rng.uniform(lo, hi)
    steps: list[tuple[float, float, float]] = []
    t = 0.0
    while t < duration_s:
        if rng.random() < outage_rate_per_min / 60.0 * 1.75:  # ≈ rate × mean step length
            dur = rng.uniform(1.0, 8.0)
            steps.append((dur, 0.0, 700.0))
        else:
            level = min(max(level + rng.gauss(0.0, 0.35), lo), hi)
            dur = rng.uniform(0.5, 3.0)
            kbps = math.exp(level)
            share = (level - lo) / (hi - lo)
            rtt = 700.0 - 450.0 * share + rng.uniform(-30.0, 30.0)
            steps.append((dur, kbps, max(rtt, 250.0)))
        t += dur
    return StepRate(tuple(steps))


def broadband_link(
    seed: int,
    *,
    duration_s: float = 300.0,
    low_mbps: float = 0.5,
    high_mbps: float = 6.0,
    dip_rate_per_min: float = 0.75,
) -> StepRate:
    """A synthetic fixed-broadband link in the style of the FCC traces (synthetic, not FCC
    data), the same for the same `seed`.

    The trace's mean is drawn uniformly from `low_mbps`–`high_mbps`; each 1 s sample is that
    mean times a log-normal factor (an AR(1) in log space, correlation 0.7, with a per-trace
    σ of 0.05–0.25: a shared line's load); short dips (1–4 s at 10–50 % of the mean) start at
    `dip_rate_per_min` on average. The RTT is fixed per trace, 20–80 ms.
    """
    rng = random.Random(seed)
    mean_kbps = 1000.0 * rng.uniform(low_mbps, high_mbps)
    sigma = rng.uniform(0.05, 0.25)
    rtt = rng.uniform(20.0, 80.0)
    return _fading_link(rng, mean_kbps=mean_kbps, sigma=sigma, rho=0.7, rtt_ms=rtt, duration_s=duration_s,
                        dip_rate_per_min=dip_rate_per_min, dip_s=(1, 4), dip_depth=(0.1, 0.5))


def lte_link(
    seed: int,
    *,
    duration_s: float = 300.0,
    low_mbps: float = 4.0,
    high_mbps: float = 20.0,
    dip_rate_per_min: float = 2.0,
) -> StepRate:
    """A synthetic cellular LTE link that mostly sits above a video ladder's top rung with deep
    dips (synthetic, not measured data), the same for the same `seed`: the kind of link the
    issue's held-back LTE traces were (#18), which the shared traces have one of (ATT-LTE).

    The trace's mean is drawn log-uniformly from `low_mbps`–`high_mbps`; each 1 s sample is that
    mean times a log-normal factor (an AR(1) in log space, correlation 0.8, with a per-trace σ of
    0.3–0.6: fading while driving); deep dips (1–6 s at 2–20 % of the mean: a handover, a cell
    edge, a tunnel) start at `dip_rate_per_min` on average. The RTT is fixed per trace, 40–90 ms.
    """
    rng = random.Random(seed)
    mean_kbps = 1000.0 * math.exp(rng.uniform(math.log(low_mbps), math.log(high_mbps)))
    sigma = rng.uniform(0.3, 0.6)
    rtt = rng.uniform(40.0, 90.0)
    return _fading_link(rng, mean_kbps=mean_kbps, sigma=sigma, rho=0.8, rtt_ms=rtt, duration_s=duration_s,
                        dip_rate_per_min=dip_rate_per_min, dip_s=(1, 6), dip_depth=(0.02, 0.2))


def _fading_link(rng: random.Random, *, mean_kbps: float, sigma: float, rho: float, rtt_ms: float,
                 duration_s: float, dip_rate_per_min: float, dip_s: tuple[int, int],
                 dip_depth: tuple[float, float]) -> StepRate:
    """1 s samples of `mean_kbps` times a log-normal factor (an AR(1) in log space with correlation `rho`
    and standard deviation `sigma`, mean-preserving), with dips of `dip_s` seconds at `dip_depth` of the
    rate starting at `dip_rate_per_min` on average; a fixed RTT. Draws from `rng` in a fixed order, so a
    seed gives the same link."""
    innov = sigma * math.sqrt(1.0 - rho * rho)
    x = rng.gauss(0.0, sigma)
    steps: list[tuple[float, float, float]] = []
    dip_left, depth = 0, 1.0
    for _ in range(math.ceil(duration_s)):
        x = rho * x + rng.gauss(0.0, innov)
        if dip_left == 0 and rng.random() < dip_rate_per_min / 60.0:
            dip_left, depth = rng.randint(*dip_s), rng.uniform(*dip_depth)
        factor = math.exp(x - sigma * sigma / 2.0)
        if dip_left > 0:
            factor *= depth
            dip_left -= 1
        steps.append((1.0, mean_kbps * factor, rtt_ms))
    return StepRate(tuple(steps))

