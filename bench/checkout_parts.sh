#!/usr/bin/env bash
# What each kind of request of a checkout costs on PostgreSQL, beside a plain allocation (issue
# 19 item 4: checkouts/s >= 0.5 x allocations/s asks a hold request to cost no more than an
# allocation). For each round, on a fresh copy of one seeded database, one service runs: alloc16
# for SECONDS, then only the checkouts' holds for SECONDS (16 connections), then only their
# allocations, each naming its hold, for SECONDS/2, then holds16 (both, interleaved) for SECONDS.
# Prints per run the requests/s and the CPU per request of PostgreSQL's backends and of the
# service, read from /proc: the machine's speed drifts from minute to minute, the parts of one
# round are compared with each other.
#
#   bench/checkout_parts.sh BINARY [ROUNDS]      BENCH_SECONDS=6
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=$(realpath "${1:?BINARY}")
rounds=${2:-3}
seconds=${BENCH_SECONDS:-6}
work=$(mktemp -d /tmp/allocation-parts-XXXXXX)
service_pid=
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
trap '[[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null; bench_servers_stop >/dev/null 2>&1; rm -rf "$work"' EXIT
bench_servers_start >/dev/null

# CPU ticks (utime + stime) of the backends serving the `allocation` role, and of the service.
backends_ticks() {
  local total=0 pid
  for pid in $(pgrep -f "postgres: allocation " || true); do
    total=$((total + $( (awk '{print $14 + $15}' "/proc/$pid/stat") 2>/dev/null || echo 0)))
  done
  echo "$total"
}
service_ticks() { awk '{print $14 + $15}' "/proc/$service_pid/stat"; }

# One wrk run: NAME SECONDS SCRIPT [VAR=value...]; prints its line.
part() {
  local name=$1 secs=$2 script=$3 b0 s0 b1 s1 out requests ticks_us
  shift 3
  b0=$(backends_ticks) s0=$(service_ticks)
  out=$(cd "$bench_workload" && env "$@" wrk -t2 -c16 -d"${secs}s" -s "$script" "http://127.0.0.1:$port")
  b1=$(backends_ticks) s1=$(service_ticks)
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  ticks_us=$((1000000 / $(getconf CLK_TCK)))
  printf '%-12s %8s requests/s  PostgreSQL %5d us/request  service %4d us/request  %s\n' "$name" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" $(((b1 - b0) * ticks_us / requests)) \
    $(((s1 - s0) * ticks_us / requests)) "$(echo "$out" | grep -o 'Non-2xx[^,]*' || true)"
}

url=$(bench_pg_database seeded)
bench_start "$binary" "$url" "$work/seed.log"
bench_seed
bench_stop
echo "bench/checkout_parts.sh $binary, $(date -u +%Y-%m-%d), $(nproc) cores, ${seconds} s a run"
for ((round = 1; round <= rounds; round++)); do
  before=$(head -1 /proc/stat)
  url=$(bench_pg_database run seeded)
  bench_start "$binary" "$url" "$work/run.log"
  tag=r$round-$RANDOM
  echo "== round $round"
  part alloc16 "$seconds" allocate.lua SKUS=1000 RUN_TAG="$tag"
  part holds-only "$seconds" checkout_part.lua PART=hold RUN_TAG="$tag"
  part uses-only $((seconds / 2)) checkout_part.lua PART=use RUN_TAG="$tag"
  part holds16 "$seconds" holds.lua SKUS=1000 RUN_TAG="$tag-m"
  bench_stop
  echo "steal $(bench_steal "$before" "$(head -1 /proc/stat)")%"
done
