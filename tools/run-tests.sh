#!/usr/bin/env bash
# Runs every test of the build in BUILD_DIR through ctest, with the servers the integration
# tests need started on 127.0.0.1 for the run and stopped after it, pass or fail. Further
# arguments go to ctest (e.g. -R NAME).
set -euo pipefail
build_dir=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)

servers=$(mktemp -d /tmp/allocation-servers-XXXXXX)
trap '"$root/tools/test-servers.sh" stop "$servers"; rm -rf "$servers"' EXIT
"$root/tools/test-servers.sh" start "$servers"
# shellcheck source=/dev/null
source "$servers/env"
export ALLOCATION_REQUIRE_SERVERS=1  # a missing server fails the tests instead of skipping them

ctest --test-dir "$build_dir" --output-on-failure -j2 --timeout 600 "${@:2}"
