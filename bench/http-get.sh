#!/usr/bin/env bash
# http-get.sh — HTTP benchmark of an authenticated small GET (GET /api/v1/areas/{id},
# bearer token: session lookup, roles, scoped query, JSON answer) on both storage
# backends, side by side in one run, with wrk on loopback.
#
# Usage: bench/http-get.sh [SECONDS] [CONNECTIONS]   (defaults 10 s, 32 connections)
# Needs a built ./build/anjian (scripts/build.sh). Starts its own PostgreSQL test cluster.
# Prints a Markdown table (requests/s, latency percentiles) and the PostgreSQL/SQLite ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}; conns=${2:-32}; threads=2
bin=${ANJIAN_BIN:-./build/anjian}
[ -x "$bin" ] || { echo "build first: bash scripts/build.sh" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk missing: bash scripts/setup.sh" >&2; exit 1; }
work=$(mktemp -d /tmp/aj-bench.XXXXXX); chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
            bash scripts/pg-test-server.sh stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
pgurl=$(bash scripts/pg-test-server.sh start "$work/pg" $(( 57000 + RANDOM % 1000 )))
pw=bench-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')
printf '%s' "$pw" > "$work/pw"

setup_db() { # $1 db url
  $bin admin create-enterprise --db "$1" --code demo --name 演示企业 >/dev/null
  $bin admin create-user --db "$1" --enterprise demo --username admin --roles admin --password-file "$work/pw" >/dev/null
  $bin admin import-plant --db "$1" --enterprise demo plants/demo-chemical.json >/dev/null
}

run_one() { # $1 label, $2 db url, $3 port
  ANJIAN_LOG_LEVEL=warn $bin serve --db "$2" --listen "127.0.0.1:$3" >"$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$3/healthz" >/dev/null && break; sleep 0.1; done
  local token
  token=$(curl -sf -X POST "http://127.0.0.1:$3/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$pw\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/')
  curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$3/api/v1/areas/1" >/dev/null
  wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$3/api/v1/areas/1" > "$work/$1.wrk"
  local rps p50 p99 errs
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$1.wrk")
  p50=$(awk '$1=="50%" {print $2}' "$work/$1.wrk")
  p99=$(awk '$1=="99%" {print $2}' "$work/$1.wrk")
  errs=$(awk '/Non-2xx/ {print $NF}' "$work/$1.wrk"); errs=${errs:-0}
  echo "| $1 | $rps | $p50 | $p99 | $errs |"
  echo "$rps" > "$work/$1.rps"
}

setup_db "sqlite:$work/bench.db"
setup_db "$pgurl"
echo "anjian $($bin version | awk '{print $2}'), $(nproc) cores, wrk -t$threads -c$conns -d${secs}s, server defaults (thread per connection, db-pool 8)"
echo
echo "| backend | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
run_one sqlite "sqlite:$work/bench.db" $(( 59000 + RANDOM % 500 ))
run_one postgres "$pgurl" $(( 59500 + RANDOM % 500 ))
echo
awk -v a="$(cat "$work/postgres.rps")" -v b="$(cat "$work/sqlite.rps")" \
  'BEGIN { printf "ratio postgres/sqlite: %.2f\n", a / b }'
