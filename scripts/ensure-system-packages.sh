#!/usr/bin/env bash
# Install the system packages OTT Lowband needs (Debian/Ubuntu), only when something is missing.
# Usage: scripts/ensure-system-packages.sh [run|test|bench]
set -euo pipefail

purpose="${1:-run}"
packages=()

need_cmd() { command -v "$1" >/dev/null 2>&1 || packages+=("$2"); }
need_lib() { ldconfig -p 2>/dev/null | grep "$1" >/dev/null || packages+=("$2"); }
need_exe() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || packages+=("$2"); }
need_font() { fc-list 2>/dev/null | grep -i "$1" >/dev/null || packages+=("$2"); }

need_cmd python3 python3
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)
need_cmd gcc gcc
need_cmd make make
need_cmd ffmpeg ffmpeg
need_cmd ffprobe ffmpeg
need_cmd mpv mpv
need_lib 'libmpv\.so' libmpv-dev
need_cmd espeak-ng espeak-ng
need_cmd fc-list fontconfig
need_font 'DejaVu Sans' fonts-dejavu-core
need_font 'Noto Sans Devanagari' fonts-noto-core
if [ "$purpose" = test ] || [ "$purpose" = bench ]; then
    need_cmd docker-compose docker-compose
    need_exe nginx nginx-light
    need_exe ip iproute2
    need_exe tc iproute2
fi
if [ "$purpose" = bench ]; then
    need_cmd wrk wrk
fi

if [ ${#packages[@]} -eq 0 ]; then
    exit 0
fi
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
echo "installing system packages: ${packages[*]}"

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "error: missing system packages (${packages[*]}) and neither root nor passwordless sudo is available;" \
         "install them with: sudo apt-get install ${packages[*]}" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: apt-get not found; install these packages with your system's package manager: ${packages[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "system packages ready"
