#!/bin/bash
# containerd (Debian's containerd 1.6) driving the runtime under test through
# its runc shim, io.containerd.runc.v2, with the shim's BinaryName option
# (`ctr run --runc-binary`): run, exec, -t, kill, pause/resume.  The daemon
# is the suite's own (tests/clients/lib.sh); `cr` is ctr on its socket.
# By hand: sudo [RUNTIME=runc|crun|PATH] tests/clients/containerd.sh [REGEX]
. "$(dirname "$0")/lib.sh"

client_requires containerd ctr containerd-shim-runc-v2
containerd_setup
IMG=$CTR_IMAGE

test_run_echo_hi () {
  local before
  before=$(grep -c ' create ' "$RUNTIME_TRACE" || true)
  ok_run cr run --rm "$IMG" "c$TEST_COUNT" echo hi
  assert_eq "$stdout" hi
  if [ "${CLIENT_TRACE:-1}" = 1 ]; then
    [ "$(grep -c ' create ' "$RUNTIME_TRACE")" -gt "$before" ] ||
      fail "the shim did not call the runtime under test ($RT_PATH)"
  fi
}

test_exit_status_is_propagated () {
  capture cr run --rm "$IMG" "c$TEST_COUNT" sh -c 'exit 7'
  assert_status 7
}

test_exec () {
  local c=c$TEST_COUNT
  ok_run cr run -d "$IMG" "$c" sleep 1000
  ok_run cr task exec --exec-id e1 "$c" sh -c 'echo exec-ok; cat /proc/1/cmdline | tr "\0" " "'
  assert_contains "$stdout" exec-ok "exec output"
  assert_contains "$stdout" "sleep 1000" "the container's PID 1 seen from exec"
  capture cr task exec --exec-id e2 "$c" sh -c 'exit 3'
  assert_status 3
  ok_run cr task exec --exec-id e3 --cwd /tmp --user 1000 "$c" sh -c 'echo "$(pwd) $(id -u)"'
  assert_eq "$stdout" "/tmp 1000" "exec with --cwd and --user"
}

test_run_tty_in_tmux () {
  tmux_start "cr run -t --rm $IMG c$TEST_COUNT sh"
  tmux_check_shell '30 100'
  tmux_type 'exit 5'
  assert_eq "$(tmux_exit_status)" 5 "exit status of ctr run -t"
}

test_exec_tty_in_tmux () {
  local c=c$TEST_COUNT
  ok_run cr run -d "$IMG" "$c" sleep 1000
  tmux_start "cr task exec -t --exec-id et $c sh"
  tmux_check_shell
  tmux_type 'exit 4'
  assert_eq "$(tmux_exit_status)" 4 "exit status of ctr task exec -t"
}

task_status () { cr task ls | awk -v c="$1" '$1 == c { print $3 }'; }

test_kill () {
  local c=c$TEST_COUNT st=0
  # ctr run in the foreground reports the task's fate as its own status
  cr run --rm "$IMG" "$c" sleep 1000 > "$T/run.out" 2>&1 < /dev/null &
  local runner=$!
  WAIT_SECONDS=20 wait_until "task $c running" sh -c "cr task ls | grep -q '^$c .*RUNNING'"
  ok_run cr task kill -s KILL "$c"
  timeout 20 tail --pid="$runner" -f /dev/null || true
  wait "$runner" || st=$?
  cat "$T/run.out" >&2
  assert_eq "$st" 137 "status of ctr run after SIGKILL"
  # SIGTERM to a shell that traps it, detached
  ok_run cr run -d "$IMG" "${c}t" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
  sleep 0.5
  ok_run cr task kill -s TERM "${c}t"
  WAIT_SECONDS=20 wait_until "task ${c}t stopped" sh -c "cr task ls | grep -q '^${c}t .*STOPPED'"
}

test_pause_resume () {
  local c=c$TEST_COUNT n1 n2 n3
  mkdir "$T/vol"
  ok_run cr run -d --mount "type=bind,src=$T/vol,dst=/data,options=rbind:rw" "$IMG" "$c" \
    sh -c 'i=0; while :; do i=$((i + 1)); echo $i > /data/n.t; mv /data/n.t /data/n; sleep 0.05; done'
  wait_until "the counter" test -s "$T/vol/n"
  ok_run cr task pause "$c"
  assert_eq "$(task_status "$c")" PAUSED "status after pause"
  n1=$(cat "$T/vol/n")
  sleep 0.5
  n2=$(cat "$T/vol/n")
  assert_eq "$n2" "$n1" "counter while paused"
  ok_run cr task resume "$c"
  assert_eq "$(task_status "$c")" RUNNING "status after resume"
  sleep 0.5
  n3=$(cat "$T/vol/n")
  [ "$n3" -gt "$n2" ] || fail "counter did not move after resume ($n2 -> $n3)"
}

run_tests "$@"
