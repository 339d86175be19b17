#!/usr/bin/env bash
# A change against the commit before it, side by side in one run: two binaries take turns on
# the same seeded SQLite database (a fresh copy for each run), so that the machine's noise falls
# on both alike. Prints every run with its CPU steal, each binary's median, and the ratio
# NEW / OLD of the medians.
#   bench/ab.sh OLD NEW      (each a binary, or a commit whose release binary is built;
#                             AB_ROUNDS=5 turns each, AB_SECONDS=8 per wrk run,
#                             AB_LOADS="read16 alloc16 alloc64")
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
old=${1:?OLD binary or commit}
new=${2:?NEW binary or commit}
rounds=${AB_ROUNDS:-5}
seconds=${AB_SECONDS:-8}
loads=${AB_LOADS:-read16 alloc16 alloc64}
workload=$root/bench/workload

work=$(mktemp -d /tmp/allocation-ab-XXXXXX)
service_pid=
cleanup() {
  [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null || true
  for source in "$work"/src-*; do
    [[ -d $source ]] && git -C "$root" worktree remove --force "$source" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '== %s\n' "$*" >&2; }

# The binary itself, or the release binary of a commit, built in a worktree of its own (kept in
# build-ab/ for reruns).
build() {
  if [[ -f $1 && -x $1 ]]; then
    realpath "$1"
    return
  fi
  local commit out
  commit=$(git -C "$root" rev-parse --short "$1")
  out=$root/build-ab/$commit
  if [[ ! -x $out/allocation ]]; then
    say "building $commit"
    git -C "$root" worktree add --detach -q "$work/src-$commit" "$commit"
    cmake -S "$work/src-$commit" -B "$work/build-$commit" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$work/build-$commit" -j2 --target allocation >/dev/null
    mkdir -p "$out"
    cp "$work/build-$commit/bin/allocation" "$out/"
  fi
  echo "$out/allocation"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts BINARY on a copy of the seeded database; sets service_pid and port.
start() {
  rm -rf "$work/run" && cp -r "$work/seeded" "$work/run"
  port=$(free_port)
  read -r service_pid _ < <("$root/bench/first_answer.py" "http://127.0.0.1:$port/health" \
    "$work/service.log" -- "$1" --log-level warn serve --port "$port" --db "sqlite:$work/run/bench.db")
}

stop() {
  kill "$service_pid"
  while kill -0 "$service_pid" 2>/dev/null; do sleep 0.1; done
  service_pid=
}

# One wrk run of LOAD against the running service: prints "ok_rps steal%".
measure() {
  local load=$1 connections script
  connections=${load//[!0-9]/}
  case $load in
    read*) script="read.lua ORDERS=10000" ;;
    alloc*) script="allocate.lua SKUS=1000" ;;
  esac
  local before after out
  before=$(head -1 /proc/stat)
  # shellcheck disable=SC2086
  out=$(cd "$workload" && env ${script#* } wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s \
    -s "${script%% *}" "http://127.0.0.1:$port")
  after=$(head -1 /proc/stat)
  local steal
  steal=$(echo "$before $after" | awk '{ t = 0; for (i = 2; i <= 11; i++) t += $(i + 11) - $i;
    printf "%.0f", t ? ($20 - $9) / t * 100 : 0 }')
  echo "$(echo "$out" | sed -n 's/^RESULT.*ok_rps=\([0-9.]*\).*/\1/p') $steal"
}

old_binary=$(build "$old")
new_binary=$(build "$new")

say "seeding 1000 SKUs x 3 batches and 10000 orders (with $old)"
mkdir -p "$work/run"
rm -rf "$work/run"/* && port=$(free_port)
read -r service_pid _ < <("$root/bench/first_answer.py" "http://127.0.0.1:$port/health" \
  "$work/service.log" -- "$old_binary" --log-level warn serve --port "$port" --db "sqlite:$work/run/bench.db")
python3 "$workload/seed.py" --base-url "http://127.0.0.1:$port" --skus 1000 --orders 10000 >&2
stop
mv "$work/run" "$work/seeded"

declare -A runs  # "<load> <commit>" -> "rps@steal ..."
for ((round = 1; round <= rounds; round++)); do
  # Alternate which goes first, so that neither always runs right after the seeding or the other.
  order=("$old" "$new")
  ((round % 2 == 0)) && order=("$new" "$old")
  for commit in "${order[@]}"; do
    binary=$old_binary
    [[ $commit == "$new" ]] && binary=$new_binary
    start "$binary"
    for load in $loads; do
      read -r rps steal < <(measure "$load")
      say "round $round $commit $load: $rps/s at $steal% steal"
      runs["$load $commit"]+="$rps@$steal% "
    done
    stop
  done
done

median() { tr ' ' '\n' | sed 's/@.*//' | grep . | sort -n | awk '{ a[NR] = $1 } END {
  if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo
echo "bench/ab.sh $old $new, $(date -u +%Y-%m-%d), $rounds rounds of ${seconds} s, SQLite, wrk -t2"
echo
printf '| load | %s median | %s median | ratio | %s runs (ok/s@steal) | %s runs |\n' \
  "$old" "$new" "$old" "$new"
echo "| --- | --- | --- | --- | --- | --- |"
for load in $loads; do
  a=$(echo "${runs["$load $old"]}" | median)
  b=$(echo "${runs["$load $new"]}" | median)
  ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')
  printf '| %s | %s | %s | %s | %s | %s |\n' "$load" "$a" "$b" "$ratio" \
    "${runs["$load $old"]% }" "${runs["$load $new"]% }"
done
