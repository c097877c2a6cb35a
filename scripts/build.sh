#!/usr/bin/env bash
# build.sh — configure and build anjian. Usage: scripts/build.sh [DIR] [cmake options...]
# DIR defaults to build/. Release-with-debug-info, warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}; shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAJ_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
