#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A throwaway PostgreSQL 15 cluster for tests, no system service involved.
#   scripts/pg.sh start DIR   init (if needed) and start a cluster in DIR; prints its URL
#   scripts/pg.sh url DIR     prints the URL of the cluster running in DIR
#   scripts/pg.sh stop DIR    stops it and removes DIR
# The cluster listens on a free port on 127.0.0.1 only (trust auth, user dure, database
# dure_test) with its unix socket in DIR; durability is off, it is for tests. Starting again
# reuses a running cluster; a stale one left by a killed run is wiped and created anew.
set -eu

usage() {
    echo "usage: scripts/pg.sh start|stop|url DIR" >&2
    exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
case $2 in
/*) DIR=$2 ;;
*) DIR=$(pwd)/$2 ;;
esac
MARK="$DIR/.dure-pg"
DATA="$DIR/data"

# The server binaries: Debian keeps them off PATH, under /usr/lib/postgresql/VERSION/bin.
PGBIN=${PGBIN:-}
if [ -z "$PGBIN" ]; then
    for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        if [ -x "$d/initdb" ]; then
            PGBIN=$d
            break
        fi
    done
fi
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
    echo "pg.sh: no PostgreSQL server binaries (apt-get install postgresql-15)" >&2
    exit 1
fi

# PostgreSQL refuses to run as root: as root, run the server as the postgres user of the
# postgresql-common package, or a system user dure-pg made for the purpose.
RUNAS=""
if [ "$(id -u)" -eq 0 ]; then
    if id postgres >/dev/null 2>&1; then
        RUNAS=postgres
    else
        id dure-pg >/dev/null 2>&1 || useradd --system --no-create-home dure-pg
        RUNAS=dure-pg
    fi
fi
as_owner() {
    if [ -n "$RUNAS" ]; then
        (cd / && runuser -u "$RUNAS" -- "$@")
    else
        (cd / && "$@")
    fi
}

url() {
    echo "postgres://dure@127.0.0.1:$(cat "$DIR/port")/dure_test"
}

running() {
    [ -f "$DATA/PG_VERSION" ] && [ -f "$DIR/port" ] &&
        as_owner "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 &&
        "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$(cat "$DIR/port")" -t 5 >/dev/null 2>&1
}

free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Stop whatever runs from DATA, however it was left: fast, then immediate, then by pid.
halt() {
    [ -d "$DATA" ] || return 0
    as_owner "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 20 stop >/dev/null 2>&1 ||
        as_owner "$PGBIN/pg_ctl" -D "$DATA" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
    if [ -f "$DATA/postmaster.pid" ]; then
        pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
            grep -q postgres "/proc/$pid/cmdline" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
}

# Remove DIR only when it is one of ours (or empty): never rm -rf a directory given by mistake.
wipe() {
    [ -e "$DIR" ] || return 0
    if [ -f "$MARK" ] || [ -z "$(ls -A "$DIR" 2>/dev/null)" ]; then
        rm -rf "$DIR"
    else
        echo "pg.sh: $DIR is not a pg.sh cluster directory; not removing it" >&2
        exit 1
    fi
}

start() {
    if running; then
        ensure_db
        url
        return 0
    fi
    halt
    wipe
    if [ ${#DIR} -gt 80 ]; then
        echo "pg.sh: $DIR is too long for a unix socket path; use a shorter directory" >&2
        exit 1
    fi
    mkdir -p "$DIR"
    touch "$MARK"
    [ -z "$RUNAS" ] || chown -R "$RUNAS" "$DIR"
    chmod 700 "$DIR"
    if ! as_owner "$PGBIN/initdb" -D "$DATA" -U dure --auth=trust --encoding=UTF8 --no-locale \
        >"$DIR/initdb.log" 2>&1; then
        cat "$DIR/initdb.log" >&2
        echo "pg.sh: initdb failed (is $DIR reachable by user ${RUNAS:-$(id -un)}?)" >&2
        exit 1
    fi
    cat >>"$DATA/postgresql.conf" <<EOF
# pg.sh: a throwaway test cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
    # A port can be taken between choosing and binding it: try a few.
    tries=0
    while :; do
        port=$(free_port)
        echo "$port" >"$DIR/port"
        if as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -o "-p $port" -w -t 30 \
            start >/dev/null 2>&1; then
            break
        fi
        tries=$((tries + 1))
        if [ $tries -ge 5 ]; then
            tail -n 20 "$DIR/server.log" >&2 || true
            echo "pg.sh: the server did not start" >&2
            exit 1
        fi
    done
    ensure_db
    url
}

ensure_db() {
    port=$(cat "$DIR/port")
    if [ "$("$PGBIN/psql" -X -h 127.0.0.1 -p "$port" -U dure -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'dure_test'")" != "1" ]; then
        "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U dure dure_test
    fi
}

case $cmd in
start) start ;;
url)
    if running; then
        url
    else
        echo "pg.sh: no cluster running in $DIR" >&2
        exit 1
    fi
    ;;
stop)
    halt
    wipe
    ;;
*) usage ;;
esac
