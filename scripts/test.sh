#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every test against one build directory: unit tests and fuzz-corpus replays (ctest), then the
# CLI and API tests (pytest) against real `dure` processes on free loopback ports.
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PYTHON=/usr/bin/python3

echo "== unit tests and fuzz corpus replay ($BUILD)"
(cd "$BUILD" && ctest --output-on-failure -j 2)

echo "== CLI and API tests ($BUILD)"
DURE_BIN="$PWD/$BUILD/dure" "$PYTHON" -m pytest -q -p no:cacheprovider tests/api
