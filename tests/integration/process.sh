#!/bin/bash
# The container process (config.md "Process", config-linux.md "Sysctl"):
# args, env, cwd, user, groups, umask, rlimits, oomScoreAdj, sysctl and the
# create flags that shape it (--preserve-fds, --no-new-keyring), seen from inside.
. "$(dirname "$0")/../lib/common.sh"

test_args_are_passed_verbatim () {
  out=$(inside sh -c 'for a in "$@"; do echo "[$a]"; done' argv0 "two words" "" '$HOME' "*")
  assert_eq "$out" '[two words]
[]
[$HOME]
[*]' "arguments"
}

test_args_resolve_through_path () {
  # "echo" is not a path: it is found through process.env PATH
  cfg '.process.env = ["PATH=/usr/sbin:/bin"]'
  out=$(inside echo found)
  assert_eq "$out" found "output"
}

test_env_is_exactly_process_env () {
  cfg '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="]'
  out=$(inside env)
  assert_match "$out" '^FOO=bar baz$' "env"
  assert_match "$out" '^EMPTY=$' "env"
  assert_match "$out" '^PATH=/bin:/usr/bin$' "env"
  assert_no_match "$out" '^RUNCGO' "env (nothing of the runtime's environment)"
}

test_cwd_is_applied () {
  mkdir -p "$BUNDLE/rootfs/work/dir"
  cfg '.process.cwd = "/work/dir"'
  out=$(inside pwd)
  assert_eq "$out" /work/dir "cwd"
}

test_missing_cwd_is_created () {
  cfg '.process.cwd = "/does/not/exist"'
  out=$(inside pwd)
  assert_eq "$out" /does/not/exist "cwd"
}

test_user_uid_and_gid_are_applied () {
  cfg '.process.user = {"uid": 1000, "gid": 1001}'
  out=$(inside sh -c 'id -u; id -g; grep -E "^(Uid|Gid):" /proc/self/status')
  assert_eq "$(sed -n 1,2p <<< "$out" | tr '\n' ' ')" "1000 1001 " "uid and gid"
  assert_match "$out" '^Uid:\s+1000\s+1000\s+1000\s+1000$' "Uid line"
  assert_match "$out" '^Gid:\s+1001\s+1001\s+1001\s+1001$' "Gid line"
}

test_additional_gids_are_applied () {
  cfg '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20, 100]}'
  out=$(inside sh -c 'id -G; id')
  assert_eq "$(sed -n 1p <<< "$out" | tr ' ' '\n' | sort -n | tr '\n' ' ')" "10 20 100 1000 " "id -G"
  assert_contains "$(echo "$out" | tail -n 1)" "100(users)" "id"
}

test_no_additional_gids_means_no_supplementary_groups () {
  cfg '.process.user = {"uid": 0, "gid": 0}'
  out=$(inside sh -c 'grep "^Groups:" /proc/self/status')
  assert_match "$out" '^Groups:\s*(0\s*)?$' "Groups"
}

test_umask_is_applied () {
  cfg '.process.user.umask = 63'
  out=$(inside sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f')
  assert_eq "$out" "0077
600" "umask and mode of a new file"
}

test_default_umask_is_0022 () {
  out=$(inside sh -c umask)
  assert_eq "$out" 0022 "umask"
}

test_rlimits_are_applied () {
  cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456},
                           {"type": "RLIMIT_NPROC", "soft": 2000, "hard": 3000},
                           {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]'
  out=$(inside sh -c 'ulimit -n; ulimit -Hn; ulimit -u; ulimit -Hu; ulimit -c')
  assert_eq "$(echo "$out" | tr '\n' ' ')" "123 456 2000 3000 0 " "ulimit -n -Hn -u -Hu -c"
}

test_unknown_rlimit_is_rejected () {
  cfg '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$output" RLIMIT_BOGUS "error message"
}

test_oom_score_adj_is_applied () {
  cfg '.process.oomScoreAdj = 123'
  out=$(inside cat /proc/self/oom_score_adj)
  assert_eq "$out" 123 "oom_score_adj"
}

test_sysctl_is_applied_in_the_network_namespace () {
  host=$(cat /proc/sys/net/ipv4/ip_forward)
  cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "net.ipv4.ip_default_ttl": "42"}'
  out=$(inside sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/ip_default_ttl')
  assert_eq "$(echo "$out" | tr '\n' ' ')" "1 42 " "sysctl inside"
  assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host" "ip_forward on the host"
}

test_sysctl_of_a_host_namespace_is_rejected () {
  # network namespace shared with the host: net.* would change the host
  cfg_ns_del network
  cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
  host=$(cat /proc/sys/net/ipv4/ip_forward)
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$output" "net.ipv4.ip_forward" "error message"
  assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host" "ip_forward on the host"
}

test_stdout_and_stderr_are_the_runtime_s () {
  cfg_args sh -c 'echo to-out; echo to-err >&2'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$stdout" to-out "stdout"
  assert_eq "$stderr" to-err "stderr"
}

test_preserve_fds_passes_extra_descriptors () {
  echo through-fd-3 > "$T/fd3"
  echo through-fd-4 > "$T/fd4"
  cfg_args sh -c 'cat <&3; cat <&4; test -e /proc/self/fd/5 && echo fd5-leaked; true'
  out=$(rt run --preserve-fds 2 -b "$BUNDLE" "$CID" 3< "$T/fd3" 4< "$T/fd4" 5< "$T/fd3")
  assert_eq "$out" "through-fd-3
through-fd-4" "output"
}

test_no_preserve_fds_closes_extra_descriptors () {
  echo x > "$T/fd3"
  cfg_args sh -c 'ls /proc/self/fd'
  out=$(rt run -b "$BUNDLE" "$CID" 3< "$T/fd3" 7< "$T/fd3")
  # 0 1 2 and the fd of ls's own listing
  [ "$(echo "$out" | wc -l)" -le 4 ] || fail "descriptors inside: $(echo $out)"
  assert_no_match "$out" '^7$' "descriptors inside"
}

# /proc/keys shows the keyrings the process possesses: its own session
# keyring "_ses.<id>", unless --no-new-keyring keeps the caller's.
test_no_new_keyring_keeps_the_caller_s_session_keyring () {
  cfg '.linux.maskedPaths -= ["/proc/keys"]'
  out=$(inside cat /proc/keys)
  assert_match "$out" "keyring +_ses\.$CID-run: " "a session keyring named after the container"
  cfg_args cat /proc/keys
  capture rt run --no-new-keyring -b "$BUNDLE" "$CID"
  assert_status 0
  assert_no_match "$stdout" "_ses\.$CID" "keyrings with --no-new-keyring"
}

test_terminal_false_keeps_pipes () {
  cfg_args sh -c 'test -t 0 && echo tty0; test -t 1 && echo tty1; echo done'
  out=$(rt run -b "$BUNDLE" "$CID" < /dev/null)
  assert_eq "$out" done "output"
}

# A console-socket receiver as a container manager has one (conmon, containerd
# shim): accept one connection, take the pty master from SCM_RIGHTS, copy what
# the container writes to a file until the terminal closes.
CONSOLE_RECEIVER='
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
c, _ = s.accept()
msg, fds, flags, addr = socket.recv_fds(c, 4096, 1)
if not fds:
    sys.exit("console receiver: no file descriptor in the message")
with open(out, "wb") as f:
    while True:
        try:
            data = os.read(fds[0], 4096)
        except OSError:
            break
        if not data:
            break
        f.write(data)
'

test_console_socket_receives_the_terminal () {
  command -v python3 > /dev/null || skip "python3 is needed for the console-socket receiver"
  cfg '.process.terminal = true'
  cfg_args sh -c 'tty; test -t 0 && test -t 1 && echo on-a-tty'
  timeout 20 python3 -c "$CONSOLE_RECEIVER" "$T/console.sock" "$T/console.out" &
  receiver=$!
  wait_file "$T/console.sock"
  capture rt create --console-socket "$T/console.sock" -b "$BUNDLE" "$CID"
  assert_status 0
  capture rt start "$CID"
  assert_status 0
  st=0
  wait "$receiver" || st=$?
  [ "$st" = 0 ] || fail "console receiver exited with $st (124: nothing received in 20 s): $(cat "$T/console.out" 2> /dev/null || true)"
  out=$(tr -d '\r' < "$T/console.out")
  assert_match "$out" '^/dev/pts/[0-9]+$' "tty inside"
  assert_match "$out" '^on-a-tty$' "stdin and stdout inside"
  wait_status "$CID" stopped
  capture rt delete "$CID"
  assert_status 0
}

run_tests "$@"
