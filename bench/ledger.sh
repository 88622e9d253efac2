#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The ledger through its real code path on SQLite, in one run (bench/ledger_bench.c):
# (a) appends through events_record in transactions of 10,000 events, leaves/s (target
# >= 50,000); (b) inclusion and consistency proofs on a 10-million-leaf log, p50 (target
# < 100 us); (c) ledger_verify (= `dure ledger verify`) over that log against OpenSSL's
# SHA-256 of the same bytes on one core (the fastest implementation on the machine; libsodium's
# is printed for information), measured in the same run (target >= 0.5x).
#
#   bench/ledger.sh [path/to/dure]     (default build/dure; links the static libraries of the
#                                       same build directory, which must be built)
#   LEAVES=1000000 bench/ledger.sh     a smaller log (default 10000000)
#   SAMPLES=N                          proofs timed per kind (default 20000)
#   APPEND_LEAVES=N                    events appended in (a) (default 200000)
#   KEEP_DIR=DIR                       build the big log in DIR and keep it: a later run with
#                                      the same LEAVES reuses it and skips the build
set -eu

DURE=${1:-build/dure}
case $DURE in /*) ;; *) DURE=$PWD/$DURE ;; esac
[ -x "$DURE" ] || { echo "ledger: $DURE is not an executable (build first: make build)" >&2; exit 1; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(dirname "$DURE")
for lib in app store core util; do
    [ -f "$BUILD/libdure_$lib.a" ] || { echo "ledger: $BUILD/libdure_$lib.a is missing (build first)" >&2; exit 1; }
done
LEAVES=${LEAVES:-10000000}
SAMPLES=${SAMPLES:-20000}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dure-bench-ledger.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
DIR=${KEEP_DIR:-$TMP/data}
mkdir -p "$DIR"

${CC:-cc} -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$ROOT/src" \
    "$ROOT/bench/ledger_bench.c" \
    "$BUILD/libdure_app.a" "$BUILD/libdure_store.a" "$BUILD/libdure_core.a" "$BUILD/libdure_util.a" \
    $(pkg-config --libs jansson sqlite3 libsodium libpq libzip expat libcrypto) -lpthread -lm \
    -o "$TMP/ledger_bench"

echo "ledger bench: $LEAVES leaves, $SAMPLES proof samples, data in $DIR ($(nproc) CPUs)"
"$TMP/ledger_bench" "$DIR" "$LEAVES" "$SAMPLES"
