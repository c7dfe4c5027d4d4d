#!/bin/bash
# Docker (Debian's docker.io daemon, through containerd's runc shim) with the
# runtime under test as a `runtimes` entry of daemon.json, used with
# `docker run --runtime=runcgo`: the scenarios of issue 3.  The daemon is the
# suite's own (tests/clients/lib.sh); `dk` is its CLI.
# By hand: sudo [RUNTIME=runc|crun|PATH] tests/clients/docker.sh [REGEX]
. "$(dirname "$0")/lib.sh"

client_requires dockerd containerd containerd-shim-runc-v2
docker_setup
IMG=$DOCKER_IMAGE
R="--runtime=$DOCKER_RUNTIME"

test_run_rm_echo_hi () {
  ok_run dk run --rm "$R" "$IMG" echo hi
  assert_eq "$stdout" hi
  # the container really ran with the runtime under test
  ok_run dk run -d "$R" --name "r$TEST_COUNT" "$IMG" true
  ok_run dk wait "r$TEST_COUNT"
  ok_run dk inspect -f '{{.HostConfig.Runtime}}' "r$TEST_COUNT"
  assert_eq "$stdout" "$DOCKER_RUNTIME" "runtime of the container"
}

test_exit_status_is_propagated () {
  capture dk run --rm "$R" "$IMG" sh -c 'exit 7'
  assert_status 7
}

test_interactive_tty_in_tmux () {
  tmux_start "dk run -it --rm $R $IMG sh"
  tmux_check_shell '30 100'
  tmux_type 'exit 5'
  assert_eq "$(tmux_exit_status)" 5 "exit status of docker run -it"
}

test_detached_exec () {
  local c=d$TEST_COUNT
  ok_run dk run -d "$R" --name "$c" "$IMG" sleep 1000
  ok_run dk exec "$c" sh -c 'echo exec-ok; cat /proc/1/cmdline | tr "\0" " "'
  assert_contains "$stdout" exec-ok "exec output"
  assert_contains "$stdout" "sleep 1000" "the container's PID 1 seen from exec"
  capture dk exec "$c" sh -c 'exit 3'
  assert_status 3
  ok_run dk exec -e FROM_EXEC=yes -w /tmp -u 1000:1000 "$c" sh -c 'echo "$FROM_EXEC $(pwd) $(id -u)"'
  assert_eq "$stdout" "yes /tmp 1000" "exec with -e, -w and -u"
  ok_run dk inspect -f '{{.State.Status}}' "$c"
  assert_eq "$stdout" running "container after the execs"
}

test_exec_it_in_tmux () {
  local c=d$TEST_COUNT
  ok_run dk run -d "$R" --name "$c" "$IMG" sleep 1000
  tmux_start "dk exec -it $c sh"
  tmux_check_shell
  tmux_type 'exit 4'
  assert_eq "$(tmux_exit_status)" 4 "exit status of docker exec -it"
  ok_run dk inspect -f '{{.State.Status}}' "$c"
  assert_eq "$stdout" running "container after exec -it"
}

test_logs () {
  local c=l$TEST_COUNT
  ok_run dk run -d "$R" --name "$c" "$IMG" sh -c 'echo to-stdout; echo to-stderr >&2'
  ok_run dk wait "$c"
  assert_eq "$stdout" 0 "exit code from docker wait"
  ok_run dk logs "$c"
  assert_eq "$stdout" to-stdout "stdout in docker logs"
  assert_eq "$stderr" to-stderr "stderr in docker logs"
}

test_stop () {
  local c=s$TEST_COUNT
  ok_run dk run -d "$R" --name "$c" "$IMG" sh -c 'trap "echo got-TERM; exit 0" TERM; while :; do sleep 0.1; done'
  sleep 0.5
  ok_run dk stop -t 10 "$c"
  ok_run dk inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$c"
  assert_eq "$stdout" "exited 0" "state after stop (SIGTERM handled)"
  ok_run dk logs "$c"
  assert_contains "$stdout" got-TERM
  # PID 1 ignoring SIGTERM: docker escalates to SIGKILL
  ok_run dk run -d "$R" --name "${c}k" "$IMG" sleep 1000
  ok_run dk stop -t 1 "${c}k"
  ok_run dk inspect -f '{{.State.Status}} {{.State.ExitCode}}' "${c}k"
  assert_eq "$stdout" "exited 137" "state after stop (SIGKILL)"
}

test_memory_limit () {
  ok_run dk run --rm "$R" --memory 64m "$IMG" sh -c \
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2> /dev/null || cat /sys/fs/cgroup/memory.max'
  assert_eq "$stdout" 67108864 "memory limit seen inside (cgroup v1 or v2)"
}

test_pids_limit () {
  ok_run dk run --rm "$R" --pids-limit 10 "$IMG" sh -c \
    'cat /sys/fs/cgroup/pids/pids.max 2> /dev/null || cat /sys/fs/cgroup/pids.max'
  assert_eq "$stdout" 10 "pids.max inside"
  capture dk run --rm "$R" --pids-limit 10 "$IMG" sh -c 'for i in $(seq 20); do sleep 5 & done; wait'
  assert_contains "$output" "can't fork" "forking past the limit"
}

test_user () {
  ok_run dk run --rm "$R" --user 1000:1000 "$IMG" sh -c 'echo "$(id -u) $(id -g)"'
  assert_eq "$stdout" "1000 1000" "uid and gid"
}

test_volume_write_inside_read_on_host () {
  mkdir "$T/vol"
  ok_run dk run --rm "$R" -v "$T/vol:/data" "$IMG" sh -c 'echo written-inside > /data/file'
  assert_eq "$(cat "$T/vol/file")" written-inside "file on the host"
}

test_read_only_root () {
  capture dk run --rm "$R" --read-only "$IMG" touch /file
  assert_failed
  assert_contains "$output" "Read-only file system"
  ok_run dk run --rm "$R" --read-only --tmpfs /tmp "$IMG" touch /tmp/file
}

test_cap_drop_all () {
  ok_run dk run --rm "$R" --cap-drop ALL "$IMG" grep CapEff /proc/self/status
  assert_match "$stdout" '^CapEff:[[:space:]]+0000000000000000$' "CapEff"
  ok_run dk run --rm "$R" "$IMG" grep CapEff /proc/self/status
  assert_no_match "$stdout" '0000000000000000' "CapEff without --cap-drop"
}

test_network_none_has_only_lo () {
  ok_run dk run --rm "$R" --network none "$IMG" sh -c "ip -o link | awk -F': ' '{print \$2}'"
  assert_eq "$stdout" lo "interfaces"
}

test_publish_port_loopback_httpd () {
  local port
  port=$(next_port)
  ok_run dk run -d "$R" --name "h$TEST_COUNT" -p "127.0.0.1:$port:80" "$IMG" httpd -f -p 80 -h /www
  wait_until "httpd on 127.0.0.1:$port" http_get "http://127.0.0.1:$port/"
  assert_eq "$(http_get "http://127.0.0.1:$port/")" "$IMAGE_PAGE" "page fetched from the host"
}

run_tests "$@"
