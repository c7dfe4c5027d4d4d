#!/bin/bash
# Escapes through the runtime's own process (DESIGN.md "known escape
# classes"): while the runtime sits in a container's namespaces (exec, and an
# init between create and start) nothing of the container may overwrite its
# binary (CVE-2019-5736), ptrace it or read its memory (CVE-2016-9962), or
# reach the host through its root, cwd or fds.  Each test runs an attacker
# (tests/tools/attack_exe.c, ptrace_attach.c) inside a container and checks a
# copy of the runtime binary by sha256 and a file that exists only on the host.
. "$(dirname "$0")/../lib/common.sh"

# The binary under attack is a copy of the runtime used by this test alone:
# an escape that works damages only the copy, and its sha256 tells.
RTC=
SHA_BEFORE=
runtime_copy () {
  mkdir -p "$T/rtbin"
  RTC=$T/rtbin/$(basename "$RUNCGO")
  cp "$RUNCGO" "$RTC"
  SHA_BEFORE=$(sha256sum < "$RTC")
}
rtc () {
  timeout -k 5 "${RT_TIMEOUT:-60}" "$RTC" --root "$ROOT" "$@"
}

# A file only the host has: the attacker looks for it from every directory
# of the runtime's process it can open.
HOST_MARKER=

# attacker_container TOOL [OPTIONS...]: create + start (with the copy) $CID of
# $BUNDLE running TOOL (attack_exe or ptrace_attach) as its init; it writes
# /shared/report once /shared/stop exists.  attack_exe gets -m $HOST_MARKER.
attacker_container () {
  local tool=$1
  shift
  HOST_MARKER=$T/host-only-marker.$RANDOM
  : > "$HOST_MARKER"
  if [ "$tool" = attack_exe ]; then set -- -m "$HOST_MARKER" "$@"; fi
  cp "$(tool "$tool")" "$BUNDLE/rootfs/bin/$tool"
  cfg_share
  cfg_args "/bin/$tool" -s /shared/stop -r /shared/report -d 120 "$@"
  capture rtc create -b "$BUNDLE" "$CID"
  assert_status 0
  capture rtc start "$CID"
  assert_status 0
  wait_status "$CID" running
}

# grant_ptrace: CAP_SYS_PTRACE in every capability set of $BUNDLE's process.
grant_ptrace () {
  cfg '.process.capabilities |= (. // {} | .bounding += ["CAP_SYS_PTRACE"]
       | .effective += ["CAP_SYS_PTRACE"] | .inheritable += ["CAP_SYS_PTRACE"]
       | .permitted += ["CAP_SYS_PTRACE"] | .ambient += ["CAP_SYS_PTRACE"])'
}

# stop_attacker: tell the attacker to stop, wait for its report, show it.
REPORT=
stop_attacker () {
  touch "$SHARED/stop"
  wait_until "the attacker's report" test -e "$SHARED/report"
  REPORT=$(cat "$SHARED/report")
  sed 's/^/  attacker: /' <<< "$REPORT" >&2
}

# counter NAME: a NAME=VALUE line of the report.
counter () {
  sed -n "s/^$1=//p" <<< "$REPORT"
}

# exec_storm: exec into $CID with the copy, again and again; with strace, a
# few more whose execve calls are each held back 0.3 s, so that the runtime's
# process stays in the container long enough to be found for sure.  It stops
# at the first exec that fails and leaves that in $STORM_ERROR: the binary
# is checked first (an attack that worked makes exec fail: "Text file busy").
STRACED=0
STORM_ERROR=
exec_storm () {
  local i
  for ((i = 0; i < 38; i++)); do
    if [ "$i" -lt 30 ]; then
      capture rtc exec "$CID" true
    elif [ "$i" -lt 35 ]; then
      capture rtc exec -d "$CID" true
    elif [ "${1:-}" != no-strace ] && command -v strace > /dev/null; then
      STRACED=1
      capture timeout 60 strace -f -qq -o /dev/null -e trace=execve,execveat \
        -e inject=execve,execveat:delay_enter=300000 "$RTC" --root "$ROOT" exec "$CID" true
    fi
    if [ "$status" != 0 ]; then
      STORM_ERROR="exec $i exited with $status: $output"
      return 0
    fi
  done
}

assert_storm_ok () {
  [ -z "$STORM_ERROR" ] || fail "$STORM_ERROR"
}

# assert_binary_intact [binary-only]: the copy of the runtime has not changed
# and nothing was written into a runtime binary; unless binary-only, no host
# file was reached either.
assert_binary_intact () {
  assert_eq "$(sha256sum < "$RTC")" "$SHA_BEFORE" "sha256 of the runtime binary"
  assert_eq "$(counter wrote)" 0 "writes into a runtime binary"
  if [ "${1:-}" != binary-only ]; then
    assert_eq "$(counter escaped)" 0 "host files reached"
  fi
}

# shared_pidns_bundle DIR: a bundle whose container joins the pid namespace
# of $CID (the attacker's), as the containers of a Kubernetes pod can.  It
# shares the attacker's rootfs too: its busybox is then no foreign binary.
shared_pidns_bundle () {
  make_bundle "$1"
  cfg_ns_del -b "$1" pid
  cfg -b "$1" '.linux.namespaces += [{"type": "pid", "path": $p}] | .root.path = $r' \
    --arg p "/proc/$(pid_of "$CID")/ns/pid" --arg r "$BUNDLE/rootfs"
  cfg_args -b "$1" sleep 1000
}

# ------------------------------------------------------------ CVE-2019-5736

# exec_attack [ptrace]: exec again and again into a container whose init
# attacks every foreign process it sees; nothing may reach the binary or
# the host.
exec_attack () {
  runtime_copy
  if [ "${1:-}" = ptrace ]; then grant_ptrace; fi
  attacker_container attack_exe -g 2
  exec_storm
  stop_attacker
  assert_binary_intact
  assert_storm_ok
  if [ "$STRACED" = 1 ]; then
    [ "$(counter foreign)" -ge 1 ] || fail "the attacker never saw the runtime's process in the container"
  fi
  capture rtc delete -f "$CID"
  assert_status 0
}

test_exec_runtime_binary_cannot_be_overwritten_from_the_container () {
  exec_attack
}

# CAP_SYS_PTRACE of the initial user namespace (no user namespace here)
# overrides non-dumpable: the attacker may open /proc/PID/{exe,root,cwd,fd}
# of the runtime's process.  Its exe is a sealed memfd, no mapping leads to
# the binary, it is born in the container's filesystem and holds no host
# directory.  (Attaching to it stays possible, as with runc and crun: a user
# namespace closes that.)
test_exec_runtime_binary_cannot_be_overwritten_with_cap_sys_ptrace () {
  exec_attack ptrace
}

# The init of a container that joins the attacker's pid namespace sits
# between create and start as the runtime's process: a fixed target.
# With CAP_SYS_PTRACE (of the initial user namespace: no user namespace here)
# non-dumpable protects nothing: the created init is in the shared pid
# namespace before it has pivoted into its rootfs, and its root and cwd are
# the host's then; runc shows the same.  That variant checks the binary only
# (src/lib/security/exe_shield.c).
created_init_attack () {
  runtime_copy
  if [ "${1:-}" = ptrace ]; then grant_ptrace; fi
  attacker_container attack_exe -g 2
  shared_pidns_bundle "$T/b2"
  capture rtc create -b "$T/b2" "$CID-b"
  assert_status 0
  sleep 1
  capture rtc start "$CID-b"
  assert_status 0
  wait_status "$CID-b" running
  stop_attacker
  if [ "${1:-}" = ptrace ]; then
    assert_binary_intact binary-only
  else
    assert_binary_intact
  fi
  [ "$(counter foreign)" -ge 1 ] || fail "the attacker never saw the created init"
  capture rtc delete -f "$CID-b"
  assert_status 0
  capture rtc delete -f "$CID"
  assert_status 0
}

test_created_init_binary_cannot_be_overwritten_from_a_shared_pid_namespace () {
  created_init_attack
}

test_created_init_binary_cannot_be_overwritten_with_cap_sys_ptrace () {
  created_init_attack ptrace
}

# ------------------------------------------------------------ CVE-2016-9962

test_exec_runtime_cannot_be_ptraced_from_the_container () {
  runtime_copy
  attacker_container ptrace_attach -g 0.5
  # no strace here: a traced process cannot be attached by another tracer
  exec_storm no-strace
  stop_attacker
  assert_storm_ok
  assert_eq "$(counter attached)" 0 "successful ptrace attaches"
  assert_eq "$(counter mem_opened)" 0 "opened /proc/PID/mem"
  capture rtc delete -f "$CID"
  assert_status 0
}

test_created_init_cannot_be_ptraced_from_a_shared_pid_namespace () {
  runtime_copy
  attacker_container ptrace_attach -g 0.5
  shared_pidns_bundle "$T/b2"
  capture rtc create -b "$T/b2" "$CID-b"
  assert_status 0
  sleep 1
  capture rtc start "$CID-b"
  assert_status 0
  wait_status "$CID-b" running
  stop_attacker
  assert_eq "$(counter attached)" 0 "successful ptrace attaches"
  assert_eq "$(counter mem_opened)" 0 "opened /proc/PID/mem"
  [ "$(counter targets)" -ge 1 ] || fail "the attacker never saw the created init"
  capture rtc delete -f "$CID-b"
  assert_status 0
  capture rtc delete -f "$CID"
  assert_status 0
}

# ------------------------------------------------------------ run without the shield

# state_field ID KEY: KEY of ID's state.json (runcgo's own file, read as root).
state_field () {
  jq -r --arg k "$2" '.[$k] // empty' "$ROOT/$1/state.json"
}

# A `run` whose container has its own pid namespace and no container-side
# hook skips the exe shield (it costs 1.2 ms of a run): nothing of the
# container is in that pid namespace before the init's exec.  An exec that
# comes in that window (here the run's START is held back 1 s by strace)
# waits for the init's exec: even with CAP_SYS_PTRACE it finds the
# container's binary as pid 1, never the runtime.
test_exec_waits_for_the_exec_of_an_unshielded_run_init () {
  command -v strace > /dev/null || skip "strace is not installed"
  runtime_copy
  grant_ptrace
  cfg_args sleep 1000
  timeout 60 strace -qq -o /dev/null -e trace=sendto -e inject=sendto:delay_enter=1000000:when=2+ \
    "$RTC" --root "$ROOT" run -d -b "$BUNDLE" "$CID" > /dev/null 2>&1 &
  local held=$!
  wait_until "the held run's state" test -s "$ROOT/$CID/state.json"
  wait_until "the held run's init pid" test -n "$(state_field "$CID" pid)"
  [ -n "$(state_field "$CID" unshielded_exe)" ] || fail "the run's init was shielded: nothing was tested"
  capture rtc exec "$CID" readlink /proc/1/exe
  assert_status 0
  assert_eq "$output" /bin/busybox "pid 1's binary as the exec'd process sees it"
  wait "$held" || fail "the held run failed"
  capture rtc delete -f "$CID"
  assert_status 0
}

# The shield stays for every init that container code could see: a created
# one (exec may join before start), one with a startContainer hook (it runs
# in the container's namespaces) and one joining an existing pid namespace.
test_run_keeps_the_shield_where_the_container_can_see_the_init () {
  cfg_args sleep 1000
  capture rt run -d -b "$BUNDLE" "$CID"
  assert_status 0
  [ -n "$(state_field "$CID" unshielded_exe)" ] || fail "a plain run -d was shielded"
  make_bundle "$T/b1"
  cfg_args -b "$T/b1" sleep 1000
  capture rt create -b "$T/b1" "$CID-c"
  assert_status 0
  [ -z "$(state_field "$CID-c" unshielded_exe)" ] || fail "a created init runs unshielded"
  make_bundle "$T/b2"
  cfg -b "$T/b2" '.hooks.startContainer = [{"path": "/bin/true"}]'
  cfg_args -b "$T/b2" sleep 1000
  capture rt run -d -b "$T/b2" "$CID-h"
  assert_status 0
  [ -z "$(state_field "$CID-h" unshielded_exe)" ] || fail "a run with a startContainer hook runs unshielded"
  shared_pidns_bundle "$T/b3"
  capture rt run -d -b "$T/b3" "$CID-p"
  assert_status 0
  [ -z "$(state_field "$CID-p" unshielded_exe)" ] || fail "a run joining a pid namespace runs unshielded"
  for id in "$CID-p" "$CID-h" "$CID-c" "$CID"; do
    capture rt delete -f "$id"
    assert_status 0
  done
}

run_tests "$@"
