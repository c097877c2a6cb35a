#!/usr/bin/env bash
# trend-query.sh — time of GET /api/v1/tags/{id}/trend for 24 h of a 1 Hz tag (86,400
# points written through POST /write, compressed into the archive) downsampled to 1000
# points, measured from a client on loopback (curl's time_total), N runs.
# Usage: bench/trend-query.sh [RUNS]   (default 50). Needs ./build/anjian.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
bin=${ANJIAN_BIN:-./build/anjian}
work=$(mktemp -d /tmp/aj-trend.XXXXXX)
trap 'kill -TERM $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
pw=bench-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')
printf '%s' "$pw" > "$work/pw"
db="sqlite:$work/a.db"
$bin admin create-enterprise --db "$db" --code b --name b >/dev/null 2>&1
$bin admin create-user --db "$db" --enterprise b --username admin --roles admin --password-file "$work/pw" >/dev/null 2>&1
$bin admin create-site --db "$db" --enterprise b --code S --name S >/dev/null 2>&1
port=$(( 53000 + RANDOM % 1000 ))
ANJIAN_LOG_LEVEL=warn $bin serve --db "$db" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
tok=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$pw\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/')
id=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/tags" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
  -d '{"site_id":1,"key":"S.FI-1","name":"flow","kind":"flow","range_lo":0,"range_hi":200}' | sed 's/.*"id":\([0-9]*\).*/\1/')
# 24 h at 1 Hz of a noisy flow with a daily cycle (awk; deterministic).
t0=1796083200
awk -v t0="$t0" 'BEGIN { srand(7); for (i = 0; i < 86400; i++) {
  v = 100 + 30 * sin(i / 86400 * 6.2831853) + (rand() - 0.5) * 4;
  printf "S FI-1=%.3f %d\n", v, t0 + i } }' > "$work/day.lp"
split -l 20000 "$work/day.lp" "$work/part."
for f in "$work"/part.*; do
  curl -sf -o /dev/null -X POST "http://127.0.0.1:$port/write?precision=s" -H "Authorization: Bearer $tok" --data-binary @"$f"
done
kill -TERM $pid; wait $pid || true   # a clean stop archives everything
ANJIAN_LOG_LEVEL=warn $bin serve --db "$db" --listen "127.0.0.1:$port" >>"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/api/v1/tags/$id/trend?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z&points=1000"
curl -sf -H "Authorization: Bearer $tok" "$url" | sed 's/.*"n_raw":\([0-9]*\).*/archived points read: \1/'
for _ in $(seq 1 "$runs"); do curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $tok" "$url"; done \
  | sort -n | awk '{ a[NR] = $1 } END { m = int(NR * 0.5); if (m < 1) m = 1; q = int(NR * 0.99); if (q < 1) q = 1;
      printf "trend 24 h -> 1000 points, %d runs: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", NR, a[m] * 1000, a[q] * 1000, a[NR] * 1000 }'
