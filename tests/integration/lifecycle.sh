#!/bin/bash
# Lifecycle: create/start/run/state/list/kill/delete as Podman, conmon and
# containerd drive them (runtime.md "Lifecycle" and "Operations").
. "$(dirname "$0")/../lib/common.sh"

# The walk of runc's README: create -> created -> start -> running -> kill ->
# stopped -> delete -> does not exist.
test_lifecycle_walk_create_start_kill_delete () {
  cfg_args sleep 1000
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$(status_of "$CID")" created "status after create"
  capture rt list
  assert_match "$stdout" "^$CID +[0-9]+ +created " "list after create"
  capture rt start "$CID"
  assert_status 0
  assert_eq "$(status_of "$CID")" running "status after start"
  capture rt list
  assert_match "$stdout" "^$CID +[0-9]+ +running " "list after start"
  capture rt kill "$CID" KILL
  assert_status 0
  wait_status "$CID" stopped
  capture rt list
  assert_match "$stdout" "^$CID +[0-9]+ +stopped " "list after kill"
  capture rt delete "$CID"
  assert_status 0
  capture rt state "$CID"
  assert_status 1
  assert_contains "$output" "does not exist" "state after delete"
  capture rt list -q
  assert_eq "$stdout" "" "list after delete"
}

test_create_holds_the_process_until_start () {
  cfg_share
  cfg_args sh -c 'echo ran > /shared/ran'
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  pid=$(pid_of "$CID")
  [ -d "/proc/$pid" ] || fail "init $pid of the created container is not alive"
  [ ! -e "$SHARED/ran" ] || fail "process ran before start"
  capture rt start "$CID"
  assert_status 0
  wait_file "$SHARED/ran"
  wait_status "$CID" stopped
  capture rt delete "$CID"
  assert_status 0
}

test_create_uses_current_directory_as_default_bundle () {
  cfg_args sleep 1000
  cd "$BUNDLE"
  capture rt create "$CID"
  assert_status 0
  assert_eq "$(rt state "$CID" | jq -r .bundle)" "$BUNDLE" "bundle"
  capture rt delete -f "$CID"
  assert_status 0
}

test_create_accepts_long_bundle_flag () {
  cfg_args sleep 1000
  capture rt create --bundle "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$(rt state "$CID" | jq -r .bundle)" "$BUNDLE" "bundle"
  capture rt delete -f "$CID"
  assert_status 0
}

test_create_accepts_bundle_as_positional_argument () {
  runc_differs "runc create takes only the container ID"
  cfg_args sleep 1000
  capture rt create "$CID" "$BUNDLE"
  assert_status 0
  assert_eq "$(rt state "$CID" | jq -r .bundle)" "$BUNDLE" "bundle"
  capture rt delete -f "$CID"
  assert_status 0
}

test_state_has_oci_fields_and_runc_extras () {
  cfg_args sleep 1000
  cfg '.annotations = {"org.example.key": "value"}'
  before=$(date -u +%s)
  start_detached "$CID"
  capture rt state "$CID"
  assert_status 0
  s=$stdout
  assert_eq "$(echo "$s" | jq -r .ociVersion | cut -c1-2)" "1." "ociVersion"
  assert_eq "$(echo "$s" | jq -r .id)" "$CID" "id"
  assert_eq "$(echo "$s" | jq -r .status)" running "status"
  assert_eq "$(echo "$s" | jq -r .bundle)" "$BUNDLE" "bundle"
  assert_eq "$(echo "$s" | jq -r .rootfs)" "$BUNDLE/rootfs" "rootfs"
  assert_eq "$(echo "$s" | jq -r '.annotations["org.example.key"]')" value "annotations"
  assert_eq "$(echo "$s" | jq -r '.owner | type')" string "owner type"
  created=$(echo "$s" | jq -r .created)
  assert_match "$created" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$' "created"
  t=$(date -u -d "$created" +%s)
  [ "$t" -ge $((before - 1)) ] && [ "$t" -le $(($(date -u +%s) + 1)) ] || fail "created $created is not now"
  # the pid is the container's init, seen from the host, running our command
  pid=$(echo "$s" | jq -r .pid)
  assert_match "$pid" '^[1-9][0-9]*$' "pid"
  assert_eq "$(tr '\0' ' ' < "/proc/$pid/cmdline")" "sleep 1000 " "cmdline of pid $pid"
  capture rt delete -f "$CID"
  assert_status 0
}

test_state_reports_stopped_when_the_process_exits () {
  cfg_args true
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  capture rt start "$CID"
  assert_status 0
  wait_status "$CID" stopped
  capture rt delete "$CID"
  assert_status 0
}

test_state_of_killed_init_is_stopped () {
  # the init dies behind the runtime's back: the status is derived live
  cfg_args sleep 1000
  start_detached "$CID"
  kill -KILL "$(pid_of "$CID")"
  wait_status "$CID" stopped
  capture rt delete "$CID"
  assert_status 0
}

test_list_table_has_header_and_one_row_per_container () {
  cfg_args sleep 1000
  make_bundle "$T/b2"
  cfg_args -b "$T/b2" sleep 1000
  start_detached "$CID-a"
  capture rt create -b "$T/b2" "$CID-b"
  assert_status 0
  capture rt list
  assert_status 0
  header=$(sed -n 1p <<< "$stdout" | tr -s ' ')
  assert_eq "$header" "ID PID STATUS BUNDLE CREATED OWNER" "list header"
  assert_eq "$(echo "$stdout" | wc -l)" 3 "lines of list"
  pid=$(pid_of "$CID-a")
  created=$(rt state "$CID-a" | jq -r .created)
  assert_match "$stdout" "^$CID-a +$pid +running +$BUNDLE +$created +root *\$" "row of $CID-a"
  assert_match "$stdout" "^$CID-b +[0-9]+ +created +$T/b2 +" "row of $CID-b"
  capture rt delete -f "$CID-a"
  assert_status 0
  capture rt delete -f "$CID-b"
  assert_status 0
}

test_list_quiet_prints_only_ids () {
  cfg_args sleep 1000
  make_bundle "$T/b2"
  cfg_args -b "$T/b2" sleep 1000
  capture rt create -b "$BUNDLE" "$CID-a"
  assert_status 0
  capture rt create -b "$T/b2" "$CID-b"
  assert_status 0
  capture rt list -q
  assert_status 0
  assert_eq "$(echo "$stdout" | sort | tr '\n' ' ')" "$CID-a $CID-b " "list -q"
  capture rt delete -f "$CID-a"
  assert_status 0
  capture rt delete -f "$CID-b"
  assert_status 0
}

test_list_json_format () {
  cfg_args sleep 1000
  cfg '.annotations = {"k": "v"}'
  start_detached "$CID"
  capture rt list -f json
  assert_status 0
  assert_eq "$(echo "$stdout" | jq 'length')" 1 "entries"
  assert_eq "$(echo "$stdout" | jq -r '.[0].id')" "$CID" "id"
  assert_eq "$(echo "$stdout" | jq -r '.[0].pid')" "$(pid_of "$CID")" "pid"
  assert_eq "$(echo "$stdout" | jq -r '.[0].status')" running "status"
  assert_eq "$(echo "$stdout" | jq -r '.[0].bundle')" "$BUNDLE" "bundle"
  assert_eq "$(echo "$stdout" | jq -r '.[0].owner')" root "owner"
  assert_match "$(echo "$stdout" | jq -r '.[0].created')" '^[0-9]{4}-' "created"
  capture rt list --format json
  assert_status 0
  assert_eq "$(echo "$stdout" | jq -r '.[0].id')" "$CID" "id with --format"
  capture rt delete -f "$CID"
}

test_list_of_empty_root () {
  capture rt list -f json
  assert_status 0
  assert_eq "$(echo "$stdout" | jq 'length')" 0 "entries"
  capture rt list
  assert_status 0
  assert_eq "$(echo "$stdout" | tr -s ' ')" "ID PID STATUS BUNDLE CREATED OWNER" "list of nothing"
}

test_start_of_running_container_fails () {
  cfg_args sleep 1000
  start_detached "$CID"
  capture rt start "$CID"
  assert_status 1
  assert_eq "$(status_of "$CID")" running "status"
  capture rt delete -f "$CID"
}

test_start_of_stopped_container_fails () {
  cfg_args true
  capture rt create -b "$BUNDLE" "$CID"
  capture rt start "$CID"
  assert_status 0
  wait_status "$CID" stopped
  capture rt start "$CID"
  assert_status 1
  capture rt delete "$CID"
  assert_status 0
}

test_run_exits_with_the_container_status () {
  cfg_args sh -c 'echo out; echo err >&2; exit 7'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 7
  assert_eq "$stdout" out "stdout"
  assert_contains "$stderr" err "stderr"
  # run deletes the container when it is done
  capture rt state "$CID"
  assert_status 1
}

test_run_exits_128_plus_signal_when_killed () {
  cfg_args sleep 1000
  rt run -b "$BUNDLE" "$CID" > "$T/run.out" 2>&1 &
  runpid=$!
  wait_status "$CID" running
  capture rt kill "$CID" KILL
  assert_status 0
  st=0
  wait "$runpid" || st=$?
  assert_eq "$st" 137 "exit status of run ($(cat "$T/run.out"))"
}

test_run_passes_stdin_through () {
  cfg_args sh -c 'read line; echo "got $line"'
  out=$(echo hello | rt run -b "$BUNDLE" "$CID")
  assert_eq "$out" "got hello" "output"
}

test_run_detach_returns_while_the_container_runs () {
  cfg_args sleep 1000
  capture rt run -d -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$(status_of "$CID")" running "status after run -d"
  capture rt delete -f "$CID"
  assert_status 0
  capture rt run --detach -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$(status_of "$CID")" running "status after run --detach"
  capture rt delete -f "$CID"
  assert_status 0
}

test_pid_file_matches_state_pid () {
  cfg_args sleep 1000
  capture rt create -b "$BUNDLE" --pid-file "$T/create.pid" "$CID"
  assert_status 0
  assert_eq "$(cat "$T/create.pid")" "$(pid_of "$CID")" "create --pid-file"
  capture rt delete -f "$CID"
  capture rt run -d -b "$BUNDLE" --pid-file "$T/run.pid" "$CID"
  assert_status 0
  assert_eq "$(cat "$T/run.pid")" "$(pid_of "$CID")" "run --pid-file"
  capture rt delete -f "$CID"
}

test_pid_file_relative_to_current_directory () {
  cfg_args sleep 1000
  mkdir "$T/cwd" && cd "$T/cwd"
  capture rt create -b "$BUNDLE" --pid-file rel.pid "$CID"
  assert_status 0
  assert_eq "$(cat "$T/cwd/rel.pid")" "$(pid_of "$CID")" "relative --pid-file"
  capture rt delete -f "$CID"
}

test_kill_sends_sigterm_by_default () {
  cfg_share
  cfg_args sh -c 'trap "echo term > /shared/got; exit 0" TERM; touch /shared/ready; sleep 1000 & wait'
  start_detached "$CID"
  wait_file "$SHARED/ready"
  capture rt kill "$CID"
  assert_status 0
  wait_file "$SHARED/got"
  assert_eq "$(cat "$SHARED/got")" term "signal received"
  wait_status "$CID" stopped
  capture rt delete "$CID"
  assert_status 0
}

test_kill_accepts_sigkill_kill_and_9 () {
  cfg_args sleep 1000
  for sig in SIGKILL KILL 9; do
    start_detached "$CID"
    capture rt kill "$CID" "$sig"
    assert_status 0
    wait_status "$CID" stopped
    capture rt delete "$CID"
    assert_status 0
  done
}

test_kill_delivers_the_named_signal () {
  cfg_share
  cfg_args sh -c 'trap "echo usr1 > /shared/got" USR1; trap "echo hup > /shared/got" HUP; touch /shared/ready; while :; do sleep 1000 & wait; done'
  start_detached "$CID"
  wait_file "$SHARED/ready"
  capture rt kill "$CID" USR1
  assert_status 0
  wait_file "$SHARED/got"
  assert_eq "$(cat "$SHARED/got")" usr1 "after kill USR1"
  rm "$SHARED/got"
  capture rt kill "$CID" SIGHUP
  assert_status 0
  wait_file "$SHARED/got"
  assert_eq "$(cat "$SHARED/got")" hup "after kill SIGHUP"
  capture rt delete -f "$CID"
  assert_status 0
}

test_kill_all_signals_every_process () {
  # The init (pid 1 of its namespace) ignores TERM; its children do not: only
  # --all reaches them, and then the init's `wait` returns.
  cfg_share
  cfg_args sh -c 'sleep 1000 & sleep 1000 & touch /shared/ready; wait; touch /shared/children-gone; exec sleep 1000'
  start_detached "$CID"
  wait_file "$SHARED/ready"
  capture rt kill --all "$CID" TERM
  assert_status 0
  wait_file "$SHARED/children-gone"
  capture rt kill --all "$CID" KILL
  assert_status 0
  wait_status "$CID" stopped
  capture rt delete "$CID"
  assert_status 0
}

test_delete_force_kills_a_running_container () {
  cfg_args sleep 1000
  start_detached "$CID"
  pid=$(pid_of "$CID")
  capture rt delete --force "$CID"
  assert_status 0
  capture rt state "$CID"
  assert_status 1
  wait_until "pid $pid to go" pid_gone "$pid"
}

test_delete_force_of_unknown_container_succeeds () {
  capture rt delete -f "$CID-none"
  assert_status 0
}

test_delete_of_created_container_is_forced () {
  cfg_args sleep 1000
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  capture rt delete -f "$CID"
  assert_status 0
  capture rt state "$CID"
  assert_status 1
}

test_concurrent_create_of_one_id_makes_one_container () {
  cfg_args sleep 1000
  rt create -b "$BUNDLE" "$CID" > "$T/c1.out" 2>&1 &
  p1=$!
  rt create -b "$BUNDLE" "$CID" > "$T/c2.out" 2>&1 &
  p2=$!
  s1=0 s2=0
  wait $p1 || s1=$?
  wait $p2 || s2=$?
  echo "create 1 -> $s1: $(cat "$T/c1.out")" >&2
  echo "create 2 -> $s2: $(cat "$T/c2.out")" >&2
  successes=$(( (s1 == 0) + (s2 == 0) ))
  st=$(status_of "$CID")
  ids=$(rt list -q)
  capture rt delete -f "$CID"
  assert_status 0
  [ "$successes" -le 1 ] || fail "both creates succeeded"
  [ "$s1" = 0 ] || [ "$s1" = 1 ] || fail "create 1 exited with $s1"
  [ "$s2" = 0 ] || [ "$s2" = 1 ] || fail "create 2 exited with $s2"
  runc_differs "runc 1.1 takes no lock: both creates can fail"
  assert_eq "$successes" 1 "number of successful creates"
  assert_match "$(cat "$T/c1.out" "$T/c2.out")" "already exists" "error of the second create"
  assert_eq "$st" created "status"
  assert_eq "$ids" "$CID" "list -q"
}

test_state_dir_and_file_are_private () {
  cfg_args sleep 1000
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  [ -f "$ROOT/$CID/state.json" ] || fail "no $ROOT/$CID/state.json"
  assert_eq "$(stat -c %a "$ROOT/$CID/state.json")" 600 "mode of state.json"
  mode=$(stat -c %a "$ROOT/$CID")
  capture rt delete -f "$CID"
  runc_differs "runc makes the state dir 0711"
  assert_eq "$mode" 700 "mode of the state dir"
}

# A config without process (config.md: "REQUIRED when start is called"):
# create makes a container that waits like any created one; start refuses
# it with exit 1 and leaves it created (its init untouched); delete removes
# it.  runc refuses such a config at create, crun accepts it.
test_create_without_process_is_created_and_start_refuses_it () {
  runc_differs "runc refuses a config without process at create"
  cfg 'del(.process)'
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$(status_of "$CID")" created "status after create"
  pid=$(pid_of "$CID")
  expect_error 'cannot start container "'"$CID"'": its config has no "process", which start requires.*hint: run programs in it with `exec`' \
    rt start "$CID"
  assert_eq "$(status_of "$CID")" created "status after the refused start"
  assert_eq "$(pid_of "$CID")" "$pid" "init after the refused start"
  [ -e "$ROOT/$CID/exec.fifo" ] || fail "the refused start removed the exec fifo"
  # the init waits with nothing: no capability, no_new_privs, root of the container in /
  assert_eq "$(awk '/^Cap(Eff|Prm|Bnd|Inh|Amb):/ { print $2 }' "/proc/$pid/status" | sort -u)" 0000000000000000 \
    "capabilities of the waiting init"
  assert_eq "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$pid/status")" 1 "no_new_privs of the waiting init"
  capture rt delete "$CID"
  assert_status 0
  pid_gone "$pid" || fail "init $pid survived delete"
  capture rt state "$CID"
  assert_status 1
}

test_run_without_process_fails_before_anything_exists () {
  cfg 'del(.process)'
  expect_error 'process: required to run a container.*hint: add a "process" object' rt run -b "$BUNDLE" "$CID"
  runc_differs "runc says: process property must not be empty"
  capture rt list -q
  assert_eq "$stdout" "" "containers after the refused run"
  capture rt run -d -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$output" 'process: required to run a container' "run -d"
}

# exec works into it (crun's exec does the same): uid 0 in /, no
# capability but those --cap adds, no_new_privs, the exit status passed on.
test_exec_into_a_container_without_process () {
  runc_differs "runc refuses a config without process at create"
  cfg 'del(.process)'
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  capture rt exec "$CID" sh -c 'id -u; pwd; awk "/^(CapEff|CapBnd|NoNewPrivs):/ { print \$2 }" /proc/self/status; exit 3'
  assert_status 3
  assert_eq "$stdout" $'0\n/\n0000000000000000\n0000000000000000\n1' "uid, cwd, CapEff, CapBnd, NoNewPrivs"
  capture rt exec --cap CAP_CHOWN --cwd /tmp "$CID" sh -c 'pwd; awk "/^(CapEff|CapBnd):/ { print \$2 }" /proc/self/status'
  assert_status 0
  assert_eq "$stdout" $'/tmp\n0000000000000001\n0000000000000001' "cwd, CapEff, CapBnd with --cap CAP_CHOWN"
  assert_eq "$(status_of "$CID")" created "status after exec"
  capture rt delete -f "$CID"
  assert_status 0
}

# Whoever opens the fifo instead of start (start never does) releases
# nothing: the init exits without running anything.
test_init_without_process_exits_when_its_fifo_is_opened () {
  runc_differs "runc refuses a config without process at create"
  cfg 'del(.process)'
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  pid=$(pid_of "$CID")
  capture timeout 10 cat "$ROOT/$CID/exec.fifo"
  assert_status 0
  assert_eq "$stdout" "" "bytes the init wrote into the fifo"
  wait_until "the init to exit" pid_gone "$pid"
  assert_eq "$(status_of "$CID")" stopped "status"
  capture rt delete "$CID"
  assert_status 0
}

run_tests "$@"
