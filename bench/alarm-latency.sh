#!/usr/bin/env bash
# alarm-latency.sh — alarm latency end to end: from the POST /write carrying a gas
# detector's limit-crossing point to the `event: alarm` (to = unack) on GET /api/v1/events
# at a client, with a background line-protocol load on the other tags of the demo plant
# (524 tags; the probes use its 55 combustible gas detectors, GB/T 50493 default H alarm
# at 25 %LEL). Issue goal: p99 <= 5 ms under 100k points/s. The client is
# bench/alarm-latency.mjs (its header says exactly what a probe does).
#
# Reports p50/p90/p99/max of the whole latency, of the crossing request's round trip
# (journal append + fsync happen before its 204) and of the event's arrival after that
# answer; the background rate actually acknowledged (204 answers); server CPU and peak RSS;
# and, for context, the fdatasync latency of the disk the journal is on.
#
# Usage: bench/alarm-latency.sh [--probes N] [--rate POINTS_PER_S] [--no-load]
#          [--interval-ms MS] [--batch-ms MS] [--conns K]
#   defaults: 200 probes, one every 250–350 ms, 100,000 points/s in batches every 100 ms
#   over 2 keep-alive connections; --no-load is --rate 0. About 1 min per run.
#   The database and the ingest journal live in a temp dir under $TMPDIR (default /tmp);
#   TMPDIR=/dev/shm puts them on tmpfs, where fdatasync costs nothing: a diagnostic that
#   shows the latency without the disk, not a configuration to run a plant on.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ANJIAN_BIN:-./build/anjian}
client_args=()
while [ $# -gt 0 ]; do
    case $1 in
        --no-load) client_args+=(--rate 0); shift ;;
        --probes | --rate | --interval-ms | --batch-ms | --conns) client_args+=("$1" "$2"); shift 2 ;;
        *) echo "usage: $0 [--probes N] [--rate POINTS_PER_S] [--no-load] [--interval-ms MS] [--batch-ms MS] [--conns K]" >&2
           exit 2 ;;
    esac
done
work=$(mktemp -d "${TMPDIR:-/tmp}/aj-alarmlat.XXXXXX")
pid=
trap 'if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi; wait 2>/dev/null || true; rm -rf "$work"' EXIT
pw=bench-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')
printf '%s' "$pw" > "$work/pw"
db="sqlite:$work/a.db"
$bin admin create-enterprise --db "$db" --code demo --name 演示 >/dev/null 2>>"$work/admin.log"
$bin admin create-user --db "$db" --enterprise demo --username sim --roles collector --password-file "$work/pw" >/dev/null 2>>"$work/admin.log"
$bin admin create-user --db "$db" --enterprise demo --username admin --roles admin --password-file "$work/pw" >/dev/null 2>>"$work/admin.log"
$bin admin import-plant --db "$db" --enterprise demo plants/demo-chemical.json >/dev/null 2>>"$work/admin.log"
# A random port may be taken (other benchmarks run on this machine): try a few.
for _ in 1 2 3 4 5; do
    port=$(( 53000 + RANDOM % 1000 ))
    ANJIAN_LOG_LEVEL=warn $bin serve --db "$db" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break 2
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=
done
if [ -z "$pid" ]; then echo "anjian serve did not start:" >&2; cat "$work/serve.log" >&2; exit 1; fi
hz=$(getconf CLK_TCK)
cpu_s() { awk -v h="$hz" '{ printf "%.2f", ($14 + $15) / h }' "/proc/$pid/stat" 2>/dev/null || echo 0; }
node bench/alarm-latency.mjs fsync "$work"
cpu0=$(cpu_s); t0=$(date +%s.%N)
rc=0
node bench/alarm-latency.mjs --port "$port" --plant plants/demo-chemical.json --password-file "$work/pw" \
    --writer sim --reader admin "${client_args[@]}" || rc=$?
cpu1=$(cpu_s); t1=$(date +%s.%N)
if ! kill -0 "$pid" 2>/dev/null; then
    status=0; wait "$pid" || status=$?
    pid=
    echo "anjian serve ended during the run (exit status $status)"; tail -20 "$work/serve.log"; exit 1
fi
echo "server: CPU $(awk -v a="$cpu0" -v b="$cpu1" -v s="$t0" -v e="$t1" \
    'BEGIN { printf "%.1f s over %.1f s wall (%.0f %% of one core)", b - a, e - s, 100 * (b - a) / (e - s) }')," \
     "peak RSS $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$pid/status")," \
     "journal on $(df -T "$work" | awk 'NR == 2 {print $2}')"
if [ "$rc" -ne 0 ]; then echo "--- serve.log (tail)"; tail -20 "$work/serve.log"; fi
exit "$rc"
