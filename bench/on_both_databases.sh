#!/usr/bin/env bash
# Runs bench program PROGRAM (bench/*.cpp, built in BUILD_DIR/bin) on a fresh SQLite file and
# on a PostgreSQL server started for the run on 127.0.0.1 (tools/test-servers.sh), which it
# stops after: PROGRAM's last two arguments are the two database URLs.
#   bench/on_both_databases.sh PROGRAM [BUILD_DIR] [PROGRAM's options]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
program=${1:?PROGRAM}
build_dir=${2:-$root/build}
shift 2 || shift $#
work=$(mktemp -d /tmp/allocation-bench-XXXXXX)
chmod 755 "$work"  # the PostgreSQL server runs as another user
trap '"$root/tools/test-servers.sh" stop "$work/servers"; rm -rf "$work"' EXIT
"$root/tools/test-servers.sh" start "$work/servers"
# shellcheck source=/dev/null
source "$work/servers/env"
"$build_dir/bin/$program" "$@" "sqlite:$work/$program.db" "$ALLOCATION_TEST_PG"
