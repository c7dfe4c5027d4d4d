#!/bin/bash
# File descriptors between the runtime's caller and the container process:
# --preserve-fds, systemd socket activation (LISTEN_FDS/LISTEN_PID as runc
# passes them), the stdio of detached `run -d`, `create` and `exec -d` (the
# caller's own fds, passed through), and nothing else leaking in.
. "$(dirname "$0")/../lib/common.sh"

# rt_listen N ARGS...: the runtime with LISTEN_FDS=N and LISTEN_PID set to its
# own pid, as systemd starts a socket-activated service.
rt_listen () {
  local n=$1
  shift
  LISTEN_FDS=$n timeout -k 5 60 bash -c 'LISTEN_PID=$$ exec "$@"' rt_listen "$RUNCGO" --root "$ROOT" "$@"
}

# FDS_INSIDE: the fds that `ls` inherits from the container process, with the
# one it opens itself to list /proc/self/fd (the lowest free: with N fds
# passed, the listing is 0 .. N, and any leak makes it longer).
FDS_INSIDE='ls /proc/self/fd | sort -n | xargs'

test_preserve_fds_2_passes_fds_3_and_4_to_run () {
  echo fd-three > "$T/fd3"
  echo fd-four > "$T/fd4"
  cfg_args sh -c "cat <&3; cat <&4; $FDS_INSIDE"
  out=$(rt run --preserve-fds 2 -b "$BUNDLE" "$CID" 3< "$T/fd3" 4< "$T/fd4" 5< "$T/fd3" 9< "$T/fd3")
  assert_eq "$out" "fd-three
fd-four
0 1 2 3 4 5" "output"
}

test_preserve_fds_2_passes_create_s_fds_3_and_4 () {
  echo fd-three > "$T/fd3"
  echo fd-four > "$T/fd4"
  cfg_args sh -c "cat <&3; cat <&4; $FDS_INSIDE"
  st=0
  rt create --preserve-fds 2 -b "$BUNDLE" "$CID" 3< "$T/fd3" 4< "$T/fd4" 5< "$T/fd3" > "$T/out" 2>&1 < /dev/null || st=$?
  [ "$st" = 0 ] || fail "create exited with $st: $(cat "$T/out")"
  # start has other fds 3 and 4: only create's count
  capture rt start "$CID" 3< /dev/null 4< /dev/null
  assert_status 0
  wait_status "$CID" stopped
  assert_eq "$(cat "$T/out")" "fd-three
fd-four
0 1 2 3 4 5" "output"
  capture rt delete "$CID"
  assert_status 0
}

test_no_other_fd_reaches_the_container () {
  cfg_args sh -c "$FDS_INSIDE"
  out=$(rt run -b "$BUNDLE" "$CID" 3< "$BUNDLE/config.json" 4< "$BUNDLE/config.json" 7< /dev/null 63< /dev/null)
  assert_eq "$out" "0 1 2 3" "fds inside"
}

test_no_other_fd_reaches_an_exec_process () {
  cfg_args sleep 1000
  start_detached "$CID"
  out=$(rt exec "$CID" sh -c "$FDS_INSIDE" 3< "$BUNDLE/config.json" 5< /dev/null 63< /dev/null)
  assert_eq "$out" "0 1 2 3" "fds inside"
  out=$(rt exec --preserve-fds 2 "$CID" sh -c "$FDS_INSIDE" 3< "$BUNDLE/config.json" 4< /dev/null 63< /dev/null)
  assert_eq "$out" "0 1 2 3 4 5" "fds inside with --preserve-fds 2"
  capture rt delete -f "$CID"
}

test_listen_fds_are_passed_and_listen_pid_is_rewritten () {
  echo socket-one > "$T/fd3"
  echo socket-two > "$T/fd4"
  cfg_args sh -c "echo \"\$LISTEN_FDS \$LISTEN_PID \$\$\"; cat <&3; cat <&4; $FDS_INSIDE"
  out=$(rt_listen 2 run -b "$BUNDLE" "$CID" 3< "$T/fd3" 4< "$T/fd4" 5< "$T/fd3")
  assert_eq "$out" "2 1 1
socket-one
socket-two
0 1 2 3 4 5" "LISTEN_FDS LISTEN_PID \$\$, fds 3 and 4, fds inside"
}

test_listen_fds_reach_a_created_container () {
  echo socket-one > "$T/fd3"
  cfg_args sh -c "echo \"\$LISTEN_FDS \$LISTEN_PID\"; cat <&3; $FDS_INSIDE"
  st=0
  rt_listen 1 create -b "$BUNDLE" "$CID" 3< "$T/fd3" > "$T/out" 2>&1 < /dev/null || st=$?
  [ "$st" = 0 ] || fail "create exited with $st: $(cat "$T/out")"
  capture rt start "$CID"
  assert_status 0
  wait_status "$CID" stopped
  assert_eq "$(cat "$T/out")" "1 1
socket-one
0 1 2 3 4" "output"
  capture rt delete "$CID"
}

test_listen_fds_come_before_preserved_fds () {
  echo socket-one > "$T/fd3"
  echo preserved > "$T/fd4"
  cfg_args sh -c "echo \"\$LISTEN_FDS\"; cat <&3; cat <&4; $FDS_INSIDE"
  out=$(rt_listen 1 run --preserve-fds 1 -b "$BUNDLE" "$CID" 3< "$T/fd3" 4< "$T/fd4" 5< "$T/fd3")
  assert_eq "$out" "1
socket-one
preserved
0 1 2 3 4 5" "output"
}

test_listen_fds_of_another_process_are_ignored () {
  # LISTEN_PID names some other process: the fds are not ours to pass
  cfg_args sh -c "echo \"[\${LISTEN_FDS:-unset}] [\${LISTEN_PID:-unset}]\"; $FDS_INSIDE"
  out=$(LISTEN_FDS=1 LISTEN_PID=1 rt run -b "$BUNDLE" "$CID" 3< "$BUNDLE/config.json")
  assert_eq "$out" "[unset] [unset]
0 1 2 3" "LISTEN_* and fds inside"
}

test_run_detach_leaves_stdio_to_the_caller_s_fds () {
  echo from-stdin > "$T/in"
  cfg_args sh -c 'cat; echo to-err >&2; touch /tmp/done; exec sleep 1000'
  st=0
  rt run -d -b "$BUNDLE" "$CID" < "$T/in" > "$T/out" 2> "$T/err" || st=$?
  [ "$st" = 0 ] || fail "run -d exited with $st: $(cat "$T/out" "$T/err")"
  init=$(pid_of "$CID")
  wait_until "the container to write" test -e "/proc/$init/root/tmp/done"
  assert_eq "$(cat "$T/out")" from-stdin "stdout file"
  assert_eq "$(cat "$T/err")" to-err "stderr file"
  assert_eq "$(readlink "/proc/$init/fd/1")" "$T/out" "stdout of the container process"
  assert_eq "$(readlink "/proc/$init/fd/2")" "$T/err" "stderr of the container process"
  capture rt delete -f "$CID"
  assert_status 0
}

test_create_passes_its_stdio_to_the_container () {
  echo from-stdin > "$T/in"
  cfg_args sh -c 'read line; echo "got $line"; echo to-err >&2'
  st=0
  rt create -b "$BUNDLE" "$CID" < "$T/in" > "$T/out" 2> "$T/err" || st=$?
  [ "$st" = 0 ] || fail "create exited with $st: $(cat "$T/out" "$T/err")"
  # start's own stdio is not the container's
  capture rt start "$CID"
  assert_status 0
  assert_eq "$output" "" "output of start"
  wait_status "$CID" stopped
  assert_eq "$(cat "$T/out")" "got from-stdin" "stdout file"
  assert_eq "$(cat "$T/err")" to-err "stderr file"
  capture rt delete "$CID"
}

test_exec_detach_leaves_stdio_to_the_caller_s_fds () {
  cfg_args sleep 1000
  start_detached "$CID"
  echo from-stdin > "$T/in"
  st=0
  rt exec -d --pid-file "$T/exec.pid" "$CID" sh -c 'cat; echo to-err >&2; exec sleep 1000' \
    < "$T/in" > "$T/out" 2> "$T/err" || st=$?
  [ "$st" = 0 ] || fail "exec -d exited with $st: $(cat "$T/out" "$T/err")"
  wait_until "the exec'd process to write" test -s "$T/err"
  assert_eq "$(cat "$T/out")" from-stdin "stdout file"
  assert_eq "$(cat "$T/err")" to-err "stderr file"
  assert_eq "$(readlink "/proc/$(cat "$T/exec.pid")/fd/1")" "$T/out" "stdout of the exec'd process"
  capture rt delete -f "$CID"
}

run_tests "$@"
