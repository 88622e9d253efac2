#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Register import against its peer, in one run: `dure import firms` of the full-scale synthetic
# G-Valley (10,145 rows) into a fresh database, and sqlite3's `.import --csv` of the same file
# into an unindexed table. Prints the median of RUNS runs (default 3) of each, rows/s and the
# ratio. Target: the firms import alone under 1 s.
#
#   bench/import_firms.sh [path/to/dure]        (default build/dure; builds nothing)
set -eu

DURE=${1:-build/dure}
RUNS=${RUNS:-3}
TARGET_S=1.0

case $DURE in /*) ;; *) DURE=$PWD/$DURE ;; esac
[ -x "$DURE" ] || { echo "import_firms: $DURE is not an executable (build first: make build)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "import_firms: sqlite3 is missing (apt-get install sqlite3)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dure-bench-import.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "generating the full-scale cluster (dure gen --seed 1) ..."
"$DURE" gen --seed 1 --out "$TMP/gen" >/dev/null
FIRMS=$TMP/gen/firms.csv
BUILDINGS=$TMP/gen/buildings.csv

# The row count as the importer reads it (quoted fields may hold commas).
"$DURE" init --db "$TMP/count.db" >/dev/null
"$DURE" import buildings "$BUILDINGS" --db "$TMP/count.db" --quiet
ROWS=$("$DURE" import firms "$FIRMS" --db "$TMP/count.db" --json | sed -n 's/.*"rows":\([0-9]*\).*/\1/p')
[ -n "$ROWS" ] && [ "$ROWS" -gt 0 ] || { echo "import_firms: the trial import failed" >&2; exit 1; }
COLS=$(head -n 1 "$FIRMS" | awk -F, '{ print NF }')
cols=""
i=1
while [ "$i" -le "$COLS" ]; do
    cols="$cols${cols:+, }c$i TEXT"
    i=$((i + 1))
done

echo "firms.csv: $ROWS rows, $(wc -c <"$FIRMS") bytes; $RUNS runs each"
: >"$TMP/dure_firms.t"
: >"$TMP/dure_total.t"
: >"$TMP/sqlite.t"
run=1
while [ "$run" -le "$RUNS" ]; do
    db=$TMP/run$run.db
    "$DURE" init --db "$db" >/dev/null
    t0=$(now)
    "$DURE" import buildings "$BUILDINGS" --db "$db" --quiet
    t1=$(now)
    "$DURE" import firms "$FIRMS" --db "$db" --quiet
    t2=$(now)
    n=$(sqlite3 "$db" 'SELECT count(*) FROM firms')
    [ "$n" -eq "$ROWS" ] || { echo "import_firms: dure stored $n firms, expected $ROWS" >&2; exit 1; }
    elapsed "$t1" "$t2" >>"$TMP/dure_firms.t"; echo >>"$TMP/dure_firms.t"
    elapsed "$t0" "$t2" >>"$TMP/dure_total.t"; echo >>"$TMP/dure_total.t"

    peer=$TMP/peer$run.db
    sqlite3 "$peer" "CREATE TABLE t ($cols);"
    t0=$(now)
    sqlite3 "$peer" ".import --csv --skip 1 '$FIRMS' t"
    t1=$(now)
    n=$(sqlite3 "$peer" 'SELECT count(*) FROM t')
    [ "$n" -eq "$ROWS" ] || { echo "import_firms: sqlite3 stored $n rows, expected $ROWS" >&2; exit 1; }
    elapsed "$t0" "$t1" >>"$TMP/sqlite.t"; echo >>"$TMP/sqlite.t"
    printf '  run %d: dure firms %.3f s (with buildings %.3f s), sqlite3 .import %.3f s\n' "$run" \
        "$(tail -n 1 "$TMP/dure_firms.t")" "$(tail -n 1 "$TMP/dure_total.t")" "$(tail -n 1 "$TMP/sqlite.t")"
    rm -f "$db" "$db-wal" "$db-shm" "$peer"
    run=$((run + 1))
done

D=$(median <"$TMP/dure_firms.t")
DT=$(median <"$TMP/dure_total.t")
S=$(median <"$TMP/sqlite.t")
awk -v rows="$ROWS" -v d="$D" -v dt="$DT" -v s="$S" -v target="$TARGET_S" 'BEGIN {
    printf "\nmedian of the runs, %d rows:\n", rows
    printf "  dure import firms       %7.3f s  %9.0f rows/s  (buildings + firms %.3f s)\n", d, rows / d, dt
    printf "  sqlite3 .import (peer)  %7.3f s  %9.0f rows/s  (unindexed table, no checks)\n", s, rows / s
    printf "  ratio dure/sqlite3      %7.2f  (rows/s)\n", (rows / d) / (rows / s)
    printf "  target: dure import firms < %.1f s: %s\n", target, ((d < target) ? "met" : "NOT MET")
}'
