#!/usr/bin/env bash
# `make bench`: the service under the workload of bench/workload (1000 SKUs x 3 batches), on
# SQLite and on PostgreSQL, beside PostgreSQL's own ceiling for the same work (pgbench), all in
# one run on this machine, and one table of the figures at the end.
#   bench/run.sh BUILD_DIR   (BENCH_SECONDS=10 per wrk run, BENCH_REPEAT=3 runs of each,
#                             BENCH_BACKENDS="sqlite postgresql")
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-$root/build-bench}
seconds=${BENCH_SECONDS:-10}
repeat=${BENCH_REPEAT:-3}
backends=${BENCH_BACKENDS:-sqlite postgresql}
workload=$root/bench/workload
binary=$build_dir/bin/allocation

work=$(mktemp -d /tmp/allocation-bench-XXXXXX)
chmod 755 "$work"  # the PostgreSQL server runs as another user
service_pid=
cleanup() {
  [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null || true
  "$root/tools/test-servers.sh" stop "$work/servers"
  rm -rf "$work"
}
trap cleanup EXIT
"$root/tools/test-servers.sh" start "$work/servers"
source "$work/servers/env"
pg_admin=$(echo "$ALLOCATION_TEST_PG" | sed "s|//allocation:allocation@|//postgres@|; s|/allocation$|/postgres|")  # superuser, same server

declare -A result  # "<backend> <metric>" -> figure
say() { printf '\n== %s\n' "$*" >&2; }

# wrk with one of the workload scripts, BENCH_REPEAT times; keeps the RESULT line's fields of
# the median run (by ok_rps) as "<prefix> <field>", with the CPU steal during it, and every
# run's ok_rps@steal as "<prefix> runs".
run_wrk() {
  local prefix=$1 connections=$2 script=$3
  shift 3
  say "$prefix: wrk -c$connections $script $* (${repeat}x)"
  local runs=() run out before after steal
  for ((run = 0; run < repeat; run++)); do
    before=$(head -1 /proc/stat)
    out=$(cd "$workload" && env "$@" wrk -t2 -c"$connections" -d"${seconds}s" --latency \
      --timeout 10s -s "$script" "http://127.0.0.1:$port")
    after=$(head -1 /proc/stat)
    # The share of the machine's time its hypervisor gave to other machines: on a shared host
    # it varies from 0 to 70% from one minute to the next, and the figures with it.
    steal=$(echo "$before $after" | awk '{ t = 0; for (i = 2; i <= 11; i++) t += $(i + 11) - $i;
      printf "%.0f", t ? ($20 - $9) / t * 100 : 0 }')
    runs+=("$(echo "$out" | grep '^RESULT' | cut -d' ' -f2-) steal=$steal")
    echo "$out" | grep -E "status codes" >&2
    echo "RESULT ${runs[-1]}" >&2
  done
  local median field
  median=$(printf '%s\n' "${runs[@]}" | sed 's/.*ok_rps=\([0-9.]*\).*/\1 &/' | sort -n |
    sed -n "$(((repeat + 1) / 2))p" | cut -d' ' -f2-)
  for field in $median; do
    result["$prefix ${field%%=*}"]=${field#*=}
  done
  result["$prefix runs"]=$(printf '%s\n' "${runs[@]}" |
    sed 's/.*ok_rps=\([0-9.]*\).* steal=\([0-9]*\)/\1@\2%/' | tr '\n' ' ' | sed 's/ $//')
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

for backend in $backends; do
  if [[ $backend == sqlite ]]; then
    db_url=sqlite:$work/bench.db
  else
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench OWNER allocation"
    db_url=${ALLOCATION_TEST_PG%/*}/bench
  fi
  port=$(free_port)
  say "$backend: starting the service"
  read -r service_pid start_ms < <("$root/bench/first_answer.py" \
    "http://127.0.0.1:$port/health" "$work/$backend.log" -- \
    "$binary" --log-level warn serve --port "$port" --db "$db_url")
  result["$backend start_ms"]=$start_ms

  say "$backend: seeding 1000 SKUs x 3 batches and 10000 orders"
  python3 "$workload/seed.py" --base-url "http://127.0.0.1:$port" --skus 1000 --orders 10000 >&2

  run_wrk "$backend read16" 16 read.lua ORDERS=10000
  run_wrk "$backend alloc16" 16 allocate.lua SKUS=1000
  run_wrk "$backend alloc64" 64 allocate.lua SKUS=1000
  run_wrk "$backend hot16" 16 hot.lua
  run_wrk "$backend hot64" 64 hot.lua HOT_SKU=SKU-000042

  say "$backend: latency against the history of one SKU"
  history=$(python3 "$workload/history.py" --base-url "http://127.0.0.1:$port" \
    --checkpoints 100,20000 --samples 200 --budget-min 10)
  echo "$history" >&2
  result["$backend history100"]=$(echo "$history" | awk '$1 == 100 {print $2}')
  result["$backend history20000"]=$(echo "$history" | awk '$1 == 20000 {print $2}')

  result["$backend rss_mib"]=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$service_pid/status")
  kill "$service_pid"
  while kill -0 "$service_pid" 2>/dev/null; do sleep 0.1; done
  service_pid=
done

if [[ $backends == *postgresql* ]]; then
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS pgbench_ceiling" \
    -c "CREATE DATABASE pgbench_ceiling OWNER allocation"
  ceiling_url=${ALLOCATION_TEST_PG%/*}/pgbench_ceiling
  psql -q -v skus=1000 -f "$workload/pg_setup.sql" "$ceiling_url" >/dev/null
  for connections in 16 64; do
    say "PostgreSQL ceiling: pgbench -c$connections"
    out=$(pgbench -n -f "$workload/pg_allocate.sql" -D skus=1000 -c "$connections" -j 2 \
      -T "$seconds" --max-tries=10 "$ceiling_url" 2>&1)
    echo "$out" | grep -E "^tps|failed" >&2
    result["pgbench$connections tps"]=$(echo "$out" | awk '/^tps/ {printf "%.0f", $3}')
  done
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
get() { echo "${result[$1]:-}"; }
row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4"; }

echo
echo "allocation benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, ${seconds} s per wrk run, wrk -t2"
echo
row "measure" "SQLite" "PostgreSQL" "target"
row "---" "---" "---" "---"
row "allocate, 16 connections: ok requests/s" "$(get 'sqlite alloc16 ok_rps')" "$(get 'postgresql alloc16 ok_rps')" "SQLite >= 8000"
row "allocate, 16 connections: p99 ms" "$(get 'sqlite alloc16 p99_ms')" "$(get 'postgresql alloc16 p99_ms')" "SQLite <= 10"
row "allocate, 16 connections: CPU steal %" "$(get 'sqlite alloc16 steal')" "$(get 'postgresql alloc16 steal')" ""
row "allocate, 16 connections: every run, ok requests/s@steal" "$(get 'sqlite alloc16 runs')" "$(get 'postgresql alloc16 runs')" ""
row "allocate, 64 connections: ok requests/s" "$(get 'sqlite alloc64 ok_rps')" "$(get 'postgresql alloc64 ok_rps')" ""
row "allocate, 64 connections: p99 ms" "$(get 'sqlite alloc64 p99_ms')" "$(get 'postgresql alloc64 p99_ms')" ""
row "pgbench ceiling, 16 / 64 clients: tps" "" "$(get 'pgbench16 tps') / $(get 'pgbench64 tps')" ""
row "allocate / ceiling, 16 / 64" "" "$(ratio "$(get 'postgresql alloc16 ok_rps')" "$(get 'pgbench16 tps')") / $(ratio "$(get 'postgresql alloc64 ok_rps')" "$(get 'pgbench64 tps')")" ">= 0.80"
row "read, 16 connections: requests/s" "$(get 'sqlite read16 ok_rps')" "$(get 'postgresql read16 ok_rps')" ">= 20000"
for c in 16 64; do
  row "hot SKU, $c connections: ok requests/s (non-2xx)" \
    "$(get "sqlite hot$c ok_rps") ($(get "sqlite hot$c non2xx"))" \
    "$(get "postgresql hot$c ok_rps") ($(get "postgresql hot$c non2xx"))" "0 failed"
  row "hot SKU / spread, $c connections" \
    "$(ratio "$(get "sqlite hot$c ok_rps")" "$(get "sqlite alloc$c ok_rps")")" \
    "$(ratio "$(get "postgresql hot$c ok_rps")" "$(get "postgresql alloc$c ok_rps")")" ">= 0.50"
done
row "history: median ms after 100 / 20000" \
  "$(get 'sqlite history100') / $(get 'sqlite history20000')" \
  "$(get 'postgresql history100') / $(get 'postgresql history20000')" ""
row "history: ratio 20000 / 100" \
  "$(ratio "$(get 'sqlite history20000')" "$(get 'sqlite history100')")" \
  "$(ratio "$(get 'postgresql history20000')" "$(get 'postgresql history100')")" "<= 1.5"
row "peak resident memory, MiB" "$(get 'sqlite rss_mib')" "$(get 'postgresql rss_mib')" "<= 64"
row "start to first answer, ms" "$(get 'sqlite start_ms')" "$(get 'postgresql start_ms')" "<= 200"
