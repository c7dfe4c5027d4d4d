#!/bin/bash
# Load (issue 7 "Faults and load"): many concurrent commands and a long run
# of sequential ones leave nothing behind, and `list`, running all along,
# never fails or shows a torn state.
#   RUNCGO_SOAK_RUNS     sequential runs of the soak (default 200; `make soak`: 2000)
#   RUNCGO_LOAD_WORKERS  containers of the concurrent run/kill/delete test (default 200)
#   RUNCGO_SOAK_REPORT   file to append the figures to (optional; make soak)
. "$(dirname "$0")/../lib/common.sh"

# report TEXT: a figure of this suite, to the log and RUNCGO_SOAK_REPORT.
report () {
  echo "$*" | sed 's/^/# /' >&2
  [ -z "${RUNCGO_SOAK_REPORT:-}" ] || echo "$*" >> "$RUNCGO_SOAK_REPORT"
}

SOAK_RUNS=${RUNCGO_SOAK_RUNS:-200}
WORKERS=${RUNCGO_LOAD_WORKERS:-200}

# list_loop_start: `list --format json` over and over in the background
# until list_loop_stop, which sets LIST_RUNS (how many ran) and fails the test if one of them failed, printed
# something that is not a JSON array of complete states, or never ran.
LISTER=
list_loop_start () {
  rm -f "$T/list.stop" "$T/list.bad"
  (
    n=0
    while [ ! -e "$T/list.stop" ]; do
      if ! out=$("$RUNCGO" --root "$ROOT" list --format json 2> "$T/list.err"); then
        echo "list failed: $(cat "$T/list.err")" >> "$T/list.bad"
      elif ! jq -e 'type == "array" and all(.[]; (.id | type == "string" and length > 0)
                    and (.status | IN("creating", "created", "running", "paused", "stopped"))
                    and (.pid | type == "number") and (.bundle | type == "string"))' <<< "$out" > /dev/null 2>&1; then
        echo "torn or invalid list: $out" >> "$T/list.bad"
      fi
      n=$((n + 1))
    done
    echo "$n" > "$T/list.count"
  ) &
  LISTER=$!
  trap 'touch "$T/list.stop"; wait $LISTER 2> /dev/null || true' EXIT
}
list_loop_stop () {
  touch "$T/list.stop"
  wait "$LISTER"
  LIST_RUNS=$(cat "$T/list.count")
  [ ! -s "$T/list.bad" ] || fail "$(head -n 5 "$T/list.bad")"
  [ "$(cat "$T/list.count")" -gt 0 ] || fail "list never ran"
}

test_50_concurrent_creates_of_one_id_make_one_container () {
  cfg_args sleep 1000
  mkdir -p "$ROOT"
  list_loop_start
  local i ok=0 exists=0 other=0 pids=()
  for ((i = 0; i < 50; i++)); do
    rt create -b "$BUNDLE" "$CID" > "$T/c$i.out" 2>&1 < /dev/null &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  list_loop_stop
  for ((i = 0; i < 50; i++)); do
    if [ ! -s "$T/c$i.out" ]; then
      ok=$((ok + 1))
    elif grep -q "container \"$CID\" already exists" "$T/c$i.out"; then
      exists=$((exists + 1))
    else
      other=$((other + 1))
      echo "create $i: $(cat "$T/c$i.out")" >&2
    fi
  done
  report "50 concurrent creates of one ID: $ok created, $exists 'already exists', $other other; list ran $LIST_RUNS times meanwhile"
  assert_eq "$(rt list -q)" "$CID" "list -q"
  assert_eq "$(status_of "$CID")" created "status"
  capture rt delete -f "$CID"
  assert_status 0
  assert_eq "$ok" 1 "successful creates"
  assert_eq "$exists" 49 "creates refused with 'already exists'"
}

# worker I: run -d, kill, delete one container of its own (own bundle dir
# and cgroup, the shared rootfs); prints what failed.
worker () {
  local id=$CID-w$1 b=$T/w/$1
  rt run -d -b "$b" "$id" > "$b/out" 2>&1 < /dev/null || { echo "run $id: $(cat "$b/out")"; return; }
  rt kill "$id" KILL > "$b/out" 2>&1 || echo "kill $id: $(cat "$b/out")"
  rt delete -f "$id" > "$b/out" 2>&1 || echo "delete $id: $(cat "$b/out")"
}

test_200_concurrent_run_kill_delete_leave_nothing () {
  cfg_args sleep 1000
  # one config per worker, differing only in the cgroup: made without a
  # fork each (the rootfs is shared, nothing writes to it)
  local tmpl i t0=$EPOCHREALTIME
  tmpl=$(jq '.linux.cgroupsPath = "@CG@"' "$BUNDLE/config.json")
  for ((i = 0; i < WORKERS; i++)); do
    mkdir -p "$T/w/$i"
    echo "${tmpl//@CG@//$CGROUP_PARENT/$CID-w$i}" > "$T/w/$i/config.json"
  done
  mkdir -p "$ROOT"
  list_loop_start
  local pids=()
  for ((i = 0; i < WORKERS; i++)); do
    worker "$i" > "$T/w/$i/err" &
    pids+=($!)
    # at most 32 at once: 2 cores, and every run clones a container
    if ((${#pids[@]} == 32)); then
      wait "${pids[@]}" || true
      pids=()
    fi
  done
  wait "${pids[@]}" || true
  list_loop_stop
  local errors
  errors=$(cat "$T"/w/*/err)
  report "$(awk -v a="$t0" -v b="$EPOCHREALTIME" -v n="$WORKERS" \
    'BEGIN { printf "%d containers run -d, killed and deleted (32 at a time) in %.1f s", n, b - a }'); list ran $LIST_RUNS times meanwhile"
  [ -z "$errors" ] || fail "$(head -n 10 <<< "$errors")"
  assert_eq "$(rt list -q)" "" "containers left"
}

# ------------------------------------------------------------------ soak

# Counters that a leak would make grow: the mounts under this suite, its
# cgroups and state dirs, the kernel's allocated file handles (host-wide).
soak_counters () {
  local mounts cgs states files
  # only mounts under this suite's directory (bundles, state root): under
  # make -j2 other suites mount and unmount on the host meanwhile
  mounts=$(awk -v p="$SUITE_TMP/" 'index($5, p) == 1' /proc/self/mountinfo | wc -l)
  cgs=$(for d in $(cgroup_parents); do find "$d" -mindepth 1 -type d; done | wc -l)
  states=$(find "$ROOT" -mindepth 1 -maxdepth 1 | wc -l)
  files=$(cut -f1 /proc/sys/fs/file-nr)
  echo "mounts=$mounts cgroups=$cgs state_dirs=$states file_handles=$files"
}

# median of the numbers on stdin
median () {
  sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

test_soak_sequential_runs_grow_nothing () {
  local time_bin=/usr/bin/time
  [ -x "$time_bin" ] || skip "/usr/bin/time (package time) is not installed"
  # the container reports its own fds: a runtime fd leaking into it shows
  cfg_args sh -c 'ls /proc/self/fd | wc -l'
  mkdir -p "$ROOT"
  rt run -b "$BUNDLE" "$CID-warm" > /dev/null 2>&1 < /dev/null
  local before after i t0=$EPOCHREALTIME fds
  before=$(soak_counters)
  for ((i = 0; i < SOAK_RUNS; i++)); do
    # %M: peak RSS (KiB) of runcgo and of the container it waited for
    fds=$("$time_bin" -a -o "$T/rss" -f %M "$RUNCGO" --root "$ROOT" run -b "$BUNDLE" "$CID-s" 2> "$T/run.err" < /dev/null) \
      || fail "run $i failed: $(cat "$T/run.err")"
    [ "$fds" = "${first_fds:=$fds}" ] || fail "run $i: the container had $fds fds, the first one $first_fds"
  done
  after=$(soak_counters)
  local n=$((SOAK_RUNS / 10 > 0 ? SOAK_RUNS / 10 : 1)) rss_first rss_last
  rss_first=$(head -n "$n" "$T/rss" | median)
  rss_last=$(tail -n "$n" "$T/rss" | median)
  local report
  report=$(awk -v a="$t0" -v b="$EPOCHREALTIME" -v n="$SOAK_RUNS" -v f="$rss_first" -v l="$rss_last" \
    -v before="$before" -v after="$after" -v fds="$first_fds" \
    'BEGIN { printf "soak: %d runs in %.0f s (%.1f ms each); peak RSS median first/last 10%%: %d/%d KiB; container fds %d every run\n  before: %s\n  after:  %s\n",
                    n, b - a, (b - a) * 1000 / n, f, l, fds, before, after }')
  report "$report"
  # exact: mounts, cgroups, state dirs.  (The host's file handles are
  # reported only: other work on the host moves them.)
  local key
  for key in mounts cgroups state_dirs; do
    assert_eq "$(grep -o "$key=[0-9]*" <<< "$after")" "$(grep -o "$key=[0-9]*" <<< "$before")" "$key"
  done
  # peak RSS of each runcgo is its own process: flat within 10 %
  [ $((rss_last * 10)) -le $((rss_first * 11)) ] || fail "peak RSS grew: $rss_first -> $rss_last KiB"
}

run_tests "$@"
