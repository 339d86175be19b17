#!/usr/bin/env bash
# `make bench`: the service under the workload of bench/workload (1000 SKUs x 3 batches, and 1000
# SKUs x 20 batches in 5 ranked warehouses with expiry dates), on
# SQLite and on PostgreSQL, beside PostgreSQL's own ceiling for the same work (pgbench), all in
# one run on this machine, and one table of the figures at the end.
#   bench/run.sh BUILD_DIR   (BENCH_SECONDS=10 per wrk run, BENCH_REPEAT=3 runs of each,
#                             BENCH_BACKENDS="sqlite postgresql", BENCH_HISTORY=0 to skip
#                             the history rows, about 2 minutes a database)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-$root/build-bench}
seconds=${BENCH_SECONDS:-10}
repeat=${BENCH_REPEAT:-3}
history=${BENCH_HISTORY:-1}
backends=${BENCH_BACKENDS:-sqlite postgresql}
workload=$root/bench/workload
binary=$build_dir/bin/allocation

work=$(mktemp -d /tmp/allocation-bench-XXXXXX)
service_pid=
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
cleanup() {
  bench_stop_all
  rm -rf "$work"
}
trap cleanup EXIT
bench_servers_start

declare -A result  # "<backend> <metric>" -> figure
say() { printf '\n== %s\n' "$*" >&2; }

# wrk with one of the loads of bench_load_spec, BENCH_REPEAT times; keeps the RESULT line's
# fields of the median run (by ok_rps) as "<backend> <load> <field>", with the CPU steal during
# it, and every run's ok_rps@steal as "<backend> <load> runs".
run_wrk() {
  local prefix="$1 $2" load=$2
  say "$prefix: wrk $(bench_load_spec "$load") (${repeat}x)"
  local runs=() run out
  for ((run = 0; run < repeat; run++)); do
    out=$(bench_wrk "$load")
    runs+=("$(echo "$out" | grep '^RESULT' | cut -d' ' -f2-)")
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

# Runs bench program PROGRAM (bench/PROGRAM.cpp) on a database of its own on BACKEND: prints its
# output on stderr and its last line (the figures) on stdout.
bench_program() {
  local backend=$1 program=$2 url out
  if [[ $backend == sqlite ]]; then
    url=sqlite:$work/$program.db
  else
    url=$(bench_pg_database "$program")
  fi
  out=$("$build_dir/bin/$program" "$url")
  echo "$out" >&2
  echo "$out" | tail -1
}

# alloc16 on BACKEND's database DB_URL, BENCH_REPEAT times with the service logging each
# request and stock change at info (--log-format json, to a file) and as many times with warnings
# only, alternately, each run on a service started for it: keeps the medians of ok_rps as
# "<backend> logs_on" and "<backend> logs_off", and the log's lines per second.
bench_log_on_and_off() {
  local backend=$1 db_url=$2 run side out rps on=() off=() lines=0
  for ((run = 0; run < repeat; run++)); do
    for side in on off; do
      if [[ $side == on ]]; then
        bench_log_options=(--log-level info --log-format json)
      else
        bench_log_options=(--log-level warn)
      fi
      bench_start "$binary" "$db_url" "$work/$backend-log-$side.log"
      out=$(bench_wrk alloc16)
      bench_stop
      rps=$(echo "$out" | sed -n 's/^RESULT.* ok_rps=\([0-9.]*\).*/\1/p')
      echo "log $side: $(echo "$out" | grep '^RESULT')" >&2
      if [[ $side == on ]]; then
        on+=("$rps")
        lines=$(wc -l <"$work/$backend-log-$side.log")
      else
        off+=("$rps")
      fi
    done
  done
  bench_log_options=(--log-level warn)
  result["$backend logs_on"]=$(printf '%s\n' "${on[@]}" | sort -n | sed -n "$(((repeat + 1) / 2))p")
  result["$backend logs_off"]=$(printf '%s\n' "${off[@]}" | sort -n | sed -n "$(((repeat + 1) / 2))p")
  result["$backend log_lines_per_s"]=$(awk -v l="$lines" -v s="$seconds" 'BEGIN { printf "%.0f", l / s }')
}

for backend in $backends; do
  if [[ $backend == sqlite ]]; then
    db_url=sqlite:$work/bench.db
  else
    db_url=$(bench_pg_database bench)
  fi
  say "$backend: starting the service"
  bench_start "$binary" "$db_url" "$work/$backend.log"
  result["$backend start_ms"]=$start_ms

  say "$backend: seeding 1000 SKUs x 3 batches and 10000 orders"
  bench_seed
  say "$backend: seeding 1000 SKUs x 20 batches in 5 warehouses, with expiry dates"
  bench_seed_warehouses

  for load in read16 alloc16 fefo16 alloc64 hot16 hot64 cancel16 holds16; do
    run_wrk "$backend" "$load"
  done
  say "$backend: backorders on for every SKU"
  bench_backorders_on
  run_wrk "$backend" backorders16

  if ((history)); then
    say "$backend: latency against the history of one SKU"
    read -r history100 history20000 _ < <(bench_history 200 10)
    result["$backend history100"]=$history100
    result["$backend history20000"]=$history20000
  fi

  result["$backend rss_mib"]=$(bench_rss_mib)
  bench_stop

  say "$backend: allocate with the info log (JSON lines to a file) and without, alternately"
  bench_log_on_and_off "$backend" "$db_url"

  say "$backend: the backorder queue's cost (bench/backorders.cpp)"
  # database, alloc@100 us, alloc@10000 us, ratio, refill 1000 ms, filled
  figures=$(bench_program "$backend" backorders)
  read -r _ few many _ refill filled <<<"$figures"
  result["$backend queue100"]=$few
  result["$backend queue10000"]=$many
  result["$backend refill_ms"]=$refill
  result["$backend refill_filled"]=$filled

  say "$backend: the holds' cost (bench/holds.cpp)"
  # database, alloc@100 us, alloc@100000 us, ratio, sweep 10000 ms, ended
  figures=$(bench_program "$backend" holds)
  read -r _ few many _ sweep ended <<<"$figures"
  result["$backend holds100"]=$few
  result["$backend holds100000"]=$many
  result["$backend sweep_ms"]=$sweep
  result["$backend sweep_ended"]=$ended

  say "$backend: allocation import of 100,000 batches, then export of them (bench/import_export.py)"
  if [[ $backend == sqlite ]]; then
    url=sqlite:$work/import.db
  else
    url=$(bench_pg_database import)
  fi
  read -r import_rps export_rps export_mib _ < <("$root/bench/import_export.py" "$binary" "$url" 100000)
  result["$backend import_rps"]=$import_rps
  result["$backend export_rps"]=$export_rps
  result["$backend export_mib"]=$export_mib
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

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
get() { echo "${result[$1]:-}"; }
half() { awk -v a="$1" 'BEGIN { if (a == "" || a == "-") print "-"; else printf "%.0f", a / 2 }'; }
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
row "allocate, 20 batches in 5 ranked warehouses with expiry dates, 16 connections: ok requests/s" \
  "$(get 'sqlite fefo16 ok_rps')" "$(get 'postgresql fefo16 ok_rps')" ""
row "allocate, 20 batches / 3 batches, 16 connections" \
  "$(ratio "$(get 'sqlite fefo16 ok_rps')" "$(get 'sqlite alloc16 ok_rps')")" \
  "$(ratio "$(get 'postgresql fefo16 ok_rps')" "$(get 'postgresql alloc16 ok_rps')")" ">= 0.80"
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
row "allocate and cancel, 16 connections: pairs/s" \
  "$(half "$(get 'sqlite cancel16 ok_rps')")" "$(half "$(get 'postgresql cancel16 ok_rps')")" ""
row "checkouts with holds (reserve, then allocate with it), 16 connections: pairs/s" \
  "$(half "$(get 'sqlite holds16 ok_rps')")" "$(half "$(get 'postgresql holds16 ok_rps')")" ""
row "checkouts with holds / allocate, 16 connections" \
  "$(ratio "$(half "$(get 'sqlite holds16 ok_rps')")" "$(get 'sqlite alloc16 ok_rps')")" \
  "$(ratio "$(half "$(get 'postgresql holds16 ok_rps')")" "$(get 'postgresql alloc16 ok_rps')")" ">= 0.50"
row "allocate with 100 / 100,000 live holds: median us" \
  "$(get 'sqlite holds100') / $(get 'sqlite holds100000')" \
  "$(get 'postgresql holds100') / $(get 'postgresql holds100000')" ""
row "allocate, ratio 100,000 / 100 holds" \
  "$(ratio "$(get 'sqlite holds100000')" "$(get 'sqlite holds100')")" \
  "$(ratio "$(get 'postgresql holds100000')" "$(get 'postgresql holds100')")" "<= 1.5"
row "sweep of 10,000 expired holds (100 SKUs): ms (ended)" \
  "$(get 'sqlite sweep_ms') ($(get 'sqlite sweep_ended'))" \
  "$(get 'postgresql sweep_ms') ($(get 'postgresql sweep_ended'))" ""
row "allocate, 16 connections, backorders on: ok requests/s" \
  "$(get 'sqlite backorders16 ok_rps')" "$(get 'postgresql backorders16 ok_rps')" ""
row "allocate with 100 / 10,000 lines waiting: median us" \
  "$(get 'sqlite queue100') / $(get 'sqlite queue10000')" \
  "$(get 'postgresql queue100') / $(get 'postgresql queue10000')" ""
row "allocate, ratio 10,000 / 100 waiting" \
  "$(ratio "$(get 'sqlite queue10000')" "$(get 'sqlite queue100')")" \
  "$(ratio "$(get 'postgresql queue10000')" "$(get 'postgresql queue100')")" "<= 1.5"
row "one batch for 1,000 waiting lines: ms (lines filled)" \
  "$(get 'sqlite refill_ms') ($(get 'sqlite refill_filled'))" \
  "$(get 'postgresql refill_ms') ($(get 'postgresql refill_filled'))" ""
row "history: median ms after 100 / 20000" \
  "$(get 'sqlite history100') / $(get 'sqlite history20000')" \
  "$(get 'postgresql history100') / $(get 'postgresql history20000')" ""
row "history: ratio 20000 / 100" \
  "$(ratio "$(get 'sqlite history20000')" "$(get 'sqlite history100')")" \
  "$(ratio "$(get 'postgresql history20000')" "$(get 'postgresql history100')")" "<= 1.5"
row "allocate with the info log on (JSON to a file) / off, 16 connections: ok requests/s" \
  "$(get 'sqlite logs_on') / $(get 'sqlite logs_off')" \
  "$(get 'postgresql logs_on') / $(get 'postgresql logs_off')" ""
row "allocate, ratio info log on / off (log lines/s)" \
  "$(ratio "$(get 'sqlite logs_on')" "$(get 'sqlite logs_off')") ($(get 'sqlite log_lines_per_s'))" \
  "$(ratio "$(get 'postgresql logs_on')" "$(get 'postgresql logs_off')") ($(get 'postgresql log_lines_per_s'))" ">= 0.90"
row "allocation import, 100,000 batches: rows/s" \
  "$(get 'sqlite import_rps')" "$(get 'postgresql import_rps')" ""
row "allocation export batches, 100,000 rows: rows/s (peak MiB of import and export)" \
  "$(get 'sqlite export_rps') ($(get 'sqlite export_mib'))" \
  "$(get 'postgresql export_rps') ($(get 'postgresql export_mib'))" ""
row "peak resident memory, MiB" "$(get 'sqlite rss_mib')" "$(get 'postgresql rss_mib')" "<= 64"
row "start to first answer, ms" "$(get 'sqlite start_ms')" "$(get 'postgresql start_ms')" "<= 200"
