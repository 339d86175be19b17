#!/usr/bin/env bash
# Allocation latency after 100 and after 20,000 prior allocations of one SKU, on SQLite and on
# a PostgreSQL server started for the run (issue: allocate cost independent of history).
#   bench/history.sh [BUILD_DIR] [extra allocate_history options]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-$root/build}
shift || true
work=$(mktemp -d /tmp/allocation-bench-XXXXXX)
chmod 755 "$work"  # the PostgreSQL server runs as another user
trap '"$root/tools/test-servers.sh" stop "$work/servers"; rm -rf "$work"' EXIT
"$root/tools/test-servers.sh" start "$work/servers"
source "$work/servers/env"
"$build_dir/bin/allocate_history" "$@" "sqlite:$work/history.db" "$ALLOCATION_TEST_PG"
