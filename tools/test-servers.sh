#!/usr/bin/env bash
# Starts and stops the servers the integration and end-to-end tests talk to, on 127.0.0.1 and
# free ports, with all their files in one folder:
#   tools/test-servers.sh start DIR [SERVER...]  # writes DIR/env: the variables the tests read
#   tools/test-servers.sh stop DIR
# SERVER is postgres, smtp, redis or rabbitmq; all four when none is named. A test that kills
# a RabbitMQ of its own and starts it again (on the same port, with the same data) uses
#   tools/test-servers.sh crash DIR rabbitmq     # SIGKILL, as a power cut would
#   tools/test-servers.sh restart DIR rabbitmq   # returns once it serves again
# PostgreSQL refuses to run as root, so as root it runs as the `postgres` user the Debian
# package creates.
set -euo pipefail

cmd=${1:?start, stop, crash or restart}
dir=${2:?folder for the server files}
shift 2
servers=("$@")
((${#servers[@]})) || servers=(postgres smtp redis rabbitmq)

pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg=()
((EUID == 0)) && as_pg=(runuser -u postgres --)

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_postgres() {
  local data=$dir/postgres port
  port=$(free_port)
  mkdir -p "$data"
  ((EUID == 0)) && chown postgres: "$data"
  "${as_pg[@]}" "$pg_bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
  # fsync stays on: the durability the tests check is the real one.
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -l "$data/server.log" -w -o \
    "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  "$pg_bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE allocation LOGIN PASSWORD 'allocation'" \
    -c "CREATE DATABASE allocation OWNER allocation" >/dev/null
  local options="-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=200"
  # Scripts the tests run to take the server down and back (outage tests).
  printf '#!/bin/sh\n%s %s/pg_ctl -D %s -m fast -w stop >/dev/null\n' \
    "${as_pg[*]}" "$pg_bin" "$data" >"$dir/postgres-stop"
  printf '#!/bin/sh\n%s %s/pg_ctl -D %s -l %s/server.log -w -o "%s" start >/dev/null\n' \
    "${as_pg[*]}" "$pg_bin" "$data" "$data" "$options" >"$dir/postgres-start"
  chmod +x "$dir/postgres-stop" "$dir/postgres-start"
  {
    echo "export ALLOCATION_TEST_PG=postgresql://allocation:allocation@127.0.0.1:$port/allocation"
    echo "export ALLOCATION_TEST_PG_STOP=$dir/postgres-stop"
    echo "export ALLOCATION_TEST_PG_START=$dir/postgres-start"
  } >>"$dir/env"
}

# aiosmtpd prints each mail it receives (Debian's python3, not another one on PATH).
start_smtp() {
  local port
  port=$(free_port)
  /usr/bin/python3 -u -m aiosmtpd -n -l "127.0.0.1:$port" >"$dir/smtp.log" 2>&1 &
  echo $! >"$dir/smtp.pid"
  for _ in $(seq 100); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
  done
  {
    echo "export ALLOCATION_TEST_SMTP=smtp://127.0.0.1:$port"
    echo "export ALLOCATION_TEST_SMTP_LOG=$dir/smtp.log"
  } >>"$dir/env"
}

stop_smtp() {
  [[ -f $dir/smtp.pid ]] && kill "$(cat "$dir/smtp.pid")" 2>/dev/null || true
}

start_redis() {
  local port
  port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --dir "$dir" --logfile "$dir/redis.log" --daemonize yes --pidfile "$dir/redis.pid"
  for _ in $(seq 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.05
  done
  echo "export ALLOCATION_TEST_REDIS=redis://127.0.0.1:$port" >>"$dir/env"
}

stop_redis() {
  [[ -f $dir/redis.pid ]] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
}

# RabbitMQ (Erlang) with its node, data, logs, cookie and epmd port all of its own, so that it
# neither meets a system RabbitMQ nor outlives the run. Takes 5 to 15 s to start.
rabbit_env() {
  local base=$dir/rabbitmq
  echo "HOME=$base RABBITMQ_NODENAME=allocation-test@localhost"
  echo "RABBITMQ_MNESIA_BASE=$base/mnesia RABBITMQ_LOG_BASE=$base/log"
  echo "RABBITMQ_CONFIG_FILE=$base/rabbitmq RABBITMQ_ENABLED_PLUGINS_FILE=$base/enabled_plugins"
  echo "RABBITMQ_PID_FILE=$base/pid ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=$(cat "$base/epmd-port")"
  echo "RABBITMQ_DIST_PORT=$(cat "$base/dist-port")"
}

start_rabbitmq() {
  local base=$dir/rabbitmq port
  mkdir -p "$base"
  port=$(free_port)
  free_port >"$base/epmd-port"
  free_port >"$base/dist-port"
  echo "[]." >"$base/enabled_plugins"
  printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\n' "$port" >"$base/rabbitmq.conf"
  run_rabbitmq
  echo "export ALLOCATION_TEST_AMQP=amqp://guest:guest@127.0.0.1:$port/" >>"$dir/env"
}

run_rabbitmq() {
  local base=$dir/rabbitmq
  # shellcheck disable=SC2046  # one word per variable
  env $(rabbit_env) /usr/lib/rabbitmq/bin/rabbitmq-server >>"$base/server.log" 2>&1 &
  # shellcheck disable=SC2046
  env $(rabbit_env) /usr/lib/rabbitmq/bin/rabbitmqctl -q wait "$base/pid" --timeout 120 >/dev/null
}

# The Erlang VM killed; epmd, a daemon of its own, stays for the restart.
crash_rabbitmq() {
  local base=$dir/rabbitmq
  kill -9 "$(cat "$base/pid")"
  while kill -0 "$(cat "$base/pid")" 2>/dev/null; do sleep 0.05; done
  rm -f "$base/pid"
}

stop_rabbitmq() {
  [[ -f $dir/rabbitmq/epmd-port ]] || return 0
  # shellcheck disable=SC2046
  env $(rabbit_env) /usr/lib/rabbitmq/bin/rabbitmqctl -q stop >/dev/null 2>&1 || true
  epmd -port "$(cat "$dir/rabbitmq/epmd-port")" -kill >/dev/null 2>&1 || true
}

stop_postgres() {
  [[ -d $dir/postgres ]] || return 0
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/postgres" -m immediate -w stop >/dev/null 2>&1 || true
}

case $cmd in
  start)
    mkdir -p "$dir"
    ((EUID == 0)) && chmod 755 "$dir"
    : >"$dir/env"
    for server in "${servers[@]}"; do "start_$server"; done
    ;;
  stop)
    stop_rabbitmq
    stop_redis
    stop_smtp
    stop_postgres
    ;;
  crash | restart)
    [[ ${servers[*]} == rabbitmq ]] || { echo "$cmd: only rabbitmq" >&2; exit 2; }
    if [[ $cmd == crash ]]; then crash_rabbitmq; else run_rabbitmq; fi
    ;;
  *)
    echo "usage: $0 start|stop|crash|restart DIR [SERVER...]" >&2
    exit 2
    ;;
esac
