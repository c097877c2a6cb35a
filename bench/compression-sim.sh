#!/usr/bin/env bash
# compression-sim.sh — compression ratio and reconstruction error of anjian's historian on
# simulator data with the default deviations (src/engine/compress.h).
#
# `anjian sim` writes the demo plant (plants/demo-chemical.json, 524 tags, 1 s step,
# seed 1) as line protocol (precision ns) to a file; bench/lp-post.c sends the file to
# `anjian serve` (SQLite); the server is stopped with SIGTERM (every compressor flushed,
# archive complete) and started again; bench/compression-check.mjs reads every tag back
# through GET /api/v1/tags/{id}/history and compares it with the raw file point by point.
#
# Usage: bench/compression-sim.sh [DURATION]     (simulated time, default 6h = 11.3 M points)
#   env ANJIAN_BIN   binary to test (default ./build/anjian)
# Everything lives in a temp dir removed on exit; the server listens on a random loopback
# port and is stopped on exit. Exit status 1 if the check finds a point outside its bound.
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-6h}
bin=$(realpath "${ANJIAN_BIN:-./build/anjian}")
start=2026-12-01T00:00:00Z
work=$(mktemp -d /tmp/aj-compress.XXXXXX)
spid=
cleanup() {
    if [ -n "$spid" ]; then kill -TERM "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "$0: failed at line $LINENO" >&2; tail -5 "$work/admin.log" "$work/serve.log" 2>/dev/null >&2 || true' ERR
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
free_port() {
    local p
    while :; do
        p=$(( 20000 + RANDOM % 30000 ))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}
serve() { # starts the server in the background: sets spid and port
    port=$(free_port)
    "$bin" serve --db "$db" --listen "127.0.0.1:$port" --log-level warn >>"$work/serve.log" 2>&1 &
    spid=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
    echo "server did not start" >&2; cat "$work/serve.log" >&2; exit 1
}
stop() { kill -TERM "$spid"; wait "$spid" 2>/dev/null || true; spid=; }
login() {
    curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"username\": \"$1\", \"password\": \"$pw\"}" | jq -r .token
}

gcc -O2 -pthread -o "$work/lp-post" bench/lp-post.c
t0=$(now)
"$bin" sim --plant plants/demo-chemical.json --start "$start" --duration "$dur" --step 1s --speed max --seed 1 \
    --out "$work/raw.lp" 2>"$work/sim.log"
echo "sim: $(wc -l <"$work/raw.lp") lines, $(( $(stat -c %s "$work/raw.lp") / 1048576 )) MiB in $(elapsed "$t0" "$(now)") s"

pw=bench-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
printf '%s' "$pw" >"$work/pw"
db="sqlite:$work/a.db"
"$bin" admin create-enterprise --db "$db" --code demo --name 演示 >/dev/null 2>>"$work/admin.log"
"$bin" admin create-user --db "$db" --enterprise demo --username col --roles collector --password-file "$work/pw" >/dev/null 2>>"$work/admin.log"
"$bin" admin create-user --db "$db" --enterprise demo --username op --roles operator --password-file "$work/pw" >/dev/null 2>>"$work/admin.log"
"$bin" admin import-plant --db "$db" --enterprise demo plants/demo-chemical.json >/dev/null 2>>"$work/admin.log"

serve
"$work/lp-post" --port "$port" --path '/write?precision=ns' --header "Authorization: Bearer $(login col)" \
    --conns 4 --batch 10000 --expect 204 "$work/raw.lp"
stop
grep -E 'WARN|ERROR' "$work/serve.log" | tail -5 || true

sqlite3 -separator $'\t' "$work/a.db" 'SELECT id, key, kind, coalesce(range_lo, 0), coalesce(range_hi, 1) FROM tags' \
    >"$work/tags.tsv"
sqlite3 -separator $'\t' "$work/a.db" \
    'SELECT tag_id, count(*), sum(n_points), sum(length(data)) FROM archive_chunks GROUP BY tag_id' >"$work/chunks.tsv"
echo "SQLite file: $(( $(stat -c %s "$work/a.db") / 1024 )) KiB (plant, users and archive), table archive_chunks:" \
     "$(sqlite3 "$work/a.db" "SELECT sum(pgsize) / 1024 FROM dbstat WHERE name = 'archive_chunks'") KiB in pages"

serve
end=$(date -u -d "$start + 2 days" +%Y-%m-%dT%H:%M:%SZ)
node bench/compression-check.mjs "$work/raw.lp" "$work/tags.tsv" "$work/chunks.tsv" "http://127.0.0.1:$port" \
    "$(login op)" "$start" "$end"
