#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The API's hot read against its peer, in one run: GET /api/v1/firms/{brn} from `dure serve`
# (2 worker threads, access log off) on a fresh full-scale database, and nginx (2 workers,
# access log off) serving the very same response bytes from a file. Both on loopback, both
# loaded by `wrk -t2 -c64 -d10s --latency`. Prints requests/s, p99 latency and the ratio.
# Targets: dure/nginx requests/s >= 0.5, dure p99 < 5 ms.
#
#   bench/http_firm.sh [path/to/dure]        (default build/dure; builds and installs nothing)
#   DURATION=10s CONNECTIONS=64 THREADS=2 override the load; SERVER_THREADS=2 the dure workers.
set -eu

DURE=${1:-build/dure}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
export SERVER_THREADS="${SERVER_THREADS:-2}"

case $DURE in /*) ;; *) DURE=$PWD/$DURE ;; esac
[ -x "$DURE" ] || { echo "http_firm: $DURE is not an executable (build first: make build)" >&2; exit 1; }
missing=""
for tool in wrk nginx curl; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing="$missing $tool"
done
if [ -n "$missing" ]; then
    echo "http_firm: missing:$missing; install with: apt-get install wrk nginx-light curl" >&2
    exit 1
fi
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dure-bench-http.XXXXXX")
DURE_PID=""
NGINX_PID=""
cleanup() {
    [ -n "$DURE_PID" ] && kill -TERM "$DURE_PID" 2>/dev/null && wait "$DURE_PID" 2>/dev/null || true
    [ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback port: bind port 0 and read back what the kernel chose.
free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        # No python: probe ports until ss shows one unused.
        p=$((20000 + $$ % 20000))
        while ss -Hltn "sport = :$p" | grep -q .; do p=$((p + 1)); done
        echo "$p"
    fi
}

echo "generating and importing the full-scale cluster (dure gen --seed 1) ..."
"$DURE" gen --seed 1 --out "$TMP/gen" >/dev/null
DB=$TMP/dure.db
"$DURE" init --db "$DB" >/dev/null
for kind in buildings firms members; do
    "$DURE" import "$kind" "$TMP/gen/$kind.csv" --db "$DB" --quiet
done

# dure serve on a port of its choosing; it prints listening=HOST:PORT on stderr.
QUIET=""
"$DURE" serve --help 2>&1 | grep -q -- '--quiet' && QUIET=--quiet
"$DURE" serve --db "$DB" --listen 127.0.0.1:0 --threads "$SERVER_THREADS" $QUIET 2>"$TMP/dure.log" &
DURE_PID=$!
DURE_ADDR=""
i=0
while [ -z "$DURE_ADDR" ] && [ "$i" -lt 100 ]; do
    DURE_ADDR=$(sed -n 's/.*listening=\([0-9.]*:[0-9]*\).*/\1/p' "$TMP/dure.log" | head -n 1)
    [ -n "$DURE_ADDR" ] || { kill -0 "$DURE_PID" 2>/dev/null || break; sleep 0.1; }
    i=$((i + 1))
done
[ -n "$DURE_ADDR" ] || { echo "http_firm: dure serve did not start:" >&2; cat "$TMP/dure.log" >&2; exit 1; }

# A firm in the middle of the register, and the exact bytes dure answers for it.
BRN=$(sed -n '5001p' "$TMP/gen/firms.csv" | grep -o '[0-9]\{3\}-[0-9]\{2\}-[0-9]\{5\}' | head -n 1 | tr -d -)
[ -n "$BRN" ] || { echo "http_firm: no BRN found in firms.csv" >&2; exit 1; }
FIRM_PATH=/api/v1/firms/$BRN
mkdir -p "$TMP/www" "$TMP/nginx"
curl -fsS -o "$TMP/www/firm.json" "http://$DURE_ADDR$FIRM_PATH"
chmod 755 "$TMP" "$TMP/www"
chmod 644 "$TMP/www/firm.json"

# nginx serving that file at the same path.
NGINX_PORT=$(free_port)
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    types { }
    default_type application/json;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location = $FIRM_PATH { alias $TMP/www/firm.json; }
    }
}
EOF
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" &
NGINX_PID=$!
i=0
until curl -fsS -o "$TMP/nginx.json" "http://127.0.0.1:$NGINX_PORT$FIRM_PATH" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -ge 100 ] || ! kill -0 "$NGINX_PID" 2>/dev/null; then
        echo "http_firm: nginx did not start:" >&2
        cat "$TMP/nginx/error.log" >&2 2>/dev/null || true
        exit 1
    fi
    sleep 0.1
done
cmp -s "$TMP/www/firm.json" "$TMP/nginx.json" || { echo "http_firm: nginx serves other bytes" >&2; exit 1; }
echo "GET $FIRM_PATH: $(wc -c <"$TMP/www/firm.json") bytes from dure ($DURE_ADDR) and nginx (127.0.0.1:$NGINX_PORT)"

# wrk's "Requests/sec:" and the 99% line of --latency, in requests/s and ms.
load() {
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$1" >"$2"
}
rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
p99_ms() {
    awk '$1 == "99%" {
        v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
        if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000
        printf "%.3f", v
    }' "$1"
}
errors() { awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }' "$1"; }

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, dure first, then nginx ..."
load "http://$DURE_ADDR$FIRM_PATH" "$TMP/wrk-dure.txt"
load "http://127.0.0.1:$NGINX_PORT$FIRM_PATH" "$TMP/wrk-nginx.txt"

DR=$(rps "$TMP/wrk-dure.txt"); DP=$(p99_ms "$TMP/wrk-dure.txt")
NR=$(rps "$TMP/wrk-nginx.txt"); NP=$(p99_ms "$TMP/wrk-nginx.txt")
[ -n "$DR" ] && [ -n "$NR" ] || { echo "http_firm: could not read wrk's output" >&2; cat "$TMP"/wrk-*.txt >&2; exit 1; }
DE=$(errors "$TMP/wrk-dure.txt"); NE=$(errors "$TMP/wrk-nginx.txt")
[ -z "$DE" ] || echo "  dure:  $DE"
[ -z "$NE" ] || echo "  nginx: $NE"
awk -v dr="$DR" -v dp="$DP" -v nr="$NR" -v np="$NP" 'BEGIN {
    printf "\n  %-26s %12s %10s\n", "", "requests/s", "p99 ms"
    printf "  %-26s %12.0f %10.3f\n", "dure serve --threads " ENVIRON["SERVER_THREADS"], dr, dp
    printf "  %-26s %12.0f %10.3f\n", "nginx, 2 workers (peer)", nr, np
    printf "  ratio dure/nginx %.2f (target >= 0.5: %s); dure p99 %.3f ms (target < 5 ms: %s)\n",
        dr / nr, ((dr / nr >= 0.5) ? "met" : "NOT MET"), dp, ((dp < 5) ? "met" : "NOT MET")
}'
