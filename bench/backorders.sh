#!/usr/bin/env bash
# The backorder queue's cost (bench/backorders.cpp) on SQLite and on a PostgreSQL server started
# for the run: allocating with 100 and with 10,000 lines waiting, and one batch arriving for
# 1,000 waiting lines.
#   bench/backorders.sh [BUILD_DIR] [extra backorders options]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-$root/build}
shift || true
work=$(mktemp -d /tmp/allocation-bench-XXXXXX)
chmod 755 "$work"  # the PostgreSQL server runs as another user
trap '"$root/tools/test-servers.sh" stop "$work/servers"; rm -rf "$work"' EXIT
"$root/tools/test-servers.sh" start "$work/servers"
# shellcheck source=/dev/null
source "$work/servers/env"
"$build_dir/bin/backorders" "$@" "sqlite:$work/backorders.db" "$ALLOCATION_TEST_PG"
