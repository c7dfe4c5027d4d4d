#!/bin/bash
# What the runtime reports back to the manager that runs it: sd_notify READY
# from the container through NOTIFY_SOCKET (runc's proxy socket, bound into
# the container at /run/notify/notify.sock), the --pid-file, and errors in
# the --log file as JSON (containerd and conmon read them), including errors
# that happen inside the container init and in exec.
. "$(dirname "$0")/../lib/common.sh"

# listen_notify: a notify_listener on $T/notify.sock writing $T/notify.out,
# stopped when the test ends; puts sd_notify into the bundle's rootfs.
listen_notify () {
  cp "$(tool sd_notify)" "$BUNDLE/rootfs/bin/sd_notify"
  "$(tool notify_listener)" -t 60 "$T/notify.sock" "$T/notify.out" &
  trap "kill $! 2> /dev/null || true" EXIT
  wait_file "$T/notify.sock"
}

# rtn ARGS...: the runtime with NOTIFY_SOCKET set to the listener's socket.
rtn () {
  NOTIFY_SOCKET=$T/notify.sock rt "$@"
}

notify_has () { grep -qx -- "$1" "$T/notify.out" 2> /dev/null; }

test_notify_ready_reaches_the_caller_after_start () {
  listen_notify
  cfg_args sh -c 'sd_notify READY=1 && exec sleep 1000'
  capture rtn create -b "$BUNDLE" "$CID"
  assert_status 0
  capture rtn start "$CID"
  assert_status 0
  wait_until "READY=1 on the caller's socket" notify_has READY=1
  # runc then names the container's init as the main pid (systemd watches it)
  wait_until "MAINPID on the caller's socket" notify_has "MAINPID=$(pid_of "$CID")"
  capture rt delete -f "$CID"
  assert_status 0
}

test_notify_socket_inside_is_the_runtime_s_proxy () {
  listen_notify
  cfg_args sh -c 'echo "$NOTIFY_SOCKET"; test -S "$NOTIFY_SOCKET" && echo is-a-socket;
                  grep " /run/notify " /proc/self/mountinfo | grep -q " ro," && echo read-only-mount;
                  sd_notify READY=1; exec sleep 1000'
  st=0
  rtn create -b "$BUNDLE" "$CID" > "$T/out" 2>&1 < /dev/null || st=$?
  [ "$st" = 0 ] || fail "create exited with $st: $(cat "$T/out")"
  capture rtn start "$CID"
  assert_status 0
  wait_until "READY=1 on the caller's socket" notify_has READY=1
  assert_eq "$(cat "$T/out")" "/run/notify/notify.sock
is-a-socket
read-only-mount" "NOTIFY_SOCKET inside, its type and mount"
  capture rt delete -f "$CID"
}

test_start_returns_after_the_container_is_ready () {
  listen_notify
  cfg_args sh -c 'sleep 1; touch /tmp/before-ready; sd_notify READY=1; exec sleep 1000'
  capture rtn create -b "$BUNDLE" "$CID"
  assert_status 0
  capture rtn start "$CID"
  assert_status 0
  [ -e "/proc/$(pid_of "$CID")/root/tmp/before-ready" ] || fail "start returned before the container was ready"
  wait_until "READY=1 on the caller's socket" notify_has READY=1
  capture rt delete -f "$CID"
}

test_run_detach_returns_after_the_container_is_ready () {
  listen_notify
  cfg_args sh -c 'sleep 1; touch /tmp/before-ready; sd_notify READY=1; exec sleep 1000'
  capture rtn run -d -b "$BUNDLE" "$CID"
  assert_status 0
  [ -e "/proc/$(pid_of "$CID")/root/tmp/before-ready" ] || fail "run -d returned before the container was ready"
  wait_until "READY=1 on the caller's socket" notify_has READY=1
  wait_until "MAINPID on the caller's socket" notify_has "MAINPID=$(pid_of "$CID")"
  capture rt delete -f "$CID"
}

test_foreground_run_forwards_ready () {
  listen_notify
  cfg_args sh -c 'sd_notify READY=1 && echo notified'
  capture rtn run -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$stdout" notified "output"
  wait_until "READY=1 on the caller's socket" notify_has READY=1
}

test_start_does_not_wait_for_a_container_that_never_notifies () {
  listen_notify
  cfg_args true
  capture rtn create -b "$BUNDLE" "$CID"
  assert_status 0
  t0=$EPOCHSECONDS
  capture rtn start "$CID"
  assert_status 0
  [ $((EPOCHSECONDS - t0)) -lt 10 ] || fail "start waited $((EPOCHSECONDS - t0)) s for an exited container"
  wait_status "$CID" stopped
  capture rt delete "$CID"
  assert_status 0
  ! notify_has READY=1 || fail "READY=1 arrived though the container never sent it"
}

test_no_notify_socket_inside_without_notify_socket () {
  unset NOTIFY_SOCKET
  out=$(inside sh -c 'echo "[${NOTIFY_SOCKET:-unset}]"; test -e /run/notify && echo has-run-notify; true')
  assert_eq "$out" "[unset]" "NOTIFY_SOCKET and /run/notify inside"
}

# ------------------------------------------------------------ pid file

test_pid_file_replaces_a_symlink_instead_of_writing_through_it () {
  cfg_args sleep 1000
  echo victim > "$T/victim"
  ln -s "$T/victim" "$T/ctr.pid"
  capture rt create -b "$BUNDLE" --pid-file "$T/ctr.pid" "$CID"
  assert_status 0
  assert_eq "$(cat "$T/victim")" victim "the symlink's target"
  [ ! -L "$T/ctr.pid" ] || fail "the pid file is still the symlink"
  assert_eq "$(cat "$T/ctr.pid")" "$(pid_of "$CID")" "pid file"
  assert_match "$(cat "$T/ctr.pid")" '^[1-9][0-9]*$' "pid file"
  # written under another name and renamed: nothing else is left beside it
  left=$(find "$T" -maxdepth 1 -name '*pid*' ! -name ctr.pid)
  assert_eq "$left" "" "other files named *pid* beside the pid file"
  capture rt delete -f "$CID"
}

test_pid_file_in_a_missing_directory_fails_and_leaves_nothing () {
  cfg_args sleep 1000
  capture rt create -b "$BUNDLE" --pid-file "$T/no/such/dir/ctr.pid" "$CID"
  assert_status 1
  assert_contains "$output" "$T/no/such/dir" "error message"
  capture rt state "$CID"
  assert_status 1
  assert_contains "$output" "does not exist" "state after the failed create"
}

# ------------------------------------------------------------ --log

# json_errors FILE: the msg of every level=error entry of a JSON log (every
# line must be a JSON object).
json_errors () {
  jq -e -r 'if type == "object" then . else error("not an object") end | select(.level == "error") | .msg' "$1" ||
    fail "log $1 is not JSON lines with level and msg: $(cat "$1")"
}

test_log_json_gets_an_error_from_inside_the_container_init () {
  cfg_args /no/such/binary
  capture rt --log "$T/log.json" --log-format json create -b "$BUNDLE" "$CID"
  assert_status 1
  [ -s "$T/log.json" ] || fail "nothing in the log file"
  errors=$(json_errors "$T/log.json")
  assert_match "$errors" '/no/such/binary' "error entries"
  assert_match "$errors" '[Nn]o such file or directory|executable file not found' "error entries"
  capture rt state "$CID"
  assert_status 1
}

test_log_json_gets_exec_and_start_errors () {
  cfg_args sleep 1000
  start_detached "$CID"
  capture rt --log "$T/exec.json" --log-format json exec "$CID" /no/such/binary
  [ "$status" != 0 ] || fail "exec of a missing binary succeeded"
  assert_match "$(json_errors "$T/exec.json")" '/no/such/binary' "error entries of exec"
  capture rt --log "$T/start.json" --log-format json start "$CID-none"
  assert_status 1
  assert_match "$(json_errors "$T/start.json")" 'does not exist' "error entries of start"
  capture rt delete -f "$CID"
}

run_tests "$@"
