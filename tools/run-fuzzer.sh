#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time over its corpus (fuzz/corpus/NAME, read only:
# new inputs go to a temporary folder), failing on any crash, leak, hang or broken check. A
# failing input is kept in /tmp/allocation-fuzz-NAME-artifacts.
#   tools/run-fuzzer.sh FUZZ_BIN_DIR NAME SECONDS
# NAME is one of fuzz/targets.cmake: http_body, broker_message, reservation, order_release,
# product_policy, warehouse_priority, page_query, batch_csv, idempotency_key, redis_reply,
# amqp_properties.
set -uo pipefail
bin_dir=${1:?folder of the fuzzer binaries}
name=${2:?a fuzz target of fuzz/targets.cmake, e.g. http_body}
seconds=${3:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
found=$(mktemp -d /tmp/allocation-fuzz-XXXXXX)
artifacts=/tmp/allocation-fuzz-$name-artifacts
mkdir -p "$artifacts"
trap 'rm -rf "$found"' EXIT
"$bin_dir/${name}_fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$artifacts/" \
  "$found" "$root/fuzz/corpus/$name" >"$found.log" 2>&1
status=$?
grep -E "^(INFO: seed corpus|Done)|^stat::(number_of_executed_units|new_units_added)" "$found.log"
if ((status != 0)); then
  tail -n 40 "$found.log"
  echo "fuzzer $name failed (exit $status); the input is in $artifacts" >&2
fi
rm -f "$found.log"
rmdir "$artifacts" 2>/dev/null  # kept only with an input in it
exit "$status"
