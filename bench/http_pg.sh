#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Scale-out on PostgreSQL, in one run: GET /api/v1/firms/{brn} from one `dure serve` on a
# PostgreSQL database, then from two `dure serve` processes on the same database with the load
# split between them (the same total connections). Prints requests/s of one and of two
# servers and the scaling factor. The database is a throwaway PostgreSQL 15 cluster
# (scripts/pg.sh) with the full-scale synthetic cluster imported.
#
#   bench/http_pg.sh [path/to/dure]          (default build/dure; builds and installs nothing)
#   DURATION=10s CONNECTIONS=64 SERVER_THREADS=2 override the load.
set -eu

DURE=${1:-build/dure}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
SERVER_THREADS=${SERVER_THREADS:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

case $DURE in /*) ;; *) DURE=$PWD/$DURE ;; esac
[ -x "$DURE" ] || { echo "http_pg: $DURE is not an executable (build first: make build)" >&2; exit 1; }
for tool in wrk curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "http_pg: missing $tool; install with: apt-get install wrk curl" >&2; exit 1; }
done

# A short directory: the cluster's unix socket lives in it.
TMP=$(mktemp -d /tmp/dure-bpg.XXXXXX)
chmod 755 "$TMP" # the server runs as the postgres user when we are root
PG=$TMP/pg
PIDS=""
cleanup() {
    for p in $PIDS; do
        kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
    done
    "$ROOT/scripts/pg.sh" stop "$PG" >/dev/null 2>&1 || true
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

URL=$("$ROOT/scripts/pg.sh" start "$PG")
echo "PostgreSQL test cluster at $URL"
# The ledger key of a server URL lives in $DURE_DATA_DIR: both servers load the same one.
export DURE_DATA_DIR=$TMP/data
mkdir -p "$DURE_DATA_DIR"

echo "generating and importing the full-scale cluster (dure gen --seed 1) ..."
"$DURE" gen --seed 1 --out "$TMP/gen" >/dev/null
"$DURE" init --db "$URL" >/dev/null
for kind in buildings firms members; do
    "$DURE" import "$kind" "$TMP/gen/$kind.csv" --db "$URL" --quiet
done

# Start one dure serve on a port of its choosing; sets ADDR to its HOST:PORT.
start_server() {
    log=$TMP/serve-$1.log
    "$DURE" serve --db "$URL" --listen 127.0.0.1:0 --threads "$SERVER_THREADS" --quiet \
        >/dev/null 2>"$log" &
    pid=$!
    PIDS="$PIDS $pid"
    ADDR=""
    i=0
    while [ -z "$ADDR" ] && [ "$i" -lt 100 ]; do
        ADDR=$(sed -n 's/.*listening=\([0-9.]*:[0-9]*\).*/\1/p' "$log" | head -n 1)
        [ -n "$ADDR" ] || { kill -0 "$pid" 2>/dev/null || break; sleep 0.1; }
        i=$((i + 1))
    done
    [ -n "$ADDR" ] || { echo "http_pg: dure serve did not start:" >&2; cat "$log" >&2; exit 1; }
}
start_server a
A=$ADDR
start_server b
B=$ADDR

BRN=$(sed -n '5001p' "$TMP/gen/firms.csv" | grep -o '[0-9]\{3\}-[0-9]\{2\}-[0-9]\{5\}' | head -n 1 | tr -d -)
[ -n "$BRN" ] || { echo "http_pg: no BRN found in firms.csv" >&2; exit 1; }
FIRM_PATH=/api/v1/firms/$BRN
curl -fsS -o "$TMP/a.json" "http://$A$FIRM_PATH"
curl -fsS -o "$TMP/b.json" "http://$B$FIRM_PATH"
cmp -s "$TMP/a.json" "$TMP/b.json" || { echo "http_pg: the two servers answer differently" >&2; exit 1; }
echo "GET $FIRM_PATH: $(wc -c <"$TMP/a.json") bytes from dure A ($A) and dure B ($B), one database"

rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
errors() { awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }' "$1"; }
HALF=$((CONNECTIONS / 2))

echo "one server: wrk -t2 -c$CONNECTIONS -d$DURATION against A ..."
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "http://$A$FIRM_PATH" >"$TMP/one.txt"
echo "two servers: wrk -t1 -c$HALF -d$DURATION against A and against B at once ..."
wrk -t1 -c"$HALF" -d"$DURATION" "http://$A$FIRM_PATH" >"$TMP/two-a.txt" &
WA=$!
wrk -t1 -c"$HALF" -d"$DURATION" "http://$B$FIRM_PATH" >"$TMP/two-b.txt" &
WB=$!
wait "$WA" "$WB"

ONE=$(rps "$TMP/one.txt"); TA=$(rps "$TMP/two-a.txt"); TB=$(rps "$TMP/two-b.txt")
[ -n "$ONE" ] && [ -n "$TA" ] && [ -n "$TB" ] || { echo "http_pg: could not read wrk's output" >&2; cat "$TMP"/*.txt >&2; exit 1; }
for f in one two-a two-b; do
    E=$(errors "$TMP/$f.txt")
    [ -z "$E" ] || echo "  $f: $E"
done
awk -v one="$ONE" -v a="$TA" -v b="$TB" -v cpus="$(nproc 2>/dev/null || echo '?')" \
    -v t="$SERVER_THREADS" 'BEGIN {
    printf "\n  %-40s %12s\n", "", "requests/s"
    printf "  %-40s %12.0f\n", "one dure serve --threads " t, one
    printf "  %-40s %12.0f  (%.0f + %.0f)\n", "two dure serve --threads " t ", one database", a + b, a, b
    printf "  scaling factor two/one %.2f on %s CPUs shared by wrk, dure and PostgreSQL\n",
        (a + b) / one, cpus
}'
