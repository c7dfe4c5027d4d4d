#!/bin/bash
# Command line: global flags, --help, --version, logging (as conmon and
# containerd read it).
. "$(dirname "$0")/../lib/common.sh"

test_help_exits_0_and_prints_usage () {
  capture "$RUNCGO" --help
  assert_status 0
  assert_match "$stdout" '[Uu][Ss][Aa][Gg][Ee]' "--help output"
  for cmd in spec create start run state list kill delete; do
    assert_match "$stdout" "\\b$cmd\\b" "--help output (command $cmd)"
  done
}

test_command_help_exits_0_for_every_command () {
  for cmd in spec create start run state list kill delete; do
    capture "$RUNCGO" "$cmd" --help
    assert_status 0
    assert_match "$stdout" '[Uu][Ss][Aa][Gg][Ee]' "$cmd --help output"
    assert_match "$stdout" "\\b$cmd\\b" "$cmd --help output"
  done
}

test_create_help_lists_its_flags () {
  capture "$RUNCGO" create --help
  assert_status 0
  for flag in --bundle --pid-file --console-socket --no-pivot --no-new-keyring --preserve-fds; do
    assert_contains "$stdout" "$flag" "create --help"
  done
}

test_version_flag_names_the_spec_version () {
  capture "$RUNCGO" --version
  assert_status 0
  assert_match "$stdout" '^[a-z]+ version [0-9]' "--version"
  assert_match "$stdout" '^spec: [0-9]+\.[0-9]+\.[0-9]+' "--version"
  runc_differs "runc 1.1 implements spec 1.0.2-dev"
  assert_match "$stdout" '^spec: 1\.3\.0' "--version"
}

test_version_command_prints_the_version () {
  runc_differs "runc 1.1 has no version command"
  capture "$RUNCGO" version
  assert_status 0
  assert_match "$stdout" '^[a-z]+ version [0-9]' "version"
  assert_match "$stdout" '^spec: 1\.3\.0' "version"
}

test_unknown_command_fails () {
  capture "$RUNCGO" no-such-command
  assert_ne "$status" 0 "exit status"
  assert_contains "$output" no-such-command "error message"
}

test_global_flags_are_accepted () {
  capture rt --debug --systemd-cgroup --rootless false --log-format text list
  assert_status 0
  capture rt --rootless auto list -q
  assert_status 0
  assert_eq "$stdout" "" "list -q of an empty root"
}

# --rootless true makes root behave as a rootless caller: a user namespace
# without mappings gets automatic ones (here root's own ID) instead of the
# error a rootful runtime gives.
test_rootless_flag_decides_the_rootless_behaviour () {
  runc_differs "runc requires mappings with a user namespace in any mode"
  cfg '.linux.namespaces += [{"type": "user"}] | del(.linux.uidMappings, .linux.gidMappings)'
  cfg_args cat /proc/self/uid_map
  capture rt --rootless false run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$output" "a new user namespace needs ID mappings when not rootless" "--rootless false"
  capture rt --rootless true run -b "$BUNDLE" "$CID-2"
  assert_status 0
  assert_match "$stdout" "^ +0 +0 +1$" "uid_map with --rootless true"
  expect_error 'use --rootless auto, true or false' rt --rootless maybe list
}

# crun's global options: --cgroup-manager systemd is --systemd-cgroup (a
# plain cgroupsPath is then refused, as the systemd tests show);
# --log-level debug is --debug (which logs little on success).
test_crun_cgroup_manager_and_log_level_flags () {
  runc_differs "runc has neither flag"
  cfg_args true
  capture rt --cgroup-manager systemd run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$output" "slice:prefix:name" "cgroupsPath refused by the systemd driver"
  capture rt --cgroup-manager cgroupfs run -b "$BUNDLE" "$CID-2"
  assert_status 0
  capture rt --log-level debug run -b "$BUNDLE" "$CID-3"
  assert_status 0
  capture rt --log-level error run -b "$BUNDLE" "$CID-4"
  assert_status 0
  expect_error 'use systemd, cgroupfs or disabled' rt --cgroup-manager bogus list
  expect_error 'use debug, info, warning or error' rt --log-level loud list
}

test_log_format_json_writes_level_msg_time () {
  capture rt --log "$T/log.json" --log-format json state "$CID"
  assert_status 1
  [ -s "$T/log.json" ] || fail "nothing written to --log file"
  # every line is one JSON object with string level, msg and time
  jq -e 'select((.level | type) == "string" and (.msg | type) == "string" and (.time | type) == "string")' \
    "$T/log.json" > /dev/null || fail "log lines lack level/msg/time: $(cat "$T/log.json")"
  [ "$(jq -c . "$T/log.json" | wc -l)" = "$(wc -l < "$T/log.json")" ] || fail "not one JSON object per line: $(cat "$T/log.json")"
  line=$(jq -c 'select(.level == "error")' "$T/log.json" | tail -n 1)
  [ -n "$line" ] || fail "no error line: $(cat "$T/log.json")"
  assert_contains "$(echo "$line" | jq -r .msg)" "does not exist" "error msg"
  # time is RFC 3339
  assert_match "$(echo "$line" | jq -r .time)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}' "time"
}

test_log_text_writes_the_error () {
  capture rt --log "$T/log.txt" state "$CID"
  assert_status 1
  assert_contains "$(cat "$T/log.txt")" "does not exist" "--log file"
  assert_match "$(cat "$T/log.txt")" 'level=error' "--log file"
}

test_errors_go_to_stderr_and_exit_1 () {
  capture rt state "$CID"
  assert_status 1
  assert_eq "$stdout" "" "stdout"
  assert_contains "$stderr" "does not exist" "stderr"
}

test_debug_flag_does_not_change_results () {
  cfg_args sh -c 'echo hello'
  capture rt --debug run -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$stdout" hello "stdout of the container"
}

run_tests "$@"
