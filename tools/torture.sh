#!/usr/bin/env bash
# The randomized fault run (tests/fault_run) for a long time: SECONDS on SQLite, then SECONDS on
# PostgreSQL, with the test servers started on 127.0.0.1 for it and stopped after. Exits 1 when
# either run finds a violation; each prints its seed, which draws the same commands and faults
# again.
#   tools/torture.sh BUILD_DIR SECONDS [SEED]
set -euo pipefail
build_dir=${1:-build}
seconds=${2:-600}
seed=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)

servers=$(mktemp -d /tmp/allocation-servers-XXXXXX)
trap '"$root/tools/test-servers.sh" stop "$servers"; rm -rf "$servers"' EXIT
"$root/tools/test-servers.sh" start "$servers" postgres
# shellcheck source=/dev/null
source "$servers/env"

args=(--seconds "$seconds")
[[ -n $seed ]] && args+=(--seed "$seed")
status=0
for backend in sqlite postgresql; do
  "$build_dir/bin/fault_run" --backend "$backend" "${args[@]}" || status=1
done
exit "$status"
