#!/usr/bin/env bash
# setup.sh — install everything anjian needs to build, run and test, idempotently.
#
# Debian 12 packages (apt) and the npm packages of the end-to-end tests. Safe to run
# again: it installs only what is missing and says what it is doing. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# Build and runtime libraries, test peers and tools. One line per need.
APT_PACKAGES=(
  build-essential cmake pkg-config git ca-certificates    # toolchain
  clang libclang-rt-14-dev clang-format                   # fuzzing, sanitizers, formatting
  libmicrohttpd-dev libjansson-dev                        # HTTP server, JSON
  libsqlite3-dev sqlite3 libpq-dev postgresql             # storage backends (+ test server)
  libsodium-dev libcmocka-dev                             # crypto (argon2id, SHA-256), unit tests
  chromium fonts-noto-cjk                                 # browser tests (CJK glyphs for screenshots)
  wrk procps psmisc curl                                  # HTTP benchmark, process tools
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
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

# npm packages for the end-to-end and browser tests (lockfile pinned).
if [ -f tests/e2e/package.json ]; then
  if [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules ]; then
    say "installing npm packages for tests/e2e"
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
  else
    say "npm packages for tests/e2e: present"
  fi
fi
say "done"
