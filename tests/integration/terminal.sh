#!/bin/bash
# Terminals (config.md "Console", runtime-linux.md "/dev/console", runc's
# console-socket protocol): process.terminal makes a pty inside the container
# and sends its master over --console-socket with SCM_RIGHTS (what conmon and
# containerd's shim receive); a foreground `run` proxies the user's own tty
# (driven here through tmux).  Checked from inside and on the received master.
. "$(dirname "$0")/../lib/common.sh"

# at_exit CMD: run CMD when the test ends, whatever happens.
AT_EXIT=
at_exit () {
  AT_EXIT="$1; $AT_EXIT"
  trap "$AT_EXIT" EXIT
}

# spawn CMD...: run a helper in the background ($SPAWNED is its pid), killed
# when the test ends.
SPAWNED=
spawn () {
  "$@" &
  SPAWNED=$!
  at_exit "kill $SPAWNED 2> /dev/null || true"
}

# console_run [recvtty options]: create + start $CID of $BUNDLE with a
# recvtty on --console-socket (INPUT typed once the master arrives; what the
# container writes goes to $T/out, carriage returns removed, once it is done).
console_run () {
  spawn "$(tool recvtty)" -n "$T/info" -o "$T/out.raw" "$@" "$T/console.sock"
  local receiver=$SPAWNED st=0
  wait_file "$T/console.sock"
  capture rt create --console-socket "$T/console.sock" -b "$BUNDLE" "$CID"
  assert_status 0
  capture rt start "$CID"
  assert_status 0
  wait "$receiver" || st=$?
  [ "$st" = 0 ] || fail "recvtty exited with $st (124: nothing received or terminal never closed): $(cat "$T/out.raw" 2> /dev/null || true)"
  tr -d '\r' < "$T/out.raw" > "$T/out"
  wait_status "$CID" stopped
  capture rt delete "$CID"
  assert_status 0
}

test_console_socket_receives_a_pty_master_that_drives_the_shell () {
  cfg '.process.terminal = true'
  cfg_args sh
  console_run -i 'echo hi-$((6*7))\nexit\n'
  assert_match "$(cat "$T/info")" '^ptn=[0-9]+ ' "what recvtty received (TIOCGPTN on it)"
  assert_match "$(cat "$T/out")" '^hi-42$' "output of the typed command"
}

test_terminal_is_stdio_controlling_tty_and_dev_console () {
  cfg '.process.terminal = true'
  cfg_args sh -c 'tty; test -t 0 && test -t 1 && test -t 2 && echo stdio-on-tty;
                  : < /dev/tty && echo has-controlling-tty;
                  test "$(stat -c %t:%T /dev/console)" = "$(stat -L -c %t:%T /proc/self/fd/0)" && echo console-is-the-pty'
  console_run
  out=$(cat "$T/out")
  assert_match "$out" '^/dev/pts/0$' "tty (the first pty of the container's own devpts)"
  assert_match "$out" '^stdio-on-tty$' "stdio"
  assert_match "$out" '^has-controlling-tty$' "controlling terminal"
  assert_match "$out" '^console-is-the-pty$' "/dev/console"
}

test_console_size_is_applied () {
  cfg '.process.terminal = true | .process.consoleSize = {"height": 40, "width": 100}'
  cfg_args stty size
  console_run
  assert_eq "$(cat "$T/out")" "40 100" "stty size"
}

test_bad_console_socket_fails_create_before_anything_exists () {
  cfg '.process.terminal = true'
  cfg_args sh
  for sock in "$T/no/such/dir/console.sock" "$T/not-a-socket"; do
    : > "$T/not-a-socket"
    capture rt create --console-socket "$sock" -b "$BUNDLE" "$CID"
    assert_status 1
    assert_contains "$output" "$sock" "error message"
    [ ! -e "$ROOT/$CID" ] || fail "state dir $ROOT/$CID left after the failed create"
    capture rt state "$CID"
    assert_status 1
    assert_contains "$output" "does not exist" "state after the failed create"
  done
}

test_terminal_without_console_socket_fails_create () {
  cfg '.process.terminal = true'
  cfg_args sh
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 1
  assert_match "$output" 'console[- ]socket' "error message"
  capture rt state "$CID"
  assert_status 1
}

# ------------------------------------------------------------ foreground run
# `run` with a terminal in a tmux pane: runc proxies the pane's tty (raw mode,
# window size, SIGWINCH) to the container's pty and restores the tty after.

tmx () { tmux -S "$T/tmux.sock" "$@"; }

# pane: the visible text of the pane.
pane () { tmx capture-pane -p -t run; }
pane_has () { pane | grep -Eq -- "$1"; }

# wait_pane ERE: poll the pane until a line matches.
wait_pane () {
  local i
  for ((i = 0; i < 500; i++)); do
    pane_has "$1" && return 0
    sleep 0.02
  done
  fail "timed out waiting for /$1/ in the pane: $(pane)"
}

# tty_run: `run` $CID of $BUNDLE (process.terminal, sh) in a 90x20 tmux pane;
# $T/status gets its exit status, $T/stty.before/after the tty modes around it.
tty_run () {
  command -v tmux > /dev/null || skip "tmux is needed to give run a terminal"
  cfg '.process.terminal = true'
  cfg_args sh
  cat > "$T/wrapper.sh" << EOF
stty -g > "$T/stty.before"
timeout --foreground 60 "$RUNCGO" --root "$ROOT" run -b "$BUNDLE" "$CID"
echo \$? > "$T/status.new"
stty -g > "$T/stty.after"
mv "$T/status.new" "$T/status"
exec sleep 60
EOF
  echo 'set -g status off' > "$T/tmux.conf"
  at_exit "tmux -S '$T/tmux.sock' kill-server 2> /dev/null || true"
  tmx -f "$T/tmux.conf" new-session -d -s run -x 90 -y 20 "sh $T/wrapper.sh"
  wait_pane '^/ #'   # the container's shell prompt
}

# tty_run_exit STATUS: type `exit STATUS`, wait for run to end, check its status
# and that the tty modes are back.
tty_run_exit () {
  tmx send-keys -t run "exit $1" Enter
  wait_file "$T/status"
  assert_eq "$(cat "$T/status")" "$1" "exit status of run"
  assert_eq "$(cat "$T/stty.after")" "$(cat "$T/stty.before")" "tty modes after run (restored)"
  capture rt state "$CID"
  assert_status 1
}

test_foreground_run_proxies_the_terminal () {
  tty_run
  tmx send-keys -t run 'tty; echo hi-$((6*7))' Enter
  wait_pane '^hi-42$'
  assert_match "$(pane)" '^/dev/pts/0$' "tty inside"
  tty_run_exit 3
}

test_foreground_run_passes_ctrl_c_to_the_container () {
  tty_run
  tmx send-keys -t run 'sleep 100' Enter
  sleep 0.5
  tmx send-keys -t run C-c
  tmx send-keys -t run 'echo after-$((1+1))' Enter
  wait_pane '^after-2$'
  tty_run_exit 4
}

test_foreground_run_propagates_window_size () {
  tty_run
  tmx send-keys -t run 'stty size' Enter
  wait_pane '^20 90$'
  tmx resize-window -t run -x 100 -y 30
  tmx send-keys -t run 'clear; stty size' Enter
  wait_pane '^30 100$'
  tty_run_exit 0
}

run_tests "$@"
