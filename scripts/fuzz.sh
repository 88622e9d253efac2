#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer target (fuzz_*, not the *_replay drivers) found in BUILD_DIR for SECONDS
# each, on a scratch copy of tests/fuzz/corpus/<target> under /tmp; the stored corpus is never
# changed. Crashing inputs are kept in BUILD_DIR/fuzz-artifacts/<target>/. Exits 1 on a crash.
# Usage: scripts/fuzz.sh BUILD_DIR [SECONDS]
set -eu
build=${1:?usage: scripts/fuzz.sh BUILD_DIR [SECONDS]}
secs=${2:-60}
case $secs in
'' | *[!0-9]*)
    echo "fuzz.sh: SECONDS must be a whole number, not '$secs'" >&2
    exit 2
    ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d /tmp/dure-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT INT TERM

found=0
failed=""
for bin in "$build"/fuzz_*; do
    if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then continue; fi
    name=$(basename "$bin")
    case $name in *_replay) continue ;; esac
    found=$((found + 1))

    work="$scratch/$name"
    mkdir -p "$work"
    corpus="$root/tests/fuzz/corpus/$name"
    if [ -d "$corpus" ]; then
        cp -R "$corpus"/. "$work"/
    else
        echo "fuzz.sh: warning: no stored corpus $corpus; starting empty" >&2
    fi
    artifacts="$build/fuzz-artifacts/$name"
    mkdir -p "$artifacts"

    echo "fuzz.sh: $name for ${secs}s"
    if ! "$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$work"; then
        echo "fuzz.sh: $name failed; the input is in $artifacts/" >&2
        failed="$failed $name"
    fi
done

if [ "$found" -eq 0 ]; then
    echo "fuzz.sh: no fuzz_* targets in $build (configure with CC=clang -DDURE_FUZZ=ON)" >&2
    exit 1
fi
if [ -n "$failed" ]; then
    echo "fuzz.sh: crashes in:$failed" >&2
    exit 1
fi
echo "fuzz.sh: $found target(s) ran ${secs}s each without a crash"
