#!/usr/bin/env bash
# modbus-poll.sh — the cost of anjian's Modbus TCP poller (src/ingest/modbus_poll.c): polls,
# reads, registers and points per second it keeps up, and its CPU per 1000 registers against
# the floor: a bare libmodbus client loop sending the same reads to the same server, in the
# same run.
#
#   1. builds bench/modbus-server.c (libmodbus, select(), counts what it serves) and
#      bench/modbus-client.c (the bare loop) with gcc, and writes the register map, plant
#      file and bare-loop plan with bench/modbus-map.mjs: DEVICES devices (unit ids 1..D on
#      one server) x 2 poll groups (FAST_MS and SLOW_MS) with every table and every type;
#   2. imports the map's tags (SQLite), and measures anjian idle without a map for IDLE_S
#      (the engine's own background work, for reference);
#   3. starts anjian with the map, waits WARMUP_S, then measures for SECONDS: anjian's CPU
#      and the server's (utime + stime from /proc/PID/stat), the server's counters (requests,
#      registers, bits: SIGUSR1) and GET /api/v1/connections (polls, points, failures);
#   4. stops anjian and runs the bare loop for CLIENT_SECONDS against the same server:
#      reads/s, registers/s and CPU of client and server; then once more for half as long
#      on the server's CPU (see below).
#
# CPUs: on this kind of VM a request that wakes a process on the other vCPU costs about
# twice the CPU of one that stays on the same vCPU (an inter-processor interrupt per
# wake-up), and the scheduler picks either from run to run: unpinned, the bare loop gave
# 12 or 25 us per read in two runs of the same hour. So with PIN=1 (default, 2+ CPUs) the
# server runs on CPU 0 and anjian and the bare loop on CPU 1: every request crosses vCPUs
# in both phases, as it crosses a network to a real device, and the ratio compares like with
# like. The second bare-loop run on CPU 0, beside the server, gives the cheapest case.
#
# Prints both phases, the ratio of anjian's CPU per 1000 registers to the cross-CPU bare
# loop's, and the command that reproduces the run. Exit status 1 when a poll failed, a point was
# dropped, anjian planned other reads than bench/modbus-map.mjs, or the bare loop failed.
#
# Usage: bench/modbus-poll.sh [SECONDS] [DEVICES]       (defaults 60 and 10)
#   env: ANJIAN_BIN (default ./build/anjian), FAST_MS (100), SLOW_MS (1000), WARMUP_S (5),
#        IDLE_S (10; 0 skips the idle run), CLIENT_SECONDS (20), PIN (1; 0: let the scheduler
#        place every process), PERF (1: also `perf record` anjian over the measured SECONDS and
#        print the top functions by self time; the CPU figures then include perf's overhead)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
devices=${2:-10}
bin=${ANJIAN_BIN:-./build/anjian}
fast_ms=${FAST_MS:-100}
slow_ms=${SLOW_MS:-1000}
warmup_s=${WARMUP_S:-5}
idle_s=${IDLE_S:-10}
client_s=${CLIENT_SECONDS:-20}
pin=${PIN:-1}
cmdline="$(printf '%q ' env ANJIAN_BIN="$bin" FAST_MS="$fast_ms" SLOW_MS="$slow_ms" WARMUP_S="$warmup_s" \
    IDLE_S="$idle_s" CLIENT_SECONDS="$client_s" PIN="$pin" bash bench/modbus-poll.sh "$seconds" "$devices")"
if [ "$pin" = 1 ] && [ "$(nproc)" -ge 2 ]; then
    on_server_cpu=(taskset -c 0); on_client_cpu=(taskset -c 1); placement="server on CPU 0, anjian and the bare loop on CPU 1"
else
    on_server_cpu=(); on_client_cpu=(); placement="not pinned"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/aj-modbus.XXXXXX")
pid=
spid=
stop_pid() { if [ -n "${1:-}" ]; then kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; fi; }
trap 'stop_pid "$pid"; stop_pid "$spid"; rm -rf "$work"' EXIT

# ---- helpers ---------------------------------------------------------------------------
for f in server client; do
    # shellcheck disable=SC2046 # pkg-config's flags are meant to be split
    gcc -O2 -Wall -Wextra -o "$work/modbus-$f" "bench/modbus-$f.c" $(pkg-config --cflags --libs libmodbus)
done
hz=$(getconf CLK_TCK)
cpu_of() { awk -v h="$hz" '{ printf "%.3f", ($14 + $15) / h }' "/proc/$1/stat"; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
# The server's counters: SIGUSR1, then the next STATS line of its output.
server_stats() {
    local n
    n=$(grep -c '^STATS' "$work/server.out" || true)
    kill -USR1 "$spid"
    for _ in $(seq 1 200); do
        [ "$(grep -c '^STATS' "$work/server.out" || true)" -gt "$n" ] && break
        sleep 0.01
    done
    grep '^STATS' "$work/server.out" | tail -1
}
field() { sed -n "s/.*[ ]$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

# ---- the Modbus server ------------------------------------------------------------------
for _ in 1 2 3 4 5; do
    mbport=$(( 47000 + RANDOM % 1000 ))
    "${on_server_cpu[@]}" "$work/modbus-server" --port "$mbport" >"$work/server.out" 2>"$work/server.err" &
    spid=$!
    for _ in $(seq 1 50); do
        grep -q '^LISTENING' "$work/server.out" && break 2
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.02
    done
    stop_pid "$spid"; spid=
done
if [ -z "$spid" ]; then echo "modbus-server did not start:" >&2; cat "$work/server.err" >&2; exit 1; fi

# ---- map, plant, database ----------------------------------------------------------------
node bench/modbus-map.mjs --out "$work" --port "$mbport" --devices "$devices" --fast-ms "$fast_ms" --slow-ms "$slow_ms"
pw=bench-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')
printf '%s' "$pw" >"$work/pw"
db="sqlite:$work/a.db"
if ! { "$bin" admin create-enterprise --db "$db" --code demo --name 演示 &&
    "$bin" admin create-user --db "$db" --enterprise demo --username admin --roles admin --password-file "$work/pw" &&
    "$bin" admin import-plant --db "$db" --enterprise demo "$work/plant.json"; } >/dev/null 2>>"$work/admin.log"; then
    echo "setting up the database failed:" >&2; grep -v ' INFO ' "$work/admin.log" >&2; exit 1
fi

# Starts anjian serve with extra arguments; sets pid and port.
start_anjian() {
    for _ in 1 2 3 4 5; do
        port=$(( 54000 + RANDOM % 1000 ))
        ANJIAN_LOG_LEVEL=info "${on_client_cpu[@]}" "$bin" serve --db "$db" --listen "127.0.0.1:$port" "$@" \
            >"$work/serve.log" 2>&1 &
        pid=$!
        for _ in $(seq 1 100); do
            curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        stop_pid "$pid"; pid=
    done
    echo "anjian serve did not start:" >&2; cat "$work/serve.log" >&2; exit 1
}

# ---- idle anjian, no map -------------------------------------------------------------------
idle_cpu=0
if [ "$idle_s" != 0 ]; then
    start_anjian
    sleep 2
    c0=$(cpu_of "$pid"); sleep "$idle_s"; c1=$(cpu_of "$pid")
    idle_cpu=$(calc %.3f "($c1 - $c0) / $idle_s")
    stop_pid "$pid"; pid=
fi

# ---- anjian polling ----------------------------------------------------------------------
start_anjian --modbus-map "$work/map.json" --modbus-enterprise demo
token=$(curl -sf -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$pw\"}" "http://127.0.0.1:$port/api/v1/auth/login" | jq -r .token)
conns() {
    curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/connections" |
        jq -r '[([.items[].polls_ok] | add), ([.items[].polls_failed] | add), ([.items[].points] | add),
                ([.items[].points_dropped] | add), ([.items[] | select(.state != "connected")] | length)] | @tsv'
}
want_reads=$(jq .reads_per_cycle "$work/summary.json")
got_reads=$(sed -n 's/.*modbus: polling [0-9]* point(s) of [0-9]* device(s) in \([0-9]*\) read(s).*/\1/p' "$work/serve.log")
sleep "$warmup_s"
read -r ok0 failed0 points0 dropped0 _ < <(conns)
s0=$(server_stats); a0=$(cpu_of "$pid"); m0=$(cpu_of "$spid"); t0=$(now)
if [ "${PERF:-}" = 1 ]; then
    perf record -F 999 -g -p "$pid" -o "$work/perf.data" -- sleep "$seconds" >/dev/null 2>&1 &
    perf_pid=$!
fi
sleep "$seconds"
read -r ok1 failed1 points1 dropped1 not_connected < <(conns)
s1=$(server_stats); a1=$(cpu_of "$pid"); m1=$(cpu_of "$spid"); t1=$(now)
rss=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
if [ -n "${perf_pid:-}" ]; then
    wait "$perf_pid" || true
    perf report -i "$work/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
        awk '/^ +[0-9]+\.[0-9]+%/ { printf "  %7s  %-20s %s\n", $1, $2, $4 }' | head -30 >"$work/perf.txt" || true
fi
stop_pid "$pid"; pid=
wall=$(calc %.3f "$t1 - $t0")
req=$(( $(field requests "$s1") - $(field requests "$s0") ))
regs=$(( $(field registers "$s1") - $(field registers "$s0") ))
bits=$(( $(field bits "$s1") - $(field bits "$s0") ))
polls=$(( ok1 + failed1 - ok0 - failed0 ))
points=$(( points1 - points0 ))
a_cpu=$(calc %.3f "$a1 - $a0")
a_srv=$(calc %.3f "$m1 - $m0")

# ---- the bare loop -------------------------------------------------------------------------
# Runs it for $1 seconds with the command prefix in the remaining arguments; sets c_* and
# c_srv (server CPU s), c_srv_req (requests the server counted).
bare_loop() {
    local secs=$1 s2 s3 m2 m3 out
    shift
    s2=$(server_stats); m2=$(cpu_of "$spid")
    out=$("$@" "$work/modbus-client" --port "$mbport" --plan "$work/plan.txt" --seconds "$secs")
    s3=$(server_stats); m3=$(cpu_of "$spid")
    c_reads=$(field reads "$out"); c_regs=$(field registers "$out"); c_bits=$(field bits "$out")
    c_wall=$(field seconds "$out"); c_cpu=$(field cpu_s "$out")
    c_srv=$(calc %.3f "$m3 - $m2")
    c_srv_req=$(( $(field requests "$s3") - $(field requests "$s2") ))
    if [ "$c_srv_req" -ne "$c_reads" ]; then echo "FAIL: the server counted $c_srv_req requests, the client $c_reads"; exit 1; fi
}
bare_report() {
    echo "  reads/s $(calc %.0f "$c_reads / $c_wall"), registers/s $(calc %.0f "$c_regs / $c_wall"), bits/s $(calc %.0f "$c_bits / $c_wall")"
    echo "  client CPU $c_cpu s ($(calc %.1f "100 * $c_cpu / $c_wall") %), server CPU $c_srv s ($(calc %.1f "100 * $c_srv / $c_wall") %)"
    echo "  client CPU per 1000 registers $(calc %.4f "1e6 * $c_cpu / $c_regs") ms, per read $(calc %.1f "1e6 * $c_cpu / $c_reads") us"
}
if [ ${#on_server_cpu[@]} -gt 0 ]; then
    bare_loop "$(( (client_s + 1) / 2 ))" "${on_server_cpu[@]}"
    same_cpu=$(bare_report)
    floor_cpu=$c_cpu floor_regs=$c_regs
fi
bare_loop "$client_s" "${on_client_cpu[@]}"

# ---- report -------------------------------------------------------------------------------
sched=$(jq -r '.scheduled_per_s | "\(.polls) polls/s, \(.reads) reads/s, \(.registers) registers/s, \(.bits) bits/s"' "$work/summary.json")
echo
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "map: $(jq -r '"\(.devices) devices x 2 groups (\(.fast_ms) ms, \(.slow_ms) ms), \(.points) points, \(.reads_per_cycle) reads per cycle"' "$work/summary.json")"
echo "scheduled: $sched"
echo
echo "anjian polling ($wall s after ${warmup_s} s warm-up; $placement):"
echo "  polls/s $(calc %.1f "$polls / $wall"), reads/s $(calc %.1f "$req / $wall"), registers/s $(calc %.0f "$regs / $wall"), bits/s $(calc %.0f "$bits / $wall"), points/s $(calc %.0f "$points / $wall")"
echo "  failed polls $(( failed1 - failed0 )), dropped points $(( dropped1 - dropped0 )), devices not connected at the end $not_connected"
echo "  anjian CPU $a_cpu s ($(calc %.1f "100 * $a_cpu / $wall") % of one core; idle without a map: $(calc %.1f "100 * $idle_cpu") %), peak RSS $rss MiB"
echo "  server CPU $a_srv s ($(calc %.1f "100 * $a_srv / $wall") %)"
echo "  anjian CPU per 1000 registers $(calc %.4f "1e6 * $a_cpu / $regs") ms, per read $(calc %.1f "1e6 * $a_cpu / $req") us;" \
     "without the idle share $(calc %.4f "1e6 * ($a_cpu - $idle_cpu * $wall) / $regs") ms"
echo
echo "bare libmodbus loop (one connection, same reads, $c_wall s; $placement):"
bare_report
if [ -n "${same_cpu:-}" ]; then echo "bare loop on the server's CPU (the cheapest case):"; echo "$same_cpu"; fi
echo
echo "RATIO anjian / bare loop, CPU per 1000 registers: $(calc %.2f "($a_cpu / $regs) / ($c_cpu / $c_regs)")" \
     "(without anjian's idle share: $(calc %.2f "(($a_cpu - $idle_cpu * $wall) / $regs) / ($c_cpu / $c_regs)"))"
if [ -n "${same_cpu:-}" ]; then
    echo "RATIO anjian / bare loop on the server's CPU: $(calc %.2f "($a_cpu / $regs) / ($floor_cpu / $floor_regs)")"
fi
echo "server CPU per 1000 registers: anjian phase $(calc %.4f "1e6 * $a_srv / $regs") ms, bare phase $(calc %.4f "1e6 * $c_srv / $c_regs") ms"
echo "command: $cmdline"
if [ -s "$work/perf.txt" ]; then echo; echo "perf (anjian over the measured seconds, self time):"; cat "$work/perf.txt"; fi
rc=0
if [ "$got_reads" != "$want_reads" ]; then echo "FAIL: anjian plans $got_reads reads per cycle, modbus-map.mjs $want_reads"; rc=1; fi
if [ $(( failed1 - failed0 )) -ne 0 ] || [ $(( dropped1 - dropped0 )) -ne 0 ] || [ "$not_connected" -ne 0 ]; then
    echo "FAIL: failed polls, dropped points or devices not connected (serve.log tail below)"; tail -20 "$work/serve.log"; rc=1
fi
exit "$rc"
