#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The store and API tests against PostgreSQL: starts a throwaway PostgreSQL 15 cluster
# (scripts/pg.sh; no system service, a free loopback port), runs the store_pg unit tests and
# the whole CLI and API suite with its URL, and stops the cluster however the run ends.
#   scripts/test-pg.sh BUILD_DIR
# The API fixtures then give every test database of its own on the cluster (created and
# dropped by tests/api/conftest.py). The cluster lives in $DURE_PG_DIR (default
# /tmp/dure-pg-test); a cluster left there by a killed run is stopped and replaced first.
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:?usage: scripts/test-pg.sh BUILD_DIR}
case $BUILD in
/*) ;;
*) BUILD=$PWD/$BUILD ;;
esac
PYTHON=/usr/bin/python3
PG_DIR=${DURE_PG_DIR:-/tmp/dure-pg-test}

scripts/pg.sh stop "$PG_DIR"
trap 'scripts/pg.sh stop "$PG_DIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
URL=$(scripts/pg.sh start "$PG_DIR")
echo "== PostgreSQL test cluster at $URL"

echo "== store unit tests on PostgreSQL ($BUILD)"
(cd "$BUILD" && DURE_TEST_PG_URL="$URL" ctest --output-on-failure -j1 -R "store_pg|pool_store")

# The API fixtures choose their database from $DURE_TEST_DB_URL (SQLite when unset).
echo "== CLI and API tests on PostgreSQL ($BUILD)"
DURE_BIN="$BUILD/dure" DURE_TEST_DB_URL="$URL" DURE_TEST_PG_URL="$URL" \
    "$PYTHON" -m pytest -q -p no:cacheprovider tests/api
