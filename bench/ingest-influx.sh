#!/usr/bin/env bash
# ingest-influx.sh — end-to-end ingest of a 100k-tag plant, anjian vs InfluxDB 1.6, same
# line-protocol file, same client (bench/lp-post.c), same run; plus anjian's memory with
# 100k tags over >= 10 minutes of event time (STEPS >= 600).
#
# Usage: bench/ingest-influx.sh [STEPS] [CONNS] [BATCH]
#   STEPS  timestamps 1 s apart, each carrying all 100,000 tags (default 600 = 60 M points,
#          a 2.4 GB file in the temp dir)
#   CONNS  parallel keep-alive connections of the client (default 4; see BENCHMARKS.md for
#          why not 8 with anjian's default db-pool of 8)
#   BATCH  lines per POST (default 10000)
#   env ANJIAN_BIN   binary to test (default ./build/anjian)
#   env N_TAGS       tags of the plant (default 100000, multiple of 50)
#   env PERF=1       also `perf record` anjian for 15 s in the middle of its ingest and print
#                    the top functions
#   env SKIP_INFLUX=1  anjian only (memory runs)
#
# Installs the Debian package `influxdb` (1.6.7~rc0) with apt-get if influxd is missing, and
# makes sure the package's own service is not running. Everything else lives in a temp dir
# that is removed on exit; servers listen on random loopback ports; every process started
# here is stopped on exit.
#
# Steps: generate the plant (bench/plant-100k.mjs) and the file (bench/lp-gen.c, precision s);
# anjian: create enterprise + collector user, import the plant (timed), serve (SQLite),
# log in, send the file, read CPU and peak RSS, SIGTERM (the engine applies what is queued,
# flushes every compressor and writes the archive; the time to exit is reported as
# "drain"), count the archive; InfluxDB: own config (loopback HTTP and RPC binds, data,
# wal and meta in the temp dir, reporting disabled, WAL fsync default = fsync on every
# write batch, wal-fsync-delay 0s), CREATE DATABASE bench, send the same file with
# /write?db=bench&precision=s, read CPU and peak RSS, SIGTERM, sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-600}
conns=${2:-4}
batch=${3:-10000}
n_tags=${N_TAGS:-100000}
bin=$(realpath "${ANJIAN_BIN:-./build/anjian}")
hz=$(getconf CLK_TCK)

pids=()
work=$(mktemp -d /tmp/aj-bench100k.XXXXXX)
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "$0: failed at line $LINENO" >&2; tail -5 "$work/admin.log" "$work/serve.log" 2>/dev/null >&2 || true' ERR

# ---- InfluxDB 1.6 installed, its package service not running -----------------------------
if [ -z "${SKIP_INFLUX:-}" ]; then
    if ! command -v influxd >/dev/null; then
        echo "installing the Debian package influxdb (apt-get)..." >&2
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq influxdb >/dev/null
    fi
    # The package enables a systemd/sysv service; stop it if it was started, so it neither
    # holds port 8086/8088 nor takes CPU during the run.
    (systemctl stop influxdb && systemctl disable influxdb) >/dev/null 2>&1 || true
    service influxdb stop >/dev/null 2>&1 || true
    if pgrep -x influxd >/dev/null; then
        echo "warning: an influxd not started by this script is running (pid $(pgrep -x influxd | tr '\n' ' '))" >&2
    fi
fi

# ---- helpers --------------------------------------------------------------------------------
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
free_port() { # a random loopback port nobody listens on
    local p
    while :; do
        p=$(( 20000 + RANDOM % 30000 ))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}
cpu_s() { awk -v h="$hz" '{ printf "%.2f", ($14 + $15) / h }' "/proc/$1/stat"; }
hwm_mib() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
# Sends SIGTERM, samples CPU and peak RSS until the process is gone; prints "cpu hwm secs".
stop_and_measure() {
    local p=$1 cpu hwm t0 c h
    cpu=$(cpu_s "$p"); hwm=$(hwm_mib "$p"); t0=$(now)
    kill -TERM "$p"
    while kill -0 "$p" 2>/dev/null; do
        c=$(cpu_s "$p" 2>/dev/null) && cpu=$c
        h=$(hwm_mib "$p" 2>/dev/null) && [ -n "$h" ] && hwm=$h
        sleep 0.05
    done
    wait "$p" 2>/dev/null || true
    echo "$cpu $hwm $(elapsed "$t0" "$(now)")"
}
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }
perf_top() { # perf record the process for 15 s and print the top symbols
    perf record -F 499 -g -p "$1" -o "$work/perf.data" -- sleep 15 >/dev/null 2>&1 || return 0
    perf report -i "$work/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
        grep -E '^ +[0-9.]+%' | head -25 >"$work/perf.txt" || true
}

# ---- data -----------------------------------------------------------------------------------
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/ {print $2}') GiB RAM," \
     "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
gcc -O2 -o "$work/lp-gen" bench/lp-gen.c -lm
gcc -O2 -pthread -o "$work/lp-post" bench/lp-post.c
node bench/plant-100k.mjs "$work/plant.json" "$work/tags.tsv" "$n_tags"
t0=$(now)
"$work/lp-gen" "$work/tags.tsv" "$steps" >"$work/data.lp"
n_lines=$(( n_tags * steps ))
lp_bytes=$(stat -c %s "$work/data.lp")
echo "file: $n_lines lines ($n_tags tags x $steps s), $((lp_bytes / 1048576)) MiB, generated in $(elapsed "$t0" "$(now)") s"
echo "client: lp-post --conns $conns --batch $batch"

# ---- anjian -----------------------------------------------------------------------------------
pw=bench-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
printf '%s' "$pw" >"$work/pw"
db="sqlite:$work/a.db"
"$bin" admin create-enterprise --db "$db" --code bench --name 基准 >/dev/null 2>>"$work/admin.log"
"$bin" admin create-user --db "$db" --enterprise bench --username col --roles collector --password-file "$work/pw" >/dev/null 2>>"$work/admin.log"
t0=$(now)
"$bin" admin import-plant --db "$db" --enterprise bench "$work/plant.json" >"$work/import.json" 2>>"$work/admin.log"
import_s=$(elapsed "$t0" "$(now)")
echo "anjian import-plant of $n_tags tags: $import_s s"
db_size() { # the SQLite file with its -wal and -shm, whichever exist
    local f total=0
    for f in "$work/a.db" "$work/a.db-wal" "$work/a.db-shm"; do
        [ -e "$f" ] && total=$(( total + $(stat -c %s "$f") ))
    done
    echo "$total"
}
db_before=$(db_size)
port=$(free_port)
ANJIAN_LOG_LEVEL=warn "$bin" serve --db "$db" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
apid=$!; pids+=("$apid")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\": \"col\", \"password\": \"$pw\"}" | jq -r .token)
cpu0=$(cpu_s "$apid")
if [ -n "${PERF:-}" ]; then (sleep 5; perf_top "$apid") & fi
res_a=$("$work/lp-post" --port "$port" --path '/write?precision=s' --header "Authorization: Bearer $token" \
    --conns "$conns" --batch "$batch" --expect 204 "$work/data.lp")
echo "anjian:  $res_a"
rss_end_a=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$apid/status")
read -r cpu_a hwm_a drain_a < <(stop_and_measure "$apid")
cpu_a=$(awk -v a="$cpu_a" -v b="$cpu0" 'BEGIN { printf "%.2f", a - b }')
grep -E 'WARN|ERROR' "$work/serve.log" | tail -3 || true
read -r n_chunks n_arch arch_data_bytes < <(sqlite3 -separator ' ' "$work/a.db" \
    'SELECT count(*), coalesce(sum(n_points),0), coalesce(sum(length(data)),0) FROM archive_chunks')
arch_db=$(( $(db_size) - db_before ))
arch_pages=$(sqlite3 "$work/a.db" "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = 'archive_chunks'" 2>/dev/null || echo 0)
journal=$(du -sb "$work/a.db.journal" 2>/dev/null | cut -f1 || echo 0)
n_segments=$(find "$work/a.db.journal" -type f | wc -l)
# Restart on the same database: the engine replays the journal from the checkpoint.
t0=$(now)
ANJIAN_LOG_LEVEL=warn "$bin" serve --db "$db" --listen "127.0.0.1:$port" >>"$work/serve.log" 2>&1 &
apid=$!; pids+=("$apid")
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
restart_s=$(elapsed "$t0" "$(now)")
read -r _ _ _ < <(stop_and_measure "$apid")
wait

# ---- InfluxDB 1.6 -------------------------------------------------------------------------
if [ -z "${SKIP_INFLUX:-}" ]; then
    iport=$(free_port); rport=$(free_port)
    mkdir -p "$work/influx"
    cat >"$work/influx.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:$rport"
[meta]
  dir = "$work/influx/meta"
[data]
  dir = "$work/influx/data"
  wal-dir = "$work/influx/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:$iport"
  log-enabled = false
EOF
    influxd run -config "$work/influx.conf" >"$work/influx.log" 2>&1 &
    ipid=$!; pids+=("$ipid")
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$iport/ping" >/dev/null && break; sleep 0.1; done
    curl -sf -X POST "http://127.0.0.1:$iport/query" --data-urlencode 'q=CREATE DATABASE bench' >/dev/null
    icpu0=$(cpu_s "$ipid")
    res_i=$("$work/lp-post" --port "$iport" --path '/write?db=bench&precision=s' \
        --conns "$conns" --batch "$batch" --expect 204 "$work/data.lp")
    echo "influxd: $res_i"
    n_influx=$(curl -sf -G "http://127.0.0.1:$iport/query" --data-urlencode 'db=bench' \
        --data-urlencode 'q=SELECT count(*) FROM /B1\.GD-00001$/' | jq '[.results[0].series[0].values[0][1:][]] | add')
    read -r cpu_i hwm_i stop_i < <(stop_and_measure "$ipid")
    cpu_i=$(awk -v a="$cpu_i" -v b="$icpu0" 'BEGIN { printf "%.2f", a - b }')
    influx_data=$(du -sb "$work/influx/data" | cut -f1)
    influx_wal=$(du -sb "$work/influx/wal" | cut -f1)
    echo "influxd check: series B1.GD-00001 holds $n_influx points (expected $((9 * steps)))"
fi

# ---- table ----------------------------------------------------------------------------------
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
pa=$(field points_per_s "$res_a"); wa=$(field wall_s "$res_a")
e2e_a=$(awk -v n="$n_lines" -v w="$wa" -v d="$drain_a" 'BEGIN { printf "%.0f", n / (w + d) }')
echo
echo "| server | points | wall (acks) | points/s | + drain at stop | points/s incl. drain | server CPU | peak RSS | on disk |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "| anjian (SQLite) | $n_lines | $wa s | $pa | $drain_a s | $e2e_a | $cpu_a s | $hwm_a MiB | $(mib "$arch_db") (growth of the SQLite file; journal $(mib "$journal") left) |"
if [ -z "${SKIP_INFLUX:-}" ]; then
    pi=$(field points_per_s "$res_i"); wi=$(field wall_s "$res_i")
    echo "| InfluxDB 1.6.7 (tsm1, inmem) | $n_lines | $wi s | $pi | $stop_i s (shutdown) | $(awk -v n="$n_lines" -v w="$wi" -v d="$stop_i" 'BEGIN { printf "%.0f", n / (w + d) }') | $cpu_i s | $hwm_i MiB | $(mib "$influx_data") data + $(mib "$influx_wal") wal |"
    echo
    echo "ratio anjian / InfluxDB points/s: $(awk -v a="$pa" -v b="$pi" 'BEGIN { printf "%.2f", a / b }')," \
         "CPU s per M points: anjian $(awk -v c="$cpu_a" -v n="$n_lines" 'BEGIN { printf "%.2f", c / n * 1e6 }')," \
         "InfluxDB $(awk -v c="$cpu_i" -v n="$n_lines" 'BEGIN { printf "%.2f", c / n * 1e6 }')"
fi
echo "anjian archive: $n_arch archived points in $n_chunks chunks ($(mib "$arch_data_bytes") of chunk data)," \
     "raw/archived $(awk -v r="$n_lines" -v a="$n_arch" 'BEGIN { if (a) printf "%.1f", r / a; else print "-" }')," \
     "archive_chunks table $(mib "$arch_pages") in SQLite pages," \
     "RSS at the end of ingest $rss_end_a MiB, import-plant $import_s s"
echo "anjian journal after the clean stop: $n_segments segment files, $(mib "$journal");" \
     "restart on the same database until /healthz answers: $restart_s s"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${PERF:-}" ] && [ -s "$work/perf.txt" ]; then
    echo; echo "perf (anjian, 15 s during ingest, self time):"; cat "$work/perf.txt"
fi
