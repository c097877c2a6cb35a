#!/usr/bin/env bash
# setup.sh — install everything anjian needs to build, run and test, idempotently.
#
# Debian 12 packages (apt), the console's browser library (ECharts, web/package.json) and
# the npm packages of the end-to-end tests. Safe to run again: it installs only what is
# missing and says what it is doing. Run as root.
# Usage: setup.sh          everything (build, run, test)
#        setup.sh --run    only what building and running needs
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# What building and running needs (scripts/demo.sh: `setup.sh --run`).
RUN_PACKAGES=(
  build-essential cmake pkg-config git ca-certificates    # toolchain
  libmicrohttpd-dev libjansson-dev                        # HTTP server, JSON
  libsqlite3-dev libpq-dev                                # storage backends
  libsodium-dev                                           # crypto (argon2id, SHA-256, random)
  libmosquitto-dev                                        # MQTT subscriber (docs/mqtt.md)
  libmodbus-dev                                           # Modbus TCP poller (docs/modbus.md)
  protobuf-c-compiler libprotobuf-c-dev                   # Sparkplug B payloads (docs/sparkplug.md)
  libfftw3-dev                                            # vibration spectra (docs/vibration.md)
  curl procps                                             # health checks in scripts
)
# What the test suite needs on top (scripts/test.sh: `setup.sh`).
TEST_PACKAGES=(
  libcmocka-dev                                           # unit tests
  sqlite3 postgresql                                      # CLI for tests, PostgreSQL test server
  clang libclang-rt-14-dev clang-format                   # fuzzing, sanitizers, formatting
  chromium fonts-noto-cjk                                 # browser tests (CJK glyphs for screenshots)
  wrk psmisc                                              # HTTP benchmark, process tools
  mosquitto mosquitto-clients                             # MQTT broker and mosquitto_pub for tests
)

mode=all
[ "${1:-}" = "--run" ] && mode=run
APT_PACKAGES=("${RUN_PACKAGES[@]}")
[ "$mode" = all ] && APT_PACKAGES+=("${TEST_PACKAGES[@]}")

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# node/npm in both modes: npm installs the console's ECharts (below) for running too.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  say "Debian packages: all ${#APT_PACKAGES[@]} present"
fi

# The mosquitto package installs a system broker on port 1883; the tests start brokers of
# their own (random loopback port, config in a temp dir), so keep the system one stopped
# and disabled. Where there is no init system (containers) there is nothing to stop.
if [ "$mode" = all ] && dpkg-query -W -f='${Status}' mosquitto 2>/dev/null | grep -q 'install ok installed'; then
  if [ -d /run/systemd/system ]; then
    if systemctl is-enabled --quiet mosquitto.service 2>/dev/null || systemctl is-active --quiet mosquitto.service 2>/dev/null; then
      say "stopping and disabling the system mosquitto broker (tests run their own)"
      systemctl disable --now mosquitto.service >/dev/null 2>&1 || true
    fi
  elif [ -x /etc/init.d/mosquitto ] && /etc/init.d/mosquitto status >/dev/null 2>&1; then
    say "stopping the system mosquitto broker (tests run their own)"
    /etc/init.d/mosquitto stop >/dev/null 2>&1 || true
  fi
fi

# The console's browser library, ECharts (web/package.json, lockfile pinned), in both modes:
# npm installs it in a scratch folder (so no node_modules lands under the web root) and the
# one file the console loads is copied to web/vendor/ (git-ignored). Without it the tag page
# falls back to its plain SVG chart.
if [ ! -s web/vendor/echarts.min.js ] || [ web/package-lock.json -nt web/vendor/echarts.min.js ]; then
  say "installing the console's ECharts into web/vendor/"
  vendor_tmp=$(mktemp -d)
  trap 'rm -rf "$vendor_tmp"' EXIT
  cp web/package.json web/package-lock.json "$vendor_tmp/"
  (cd "$vendor_tmp" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  mkdir -p web/vendor
  cp "$vendor_tmp/node_modules/echarts/LICENSE" web/vendor/echarts.LICENSE.txt
  cp "$vendor_tmp/node_modules/echarts/dist/echarts.min.js" web/vendor/echarts.min.js.part
  mv web/vendor/echarts.min.js.part web/vendor/echarts.min.js
  rm -rf "$vendor_tmp"
else
  say "console ECharts (web/vendor/echarts.min.js): present"
fi

# npm packages for the end-to-end and browser tests (lockfile pinned).
if [ "$mode" = all ] && [ -f tests/e2e/package.json ]; then
  if [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules ]; then
    say "installing npm packages for tests/e2e"
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
  else
    say "npm packages for tests/e2e: present"
  fi
fi
say "done"
