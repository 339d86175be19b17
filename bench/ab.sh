#!/usr/bin/env bash
# A change against the commit before it, side by side in one run: two binaries take turns under
# the workload of `make bench` (bench/run.sh), on SQLite and on PostgreSQL, each start on a
# fresh copy of the same seeded database, so that the machine's noise falls on both alike.
# Rounds alternate which binary goes first. Prints every run with its CPU steal, then one
# Markdown table per backend: each binary's median over the rounds, the ratio NEW / OLD of the
# medians (the column "better" says which way is better), in how many rounds NEW did better
# than OLD (the two ran minutes apart, while rounds swing by up to 30% at 0% steal), every
# round's figure with the steal during it, and the non-2xx responses and socket timeouts
# summed over the rounds.
#
#   bench/ab.sh OLD NEW    each a binary, or a commit whose release binary is built (in a
#                          worktree of its own, kept in build-ab/<commit>/ for reruns)
#
# Knobs (environment variables):
#   AB_ROUNDS=6            turns of each binary on each backend
#   AB_SECONDS=8           seconds per wrk run
#   AB_LOADS="read16 alloc16 alloc64 hot16 hot64"
#                          wrk loads of each turn, in this order (bench/lib.sh has them);
#                          hot/spread (hotN / allocN of the same turn, at the higher
#                          steal of the two) needs both
#   AB_BACKENDS="sqlite postgresql"
#   AB_HISTORY=1           0 skips the history figures: after the loads, the latency of one
#                          allocation after 100 and after 20000 allocations of one new SKU
#                          (bench/workload/history.py, as in run.sh); about 20000 sequential
#                          requests, 40-100 s a turn (at most 3 minutes: a point it would
#                          reach later is "-")
#   AB_HISTORY_ROUNDS=2    in the first this many rounds only (AB_ROUNDS for all)
#   AB_HISTORY_SAMPLES=50  requests timed at each of the two points (run.sh: 200)
#   AB_SETTLE=1            NEW's runs start from a copy already migrated by NEW (below); 0: NEW
#                          migrates OLD's database at each start, in its measured runs (the
#                          start figure then includes the migration)
# Besides: the start (ms from the start of the process to its first answer,
# bench/first_answer.py) and the peak RSS (VmHWM, MiB, after the wrk loads and before the
# history) of every turn.
#
# Each backend is seeded once, by OLD: 1000 SKUs x 3 batches and 10000 orders, as run.sh does,
# and NEW's copy is migrated once by NEW (AB_SETTLE). SQLite: every turn runs on a copy of its
# side's database file. PostgreSQL: a private server on
# 127.0.0.1 (tools/test-servers.sh), and every turn on a fresh database created (DROP/CREATE) as
# a copy of its side's seeded one, after a CHECKPOINT.
# The default run (2 backends x 6 rounds x 2 binaries x 5 loads x 8 s, history in 2 rounds)
# takes about 30 minutes on the 2-core VM, without building (2026-12-04: 30).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
old=${1:?OLD binary or commit}
new=${2:?NEW binary or commit}
rounds=${AB_ROUNDS:-6}
seconds=${AB_SECONDS:-8}
loads=${AB_LOADS:-read16 alloc16 alloc64 hot16 hot64}
backends=${AB_BACKENDS:-sqlite postgresql}
history=${AB_HISTORY:-1}
history_rounds=${AB_HISTORY_ROUNDS:-2}
history_samples=${AB_HISTORY_SAMPLES:-50}
settle=${AB_SETTLE:-1}

work=$(mktemp -d /tmp/allocation-ab-XXXXXX)
service_pid=
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
cleanup() {
  bench_stop_all
  for source in "$work"/src-*; do
    if [[ -d $source ]]; then git -C "$root" worktree remove --force "$source" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '== %s\n' "$*" >&2; }

for load in $loads; do bench_load_spec "$load" >/dev/null; done
for backend in $backends; do
  [[ $backend == sqlite || $backend == postgresql ]] ||
    { echo "unknown backend $backend (sqlite postgresql)" >&2; exit 2; }
done

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

old_binary=$(build "$old")
new_binary=$(build "$new")
declare -A binary=([OLD]=$old_binary [NEW]=$new_binary)
[[ $backends == *postgresql* ]] && bench_servers_start
started=$SECONDS

# Seeds BACKEND's database with OLD, then settles a copy for each side to start from: OLD's as
# seeded, NEW's migrated first by one start of NEW (with AB_SETTLE=1), so that a migration's
# writes and the work they leave behind (PostgreSQL's autovacuum of a table it filled, the
# checkpoints) do not fall into NEW's measured runs; on PostgreSQL both then VACUUM ANALYZE.
seed() {
  local db_url
  if [[ $1 == sqlite ]]; then
    rm -rf "$work/seeded-OLD" && mkdir -p "$work/seeded-OLD"
    db_url=sqlite:$work/seeded-OLD/bench.db
  else
    db_url=$(bench_pg_database ab_seeded_old)
  fi
  say "$1: seeding 1000 SKUs x 3 batches and 10000 orders (with OLD)"
  bench_start "${binary[OLD]}" "$db_url" "$work/seed.log"
  bench_seed
  if [[ " $loads " == *" fefo16 "* ]]; then
    say "$1: seeding 1000 SKUs x 20 batches in 5 warehouses for fefo16 (with OLD)"
    bench_seed_warehouses
  fi
  bench_stop
  if [[ $1 == sqlite ]]; then
    rm -rf "$work/seeded-NEW" && cp -r "$work/seeded-OLD" "$work/seeded-NEW"
    db_url=sqlite:$work/seeded-NEW/bench.db
  else
    psql -q "$db_url" -c "VACUUM ANALYZE"
    db_url=$(bench_pg_database ab_seeded_new ab_seeded_old)
  fi
  if ((settle)); then
    say "$1: migrating NEW's copy before its runs"
    bench_start "${binary[NEW]}" "$db_url" "$work/migrate.log"
    bench_stop
    [[ $1 == sqlite ]] || psql -q "$db_url" -c "VACUUM ANALYZE"
  fi
}

# A fresh copy of BACKEND's seeded database for SIDE (OLD or NEW): prints its URL.
fresh_database() {
  if [[ $1 == sqlite ]]; then
    rm -rf "$work/run" && cp -r "$work/seeded-$2" "$work/run"
    echo "sqlite:$work/run/bench.db"
  else
    bench_pg_database ab_run "ab_seeded_${2,,}"
    psql -q "$pg_admin" -c CHECKPOINT >&2
  fi
}

# "<backend> <figure> <OLD|NEW>" -> every round's "value@steal% ", and
# "<backend> <figure> <OLD|NEW> errors" -> "<non-2xx> <timeouts>" summed over the rounds.
declare -A runs errors
record() { runs["$1 $2 $3"]+="$4 "; }
count_errors() {
  local key="$1 $2 $3 errors" previous
  previous=${errors[$key]:-0 0}
  errors[$key]="$((${previous% *} + $4)) $((${previous#* } + $5))"
}

# One turn of SIDE (OLD or NEW) on BACKEND in ROUND.
turn() {
  local backend=$1 side=$2 round=$3 db_url out load rps steal non2xx timeouts
  local -A ok=() steals=()
  db_url=$(fresh_database "$backend" "$side")
  bench_start "${binary[$side]}" "$db_url" "$work/$backend-$side.log"
  record "$backend" start "$side" "$start_ms"
  for load in $loads; do
    out=$(bench_wrk "$load")
    rps=$(echo "$out" | sed -n 's/^RESULT.* ok_rps=\([0-9.]*\).*/\1/p')
    steal=$(echo "$out" | sed -n 's/^RESULT.* steal=\([0-9]*\).*/\1/p')
    non2xx=$(echo "$out" | sed -n 's/^RESULT.* non2xx=\([0-9]*\).*/\1/p')
    timeouts=$(echo "$out" | sed -n 's/^RESULT.* timeouts=\([0-9]*\).*/\1/p')
    say "$backend round $round $side $load: ${rps:--} ok/s at ${steal:--}% steal;" \
      "$(echo "$out" | grep '^non-2xx' || echo 'no RESULT from wrk')"
    ok[$load]=${rps:--} steals[$load]=${steal:-0}
    record "$backend" "$load" "$side" "${rps:--}@${steal:--}%"
    count_errors "$backend" "$load" "$side" "${non2xx:-0}" "${timeouts:-0}"
  done
  local c ratio hot_steal alloc_steal
  for c in 16 64; do
    [[ -n ${ok[hot$c]:-} && -n ${ok[alloc$c]:-} ]] || continue
    ratio=$(awk -v a="${ok[hot$c]}" -v b="${ok[alloc$c]}" \
      'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.3f", a / b }')
    hot_steal=${steals[hot$c]} alloc_steal=${steals[alloc$c]}
    record "$backend" "hot$c/alloc$c" "$side" \
      "$ratio@$((hot_steal > alloc_steal ? hot_steal : alloc_steal))%"
  done
  record "$backend" rss "$side" "$(bench_rss_mib)"
  if ((history && round <= history_rounds)); then
    local h100 h20000 failed
    read -r h100 h20000 steal failed < <(bench_history "$history_samples" 3)
    say "$backend round $round $side history: $h100 / $h20000 ms at $steal% steal, $failed non-202"
    record "$backend" history100 "$side" "$h100@$steal%"
    record "$backend" history20000 "$side" "$h20000@$steal%"
    [[ $failed == - ]] && failed=0
    count_errors "$backend" history "$side" "$failed" 0
  fi
  bench_stop
}

for backend in $backends; do
  seed "$backend"
  for ((round = 1; round <= rounds; round++)); do
    # Alternate which goes first, so that neither always runs right after the seeding or the other.
    order=(OLD NEW)
    ((round % 2 == 0)) && order=(NEW OLD)
    for side in "${order[@]}"; do
      turn "$backend" "$side" "$round"
    done
  done
done

median() { tr ' ' '\n' | sed 's/@.*//' | grep -v '^-*$' | sort -n | awk '{ a[NR] = $1 } END {
  if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2];
  else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# "k of n rounds": in how many of the rounds both sides have a figure NEW's is the better one
# (BETTER is higher or lower). The two sides of a round ran minutes apart at most, so this reads
# through the swings from one round to the next that move both alike.
rounds_won() {
  awk -v better="$1" -v a="$2" -v b="$3" 'BEGIN {
    n = split(a, old, " "); split(b, new, " "); won = 0; both = 0
    for (i = 1; i <= n; i++) {
      sub(/@.*/, "", old[i]); sub(/@.*/, "", new[i])
      if (old[i] == "-" || new[i] == "-" || old[i] == "" || new[i] == "") continue
      both++
      if ((better == "higher" && new[i] + 0 > old[i] + 0) || (better == "lower" && new[i] + 0 < old[i] + 0)) won++
    }
    if (both == 0) print "-"; else printf "%d of %d rounds", won, both }'
}
# The figures, in the order of the table: "<key> <better> <description>".
figures() {
  local load c
  for load in $loads; do
    echo "$load higher $load ($(bench_load_spec "$load" | cut -d' ' -f2-), -c${load//[!0-9]/}): ok requests/s"
  done
  for c in 16 64; do
    [[ " $loads " == *" hot$c "* && " $loads " == *" alloc$c "* ]] &&
      echo "hot$c/alloc$c higher hot SKU / spread, $c connections (target >= 0.50)"
  done
  if ((history)); then
    echo "history100 lower history: median ms of one allocation after 100 of the SKU"
    echo "history20000 lower history: median ms of one allocation after 20000 of the SKU"
  fi
  echo "rss lower peak RSS after the loads (VmHWM), MiB"
  echo "start lower start to first answer, ms"
}

echo
echo "bench/ab.sh $old $new, $(date -u +%Y-%m-%d), $rounds rounds of $seconds s per wrk run," \
  "wrk -t2, $(nproc) cores, $(((SECONDS - started) / 60)) minutes without building"
echo "OLD = $old (${binary[OLD]}), NEW = $new (${binary[NEW]})"
for backend in $backends; do
  echo
  echo "### $backend"
  echo
  echo "| figure | better | OLD median | NEW median | NEW / OLD | NEW better in | OLD runs (value@steal) | NEW runs | non-2xx / timeouts, OLD; NEW |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  while read -r key better description; do
    a=$(echo "${runs["$backend $key OLD"]:-}" | median)
    b=$(echo "${runs["$backend $key NEW"]:-}" | median)
    ratio=$(awk -v a="$a" -v b="$b" \
      'BEGIN { if (a == "-" || b == "-" || a == 0) print "-"; else printf "%.3f", b / a }')
    errs=
    error_key=$key
    [[ $key == history* ]] && error_key=history
    [[ -n ${errors["$backend $error_key OLD errors"]:-} ]] &&
      errs="${errors["$backend $error_key OLD errors"]// / / }; ${errors["$backend $error_key NEW errors"]// / / }"
    old_runs=${runs["$backend $key OLD"]:-}
    new_runs=${runs["$backend $key NEW"]:-}
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$description" "$better" "$a" "$b" \
      "$ratio" "$(rounds_won "$better" "$old_runs" "$new_runs")" "${old_runs% }" "${new_runs% }" "$errs"
  done < <(figures)
done
