#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Microbenchmark of the ledger's Merkle math (src/core/tlog.c) against this machine's SHA-256:
# appends, proofs on a 10-million-leaf tree (about 700 MB of node hashes in memory), and root
# recomputation. Not a test; prints figures. Usage: bench/tlog_bench.sh [LEAVES [SAMPLES]]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${TMPDIR:-/tmp}/dure_tlog_bench.$$
trap 'rm -f "$out"' EXIT
${CC:-cc} -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$root/src" "$root/bench/tlog_bench.c" "$root/src/core/tlog.c" "$root/src/util/err.c" $(pkg-config --cflags --libs libsodium) -o "$out"
"$out" "$@"
