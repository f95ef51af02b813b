"""ABR rules against the literature's baselines, per link family and segment duration.

Usage (bounded: a few minutes on a busy 2-core box; run it under the bench lock):
    .venv/bin/python benchmarks/abr_families.py --markdown
        [--setting project|pensieve] [--rules dynamic,bola,throughput,bba0,rb,robustmpc]
        [--segments 2,4] [--seeds 1,2,3] [--trace-dir DIR ...] [--lowband-seeds 1,2,3]
        [--broadband-seeds 1-10] [--lte-seeds 1-10] [--runs] [--oracle-cache FILE]

Families: "schedule" (the netem schedules, 240 s, start hint from their first profile),
one family per `--trace-dir` (every Mahimahi or `time,throughput` file in it, full length,
100 ms RTT, no hint; default /work/shared/traces), "lowband" (the synthetic 2G/EDGE-like
link of `media.abr_sim.traces.lowband_link`, 300 s, one per seed, no hint), "broadband"
(the synthetic FCC-style link of `media.abr_sim.traces.broadband_link`, 300 s, one per seed,
no hint) and "lte" (the synthetic LTE link of `media.abr_sim.traces.lte_link`: mostly above the
top rung with deep dips, 300 s, one per seed, no hint). `--setting` (`media.abr_sim.settings`)
picks the ladder, default segment durations, buffer cap and content length: "project" (the
project's ladder, 2 s and 4 s, 30 s buffer) or
"pensieve" (Mao et al. SIGCOMM '17: 300–4,300 kbit/s in 6 rungs, 4 s, 60 s buffer, 192 s of
video). Every case runs with each size seed (`--seeds`) at each segment duration; the oracle
is the zero-rebuffer optimum on the same sizes. Per family × segment duration and rule it prints: mean and min %
of the oracle's average bitrate, mean QoE_lin per segment (Mbit/s − 4.3 × rebuffer s −
|Δ Mbit/s|), mean rebuffer %, the worst rebuffer % where the oracle itself does not stall,
mean switches per run, and runs meeting ≥ 85 % of the oracle with ≤ 0.5 % rebuffering.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from media.abr import ALL_RULES, DEFAULT_RULE, StartHint
from media.abr_sim.evaluate import Case, Run, run_case
from media.abr_sim.oracle import OracleResult
from media.abr_sim.settings import PROJECT, SETTINGS, EvalSetting
from media.abr_sim.traces import broadband_link, load_link, lowband_link, lte_link, trace_files

log = logging.getLogger(__name__)

TRACE_RTT_MS = 100.0
SCHEDULE_CONTENT_S = 240.0
LOWBAND_CONTENT_S = 300.0
BROADBAND_CONTENT_S = 300.0
LTE_CONTENT_S = 300.0
DEFAULT_TRACES_DIR = Path("/work/shared/traces")


def cases(
    *,
    trace_dirs: list[Path],
    lowband_seeds: list[int],
    max_trace_s: float,
    broadband_seeds: list[int] | None = None,
    setting: EvalSetting = PROJECT,
    lte_seeds: list[int] | None = None,
) -> list[Case]:
    """The schedules, every trace file of each folder, and the synthetic low-band, broadband and
    LTE links, each as long as `setting` plays it."""
    import netem_profiles as netem

    out: list[Case] = []
    for name in netem.list_schedules():
        first = netem.load_schedule(name).steps[0].profile
        out.append(
            Case(
                "schedule",
                name,
                netem.rate_source(name),
                setting.content_s(SCHEDULE_CONTENT_S),
                StartHint.from_profile(first),
            )
        )
    for folder in trace_dirs:
        files = trace_files(folder)
        if not files:
            print(f"# no traces in {folder}: skipped", file=sys.stderr)
        for path in files:
            try:
                src, length = load_link(path, rtt_ms=TRACE_RTT_MS)
            except ValueError as err:
                print(f"# {path}: {err}: skipped", file=sys.stderr)
                continue
            content = setting.content_s(float(math.floor(min(length, max_trace_s))))
            out.append(Case(folder.name, path.name, src, content, None))
    for seed in lowband_seeds:
        content = setting.content_s(LOWBAND_CONTENT_S)
        out.append(Case("lowband", f"lowband-{seed}", lowband_link(seed), content, None))
    for seed in broadband_seeds or []:
        content = setting.content_s(BROADBAND_CONTENT_S)
        out.append(Case("broadband", f"broadband-{seed}", broadband_link(seed), content, None))
    for seed in lte_seeds or []:
        content = setting.content_s(LTE_CONTENT_S)
        out.append(Case("lte", f"lte-{seed}", lte_link(seed), content, None))
    return out


def _oracle_key(case: Case, segment_s: float, seed: int, setting: EvalSetting = PROJECT) -> str:
    """Cache key of a case's oracle (the project setting's keys have no prefix)."""
    key = f"{case.family}/{case.name}/{case.content_s:g}/{segment_s:g}/{seed}"
    return key if setting is PROJECT else f"{setting.name}:{key}"


def evaluate(
    all_cases: list[Case],
    *,
    rules: list[str],
    segments: list[float],
    seeds: list[int],
    cache: dict[str, list[float]] | None,
    overrides: dict[str, Any] | None = None,
    setting: EvalSetting = PROJECT,
) -> list[Run]:
    """Every rule on every case, segment duration and size seed, with `setting`'s ladder and
    buffer cap."""
    ladder = list(setting.ladder_kbps)
    runs: list[Run] = []
    for seg in segments:
        for case in all_cases:
            for seed in seeds:
                key = _oracle_key(case, seg, seed, setting)
                cached = cache.get(key) if cache is not None else None
                given = OracleResult(cached[0], cached[1], int(cached[2])) if cached else None
                t0 = time.perf_counter()
                got = run_case(case, rules=rules, ladder_kbps=ladder, segment_s=seg, seed=seed,
                               max_buffer_s=setting.max_buffer_s, oracle_result=given,
                               overrides=overrides)  # fmt: skip
                if cache is not None and got:
                    o = got[0].oracle
                    cache[key] = [o.avg_kbps, o.stall_s, o.first_index]
                log.info("%s seg %g seed %d: %.1f s", case.name, seg, seed, time.perf_counter() - t0)
                runs.extend(got)
    return runs


def _table(head: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    """A Markdown or aligned plain-text table."""
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        return out + ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=False)]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=False))]
    return out + ["  ".join(x.ljust(w) for x, w in zip(r, widths, strict=False)) for r in rows]


def summary_rows(runs: list[Run]) -> list[list[str]]:
    """One line per family × segment duration × rule."""
    rows: list[list[str]] = []
    keys = dict.fromkeys((r.case.family, r.segment_s) for r in runs)
    for family, seg in keys:
        sel_fs = [r for r in runs if r.case.family == family and r.segment_s == seg]
        for rule in dict.fromkeys(r.rule for r in sel_fs):
            sel = [r for r in sel_fs if r.rule == rule]
            pcts = [r.pct_oracle for r in sel if math.isfinite(r.pct_oracle)]
            rebuf = [100 * r.metrics.rebuffer_ratio for r in sel]
            clean = [100 * r.metrics.rebuffer_ratio for r in sel if r.oracle.stall_s <= 0]
            ok = sum(1 for r in sel if r.pct_oracle >= 85 and r.metrics.rebuffer_ratio <= 0.005)
            name = f"**{rule}**" if rule == DEFAULT_RULE else rule
            rows.append(
                [
                    family,
                    f"{seg:g}",
                    name,
                    f"{statistics.fmean(pcts):.1f}" if pcts else "—",
                    f"{min(pcts):.0f}" if pcts else "—",
                    f"{statistics.fmean(r.metrics.qoe_lin for r in sel):.3f}",
                    f"{statistics.fmean(rebuf):.2f}",
                    f"{max(clean):.2f}" if clean else "—",
                    f"{statistics.fmean(r.metrics.switches for r in sel):.1f}",
                    f"{ok}/{len(sel)}",
                ]
            )
    return rows


def run_rows(runs: list[Run]) -> list[list[str]]:
    """One line per run."""
    return [
        [
            r.case.family,
            r.case.name,
            f"{r.segment_s:g}",
            str(r.seed),
            r.rule,
            f"{r.metrics.avg_kbps:.0f}",
            f"{r.oracle.avg_kbps:.0f}",
            f"{r.oracle.stall_s:.1f}",
            f"{r.pct_oracle:.1f}",
            f"{r.metrics.qoe_lin:.3f}",
            f"{100 * r.metrics.rebuffer_ratio:.2f}",
            str(r.metrics.switches),
            str(r.metrics.abandonments),
        ]
        for r in runs
    ]


SUMMARY_HEAD = ["family", "seg s", "rule", "mean % oracle", "min %", "mean QoE_lin",
                "mean rebuffer %", "max rebuffer % (oracle 0)", "switches/run",
                "runs ≥ 85 % & ≤ 0.5 %"]  # fmt: skip
RUN_HEAD = ["family", "case", "seg s", "seed", "rule", "avg kbps", "oracle kbps",
            "oracle stall s", "% oracle", "QoE_lin", "rebuffer %", "switches", "abandons"]  # fmt: skip


def _ints(text: str) -> list[int]:
    """Comma-separated integers and inclusive ranges ("1,2,5-8")."""
    out: list[int] = []
    for part in (x.strip() for x in text.split(",")):
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        out.extend(range(int(lo), int(hi) + 1) if dash else [int(part)])
    return out


def _overrides(items: list[str]) -> dict[str, Any]:
    """`KEY=VALUE` pairs as AbrConfig overrides: numbers, true/false, none."""
    out: dict[str, Any] = {}
    for item in items:
        key, _, raw = item.partition("=")
        low = raw.strip().lower()
        value: Any
        if low == "none":
            value = None
        elif low in ("true", "false"):
            value = low == "true"
        else:
            try:
                value = int(raw)
            except ValueError:
                try:
                    value = float(raw)
                except ValueError:
                    value = raw
        out[key.strip()] = value
    return out


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rules", default=",".join(ALL_RULES))
    parser.add_argument("--setting", choices=sorted(SETTINGS), default=PROJECT.name,
                        help="ladder, segment durations, buffer cap and content length")  # fmt: skip
    parser.add_argument("--segments", default="", help="segment durations (s; default: the setting's)")
    parser.add_argument("--seeds", default="1,2,3", help="segment-size seeds")
    parser.add_argument("--trace-dir", type=Path, action="append",
                        help=f"folder of Mahimahi / time,throughput traces (repeatable; "
                             f"default {DEFAULT_TRACES_DIR})")  # fmt: skip
    parser.add_argument("--lowband-seeds", default="1,2,3")
    parser.add_argument("--broadband-seeds", default="1-10", help="synthetic broadband links")
    parser.add_argument("--lte-seeds", default="1-10", help="synthetic LTE links")
    parser.add_argument("--max-trace-s", type=float, default=1200.0, help="cap on a trace's length")
    parser.add_argument("--only-family", default="", help="comma-separated families to keep")
    parser.add_argument("--runs", action="store_true", help="also print every run")
    parser.add_argument("--oracle-cache", type=Path, help="JSON file caching oracle results")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="AbrConfig override for the project's rules (repeatable; 'none' = None)")  # fmt: skip
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    rules = [r for r in args.rules.split(",") if r]
    unknown = [r for r in rules if r not in ALL_RULES]
    if unknown:
        parser.error(f"unknown rules {unknown}; known: {ALL_RULES}")
    setting = SETTINGS[args.setting]
    segments = [float(x) for x in args.segments.split(",") if x] or list(setting.segments_s)
    t0 = time.perf_counter()
    all_cases = cases(
        trace_dirs=args.trace_dir or [DEFAULT_TRACES_DIR],
        lowband_seeds=_ints(args.lowband_seeds),
        broadband_seeds=_ints(args.broadband_seeds),
        lte_seeds=_ints(args.lte_seeds),
        max_trace_s=args.max_trace_s,
        setting=setting,
    )
    fams = {x for x in args.only_family.split(",") if x}
    if fams:
        all_cases = [c for c in all_cases if c.family in fams]
    cache: dict[str, list[float]] | None = None
    if args.oracle_cache:
        cache = json.loads(args.oracle_cache.read_text()) if args.oracle_cache.exists() else {}
    runs = evaluate(
        all_cases,
        rules=rules,
        segments=segments,
        seeds=_ints(args.seeds),
        cache=cache,
        overrides=_overrides(args.set),
        setting=setting,
    )
    if args.oracle_cache and cache is not None:
        args.oracle_cache.write_text(json.dumps(cache))
    print("\n".join(_table(SUMMARY_HEAD, summary_rows(runs), args.markdown)))
    if args.runs:
        print()
        print("\n".join(_table(RUN_HEAD, run_rows(runs), args.markdown)))
    cap = f"; content ≤ {setting.content_cap_s:g} s" if setting.content_cap_s else ""
    print(
        f"\nsetting {setting.name}: ladder (kbps) {list(setting.ladder_kbps)}; max buffer "
        f"{setting.max_buffer_s:g} s{cap}; size σ=0.2; trace RTT {TRACE_RTT_MS:g} ms; "
        f"default rule {DEFAULT_RULE}; {len(runs)} runs; {time.perf_counter() - t0:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
