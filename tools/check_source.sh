#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fails when a source file calls a banned libc function or includes a header from a layer above it.
# Arrows point down: cli, http -> app -> store, core -> util; gen -> core, util.
set -u
src=${1:?usage: check_source.sh SRC_DIR}
fail=0
banned='(^|[^_a-z0-9])(gets|sprintf|strcpy|strcat|strtok|atoi|atol|atof|sscanf|rand)[[:space:]]*\('
if grep -rnE "$banned" "$src" --include='*.c' --include='*.h' | grep -vE '(snprintf|vsnprintf)[[:space:]]*\(' | grep -E "$banned"; then
    echo "check_source: banned libc call above (see STYLE.md)" >&2
    fail=1
fi
check() { # layer, forbidden include prefixes...
    layer=$1; shift
    for up in "$@"; do
        if grep -rnE "#include \"$up/" "$src/$layer" 2>/dev/null; then
            echo "check_source: src/$layer must not include $up/ headers" >&2
            fail=1
        fi
    done
}
check util core store app http cli gen
check core store app http cli gen
check store app http cli gen
check app http cli gen
check gen store app http cli
check http cli gen
exit $fail
