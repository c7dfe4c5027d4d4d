#!/bin/bash
# exec (runc's `exec` command; runtime.md leaves it to the runtime): a new
# process in a running container with the container's namespaces, cgroup and
# seccomp profile, shaped by the flags and by `-p process.json`, its exit
# status passed through; the console socket for `exec -t`.  Checked from inside.
. "$(dirname "$0")/../lib/common.sh"

# spawn CMD...: run a helper in the background ($SPAWNED is its pid); it is
# killed when the test ends, whatever happens.
SPAWNED=
spawn () {
  "$@" &
  SPAWNED=$!
  HELPERS="${HELPERS:-} $SPAWNED"
  trap 'kill $HELPERS 2> /dev/null || true' EXIT
}

# running_container [ARGS...]: create + start $CID from $BUNDLE running
# ARGS (default: sleep 1000).
running_container () {
  if [ $# -gt 0 ]; then cfg_args "$@"; else cfg_args sleep 1000; fi
  start_detached "$CID"
}

test_exec_exit_status_is_the_process_s () {
  running_container
  capture rt exec "$CID" true
  assert_status 0
  capture rt exec "$CID" sh -c 'echo to-out; echo to-err >&2; exit 42'
  assert_status 42
  assert_eq "$stdout" to-out "stdout"
  assert_eq "$stderr" to-err "stderr"
  capture rt exec "$CID" sh -c 'kill -KILL $$'
  assert_status 137
  capture rt delete -f "$CID"
  assert_status 0
}

test_exec_passes_stdin_through () {
  running_container
  out=$(echo hello | rt exec "$CID" sh -c 'read line; echo "got $line"')
  assert_eq "$out" "got hello" "output"
  capture rt delete -f "$CID"
}

test_exec_process_json_gives_args_env_cwd_and_user () {
  running_container
  jq -n '{"terminal": false, "user": {"uid": 123, "gid": 456}, "cwd": "/tmp",
          "args": ["sh", "-c", "echo \"$FOO\"; pwd; id -u; id -g; env | grep -c ^CONFIG_ONLY= || true"],
          "env": ["PATH=/bin:/usr/bin", "FOO=from json"]}' > "$T/process.json"
  cfg '.process.env += ["CONFIG_ONLY=1"]'
  capture rt exec -p "$T/process.json" "$CID"
  assert_status 0
  assert_eq "$stdout" "from json
/tmp
123
456
0" "output (FOO, pwd, uid, gid, variables of config.json)"
  capture rt exec --process "$T/process.json" "$CID"
  assert_status 0
  capture rt delete -f "$CID"
}

test_exec_env_flag_adds_and_overrides_variables () {
  cfg '.process.env = ["PATH=/bin:/usr/bin", "FOO=config", "KEEP=kept"]'
  running_container
  capture rt exec -e FOO=flag -e BAR=new "$CID" sh -c 'echo "$FOO $BAR $KEEP"; env | grep -c ^FOO='
  assert_status 0
  assert_eq "$stdout" "flag new kept
1" "FOO BAR KEEP and the number of FOO entries"
  capture rt delete -f "$CID"
}

test_exec_user_flag_sets_uid_and_gid () {
  running_container
  capture rt exec -u 1000:1000 "$CID" sh -c 'id -u; id -g; grep -E "^(Uid|Gid):" /proc/self/status'
  assert_status 0
  assert_eq "$(sed -n 1,2p <<< "$stdout" | tr '\n' ' ')" "1000 1000 " "uid and gid"
  assert_match "$stdout" '^Uid:\s+1000\s+1000\s+1000\s+1000$' "Uid line"
  assert_match "$stdout" '^Gid:\s+1000\s+1000\s+1000\s+1000$' "Gid line"
  # uid alone: the gid stays the process's of config.json (0)
  capture rt exec --user 1001 "$CID" sh -c 'id -u; id -g'
  assert_status 0
  assert_eq "$(tr '\n' ' ' <<< "$stdout")" "1001 0 " "uid and gid with --user 1001"
  capture rt delete -f "$CID"
}

test_exec_additional_gids_flag_sets_supplementary_groups () {
  running_container
  capture rt exec -u 1000:1000 --additional-gids 10 --additional-gids 20 "$CID" id -G
  assert_status 0
  assert_eq "$(tr ' ' '\n' <<< "$stdout" | sort -n | tr '\n' ' ')" "10 20 1000 " "id -G"
  capture rt delete -f "$CID"
}

test_exec_cwd_flag_sets_the_working_directory () {
  running_container
  capture rt exec --cwd /tmp "$CID" pwd
  assert_status 0
  assert_eq "$stdout" /tmp "cwd"
  capture rt exec "$CID" pwd
  assert_eq "$stdout" / "cwd without --cwd (config.json's)"
  capture rt delete -f "$CID"
}

# CAP_NET_ADMIN is bit 12; runc's default config.json does not grant it.
test_exec_cap_flag_adds_a_capability () {
  running_container
  probe='printf "%d\n" $(( (0x$(awk "/^CapEff:/ { print \$2 }" /proc/self/status) >> 12) & 1 ));
         ip link set lo mtu 1280 2>&1 && echo mtu-set; true'
  capture rt exec "$CID" sh -c "$probe"
  assert_status 0
  assert_eq "$(sed -n 1p <<< "$stdout")" 0 "CAP_NET_ADMIN in CapEff without --cap"
  assert_no_match "$stdout" '^mtu-set$' "ip link set without --cap"
  capture rt exec --cap CAP_NET_ADMIN "$CID" sh -c "$probe"
  assert_status 0
  assert_eq "$(sed -n 1p <<< "$stdout")" 1 "CAP_NET_ADMIN in CapEff with --cap"
  assert_match "$stdout" '^mtu-set$' "ip link set with --cap"
  capture rt delete -f "$CID"
}

test_exec_no_new_privs_flag_sets_no_new_privs () {
  cfg '.process.noNewPrivileges = false'
  running_container
  capture rt exec "$CID" grep ^NoNewPrivs: /proc/self/status
  assert_match "$stdout" '^NoNewPrivs:\s+0$' "without --no-new-privs"
  capture rt exec --no-new-privs "$CID" grep ^NoNewPrivs: /proc/self/status
  assert_status 0
  assert_match "$stdout" '^NoNewPrivs:\s+1$' "with --no-new-privs"
  capture rt delete -f "$CID"
}

test_exec_preserve_fds_passes_fd_3 () {
  running_container
  echo through-fd-3 > "$T/fd3"
  echo not-preserved > "$T/fd4"
  out=$(rt exec --preserve-fds 1 "$CID" sh -c 'cat <&3; test -e /proc/self/fd/4 && echo fd4-leaked; true' \
    3< "$T/fd3" 4< "$T/fd4")
  assert_eq "$out" through-fd-3 "output"
  capture rt delete -f "$CID"
}

test_exec_detach_writes_a_pid_file_of_a_process_in_the_container () {
  running_container
  t0=$EPOCHSECONDS
  capture rt exec -d --pid-file "$T/exec.pid" "$CID" sleep 1000
  assert_status 0
  [ $((EPOCHSECONDS - t0)) -lt 10 ] || fail "exec -d did not return at once"
  pid=$(cat "$T/exec.pid")
  assert_match "$pid" '^[1-9][0-9]*$' "pid file content"
  [ -d "/proc/$pid" ] || fail "pid $pid of the pid file is not alive"
  assert_eq "$(tr '\0' ' ' < "/proc/$pid/cmdline")" "sleep 1000 " "cmdline of pid $pid"
  init=$(pid_of "$CID")
  for ns in pid mnt net uts ipc; do
    assert_eq "$(readlink "/proc/$pid/ns/$ns")" "$(readlink "/proc/$init/ns/$ns")" "$ns namespace of the exec'd process"
  done
  # inside, the process is in the container's pid namespace (not pid 1)
  capture rt exec "$CID" sh -c 'ps -o pid,args | grep "[s]leep 1000" | wc -l'
  assert_eq "$stdout" 2 "sleep processes seen inside"
  capture rt delete -f "$CID"
  assert_status 0
  wait_until "exec'd pid $pid to go" pid_gone "$pid"
}

test_exec_joins_every_namespace_of_the_container () {
  cfg_ns_add user
  cfg_ns_add cgroup
  cfg '.hostname = "exec-box"
     | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
     | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
     | .mounts += [{"destination": "/marker", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}]
     | .process.capabilities |= with_entries(.value += ["CAP_NET_ADMIN"])'
  mkdir "$BUNDLE/rootfs/marker" # the container's root (host uid 100000) cannot make it
  running_container sh -c 'ip link set lo mtu 1300; echo init-was-here > /marker/file; exec sleep 1000'
  init=$(pid_of "$CID")
  wait_until "the init to write /marker/file" test -e "/proc/$init/root/marker/file"
  capture rt exec "$CID" sh -c 'hostname; cat /marker/file; cat /sys/class/net/lo/mtu; cat /proc/self/uid_map;
                                id -u; cat /proc/1/cmdline | tr "\0" " "; echo;
                                for ns in cgroup ipc mnt net pid user uts; do echo "$ns $(readlink /proc/self/ns/$ns)"; done'
  assert_status 0
  assert_eq "$(sed -n 1,3p <<< "$stdout" | tr '\n' ' ')" "exec-box init-was-here 1300 " "hostname, tmpfs file, lo mtu"
  assert_eq "$(sed -n 4p <<< "$stdout" | tr -s ' ' | sed 's/^ //')" "0 100000 65536" "uid_map"
  assert_eq "$(sed -n 5p <<< "$stdout")" 0 "uid inside"
  assert_eq "$(sed -n 6p <<< "$stdout")" "sleep 1000 " \
    "pid 1 seen by the exec'd process"
  for ns in cgroup ipc mnt net pid user uts; do
    inner=$(awk -v n=$ns '$1 == n { print $2 }' <<< "$stdout")
    assert_eq "$inner" "$(readlink "/proc/$init/ns/$ns")" "$ns namespace"
  done
  capture rt delete -f "$CID"
  assert_status 0
}

test_exec_into_a_stopped_container_fails () {
  cfg_args true
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  capture rt start "$CID"
  assert_status 0
  wait_status "$CID" stopped
  capture rt exec "$CID" echo never
  assert_exec_failed 'cannot exec (in|into) a stopped container'
  assert_no_match "$stdout" never "stdout"
  capture rt delete "$CID"
  assert_status 0
}

test_exec_into_an_unknown_container_fails () {
  capture rt exec "$CID-none" echo never
  assert_exec_failed 'does not exist'
  assert_no_match "$stdout" never "stdout"
}

test_exec_of_a_missing_executable_fails () {
  running_container
  capture rt exec "$CID" /no/such/binary
  assert_exec_failed 'no such file or directory|executable file not found|/no/such/binary'
  assert_eq "$(status_of "$CID")" running "status of the container after the failed exec"
  capture rt delete -f "$CID"
}

test_exec_joins_the_container_cgroup () {
  running_container
  capture rt exec "$CID" sh -c 'cat /proc/self/cgroup; echo ---; cat /proc/1/cgroup'
  assert_status 0
  mine=$(awk '/^---$/ { exit } { print }' <<< "$stdout")
  init_view=$(awk 'f { print } /^---$/ { f = 1 }' <<< "$stdout")
  [ -n "$mine" ] || fail "no /proc/self/cgroup inside: $stdout"
  assert_eq "$mine" "$init_view" "cgroups of the exec'd process (inside)"
  capture rt exec -d --pid-file "$T/exec.pid" "$CID" sleep 1000
  assert_status 0
  assert_eq "$(cat "/proc/$(cat "$T/exec.pid")/cgroup")" "$(cat "/proc/$(pid_of "$CID")/cgroup")" \
    "cgroups of the exec'd process (from the host)"
  assert_contains "$(cat "/proc/$(cat "$T/exec.pid")/cgroup")" "/$CGROUP_PARENT/$CID-b" "cgroup path"
  capture rt delete -f "$CID"
}

# container_cgroup_dirs: the container's directory in every hierarchy.
container_cgroup_dirs () {
  local d
  for d in $(cgroup_parents); do
    [ -d "$d/$CID-b1" ] && echo "$d/$CID-b1"
  done
  return 0
}

# runc's --cgroup: an existing sub-cgroup, for every hierarchy or, with a
# controller prefix, for the hierarchies of that controller only.
test_exec_cgroup_flag_joins_an_existing_sub_cgroup () {
  running_container
  local d memory_only=
  for d in $(container_cgroup_dirs); do
    mkdir "$d/sub"
    # a new v1 cpuset is empty: it takes no task until given cpus and mems
    if [ -e "$d/cpuset.cpus" ]; then
      cat "$d/cpuset.cpus" > "$d/sub/cpuset.cpus"
      cat "$d/cpuset.mems" > "$d/sub/cpuset.mems"
    fi
  done
  capture rt exec --cgroup sub "$CID" cat /proc/self/cgroup
  assert_status 0
  assert_no_match "$(grep -v "/$CID-b1/sub\$" <<< "$stdout" || true)" . "hierarchies outside the sub-cgroup"
  if [ -d "/sys/fs/cgroup/memory/$CGROUP_PARENT" ]; then
    memory_only=1
    capture rt exec --cgroup memory:sub "$CID" cat /proc/self/cgroup
    assert_status 0
    assert_match "$(grep ':memory:' <<< "$stdout")" "/$CID-b1/sub\$" "memory hierarchy"
    assert_match "$(grep ':pids:' <<< "$stdout")" "/$CID-b1\$" "pids hierarchy (not named)"
  fi
  capture rt exec --cgroup nope "$CID" true
  assert_exec_failed 'exec --cgroup "nope": .*/nope does not exist'
  capture rt exec --cgroup ../.. "$CID" true
  assert_exec_failed "leaves the container's cgroup"
  [ -n "$memory_only" ] || echo "# no v1 memory hierarchy: the controller prefix was not checked"
  capture rt delete -f "$CID"
  assert_status 0
}

test_exec_applies_the_container_seccomp_profile () {
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
         "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"],
         "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
  running_container
  capture rt exec "$CID" sh -c 'mkdir /tmp/d 2>&1; test -d /tmp/d && echo created; grep ^Seccomp: /proc/self/status'
  assert_status 0
  assert_contains "$stdout" "Operation not permitted" "mkdir"
  assert_no_match "$stdout" '^created$' "mkdir"
  assert_match "$stdout" '^Seccomp:\s+2$' "seccomp mode of the exec'd process"
  capture rt delete -f "$CID"
}

test_exec_tty_sends_the_pty_master_to_the_console_socket () {
  running_container
  spawn "$(tool recvtty)" -n "$T/info" -o "$T/out" -i 'echo typed-$((6*7))\nexit 0\n' "$T/console.sock"
  receiver=$SPAWNED
  wait_file "$T/console.sock"
  capture rt exec -d -t --console-socket "$T/console.sock" "$CID" sh -c 'tty; test -t 0 && test -t 1 && test -t 2 && echo all-on-a-tty; exec sh'
  assert_status 0
  st=0
  wait "$receiver" || st=$?
  [ "$st" = 0 ] || fail "recvtty exited with $st: $(cat "$T/out" 2> /dev/null || true)"
  assert_match "$(cat "$T/info")" '^ptn=[0-9]+ ' "what recvtty received"
  out=$(tr -d '\r' < "$T/out")
  assert_match "$out" '^/dev/pts/[0-9]+$' "tty"
  assert_match "$out" '^all-on-a-tty$' "stdio on the tty"
  assert_match "$out" '^typed-42$' "output of the typed command"
  capture rt delete -f "$CID"
}

test_exec_tty_applies_console_size () {
  running_container
  jq -n '{"terminal": true, "consoleSize": {"height": 33, "width": 111}, "cwd": "/",
          "user": {"uid": 0, "gid": 0}, "args": ["stty", "size"], "env": ["PATH=/bin"]}' > "$T/process.json"
  spawn "$(tool recvtty)" -o "$T/out" "$T/console.sock"
  receiver=$SPAWNED
  wait_file "$T/console.sock"
  capture rt exec -d -p "$T/process.json" --console-socket "$T/console.sock" "$CID"
  assert_status 0
  st=0
  wait "$receiver" || st=$?
  [ "$st" = 0 ] || fail "recvtty exited with $st"
  assert_eq "$(tr -d '\r' < "$T/out")" "33 111" "stty size"
  capture rt delete -f "$CID"
}

test_exec_detached_tty_without_console_socket_fails () {
  running_container
  capture rt exec -d -t "$CID" true
  [ "$status" != 0 ] || fail "exec -d -t without --console-socket succeeded"
  assert_match "$output" 'console[- ]socket' "error message"
  capture rt delete -f "$CID"
}

run_tests "$@"
