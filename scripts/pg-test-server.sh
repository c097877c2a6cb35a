#!/usr/bin/env bash
# pg-test-server.sh — a throwaway PostgreSQL 15 cluster for the tests of the PostgreSQL
# storage backend (tests/unit/test_store.c reads its URL from ANJIAN_TEST_PG_URL).
#
#   pg-test-server.sh start DIR PORT   create (if needed) and start a cluster in DIR,
#                                      listening on 127.0.0.1:PORT and a unix socket in
#                                      DIR, with an empty database anjian_test; prints
#                                      the URL. On a running cluster it only prints it.
#   pg-test-server.sh stop DIR         stop the cluster in DIR (DIR itself is kept;
#                                      rm -rf it to throw the cluster away).
#   pg-test-server.sh url PORT         print the URL of the cluster on PORT.
#
# The cluster is owned by the postgres user (initdb and postgres refuse to run as root),
# trusts every local connection, and runs with fsync off: it is for tests only, never
# for data anyone wants to keep. Everything but the URL goes to stderr.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=postgres
DB_NAME=anjian_test

say() { printf '[pg-test-server] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

url_of() { printf 'postgres://%s@127.0.0.1:%s/%s\n' "$PG_USER" "$1" "$DB_NAME"; }

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

is_running() { as_pg "$PG_BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1; }

# The port a running cluster listens on (line 4 of postmaster.pid).
running_port() { sed -n 4p "$1/data/postmaster.pid"; }

check_port() {
    case "$1" in
    '' | *[!0-9]*) die "PORT must be a number (got '$1')" ;;
    esac
    if [ "$1" -lt 1024 ] || [ "$1" -gt 65535 ]; then die "PORT must be in 1024..65535 (got $1)"; fi
}

cmd_start() {
    local dir=$1 port=$2
    check_port "$port"
    mkdir -p "$dir"
    dir=$(realpath "$dir")
    [ ${#dir} -le 80 ] || die "DIR is too long for a unix socket path: $dir"
    if [ "$(id -u)" -eq 0 ]; then chown "$PG_USER": "$dir"; fi

    if [ ! -f "$dir/data/PG_VERSION" ]; then
        say "initdb in $dir/data"
        as_pg "$PG_BIN/initdb" -D "$dir/data" -U "$PG_USER" -A trust -E UTF8 \
            --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    fi

    if is_running "$dir"; then
        local actual
        actual=$(running_port "$dir")
        [ "$actual" = "$port" ] || say "already running on port $actual (not $port)"
        port=$actual
    else
        say "starting on 127.0.0.1:$port (log: $dir/log)"
        as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null ||
            { tail -n 20 "$dir/log" >&2 || true; die "postgres did not start"; }
    fi

    local exists
    exists=$(as_pg "$PG_BIN/psql" -h "$dir" -p "$port" -U "$PG_USER" -d postgres -tAq \
        -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")
    if [ "$exists" != 1 ]; then
        say "creating database $DB_NAME"
        as_pg "$PG_BIN/createdb" -h "$dir" -p "$port" -U "$PG_USER" "$DB_NAME"
    fi
    url_of "$port"
}

cmd_stop() {
    local dir=$1
    [ -d "$dir/data" ] || die "no cluster in $dir"
    if is_running "$dir"; then
        say "stopping the cluster in $dir"
        as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    else
        say "the cluster in $dir is not running"
    fi
}

case "${1:-}" in
start) [ $# -eq 3 ] || usage; cmd_start "$2" "$3" ;;
stop) [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
url) [ $# -eq 2 ] || usage; check_port "$2"; url_of "$2" ;;
*) usage ;;
esac
