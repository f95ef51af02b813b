#!/usr/bin/env bash
# Run the TUI tests N times in a row while other processes keep every core busy (issue #15: the
# TUI tests must be deterministic on a loaded machine). Not part of CI: run it before changing
# timing-sensitive TUI code and before resolving #15.
#
#   scripts/tui-under-load.sh [N] [pytest args...]     (default N=10, all of tests/tui)
#   BURNERS=4 scripts/tui-under-load.sh 3 tests/tui/test_tui_snapshots.py
#
# BURNERS (default: the number of cores) busy loops run at normal priority for the whole run; they
# are stopped on exit, also on Ctrl-C. Exit status 0 only when every run passed.
#
# On a shared box, CPU_QUOTA=P (percent of one core, root, cgroup v1 or v2) starves the tests instead of
# loading the machine: each run is confined to P % of one core in a cgroup of its own, and no busy loop
# runs unless BURNERS is set too (neighbours' benchmarks are not disturbed):
#
#   CPU_QUOTA=50 scripts/tui-under-load.sh 1
set -u
cd "$(dirname "$0")/.."
runs=${1:-10}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(tests/tui)
quota=${CPU_QUOTA:-}
if [ -n "$quota" ]; then burners=${BURNERS:-0}; else burners=${BURNERS:-$(nproc)}; fi
python=${PYTHON:-.venv/bin/python}
base=${TMPDIR:-/tmp}/tui-under-load-$$

cgroup=""
if [ -n "$quota" ]; then
    if [ -f /sys/fs/cgroup/cgroup.controllers ]; then  # cgroup v2
        cgroup=/sys/fs/cgroup/tui-under-load-$$
        mkdir "$cgroup" && echo "$((quota * 1000)) 100000" > "$cgroup/cpu.max" || exit 1
    else  # cgroup v1
        cgroup=/sys/fs/cgroup/cpu/tui-under-load-$$
        mkdir "$cgroup" && echo $((quota * 1000)) > "$cgroup/cpu.cfs_quota_us" || exit 1
    fi
fi

pids=()
stop_burners() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    [ -n "$cgroup" ] && rmdir "$cgroup" 2>/dev/null
    return 0
}
trap stop_burners EXIT
trap 'exit 130' INT TERM
for _ in $(seq "$burners"); do
    "$python" -c 'while True: pass' &
    pids+=("$!")
done
echo "load: $burners busy loop(s) on $(nproc) core(s)${quota:+, tests confined to $quota % of one core}; $runs run(s) of ${targets[*]}"

passed=0
for i in $(seq "$runs"); do
    started=$(date +%s)
    if PYTEST_ADDOPTS="--basetemp=$base-$i" CGROUP="$cgroup" sh -c \
            '[ -z "$CGROUP" ] || echo $$ > "$CGROUP/cgroup.procs"; exec "$@"' run \
            "$python" -m pytest "${targets[@]}" -q -p no:randomly -p no:cacheprovider > "$base-$i.log" 2>&1; then
        passed=$((passed + 1)); verdict=passed
    else
        verdict="FAILED (log: $base-$i.log)"
    fi
    echo "run $i/$runs: $verdict in $(( $(date +%s) - started )) s · $(tail -n 1 "$base-$i.log")"
done
echo "$passed of $runs runs passed under load"
[ "$passed" -eq "$runs" ]
