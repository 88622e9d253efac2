#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Invoice ingest against its peers, in one run, on the synthetic year of e-tax invoices
# (`dure gen`: ~6,100 member files, 2.3 million rows at scale 1):
#   a) `dure import invoices` of every file into a fresh SQLite database (buildings, firms and
#      members imported first, untimed): rows/s and peak RSS;
#   b) the peer: the sqlite3 shell's `.import --csv --skip 5` of every file into one unindexed
#      table of 33 TEXT columns (no checks, no index, no journal of its own): rows/s, ratio;
#   c) the .xlsx path: the largest files written as .xlsx workbooks, imported the same way;
#   d) PostgreSQL (a throwaway cluster from scripts/pg.sh): `dure import invoices` on the
#      postgres:// URL against `psql \copy t FROM FILE CSV HEADER` of every file (title rows
#      cut beforehand, untimed) into an unindexed table of 33 text columns, ratio.
# Both sides of each pair run in the same invocation; RUNS=N repeats each pair and prints
# medians. Targets: a/b >= 1.0, d/psql >= 1.0, dure peak RSS < 200 MB.
#
#   bench/ingest.sh [path/to/dure]      (default build/dure; builds nothing)
#   INVOICES_SCALE=0.1 bench/ingest.sh  a tenth of the invoices, for a quick run
#   SEED=1 RUNS=1 XLSX_FILES=8 PG=1     the defaults (PG=0 skips PostgreSQL)
#
# The generated files are kept in ${TMPDIR:-/tmp}/dure-bench-ingest-s<SEED>-x<SCALE> and
# reused by later runs (remove the directory after changing the generator).
set -eu

DURE=${1:-build/dure}
SEED=${SEED:-1}
SCALE=${INVOICES_SCALE:-1}
RUNS=${RUNS:-1}
XLSX_FILES=${XLSX_FILES:-8}
PG=${PG:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
TIME=/usr/bin/time

case $DURE in /*) ;; *) DURE=$PWD/$DURE ;; esac
[ -x "$DURE" ] || { echo "ingest: $DURE is not an executable (build first: make build)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "ingest: sqlite3 is missing (apt-get install sqlite3)" >&2; exit 1; }
[ -x "$TIME" ] || { echo "ingest: $TIME is missing (apt-get install time)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "ingest: python3 is missing" >&2; exit 1; }
if [ "$PG" != 0 ] && ! command -v psql >/dev/null; then
    echo "ingest: psql is missing (apt-get install postgresql-15), or run with PG=0" >&2
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dure-bench-ingest.XXXXXX")
PGDIR=""
cleanup() {
    if [ -n "$PGDIR" ]; then
        "$HERE/../scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# `$TIME -v` output to "wall_s rss_kb cpu_s" (user + system).
timed() {
    awk -F': ' '
        /Elapsed \(wall clock\)/ {
            n = split($2, p, ":"); w = 0
            for (i = 1; i <= n; i++) w = w * 60 + p[i]
        }
        /Maximum resident set size/ { rss = $2 }
        /User time/ { cpu += $2 }
        /System time/ { cpu += $2 }
        END { printf "%.3f %d %.2f\n", w, rss, cpu }' "$1"
}

# ---- the synthetic year, generated once per seed and scale ----

GEN=${TMPDIR:-/tmp}/dure-bench-ingest-s$SEED-x$SCALE
if [ ! -f "$GEN/.complete" ]; then
    echo "generating the synthetic year (dure gen --seed $SEED --invoices-scale $SCALE) ..."
    rm -rf "$GEN"
    "$DURE" gen --seed "$SEED" --invoices-scale "$SCALE" --out "$GEN" >/dev/null
    touch "$GEN/.complete"
fi
ls "$GEN"/invoices/*.csv >"$TMP/files"
NFILES=$(wc -l <"$TMP/files")
BYTES=$(cat $(cat "$TMP/files") | wc -c)
FILES=$(cat "$TMP/files")

# A database with the registry the invoices refer to, copied fresh for every timed import.
load_registry() {
    "$DURE" init --db "$1" >/dev/null
    "$DURE" import buildings "$GEN/buildings.csv" --db "$1" --quiet
    "$DURE" import firms "$GEN/firms.csv" --db "$1" --quiet
    "$DURE" import members "$GEN/members.csv" --db "$1" --quiet
}
load_registry "$TMP/base.db"
fresh() {
    rm -f "$1" "$1-wal" "$1-shm"
    cp "$TMP/base.db" "$1"
}

# ---- a) and b): dure on SQLite against sqlite3 .import ----

COLS=$(awk 'BEGIN { for (i = 1; i <= 33; i++) printf "%sc%d TEXT", (i > 1 ? ", " : ""), i }')
awk '{ printf ".import --csv --skip 5 %s t\n", $0 }' "$TMP/files" >"$TMP/peer.sql"

echo "invoices: $NFILES files, $BYTES bytes; $RUNS run(s) of each"
: >"$TMP/d.t"
: >"$TMP/s.t"
run=1
while [ "$run" -le "$RUNS" ]; do
    fresh "$TMP/run.db"
    # shellcheck disable=SC2086
    $TIME -v -o "$TMP/d.time" "$DURE" import invoices $FILES --db "$TMP/run.db" --quiet
    ROWS=$(sqlite3 "$TMP/run.db" "SELECT sum(rows) FROM uploads WHERE deleted_at IS NULL")
    OUTCOMES=$(sqlite3 "$TMP/run.db" "SELECT sum(new_records) || ' new, ' || sum(linked) || \
        ' linked, ' || sum(unchanged) || ' unchanged, ' || sum(conflicts) || ' conflicts' FROM uploads")
    set -- $(timed "$TMP/d.time")
    echo "$1 $2 $3" >>"$TMP/d.t"
    printf '  run %d: dure import invoices %9.2f s  rss %6d KB  (%s)\n' "$run" "$1" "$2" "$OUTCOMES"
    rm -f "$TMP/run.db" "$TMP/run.db-wal" "$TMP/run.db-shm"

    rm -f "$TMP/peer.db"
    sqlite3 "$TMP/peer.db" "CREATE TABLE t ($COLS);"
    # The 계산서 files have 32 columns: the shell fills the 33rd with NULL and says so.
    $TIME -v -o "$TMP/s.time" sqlite3 "$TMP/peer.db" <"$TMP/peer.sql" >/dev/null 2>&1
    N=$(sqlite3 "$TMP/peer.db" "SELECT count(*) FROM t")
    [ "$N" -eq "$ROWS" ] || { echo "ingest: sqlite3 stored $N rows, dure read $ROWS" >&2; exit 1; }
    set -- $(timed "$TMP/s.time")
    echo "$1 $2 $3" >>"$TMP/s.t"
    printf '  run %d: sqlite3 .import        %9.2f s  rss %6d KB\n' "$run" "$1" "$2"
    rm -f "$TMP/peer.db"
    run=$((run + 1))
done
D_S=$(cut -d' ' -f1 "$TMP/d.t" | median)
D_RSS=$(cut -d' ' -f2 "$TMP/d.t" | sort -n | tail -n 1)
D_CPU=$(cut -d' ' -f3 "$TMP/d.t" | median)
S_S=$(cut -d' ' -f1 "$TMP/s.t" | median)
S_RSS=$(cut -d' ' -f2 "$TMP/s.t" | sort -n | tail -n 1)
S_CPU=$(cut -d' ' -f3 "$TMP/s.t" | median)

# ---- c) the .xlsx path: the largest files as workbooks ----

ls -S $FILES | head -n "$XLSX_FILES" >"$TMP/xfiles"
python3 "$HERE/csv_to_xlsx.py" "$TMP/xlsx" $(cat "$TMP/xfiles")
XFILES=$(ls "$TMP"/xlsx/*.xlsx)
fresh "$TMP/x.db"
# shellcheck disable=SC2086
$TIME -v -o "$TMP/x.time" "$DURE" import invoices $XFILES --db "$TMP/x.db" --quiet
XROWS=$(sqlite3 "$TMP/x.db" "SELECT sum(rows) FROM uploads")
set -- $(timed "$TMP/x.time")
X_S=$1 X_RSS=$2
fresh "$TMP/x.db"
# shellcheck disable=SC2086
$TIME -v -o "$TMP/xc.time" "$DURE" import invoices $(cat "$TMP/xfiles") --db "$TMP/x.db" --quiet
set -- $(timed "$TMP/xc.time")
XC_S=$1
rm -f "$TMP/x.db" "$TMP/x.db-wal" "$TMP/x.db-shm"

# ---- d) PostgreSQL: dure against psql \copy ----

if [ "$PG" != 0 ]; then
    # Directly under /tmp: the server runs as another user, which must reach the directory.
    PGDIR=$(mktemp -d /tmp/dure-bench-pg.XXXXXX)
    URL=$("$HERE/../scripts/pg.sh" start "$PGDIR" | tail -n 1)
    ADMIN=$URL
    psql "$ADMIN" -qc "CREATE DATABASE dure_ingest" -c "CREATE DATABASE peer_ingest"
    DURL=${URL%/*}/dure_ingest
    PURL=${URL%/*}/peer_ingest
    load_registry "$DURL"
    # The peer's input: each file without its four title rows (header kept for CSV HEADER), and
    # a column list for the 32-column 계산서 files. Prepared outside the timed region.
    mkdir "$TMP/pgcsv"
    i=0
    for f in $FILES; do
        i=$((i + 1))
        tail -n +5 "$f" >"$TMP/pgcsv/$i.csv"
        n=$(head -n 1 "$TMP/pgcsv/$i.csv" | awk -F, '{ print NF }')
        if [ "$n" -eq 33 ]; then
            printf "\\\\copy t FROM '%s' CSV HEADER\n" "$TMP/pgcsv/$i.csv"
        else
            printf "\\\\copy t(%s) FROM '%s' CSV HEADER\n" \
                "$(awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "%sc%d", (i > 1 ? "," : ""), i }')" \
                "$TMP/pgcsv/$i.csv"
        fi
    done >"$TMP/copy.sql"
    PGCOLS=$(awk 'BEGIN { for (i = 1; i <= 33; i++) printf "%sc%d text", (i > 1 ? ", " : ""), i }')
    : >"$TMP/pd.t"
    : >"$TMP/pp.t"
    run=1
    while [ "$run" -le "$RUNS" ]; do
        if [ "$run" -gt 1 ]; then
            psql "$ADMIN" -qc "DROP DATABASE dure_ingest" -c "CREATE DATABASE dure_ingest"
            load_registry "$DURL"
        fi
        # shellcheck disable=SC2086
        $TIME -v -o "$TMP/pd.time" "$DURE" import invoices $FILES --db "$DURL" --quiet
        PROWS=$(psql "$DURL" -tAc "SELECT sum(rows) FROM uploads")
        set -- $(timed "$TMP/pd.time")
        echo "$1 $2 $3" >>"$TMP/pd.t"
        printf '  run %d: dure import (PostgreSQL) %7.2f s  rss %6d KB\n' "$run" "$1" "$2"

        psql "$PURL" -qc "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS t" \
            -c "CREATE TABLE t ($PGCOLS)"
        $TIME -v -o "$TMP/pp.time" psql "$PURL" -q -v ON_ERROR_STOP=1 -f "$TMP/copy.sql" >/dev/null
        N=$(psql "$PURL" -tAc "SELECT count(*) FROM t")
        [ "$N" -eq "$PROWS" ] || { echo "ingest: psql copied $N rows, dure read $PROWS" >&2; exit 1; }
        set -- $(timed "$TMP/pp.time")
        echo "$1 $2 $3" >>"$TMP/pp.t"
        printf '  run %d: psql \\copy               %7.2f s\n' "$run" "$1"
        run=$((run + 1))
    done
    PD_S=$(cut -d' ' -f1 "$TMP/pd.t" | median)
    PD_RSS=$(cut -d' ' -f2 "$TMP/pd.t" | sort -n | tail -n 1)
    PP_S=$(cut -d' ' -f1 "$TMP/pp.t" | median)
fi

# ---- summary ----

awk -v rows="$ROWS" -v files="$NFILES" -v bytes="$BYTES" -v runs="$RUNS" -v scale="$SCALE" \
    -v ds="$D_S" -v drss="$D_RSS" -v dcpu="$D_CPU" -v ss="$S_S" -v srss="$S_RSS" -v scpu="$S_CPU" \
    -v xs="$X_S" -v xrss="$X_RSS" -v xcs="$XC_S" -v xrows="$XROWS" -v xn="$XLSX_FILES" \
    -v pg="$PG" -v pds="${PD_S:-0}" -v pdrss="${PD_RSS:-0}" -v pps="${PP_S:-0}" -v prows="${PROWS:-0}" '
function line(what, s, r, rss, cpu) {
    printf "  %-44s %9.2f %11.0f %9s %8s\n", what, s, r / s,
        (rss > 0 ? sprintf("%.0f MB", rss / 1024) : "-"), (cpu > 0 ? sprintf("%.1f", cpu) : "-")
}
BEGIN {
    printf "\ninvoice ingest, invoices-scale %s: %d files, %d rows, %.0f MB of CSV; median of %d run(s)\n",
        scale, files, rows, bytes / 1048576, runs
    printf "  %-44s %9s %11s %9s %8s\n", "", "wall s", "rows/s", "peak RSS", "CPU s"
    line("dure import invoices (SQLite)", ds, rows, drss, dcpu)
    line("sqlite3 .import, unindexed table (peer)", ss, rows, srss, scpu)
    printf "  %-44s %9.2f   (target >= 1.0: %s)\n", "ratio dure/sqlite3, rows/s", ss / ds,
        ((ss / ds >= 1.0) ? "met" : "NOT MET")
    line(sprintf("dure import, %d largest files as .xlsx", xn), xs, xrows, xrss, 0)
    line(sprintf("dure import, the same %d files as CSV", xn), xcs, xrows, 0, 0)
    if (pg != 0) {
        line("dure import invoices (PostgreSQL)", pds, prows, pdrss, 0)
        line("psql \\copy, unindexed table (peer)", pps, prows, 0, 0)
        printf "  %-44s %9.2f   (target >= 1.0: %s)\n", "ratio dure/psql, rows/s", pps / pds,
            ((pps / pds >= 1.0) ? "met" : "NOT MET")
    }
    worst = (drss > xrss) ? drss : xrss
    if (pg != 0 && pdrss > worst) worst = pdrss
    printf "  %-44s %9.0f MB (target < 200 MB: %s)\n", "dure peak RSS, any path", worst / 1024,
        ((worst < 200 * 1024) ? "met" : "NOT MET")
}'
