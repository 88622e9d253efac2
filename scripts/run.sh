#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make run: create var/dure.db from a synthetic G-Valley when it is absent, print the URL and
# an admin token, and serve on 127.0.0.1:8080 (DURE_LISTEN and DURE_DB override).
set -eu
cd "$(dirname "$0")/.."
DURE=${1:-build/dure}
DB=${DURE_DB:-var/dure.db}
LISTEN=${DURE_LISTEN:-127.0.0.1:8080}
TOKEN_FILE=var/admin.token

mkdir -p var
if [ ! -e "$DB" ]; then
    echo "dure: no database at $DB; creating one from a synthetic G-Valley (dure gen --seed 1)"
    # The whole register, and a slice of the members' invoices (DURE_INVOICES_SCALE=1 loads
    # the full synthetic year, about 2.3 million rows) so that the first start is quick.
    "$DURE" gen --seed 1 --out var/gen --invoices-scale "${DURE_INVOICES_SCALE:-0.05}"
    "$DURE" init --db "$DB"
    "$DURE" import buildings var/gen/buildings.csv --db "$DB"
    "$DURE" import firms var/gen/firms.csv --db "$DB"
    "$DURE" import members var/gen/members.csv --db "$DB"
    "$DURE" import kpis var/gen/kpis.csv --db "$DB" --quiet
    echo "dure: importing the members' e-tax invoices ($(ls var/gen/invoices | wc -l) files)"
    "$DURE" import invoices var/gen/invoices/*.csv --db "$DB" --quiet
    rm -f "$TOKEN_FILE"
fi
if [ ! -s "$TOKEN_FILE" ]; then
    (umask 077 && "$DURE" token create --role admin --label "make run" --db "$DB" > "$TOKEN_FILE")
fi

echo
echo "  dure is starting on http://$LISTEN/"
echo "  admin token (kept in $TOKEN_FILE): $(cat "$TOKEN_FILE")"
echo "  try: curl -H \"Authorization: Bearer \$(cat $TOKEN_FILE)\" http://$LISTEN/api/v1/me"
echo "  stop with Ctrl-C"
echo
exec "$DURE" serve --db "$DB" --listen "$LISTEN"
