#!/usr/bin/env bash
# ingest-sim.sh — end-to-end ingest throughput: `anjian sim --speed max` sends the demo
# plant (524 tags, 1 s samples) as line protocol over HTTP to `anjian serve` (SQLite),
# through the journal, data-quality checks, compression and the archive writer.
# Reports points/s as the sender saw them (every request acknowledged = durable), the
# server's CPU seconds and peak RSS.
#
# Usage: bench/ingest-sim.sh [DURATION]   (simulated time, default 2h = 3.77 M points)
# Not yet here: the InfluxDB 1.6 side-by-side run and the 100k-tag plant the issue asks for.
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-2h}
bin=${ANJIAN_BIN:-./build/anjian}
work=$(mktemp -d /tmp/aj-ingest.XXXXXX)
trap 'kill -TERM $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
pw=bench-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')
printf '%s' "$pw" > "$work/pw"
db="sqlite:$work/a.db"
$bin admin create-enterprise --db "$db" --code demo --name 演示 >/dev/null 2>&1
$bin admin create-user --db "$db" --enterprise demo --username sim --roles collector --password-file "$work/pw" >/dev/null 2>&1
$bin admin import-plant --db "$db" --enterprise demo plants/demo-chemical.json >/dev/null 2>&1
port=$(( 52000 + RANDOM % 1000 ))
ANJIAN_LOG_LEVEL=warn $bin serve --db "$db" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
$bin sim --plant plants/demo-chemical.json --url "http://127.0.0.1:$port" --user sim --password-file "$work/pw" \
  --start 2026-12-01T00:00:00Z --duration "$dur" --step 1s --speed max --seed 1 2>"$work/sim.log" >/dev/null
tail -3 "$work/sim.log"
hz=$(getconf CLK_TCK)
read -r ut st < <(awk '{print $14, $15}' "/proc/$pid/stat")
echo "server CPU: $(awk -v u="$ut" -v s="$st" -v h="$hz" 'BEGIN { printf "%.2f", (u + s) / h }') s," \
     "peak RSS: $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$pid/status")," \
     "archive: $(du -sh "$work/a.db" | cut -f1) (+ journal $(du -sh "$work/a.db.journal" | cut -f1))"
