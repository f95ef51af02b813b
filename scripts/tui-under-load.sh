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
set -u
cd "$(dirname "$0")/.."
runs=${1:-10}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(tests/tui)
burners=${BURNERS:-$(nproc)}
python=${PYTHON:-.venv/bin/python}
base=${TMPDIR:-/tmp}/tui-under-load-$$

pids=()
stop_burners() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done; wait 2>/dev/null; }
trap stop_burners EXIT
trap 'exit 130' INT TERM
for _ in $(seq "$burners"); do
    "$python" -c 'while True: pass' &
    pids+=("$!")
done
echo "load: $burners busy loop(s) on $(nproc) core(s); $runs run(s) of ${targets[*]}"

passed=0
for i in $(seq "$runs"); do
    started=$(date +%s)
    if PYTEST_ADDOPTS="--basetemp=$base-$i" "$python" -m pytest "${targets[@]}" -q -p no:randomly -p no:cacheprovider \
            > "$base-$i.log" 2>&1; then
        passed=$((passed + 1)); verdict=passed
    else
        verdict="FAILED (log: $base-$i.log)"
    fi
    echo "run $i/$runs: $verdict in $(( $(date +%s) - started )) s · $(tail -n 1 "$base-$i.log")"
done
echo "$passed of $runs runs passed under load"
[ "$passed" -eq "$runs" ]
