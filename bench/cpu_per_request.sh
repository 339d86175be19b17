#!/usr/bin/env bash
# What a request costs the service's process, binaries side by side: for each round and each
# BINARY in turn, a fresh copy of one seeded SQLite database (1000 SKUs x 3 batches, 10000
# orders, seeded by the first BINARY), one wrk LOAD (a name of bench/lib.sh), and, during it,
# `perf stat` of the whole process. Prints per run: requests/s, CPU, user and system time per
# request (us), context switches and system calls per request, and the CPU steal. How the
# ledger's index was found to be most of what the ledger cost SQLite (docs/performance.md).
#
#   bench/cpu_per_request.sh LOAD ROUNDS BINARY...
#   BENCH_SECONDS=6   seconds per wrk run (perf counts all but the last)
# Needs perf (Debian package linux-perf) and the permission to attach to the process.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
load=${1:?LOAD}
rounds=${2:?ROUNDS}
shift 2
(($# > 0)) || { echo "usage: $0 LOAD ROUNDS BINARY..." >&2; exit 2; }
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
seconds=${BENCH_SECONDS:-6}
work=$(mktemp -d /tmp/allocation-cpu-XXXXXX)
service_pid=
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
trap '[[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null; rm -rf "$work"' EXIT
bench_load_spec "$load" >/dev/null

mkdir -p "$work/seeded"
bench_start "$1" "sqlite:$work/seeded/bench.db" "$work/seed.log"
bench_seed
bench_stop

# Per request, from the counter's total: "<perf stat line's counter> <requests>".
per_request() { awk -F, -v event="$1" -v n="$2" '$3 == event {printf "%.2f", $1 / n}' "$work/stat"; }

for ((round = 1; round <= rounds; round++)); do
  for binary in "$@"; do
    rm -rf "$work/run" && cp -r "$work/seeded" "$work/run"
    bench_start "$binary" "sqlite:$work/run/bench.db" "$work/run.log"
    perf stat -e task-clock,context-switches,raw_syscalls:sys_enter -x, \
      -o "$work/stat" -p "$service_pid" -- sleep $((seconds - 1)) &
    perf_pid=$!
    # The process's user and system time (clock ticks, /proc/<pid>/stat fields 14 and 15).
    read -r user_before system_before < <(awk '{print $14, $15}' "/proc/$service_pid/stat")
    out=$(bench_wrk "$load")
    read -r user_after system_after < <(awk '{print $14, $15}' "/proc/$service_pid/stat")
    wait "$perf_pid"
    bench_stop
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    requests=$(awk -v r="$rps" -v s=$((seconds - 1)) 'BEGIN {printf "%d", r * s}')
    all=$(echo "$out" | awk '/requests in/ {print $1}')  # during the whole wrk run
    tick_us=$((1000000 / $(getconf CLK_TCK)))
    printf '%s round %d %s: %s requests/s, CPU %s us, user %s us, system %s us, %s context switches, %s system calls per request, %s\n' \
      "$load" "$round" "$binary" "$rps" \
      "$(awk -v n="$requests" -F, '$3 == "task-clock" {printf "%.1f", $1 * 1000 / n}' "$work/stat")" \
      "$(awk -v t=$((user_after - user_before)) -v u=$tick_us -v n="$all" 'BEGIN {printf "%.1f", t * u / n}')" \
      "$(awk -v t=$((system_after - system_before)) -v u=$tick_us -v n="$all" 'BEGIN {printf "%.1f", t * u / n}')" \
      "$(per_request context-switches "$requests")" "$(per_request raw_syscalls:sys_enter "$requests")" \
      "$(echo "$out" | grep -o 'steal=[0-9]*')"
  done
done
