#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs what dure needs on Debian 12, only what is missing. Safe to run again.
set -eu
cd "$(dirname "$0")/.."

# Build and test dependencies (see docs/dependencies.md for why each was chosen).
PKGS="build-essential cmake pkg-config git ca-certificates
libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3 libsodium-dev
libcmocka-dev python3 python3-pytest python3-nacl clang libclang-rt-14-dev
libpq-dev postgresql-15 libzip-dev libexpat1-dev libcurl4-openssl-dev libssl-dev
libjemalloc-dev"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    echo "setup: installing$missing"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

if [ -f package-lock.json ] && [ ! -d node_modules ]; then
    if ! command -v npm >/dev/null 2>&1; then
        SUDO=""
        if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
    fi
    npm ci --no-audit --no-fund
fi
