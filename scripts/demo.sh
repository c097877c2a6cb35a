#!/usr/bin/env bash
# demo.sh — set up, build and run anjian with the demo plant on embedded SQLite.
#
# Installs what is missing (scripts/setup.sh), builds, and on the first run creates the
# database in .demo/ with enterprise "demo", user admin with a random password (kept in
# .demo/admin-password, printed below) and plants/demo-chemical.json imported; then
# serves the console while the plant simulator feeds it live data. Delete .demo/ to start
# over.
# Ctrl-C (or SIGTERM) stops it cleanly. Environment: ANJIAN_LISTEN (default
# 127.0.0.1:8080; use 0.0.0.0:8080 to reach it from other machines).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --run
echo "[demo] building"
bash scripts/build.sh build -DAJ_UNIT_TESTS=OFF
mkdir -p .demo
chmod 700 .demo
db="sqlite:$PWD/.demo/anjian.db"
listen=${ANJIAN_LISTEN:-127.0.0.1:8080}
if [ ! -s .demo/admin-password ]; then
  head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 20 > .demo/admin-password
  chmod 600 .demo/admin-password
fi
if [ ! -f .demo/ready ]; then
  echo "[demo] creating the demo database and importing plants/demo-chemical.json"
  rm -rf .demo/anjian.db .demo/anjian.db-wal .demo/anjian.db-shm .demo/anjian.db.journal .demo/sim-password
  a=./build/anjian
  $a admin create-enterprise --db "$db" --code demo --name "华东精细化工有限公司" --name-en "East China Fine Chemicals Co., Ltd."
  $a admin create-user --db "$db" --enterprise demo --username admin --display-name "系统管理员" --roles admin \
    --password-file .demo/admin-password
  $a admin import-plant --db "$db" --enterprise demo plants/demo-chemical.json >/dev/null
  touch .demo/ready
fi
# The simulator feeds the server live (event time = now, 1 s samples, real-time pace)
# through POST /write as the collector account "sim", with the faults of
# scenarios/demo-day.json (a seal failure on P-101 from 40 min, a drifting transmitter,
# cavitation, an H2S release) so the control room has incidents to show.
if [ ! -s .demo/sim-password ]; then
  head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 20 > .demo/sim-password
  chmod 600 .demo/sim-password
  ./build/anjian admin create-user --db "$db" --enterprise demo --username sim --display-name "模拟器 simulator" \
    --roles collector --password-file .demo/sim-password >/dev/null
fi
if [ ! -s .demo/approver-password ]; then
  head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 20 > .demo/approver-password
  chmod 600 .demo/approver-password
fi
host=${listen%:*}; port=${listen##*:}
[ "$host" = "0.0.0.0" ] && host=$(hostname -I 2>/dev/null | awk '{print $1}')
./build/anjian sim --plant plants/demo-chemical.json --url "http://127.0.0.1:${port}" --user sim \
  --password-file .demo/sim-password --start "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --duration 30d --step 1s \
  --speed 1 --seed "$(date +%s)" --scenario scenarios/demo-day.json > .demo/sim.log 2>&1 &
sim_pid=$!
# a few work permits on the board (once; docs/permits.md), as the approver fan.junjie, then the
# risk register and a few hidden dangers (docs/risk.md, docs/hazards.md)
(node scripts/demo-permits.mjs "http://127.0.0.1:${port}" .demo/admin-password .demo/approver-password &&
  node scripts/demo-risk.mjs "http://127.0.0.1:${port}" .demo/admin-password) > .demo/permits.log 2>&1 &
trap 'kill "$sim_pid" 2>/dev/null || true' EXIT
cat <<MSG

  anjian console:  http://${host:-127.0.0.1}:${port}/
  log in as:       admin
  password:        $(cat .demo/admin-password)   (also in .demo/admin-password)
  live data:       the simulator writes every tag of the demo plant each second (.demo/sim.log)
  incidents:       P-101's seal starts failing 40 min in; the control room shows it about
                   20 min later, then a sensor check (2 h 50), cavitation (3 h) and H2S (6 h)
  work permits:    four on the board (作业许可); approver fan.junjie, password in
                   .demo/approver-password
  dual prevention: the four-colour risk map and the hidden-danger ledger (双重预防)

MSG
./build/anjian serve --db "$db" --listen "$listen"
