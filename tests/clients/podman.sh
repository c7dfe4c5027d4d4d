#!/bin/bash
# Podman (rootful, through conmon) with the runtime under test as --runtime:
# the scenarios of issue 3, "Proof with a real engine".  The image is made
# offline (tests/clients/lib.sh); `pm` is the suite's private podman.
# By hand: sudo [RUNTIME=runc|crun|PATH] tests/clients/podman.sh [REGEX]
. "$(dirname "$0")/lib.sh"

client_requires podman conmon /usr/lib/podman/netavark
podman_setup
IMG=$PODMAN_IMAGE

test_run_rm_echo_hi () {
  ok_run pm run --rm "$IMG" echo hi
  assert_eq "$stdout" hi
}

test_exit_status_is_propagated () {
  capture pm run --rm "$IMG" sh -c 'exit 7'
  assert_status 7
  # killed by a signal: 128+N (sh is PID 1 inside: only a signal from
  # outside its PID namespace can kill it)
  ok_run pm run -d --name "k$TEST_COUNT" "$IMG" sleep 1000
  ok_run pm kill -s KILL "k$TEST_COUNT"
  ok_run pm wait "k$TEST_COUNT"
  assert_eq "$stdout" 137 "exit code after SIGKILL"
}

test_detached_exec_stop_rm () {
  ok_run pm run -d --name "d$TEST_COUNT" "$IMG" sleep 1000
  exec_stop_rm "d$TEST_COUNT"
}

test_interactive_tty_in_tmux () {
  tmux_start "pm run -it --rm --name i$TEST_COUNT $IMG sh"
  tmux_check_shell '30 100'
  tmux_type 'exit 5'
  assert_eq "$(tmux_exit_status)" 5 "exit status of podman run -it"
}

test_user_1000 () {
  ok_run pm run --rm --user 1000:1000 "$IMG" sh -c 'echo "$(id -u) $(id -g)"'
  assert_eq "$stdout" "1000 1000" "uid and gid"
}

test_volume_write_inside_read_on_host () {
  mkdir "$T/vol"
  ok_run pm run --rm -v "$T/vol:/data" "$IMG" sh -c 'echo written-inside > /data/file'
  assert_eq "$(cat "$T/vol/file")" written-inside "file on the host"
}

test_read_only_root () {
  capture pm run --rm --read-only "$IMG" touch /file
  assert_failed
  assert_contains "$output" "Read-only file system"
  # --read-only keeps tmpfs on /tmp, /run and /var/tmp writable
  ok_run pm run --rm --read-only "$IMG" touch /tmp/file
}

test_cap_drop_all () {
  ok_run pm run --rm --cap-drop ALL "$IMG" grep CapEff /proc/self/status
  assert_match "$stdout" '^CapEff:[[:space:]]+0000000000000000$' "CapEff"
  ok_run pm run --rm "$IMG" grep CapEff /proc/self/status
  assert_no_match "$stdout" '0000000000000000' "CapEff without --cap-drop"
}

test_seccomp_profile_denies_mkdir () {
  cat > "$T/seccomp.json" << 'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]
}
EOF
  capture pm run --rm --security-opt "seccomp=$T/seccomp.json" "$IMG" mkdir /tmp/dir
  assert_failed
  assert_contains "$output" "Operation not permitted"
  ok_run pm run --rm "$IMG" mkdir /tmp/dir
}

test_network_none_has_only_lo () {
  ok_run pm run --rm --network none "$IMG" sh -c "ip -o link | awk -F': ' '{print \$2}'"
  assert_eq "$stdout" lo "interfaces"
}

test_env () {
  ok_run pm run --rm -e VAR=x "$IMG" sh -c 'echo "VAR=$VAR"'
  assert_eq "$stdout" VAR=x
}

test_workdir () {
  ok_run pm run --rm --workdir /tmp "$IMG" pwd
  assert_eq "$stdout" /tmp
}

test_logs () {
  ok_run pm run -d --name "l$TEST_COUNT" "$IMG" sh -c 'echo to-stdout; echo to-stderr >&2'
  ok_run pm wait "l$TEST_COUNT"
  assert_eq "$stdout" 0 "exit code from podman wait"
  ok_run pm logs "l$TEST_COUNT"
  assert_contains "$output" to-stdout
  assert_contains "$output" to-stderr
}

test_top () {
  ok_run pm run -d --name "t$TEST_COUNT" "$IMG" sleep 1000
  ok_run pm top "t$TEST_COUNT"
  assert_match "$stdout" 'sleep 1000' "podman top"
  ok_run pm top "t$TEST_COUNT" user pid args
  assert_match "$stdout" '^root +1 +sleep 1000' "podman top user pid args"
}

# The container sends READY=1 (the notify helper) to the NOTIFY_SOCKET the
# runtime gives it, once the test lets it (a file in a volume): READY=1 must
# reach the socket podman was given then, and not before.
test_sdnotify_container () {
  mkdir "$T/vol"
  notify -l "$T/notify.sock" 40 > "$T/notify.out" 2>&1 &
  local listener=$! st=0
  wait_until "the notify listener" test -S "$T/notify.sock"
  NOTIFY_SOCKET=$T/notify.sock ok_run pm run -d --name "n$TEST_COUNT" --sdnotify=container -v "$T/vol:/vol" "$IMG" \
    sh -c 'echo "NOTIFY_SOCKET=$NOTIFY_SOCKET"; while [ ! -e /vol/go ]; do sleep 0.1; done; notify READY=1; exec sleep 1000'
  sleep 1
  if ! kill -0 "$listener" 2> /dev/null; then
    fail "the listener ended before the container notified: $(cat "$T/notify.out")"
  fi
  touch "$T/vol/go"
  wait "$listener" || st=$?
  echo "listener got: $(cat "$T/notify.out")" >&2
  assert_eq "$st" 0 "READY=1 received on the caller's NOTIFY_SOCKET"
  ok_run pm logs "n$TEST_COUNT"
  assert_match "$output" '^NOTIFY_SOCKET=/' "NOTIFY_SOCKET inside the container"
}

test_publish_port_loopback_httpd () {
  local port
  port=$(next_port)
  ok_run pm run -d --name "h$TEST_COUNT" -p "127.0.0.1:$port:80" "$IMG" httpd -f -p 80 -h /www
  wait_until "httpd on 127.0.0.1:$port" http_get "http://127.0.0.1:$port/"
  assert_eq "$(http_get "http://127.0.0.1:$port/")" "$IMAGE_PAGE" "page fetched from the host"
}

run_tests "$@"
