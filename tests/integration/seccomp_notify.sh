#!/bin/bash
# Seccomp beyond ERRNO (config-linux.md "Seccomp"): SCMP_ACT_NOTIFY with
# linux.seccomp.listenerPath / listenerMetadata (the container process state
# and the listener fd reach an agent, tests/tools/seccomp_agent.c, which
# answers the notified syscall), every other action, errnoRet, the filter
# flags, and which profile mistakes are errors.
. "$(dirname "$0")/../lib/common.sh"

ARCHES='["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"]'

# profile ACTION [EXTRA-JQ]: default allow, ACTION for mkdir/mkdirat.
profile () {
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": $a,
                         "syscalls": [{"names": ["mkdir", "mkdirat"], "action": $act}]}' \
    --argjson a "$ARCHES" --arg act "$1"
  [ -z "${2:-}" ] || cfg "$2"
}

# notify_profile [EXTRA-JQ]: mkdir/mkdirat go to the agent on $T/agent.sock.
notify_profile () {
  profile SCMP_ACT_NOTIFY
  cfg '.linux.seccomp.listenerPath = $p | .linux.seccomp.listenerMetadata = "test-metadata=1"' --arg p "$T/agent.sock"
  [ -z "${1:-}" ] || cfg "$1"
}

# agent ARGS...: start the agent on $T/agent.sock (state in $T/agent.state,
# notified syscalls in $T/agent.log); it is stopped when the test ends.
agent () {
  "$(tool seccomp_agent)" -t 60 "$@" "$T/agent.sock" "$T/agent.state" "$T/agent.log" &
  AGENT_PID=$!
  trap "kill $AGENT_PID 2> /dev/null || true" EXIT
  wait_file "$T/agent.sock"
}

# agent_done: the agent exits by itself once every filter it got is gone.
agent_done () {
  wait_until "the seccomp agent to finish" pid_gone "$AGENT_PID"
  wait "$AGENT_PID" || fail "seccomp agent exited with $?"
}

# state_line N: the N-th container process state the agent received.
state_line () {
  grep -v '^fds=' "$T/agent.state" | sed -n "${1}p"
}

MKDIR_PROBE='mkdir /tmp/x 2>&1 && echo mkdir-ok; test -d /tmp/x && echo created || echo absent; touch /tmp/f && echo touch-ok'

# ------------------------------------------------------------------ notify

test_notify_agent_answers_mkdir_with_its_errno () {
  notify_profile
  agent -e 28
  out=$(inside sh -c "$MKDIR_PROBE")
  assert_contains "$out" "mkdir: can't create directory '/tmp/x': No space left on device" "mkdir"
  assert_match "$out" '^absent$' "the directory"
  assert_match "$out" '^touch-ok$' "other syscalls"
  agent_done
  # the agent saw the path the container asked for
  assert_match "$(cat "$T/agent.log")" '^[0-9]+ /tmp/x$' "agent log"
}

test_notify_agent_can_fake_a_success () {
  notify_profile
  agent -s
  out=$(inside sh -c "$MKDIR_PROBE")
  assert_match "$out" '^mkdir-ok$' "mkdir reports success"
  assert_match "$out" '^absent$' "but nothing was created"
  agent_done
}

test_notify_agent_can_let_the_syscall_run () {
  notify_profile
  agent -c
  out=$(inside sh -c "$MKDIR_PROBE")
  assert_match "$out" '^mkdir-ok$' "mkdir"
  assert_match "$out" '^created$' "the directory"
  agent_done
}

test_notify_state_follows_the_spec () {
  notify_profile '.annotations = {"org.example.key": "value"}'
  cfg_args sh -c 'mkdir /tmp/x 2> /dev/null; exit 0'
  agent -e 28
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  pid=$(pid_of "$CID")
  capture rt start "$CID"
  assert_status 0
  wait_status "$CID" stopped
  agent_done
  capture rt delete "$CID"
  assert_status 0
  st=$(state_line 1)
  assert_eq "$(jq -r .ociVersion <<< "$st")" 1.3.0 ociVersion
  assert_eq "$(jq -c .fds <<< "$st")" '["seccompFd"]' fds
  assert_eq "$(grep -c '^fds=1$' "$T/agent.state")" 1 "SCM_RIGHTS fds sent"
  assert_eq "$(jq -r .pid <<< "$st")" "$pid" "pid (the init, as the host sees it)"
  assert_eq "$(jq -r .metadata <<< "$st")" test-metadata=1 metadata
  assert_eq "$(jq -r .state.id <<< "$st")" "$CID" state.id
  assert_eq "$(jq -r .state.pid <<< "$st")" "$pid" state.pid
  assert_eq "$(jq -r .state.status <<< "$st")" created state.status
  assert_eq "$(jq -r .state.bundle <<< "$st")" "$BUNDLE" state.bundle
  assert_eq "$(jq -r '.state.annotations["org.example.key"]' <<< "$st")" value state.annotations
}

test_notify_reaches_the_agent_from_exec () {
  notify_profile
  cfg_args sleep 300
  agent -n 2 -e 28
  start_detached "$CID"
  capture rt exec "$CID" sh -c 'mkdir /tmp/y 2>&1; true'
  assert_status 0
  assert_contains "$stdout" "No space left on device" "mkdir in exec"
  capture rt delete -f "$CID"
  agent_done
  assert_eq "$(jq -r .state.status <<< "$(state_line 2)")" running "state.status sent by exec"
  assert_eq "$(jq -r .state.id <<< "$(state_line 2)")" "$CID" "state.id sent by exec"
  assert_match "$(cat "$T/agent.log")" '^[0-9]+ /tmp/y$' "agent log"
}

test_notify_with_wait_killable_recv () {
  # Linux 5.19: a notified syscall whose request the agent holds can only be
  # interrupted by a fatal signal
  notify_profile '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]'
  agent -e 28
  out=$(inside sh -c "$MKDIR_PROBE")
  assert_contains "$out" "No space left on device" "mkdir"
  agent_done
}

test_notify_runs_with_no_new_privileges_off () {
  # without no_new_privs the filter is loaded before the identity change,
  # and the hand-over happens there
  notify_profile '.process.noNewPrivileges = false | .process.user = {"uid": 1000, "gid": 1000}'
  agent -e 28
  out=$(inside sh -c "$MKDIR_PROBE; id -u")
  assert_contains "$out" "No space left on device" "mkdir"
  assert_match "$out" '^1000$' "uid"
  agent_done
}

test_unreachable_listener_fails_create_before_anything () {
  notify_profile
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "linux.seccomp.listenerPath: connect to \`$T/agent.sock\`: No such file or directory" error
  assert_contains "$stderr" "start the seccomp agent first" hint
  assert_eq "$(rt list -q)" "" "containers left"
}

test_listener_that_is_not_a_socket_is_an_error () {
  notify_profile
  : > "$T/agent.sock"
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "linux.seccomp.listenerPath: connect to" error
  assert_contains "$stderr" "Connection refused" error
}

test_listener_path_is_ignored_without_notify_rules () {
  # config-linux.md: "If the SCMP_ACT_NOTIFY action is not used this value is ignored."
  profile SCMP_ACT_ERRNO '.linux.seccomp.listenerPath = "/nonexistent/agent.sock"'
  out=$(inside sh -c "$MKDIR_PROBE")
  assert_contains "$out" "Operation not permitted" "mkdir"
}

test_notify_needs_a_listener_path () {
  profile SCMP_ACT_NOTIFY
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs a listener" error
}

test_notify_cannot_be_the_default_action () {
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/x.sock"}'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action" error
}

test_notify_for_a_rootless_container () {
  id rtest > /dev/null 2>&1 || skip "no user rtest"
  local u=$T/user ub=$T/user/bundle uroot=$T/user/root
  mkdir -p "$u" && chown rtest: "$u"
  as_rtest mkdir -p "$ub" "$uroot"
  cp -a "$BUNDLE/rootfs" "$ub/rootfs" && chown -R rtest: "$ub/rootfs"
  (cd "$ub" && as_rtest "$RUNCGO" spec --rootless)
  BUNDLE=$ub notify_profile
  cfg -b "$ub" '.process.terminal = false | .root = {"path": "rootfs", "readonly": false} | del(.linux.cgroupsPath)'
  cfg_args -b "$ub" sh -c "$MKDIR_PROBE"
  chown rtest: "$ub/config.json"
  "$(tool seccomp_agent)" -t 60 -e 28 "$T/agent.sock" "$T/agent.state" "$T/agent.log" &
  AGENT_PID=$!
  trap "kill $AGENT_PID 2> /dev/null || true; as_rtest $RUNCGO --root $uroot delete -f $CID > /dev/null 2>&1 || true" EXIT
  wait_file "$T/agent.sock"
  chown rtest: "$T/agent.sock"
  capture as_rtest "$RUNCGO" --root "$uroot" run -b "$ub" "$CID"
  assert_status 0
  assert_contains "$stdout" "No space left on device" "mkdir in a rootless container"
  agent_done
}

# ------------------------------------------------------------------ other actions

test_kill_process_action_kills_the_process () {
  profile SCMP_ACT_KILL_PROCESS
  cfg_args mkdir /tmp/d
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 159 # 128 + SIGSYS
  [ ! -d "$BUNDLE/rootfs/tmp/d" ] || fail "mkdir succeeded"
}

test_kill_thread_action_kills_a_single_threaded_process () {
  profile SCMP_ACT_KILL_THREAD
  cfg_args mkdir /tmp/d
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 159
}

test_trap_action_sends_sigsys () {
  profile SCMP_ACT_TRAP
  cfg_args mkdir /tmp/d
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 159
}

test_log_action_allows_and_logs () {
  profile SCMP_ACT_LOG
  out=$(inside sh -c "$MKDIR_PROBE")
  assert_match "$out" '^mkdir-ok$' "mkdir under SCMP_ACT_LOG"
  assert_match "$out" '^created$' "the directory"
}

test_trace_without_a_tracer_fails_with_enosys () {
  # seccomp(2): SECCOMP_RET_TRACE with no tracer attached returns ENOSYS;
  # errnoRet is the message a tracer would get, accepted all the same
  profile SCMP_ACT_TRACE '.linux.seccomp.syscalls[0].errnoRet = 5'
  out=$(inside sh -c "$MKDIR_PROBE")
  assert_contains "$out" "Function not implemented" "mkdir"
  assert_match "$out" '^absent$' "the directory"
}

test_errno_ret_on_the_default_action () {
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": $a,
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28},
                     {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO"}]}' --argjson a "$ARCHES"
  out=$(inside sh -c 'mkdir /tmp/x 2>&1; rmdir /tmp 2>&1; true')
  assert_contains "$out" "No space left on device" "mkdir (errnoRet 28)"
  assert_contains "$out" "Operation not permitted" "rmdir (no errnoRet: EPERM)"
}

test_errno_ret_on_an_action_without_errno_is_an_error () {
  profile SCMP_ACT_KILL_PROCESS '.linux.seccomp.syscalls[0].errnoRet = 1'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "linux.seccomp.syscalls[0].errnoRet" error
}

test_filter_flags_log_and_spec_allow_are_accepted () {
  profile SCMP_ACT_ERRNO '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"]'
  out=$(inside sh -c "$MKDIR_PROBE; grep '^Seccomp:' /proc/self/status")
  assert_contains "$out" "Operation not permitted" "mkdir"
  assert_match "$out" '^Seccomp:\s+2$' "seccomp mode"
}

test_wait_killable_recv_without_notify_is_accepted () {
  profile SCMP_ACT_ERRNO '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]'
  out=$(inside sh -c "$MKDIR_PROBE")
  assert_contains "$out" "Operation not permitted" "mkdir"
}

test_unknown_flag_is_an_error () {
  profile SCMP_ACT_ERRNO '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_NO_SUCH"]'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" 'linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_NO_SUCH"' error
}

test_unknown_syscall_name_is_ignored () {
  profile SCMP_ACT_ERRNO '.linux.seccomp.syscalls[0].names += ["no_such_syscall_in_any_kernel"]'
  out=$(inside sh -c "$MKDIR_PROBE")
  assert_contains "$out" "Operation not permitted" "mkdir (the known names still apply)"
}

# crun's run.oci.seccomp_fail_unknown_syscall: the same profile fails, naming
# the syscall; "0" keeps the default (crun).  Checked twice: the compiled
# filter is cached, and the cache must not hide the difference.
test_seccomp_fail_unknown_syscall_annotation_makes_it_an_error () {
  runc_differs "crun's annotation"
  profile SCMP_ACT_ERRNO '.linux.seccomp.syscalls[0].names += ["no_such_syscall_in_any_kernel"]'
  out=$(inside sh -c "$MKDIR_PROBE")
  assert_contains "$out" "Operation not permitted" "mkdir without the annotation"
  cfg '.annotations["run.oci.seccomp_fail_unknown_syscall"] = "1"'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" 'linux.seccomp.syscalls[0].names[2]: unknown syscall "no_such_syscall_in_any_kernel"' error
  cfg '.annotations["run.oci.seccomp_fail_unknown_syscall"] = "0"'
  out=$(inside sh -c "$MKDIR_PROBE")
  assert_contains "$out" "Operation not permitted" "mkdir with the annotation at 0"
}

# crun's run.oci.seccomp.receiver (and its environment variable
# RUN_OCI_SECCOMP_RECEIVER): the listener goes there when the config has no
# listenerPath; it must be absolute.
test_seccomp_receiver_annotation_and_env_reach_the_agent () {
  runc_differs "crun's annotation"
  notify_profile 'del(.linux.seccomp.listenerPath) | del(.linux.seccomp.listenerMetadata)'
  cfg '.annotations["run.oci.seccomp.receiver"] = "agent.sock"'
  expect_error 'run.oci.seccomp.receiver: `agent.sock` is not an absolute path' rt run -b "$BUNDLE" "$CID"
  cfg '.annotations["run.oci.seccomp.receiver"] = $p' --arg p "$T/agent.sock"
  agent -e 28
  out=$(inside sh -c "$MKDIR_PROBE")
  assert_contains "$out" "No space left on device" "mkdir answered through the annotation's agent"
  agent_done
  cfg 'del(.annotations["run.oci.seccomp.receiver"])'
  agent -e 28
  cfg_args sh -c "$MKDIR_PROBE"
  capture env RUN_OCI_SECCOMP_RECEIVER="$T/agent.sock" "$RUNCGO" --root "$ROOT" run -b "$BUNDLE" "$CID-env"
  assert_status 0
  assert_contains "$stdout" "No space left on device" "mkdir answered through RUN_OCI_SECCOMP_RECEIVER's agent"
  agent_done
}

# crun's run.oci.seccomp_bpf_data: a raw BPF program (base64) replaces
# linux.seccomp.  This one (x86_64) makes mkdir/mkdirat fail with ENOSPC
# where the config's profile says EPERM; exec gets it too.
test_seccomp_bpf_data_annotation_replaces_the_profile () {
  runc_differs "crun's annotation"
  [ "$(uname -m)" = x86_64 ] || skip "the test program is for x86_64"
  local prog
  prog=$(python3 -c '
import base64, struct
ins = [(0x20, 0, 0, 4), (0x15, 0, 3, 0xc000003e), (0x20, 0, 0, 0), (0x15, 2, 0, 83), (0x15, 1, 0, 258),
       (0x06, 0, 0, 0x7fff0000), (0x06, 0, 0, 0x00050000 | 28)]
print(base64.b64encode(b"".join(struct.pack("<HBBI", *i) for i in ins)).decode())')
  profile SCMP_ACT_ERRNO
  cfg '.annotations["run.oci.seccomp_bpf_data"] = $p' --arg p "$prog"
  out=$(inside sh -c "$MKDIR_PROBE")
  assert_contains "$out" "No space left on device" "mkdir under the annotation's program"
  assert_match "$out" '^touch-ok$' "other syscalls"
  cfg_args sleep 1000
  start_detached "$CID"
  capture rt exec "$CID" mkdir /tmp/y
  assert_contains "$output" "No space left on device" "mkdir of an exec"
  capture rt delete -f "$CID"
  cfg '.annotations["run.oci.seccomp_bpf_data"] = "AAAA"'
  expect_error 'run.oci.seccomp_bpf_data: not a BPF program \(3 bytes decoded\)' rt run -b "$BUNDLE" "$CID-2"
}

test_unknown_action_is_an_error () {
  profile SCMP_ACT_NO_SUCH
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" 'linux.seccomp.syscalls[0].action: unknown action "SCMP_ACT_NO_SUCH"' error
}

run_tests "$@"
