#!/usr/bin/env bash
# test.sh — set up, build and run the whole test suite. This is the README's test
# command, and .ci/run calls exactly it.
#
# Stages (each must pass):
#   1. build (gcc, -Werror) · unit tests (ctest, cmocka) on SQLite and PostgreSQL
#   2. end-to-end tests (node --test) against the real binary on SQLite and PostgreSQL
#   3. browser test (playwright-core on Debian chromium) against a server with the demo plant
#   4. the same unit and end-to-end tests in an ASan + UBSan build
#   5. fuzz harnesses (libFuzzer): replay the corpus, then a short fresh run each
# A throwaway PostgreSQL cluster is started on loopback for the run and stopped at the end.
# Environment: AJ_TEST_SKIP_ASAN=1 / AJ_TEST_SKIP_FUZZ=1 skip stages 4 / 5 (local use);
# AJ_FUZZ_SECONDS (default 20) is the fresh-fuzzing time per harness.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)
n_stages=0
stage() { printf '\n\033[1m== %s (%ds)\033[0m\n' "$*" $(( $(date +%s) - started )); n_stages=$((n_stages + 1)); }

stage "setup"
bash scripts/setup.sh

work=$(mktemp -d /tmp/aj-test.XXXXXX)
chmod 755 "$work"
pgdir="$work/pg"
browser_pid=""
cleanup() {
  [ -n "$browser_pid" ] && kill -TERM "$browser_pid" 2>/dev/null || true
  bash scripts/pg-test-server.sh stop "$pgdir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

stage "PostgreSQL test server"
pgport=$(( 56000 + RANDOM % 2000 ))
export ANJIAN_TEST_PG_URL=$(bash scripts/pg-test-server.sh start "$pgdir" "$pgport")
echo "ANJIAN_TEST_PG_URL=$ANJIAN_TEST_PG_URL"

run_suite() { # $1 = build dir
  local dir=$1
  stage "unit tests ($dir)"
  (cd "$dir" && ctest --output-on-failure --timeout 600 --no-tests=error)
  stage "end-to-end tests ($dir)"
  (cd tests/e2e && ANJIAN_BIN="$root/$dir/anjian" node --test --test-concurrency=1 \
     $(ls *.test.mjs | grep -v '^browser\.'))
}

stage "build (gcc, warnings are errors)"
bash scripts/build.sh build -DAJ_UNIT_TESTS=ON
run_suite build

stage "browser test (headless chromium)"
bdir="$work/browser"; mkdir -p "$bdir"
bpass=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 20)
printf '%s' "$bpass" > "$bdir/pw"
bdb="sqlite:$bdir/anjian.db"
./build/anjian admin create-enterprise --db "$bdb" --code demo --name "华东精细化工有限公司" >/dev/null
./build/anjian admin create-user --db "$bdb" --enterprise demo --username admin --roles admin --password-file "$bdir/pw" >/dev/null
./build/anjian admin import-plant --db "$bdb" --enterprise demo plants/demo-chemical.json >/dev/null
# a port the kernel says is free (a fixed range collided with other servers of the run)
bport=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
ANJIAN_LOG_LEVEL=warn ./build/anjian serve --db "$bdb" --listen "127.0.0.1:$bport" &
browser_pid=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$bport/healthz" >/dev/null 2>&1 && break
  kill -0 "$browser_pid" 2>/dev/null || { echo "the browser-test server exited" >&2; exit 1; }
  sleep 0.1
done
# (the incident case runs the simulator: ANJIAN_BIN)
(cd tests/e2e && ANJIAN_URL="http://127.0.0.1:$bport" ANJIAN_ADMIN_USER=admin ANJIAN_ADMIN_PASSWORD="$bpass" \
   ANJIAN_BIN="$root/build/anjian" ANJIAN_ARTIFACTS="$work/artifacts" node --test browser.test.mjs)
kill -TERM "$browser_pid"; wait "$browser_pid"; browser_pid=""

if [ "${AJ_TEST_SKIP_ASAN:-0}" != 1 ]; then
  stage "build (ASan + UBSan)"
  bash scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DAJ_SANITIZE=ON -DAJ_UNIT_TESTS=ON
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  run_suite build-asan
  unset ASAN_OPTIONS UBSAN_OPTIONS
fi

if [ "${AJ_TEST_SKIP_FUZZ:-0}" != 1 ]; then
  stage "fuzz harnesses (clang, libFuzzer + ASan + UBSan)"
  CC=clang bash scripts/build.sh build-fuzz -DCMAKE_BUILD_TYPE=Debug -DAJ_FUZZ=ON -DAJ_SANITIZE=ON
  bash scripts/fuzz.sh build-fuzz "${AJ_FUZZ_SECONDS:-20}"
fi

printf '\n\033[1m== all stages passed (%ds)\033[0m\n' $(( $(date +%s) - started ))
# set -e stops at the first failing stage, so reaching here means every stage passed.
echo "stages: $n_stages passed, 0 failed"
