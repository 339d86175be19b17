#!/usr/bin/env bash
# Whether publishing keeps up with allocating (issue 21): `serve --broker URL` under alloc16 for
# BROKER_SECONDS on each database, for Redis Streams, Redis pub/sub and RabbitMQ; prints the allocation
# rate beside the relay's rate (messages the broker confirmed per second) and the outbox backlog
# left at the end of the run.
#   bench/broker.sh [BUILD_DIR]   (BROKER_SECONDS=30, BENCH_BACKENDS="sqlite postgresql",
#                                  BROKERS="redis-streams redis amqp")
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-$root/build-bench}
seconds=${BROKER_SECONDS:-30}
backends=${BENCH_BACKENDS:-sqlite postgresql}
binary=$build_dir/bin/allocation

work=$(mktemp -d /tmp/allocation-broker-bench-XXXXXX)
service_pid=
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
cleanup() {
  bench_stop_all
  rm -rf "$work"
}
trap cleanup EXIT
bench_servers_start
redis=${ALLOCATION_TEST_REDIS#redis://}
declare -A broker_url=([redis-streams]="redis-streams://$redis" [redis]="redis://$redis"
  [amqp]="$ALLOCATION_TEST_AMQP")

rows=()
for backend in $backends; do
  for broker in ${BROKERS:-redis-streams redis amqp}; do
    if [[ $backend == sqlite ]]; then
      db_url=sqlite:$work/$broker.db
    else
      db_url=$(bench_pg_database "broker_${broker//-/_}")
    fi
    printf '\n== %s, %s: seeding, then alloc16 for %s s\n' "$backend" "$broker" "$seconds" >&2
    bench_start "$binary" "$db_url" "$work/$backend-$broker.log" --broker "${broker_url[$broker]}"
    bench_seed
    # The seed's own messages first: the run starts with an empty outbox.
    for ((i = 0; i < 600 && $(bench_metric allocation_outbox_backlog) > 0; i++)); do sleep 0.1; done
    before=$(bench_metric allocation_broker_published_total)
    # The backlog every 5 s of the run: bounded, or growing?
    (for ((t = 5; t < seconds; t += 5)); do
      sleep 5
      printf '%s ' "$(bench_metric allocation_outbox_backlog)"
    done) >"$work/samples" &
    sampler=$!
    result=$(bench_wrk alloc16 | grep '^RESULT')
    after=$(bench_metric allocation_broker_published_total)
    backlog=$(bench_metric allocation_outbox_backlog)
    wait "$sampler"
    bench_stop
    ok_rps=$(echo "$result" | sed 's/.*ok_rps=\([0-9.]*\).*/\1/')
    steal=$(echo "$result" | sed 's/.* steal=\([0-9]*\).*/\1/')
    relay=$(awk -v a="$before" -v b="$after" -v s="$seconds" 'BEGIN { printf "%.0f", (b - a) / s }')
    rows+=("| $backend | $broker | $ok_rps | $relay | $(cat "$work/samples")$backlog | $steal |")
  done
done

echo
echo "outbox relay under alloc16, $(date -u +%Y-%m-%d), $(nproc) cores, ${seconds} s per run"
echo
echo "| database | broker | allocations/s (202) | relay: messages confirmed/s | outbox backlog every 5 s, the last at the end | CPU steal % |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
