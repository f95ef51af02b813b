#!/usr/bin/env bash
# `make run`: build the sample media, seed the catalog, serve it on the embedded PostgreSQL/Redis,
# and open the terminal client against it; quitting the client stops the server.
# Without a terminal (e.g. piped), the server stays in the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST="${OTT_HOST:-127.0.0.1}"
PORT="${OTT_PORT:-8080}"
DATA_DIR="${OTT_DATA_DIR:-$("$BIN/python" -c 'from server.settings import default_data_dir; print(default_data_dir())')}"
export OTT_DATA_DIR="$DATA_DIR"
mkdir -p "$DATA_DIR"
LOG="$DATA_DIR/server.log"

"$BIN/ott-media" samples
"$BIN/ott-server" seed

if ! [ -t 0 ] || ! [ -t 1 ] || [ -n "${OTT_NO_TUI:-}" ]; then
    echo "serving on http://$HOST:$PORT (Ctrl-C stops it)"
    exec "$BIN/ott-server" serve --host "$HOST" --port "$PORT"
fi

"$BIN/ott-server" serve --host "$HOST" --port "$PORT" >>"$LOG" 2>&1 &
server_pid=$!
stop_server() {
    kill -INT "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
}
trap stop_server EXIT INT TERM

for _ in $(seq 1 300); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "error: the server stopped during start-up; see $LOG" >&2
        tail -n 5 "$LOG" >&2 || true
        exit 1
    fi
    if "$BIN/python" - "$HOST" "$PORT" <<'PY' 2>/dev/null; then break; fi
import sys, urllib.request
urllib.request.urlopen(f"http://{sys.argv[1]}:{sys.argv[2]}/ready", timeout=1)
PY
    sleep 0.2
done
echo "server ready on http://$HOST:$PORT (log: $LOG); opening the terminal client"
"$BIN/ott-tui" --server "http://$HOST:$PORT"
