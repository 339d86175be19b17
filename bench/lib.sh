# shellcheck shell=bash disable=SC2154
# What bench/run.sh (`make bench`) and bench/ab.sh share: sourced by both, not run. The caller
# sets `root` (the repository), `work` (its scratch folder) and `seconds` (per wrk run), and
# gets the globals `port`, `service_pid` and `start_ms` of the service it started.

bench_workload=$root/bench/workload

# The loads of `make bench`, by name: "<connections> <wrk script> [VAR=value...]".
bench_load_spec() {
  case $1 in
    read16) echo "16 read.lua ORDERS=10000" ;;
    alloc16) echo "16 allocate.lua SKUS=1000" ;;
    alloc64) echo "64 allocate.lua SKUS=1000" ;;
    # alloc16 on the SKUs of bench_seed_warehouses: 20 batches each in 5 ranked warehouses.
    fefo16) echo "16 allocate.lua SKUS=1000 SKU_PREFIX=FEFO-" ;;
    hot16) echo "16 hot.lua" ;;
    hot64) echo "64 hot.lua HOT_SKU=SKU-000042" ;;
    cancel16) echo "16 cancel.lua SKUS=1000" ;;
    holds16) echo "16 holds.lua SKUS=1000" ;;
    # alloc16 again, once bench_backorders_on has turned backorders on for every SKU.
    backorders16) echo "16 allocate.lua SKUS=1000" ;;
    *)
      echo "unknown load $1 (read16 alloc16 alloc64 fefo16 hot16 hot64 cancel16 holds16 backorders16)" >&2
      return 1
      ;;
  esac
}

bench_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The CPU steal in % between two first lines of /proc/stat: the share of the machine's time its
# hypervisor gave to other machines. On a shared host it varies from 0 to 70% from one minute
# to the next, and the figures with it.
bench_steal() {
  echo "$1 $2" | awk '{ t = 0; for (i = 2; i <= 11; i++) t += $(i + 11) - $i;
    printf "%.0f", t ? ($20 - $9) / t * 100 : 0 }'
}

# One wrk run of LOAD (a name of bench_load_spec) against the service on $port for $seconds:
# prints wrk's output, with the CPU steal during the run appended to its RESULT line
# ("... steal=N").
bench_wrk() {
  local spec connections script before after out
  spec=$(bench_load_spec "$1")
  read -r connections script _ <<<"$spec"
  local vars=()
  read -r -a vars <<<"${spec#"$connections $script"}"
  before=$(head -1 /proc/stat)
  out=$(cd "$bench_workload" && env "${vars[@]}" wrk -t2 -c"$connections" -d"${seconds}s" \
    --latency --timeout 10s -s "$script" "http://127.0.0.1:$port")
  after=$(head -1 /proc/stat)
  echo "$out" | awk -v steal="$(bench_steal "$before" "$after")" '/^RESULT / { $0 = $0 " steal=" steal } 1'
}

# How the service logs while measured: warnings only, unless a caller sets this (the log's row
# of bench/run.sh).
bench_log_options=(--log-level warn)

# Starts BINARY on database URL DB_URL, its output in LOG, on a free port of 127.0.0.1, with the
# serve options that follow, if any; sets port, service_pid and start_ms (from the start of the
# process to its first answer).
bench_start() {
  local binary=$1 db_url=$2 log=$3
  port=$(bench_free_port)
  # shellcheck disable=SC2034  # start_ms is the caller's
  read -r service_pid start_ms < <("$root/bench/first_answer.py" "http://127.0.0.1:$port/health" \
    "$log" -- "$binary" "${bench_log_options[@]}" serve --port "$port" --db "$db_url" "${@:4}")
  [[ -n $service_pid ]]
}

bench_stop() {
  kill "$service_pid"
  while kill -0 "$service_pid" 2>/dev/null; do sleep 0.1; done
  service_pid=
}

# The running service's peak resident memory (VmHWM) in MiB.
bench_rss_mib() {
  awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$service_pid/status"
}

# The value of METRIC in the running service's /metrics.
bench_metric() {
  curl -s "http://127.0.0.1:$port/metrics" | awk -v name="$1" '$1 == name { print $2 }'
}

# Seeds the running service as the workload expects: 1000 SKUs x 3 batches, 10000 orders.
bench_seed() {
  python3 "$bench_workload/seed.py" --base-url "http://127.0.0.1:$port" --skus 1000 --orders 10000 >&2
}

# Seeds 1000 more SKUs, FEFO-000000 .., of 20 batches each spread over 5 ranked warehouses, with
# expiry dates (SPEC §6), for fefo16: the same allocations as alloc16 on larger products.
bench_seed_warehouses() {
  python3 "$bench_workload/seed.py" --base-url "http://127.0.0.1:$port" --skus 1000 \
    --sku-prefix FEFO- --warehouses 5 --batches-per-sku 20 >&2
}

# Turns backorders on for the 1000 SKUs of bench_seed (PATCH /products/<sku>).
bench_backorders_on() {
  python3 - "http://127.0.0.1:$port" <<'PY'
import http.client, sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
connection = http.client.HTTPConnection(url.hostname, url.port)
for i in range(1000):
    connection.request("PATCH", "/products/SKU-%06d" % i, b'{"backorders": true}',
                       {"Content-Type": "application/json"})
    reply = connection.getresponse()
    reply.read()
    if reply.status != 200:
        sys.exit("PATCH SKU-%06d: %d" % (i, reply.status))
PY
}

# Latency of one allocation after 100 and after 20000 allocations of one new SKU, SAMPLES
# timed at each (bench/workload/history.py, sequential, so about 20000 x one round trip):
# prints "<median ms at 100> <median ms at 20000> <steal %> <non-202 responses>", history.py's
# output to stderr. A figure it did not reach (BUDGET_MIN minutes) is "-".
bench_history() {
  local samples=$1 budget_min=$2 before after out
  before=$(head -1 /proc/stat)
  out=$(python3 "$bench_workload/history.py" --base-url "http://127.0.0.1:$port" \
    --checkpoints 100,20000 --samples "$samples" --budget-min "$budget_min") || true
  after=$(head -1 /proc/stat)
  echo "$out" >&2
  echo "$out" | awk -v steal="$(bench_steal "$before" "$after")" '
    $1 == 100 && NF == 3 { a = $2 } $1 == 20000 && NF == 3 { b = $2 }
    / non-202 responses/ { for (i = 1; i < NF; i++) if ($(i + 1) == "non-202") n = $i }
    END { print (a == "" ? "-" : a), (b == "" ? "-" : b), steal, (n == "" ? "-" : n) }'
}

# Stops what a bench script left running: its service, if one is started, and the servers.
bench_stop_all() {
  if [[ -n ${service_pid:-} ]]; then kill "$service_pid" 2>/dev/null || true; fi
  bench_servers_stop
}

# A private PostgreSQL on 127.0.0.1 (tools/test-servers.sh, with its SMTP and Redis servers) in
# $work/servers: sets ALLOCATION_TEST_PG (the `allocation` role's database) and pg_admin (the
# superuser's). bench_servers_stop stops it, if started.
bench_servers_start() {
  chmod 755 "$work"  # the PostgreSQL server runs as another user
  "$root/tools/test-servers.sh" start "$work/servers"
  # shellcheck source=/dev/null
  source "$work/servers/env"
  pg_admin=$(echo "$ALLOCATION_TEST_PG" | sed "s|//allocation:allocation@|//postgres@|; s|/allocation$|/postgres|")
}

bench_servers_stop() {
  if [[ -d $work/servers ]]; then "$root/tools/test-servers.sh" stop "$work/servers"; fi
}

# A fresh database NAME on that server, owned by `allocation` (a copy of database TEMPLATE if
# given): prints its URL.
bench_pg_database() {
  local name=$1 template=${2:-}
  PGOPTIONS=--client-min-messages=warning psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" \
    -c "CREATE DATABASE $name OWNER allocation${template:+ TEMPLATE $template}" >&2
  echo "${ALLOCATION_TEST_PG%/*}/$name"
}
