#!/usr/bin/env bash
# fuzz.sh — run every libFuzzer harness: replay its corpus (tests/fuzz/corpus/<name>/,
# which also holds past crashes as regression cases), then fuzz for SECONDS more.
# Usage: scripts/fuzz.sh BUILD_DIR [SECONDS]. New inputs go to a temp dir, not the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1; secs=${2:-20}
n=0
for bin in "$dir"/tests/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin"); name=${name#fuzz_}
  corpus=tests/fuzz/corpus/$name
  dict=tests/fuzz/$name.dict
  scratch=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$scratch"/ 2>/dev/null || true
  args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0)
  [ -f "$dict" ] && args+=(-dict="$dict")
  echo "fuzz_$name: corpus $(ls "$scratch" | wc -l) inputs, ${secs}s"
  "$bin" "${args[@]}" "$scratch" 2>"$scratch.log" || { tail -50 "$scratch.log"; echo "fuzz_$name FAILED"; exit 1; }
  grep -E '^#[0-9]+.*DONE' "$scratch.log" | tail -1 || true
  rm -rf "$scratch" "$scratch.log"
  n=$((n + 1))
done
echo "$n fuzz harnesses passed"
