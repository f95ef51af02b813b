"""Trace-driven ABR evaluation: every rule × every network profile, schedule and real trace.

Usage:
    .venv/bin/python benchmarks/abr_eval.py [--rules throughput,bola,dynamic] [--markdown]
        [--traces-dir /work/shared/traces] [--variability 0.2] [--seed 1] [--only NAME,...]

For each source it simulates one playback per rule (media.abr_sim.simulate) and computes the
offline zero-rebuffer oracle (media.abr_sim.oracle) with the same ladder and segment sizes, then
prints average bitrate, % of the oracle, rebuffer ratio, switches, median time from a capacity
drop to the first down-switch, and stream start.
"""

from __future__ import annotations

import argparse
import logging
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from media.abr import ALL_RULES, StartHint, make_controller
from media.abr_sim import (
    LinkIntegrator,
    RateSource,
    oracle,
    segment_sizes,
    simulate,
)
from media.ladder import DEFAULT_LADDER

log = logging.getLogger(__name__)

SEGMENT_S = 2.0
MAX_BUFFER_S = 30.0
TRACE_RTT_MS = 100.0
PROFILE_CONTENT_S = 120.0
SCHEDULE_CONTENT_S = 240.0
DEFAULT_TRACES_DIR = Path("/work/shared/traces")


@dataclass(frozen=True)
class Case:
    """One source to replay: its kind ("profile", "schedule", "trace"), name, link, length."""

    kind: str
    name: str
    source: RateSource
    content_s: float
    hint: StartHint | None


@dataclass(frozen=True)
class Row:
    """One rule on one case."""

    case: Case
    rule: str
    avg_kbps: float
    oracle_kbps: float
    oracle_stall_s: float
    rebuffer_ratio: float
    switches: int
    reaction_s: float | None
    drops: int
    start_s: float | None
    abandonments: int
    qoe_lin: float

    @property
    def pct_oracle(self) -> float:
        """Average bitrate as a percentage of the oracle's."""
        return 100.0 * self.avg_kbps / self.oracle_kbps if self.oracle_kbps > 0 else math.nan


def _cases(*, traces_dir: Path, only: set[str] | None) -> list[Case]:
    """Profiles, schedules (from netem_profiles) and Mahimahi traces (from `traces_dir`)."""
    import netem_profiles as netem

    cases: list[Case] = []
    for name in netem.list_profiles():
        prof = netem.load_profile(name)
        cases.append(
            Case(
                "profile",
                name,
                netem.rate_source(name),
                PROFILE_CONTENT_S,
                StartHint.from_profile(prof),
            )
        )
    for name in netem.list_schedules():
        sched = netem.load_schedule(name)
        first = sched.steps[0].profile
        cases.append(
            Case(
                "schedule",
                name,
                netem.rate_source(name),
                SCHEDULE_CONTENT_S,
                StartHint.from_profile(first),
            )
        )
    traces = sorted(traces_dir.glob("*.down")) if traces_dir.is_dir() else []
    if not traces:
        print(f"# no Mahimahi traces in {traces_dir}: skipping real traces", file=sys.stderr)
    for path in traces:
        trace = netem.MahimahiTrace.load(path)
        src = netem.rate_source(path, rtt_ms=TRACE_RTT_MS)
        cases.append(Case("trace", path.stem, src, float(math.floor(trace.duration_s)), None))
    if only:
        cases = [c for c in cases if c.name in only]
    return cases


def evaluate(
    cases: list[Case],
    *,
    rules: list[str],
    ladder_kbps: list[float],
    variability: float,
    seed: int = 1,
) -> list[Row]:
    """Run every rule on every case; one oracle per case."""
    rows: list[Row] = []
    for case in cases:
        n = math.ceil(case.content_s / SEGMENT_S)
        sizes = segment_sizes(
            ladder_kbps, segment_s=SEGMENT_S, count=n, variability=variability, seed=seed
        )
        horizon = case.content_s * 4 + 600
        link = LinkIntegrator(case.source, dt=0.05, horizon_s=horizon)
        t0 = time.perf_counter()
        best = oracle(
            source=case.source,
            ladder_kbps=ladder_kbps,
            segment_s=SEGMENT_S,
            content_s=case.content_s,
            sizes=sizes,
            max_buffer_s=MAX_BUFFER_S,
            link=link,
        )
        log.info("%s oracle %.0f kbps in %.1f s", case.name, best.avg_kbps, time.perf_counter() - t0)
        for rule in rules:
            ctl = make_controller(rule, ladder_kbps, segment_s=SEGMENT_S)
            m = simulate(
                ctl,
                source=case.source,
                segment_s=SEGMENT_S,
                content_s=case.content_s,
                sizes=sizes,
                max_buffer_s=MAX_BUFFER_S,
                start_hint=case.hint,
                link=link,
            )
            rows.append(
                Row(
                    case=case,
                    rule=rule,
                    avg_kbps=m.avg_kbps,
                    oracle_kbps=best.avg_kbps,
                    oracle_stall_s=best.stall_s,
                    rebuffer_ratio=m.rebuffer_ratio,
                    switches=m.switches,
                    reaction_s=m.switch_after_drop_s,
                    drops=m.drops,
                    start_s=m.stream_start_s,
                    abandonments=m.abandonments,
                    qoe_lin=m.qoe_lin,
                )
            )
    return rows


def _fmt_opt(value: float | None, spec: str = ".1f") -> str:
    """Format an optional number ("—" when None)."""
    return "—" if value is None else format(value, spec)


def render(rows: list[Row], *, markdown: bool) -> str:
    """The results table plus a per-rule summary."""
    head = [
        "kind", "trace", "rule", "avg kbps", "oracle kbps", "oracle stall s", "% oracle", "QoE_lin",
        "rebuffer %", "switches", "abandons", "drop→switch s (n)", "start s",
    ]  # fmt: skip
    lines: list[list[str]] = []
    for r in rows:
        lines.append(
            [
                r.case.kind,
                r.case.name,
                r.rule,
                f"{r.avg_kbps:.0f}",
                f"{r.oracle_kbps:.0f}",
                f"{r.oracle_stall_s:.1f}",
                f"{r.pct_oracle:.0f}",
                f"{r.qoe_lin:.3f}",
                f"{100 * r.rebuffer_ratio:.2f}",
                str(r.switches),
                str(r.abandonments),
                f"{_fmt_opt(r.reaction_s)} ({r.drops})",
                _fmt_opt(r.start_s, ".2f"),
            ]
        )
    out: list[str] = []
    if markdown:
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join("---" for _ in head) + "|")
        out.extend("| " + " | ".join(line) + " |" for line in lines)
    else:
        widths = [max(len(x) for x in col) for col in zip(head, *lines, strict=False)]
        out.append("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=False)))
        out.extend(
            "  ".join(x.ljust(w) for x, w in zip(line, widths, strict=False)) for line in lines
        )
    out.append("")
    summary_head = ["rule", "kind", "mean % oracle", "min % oracle", "mean QoE_lin", "mean rebuffer %",
                    "max rebuffer %", "total switches"]  # fmt: skip
    summary: list[list[str]] = []
    for rule in dict.fromkeys(r.rule for r in rows):
        for kind in ("profile", "schedule", "trace"):
            sel = [r for r in rows if r.rule == rule and r.case.kind == kind]
            if not sel:
                continue
            pcts = [r.pct_oracle for r in sel if math.isfinite(r.pct_oracle)]
            rebuf = [100 * r.rebuffer_ratio for r in sel]
            summary.append(
                [
                    rule,
                    kind,
                    f"{statistics.fmean(pcts):.0f}" if pcts else "—",
                    f"{min(pcts):.0f}" if pcts else "—",
                    f"{statistics.fmean(r.qoe_lin for r in sel):.3f}",
                    f"{statistics.fmean(rebuf):.2f}",
                    f"{max(rebuf):.2f}",
                    str(sum(r.switches for r in sel)),
                ]
            )
    if markdown:
        out.append("| " + " | ".join(summary_head) + " |")
        out.append("|" + "|".join("---" for _ in summary_head) + "|")
        out.extend("| " + " | ".join(line) + " |" for line in summary)
    else:
        widths = [max(len(x) for x in col) for col in zip(summary_head, *summary, strict=False)]
        out.append("  ".join(h.ljust(w) for h, w in zip(summary_head, widths, strict=False)))
        out.extend(
            "  ".join(x.ljust(w) for x, w in zip(line, widths, strict=False)) for line in summary
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the evaluation, print the tables."""
    global SEGMENT_S
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rules", default=",".join(ALL_RULES),
                        help="comma-separated rule names (rules and baselines)")  # fmt: skip
    parser.add_argument("--traces-dir", type=Path, default=DEFAULT_TRACES_DIR)
    parser.add_argument("--variability", type=float, default=0.2,
                        help="σ of the per-segment log-normal size factor (0: nominal sizes)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1,
                        help="seed of the segment-size draw (same for every rule and the oracle)")  # fmt: skip
    parser.add_argument("--only", default="", help="comma-separated case names")
    parser.add_argument("--segment", type=float, default=SEGMENT_S, help="segment duration (s)")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    SEGMENT_S = args.segment
    rules = [r for r in args.rules.split(",") if r]
    unknown = [r for r in rules if r not in ALL_RULES]
    if unknown:
        parser.error(f"unknown rules {unknown}; known: {ALL_RULES}")
    ladder = [float(r.total_kbps) for r in DEFAULT_LADDER]
    only = {x for x in args.only.split(",") if x} or None
    t0 = time.perf_counter()
    cases = _cases(traces_dir=args.traces_dir, only=only)
    rows = evaluate(
        cases, rules=rules, ladder_kbps=ladder, variability=args.variability, seed=args.seed
    )
    print(render(rows, markdown=args.markdown))
    print(
        f"\nladder (video+audio kbps): {ladder}; segment {SEGMENT_S:g} s; max buffer "
        f"{MAX_BUFFER_S:g} s; size variability σ={args.variability:g} (seed {args.seed}); trace RTT "
        f"{TRACE_RTT_MS:g} ms; {time.perf_counter() - t0:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
