#!/bin/bash
# Errors a client parses: exit status 1 and a message that names the object
# and the problem; after any failed create nothing is left (the leak check
# after each test asserts it).
. "$(dirname "$0")/../lib/common.sh"

test_create_without_config_json_fails () {
  rm "$BUNDLE/config.json"
  expect_error 'config\.json' rt create -b "$BUNDLE" "$CID"
  capture rt state "$CID"
  assert_status 1
}

test_create_with_missing_rootfs_fails () {
  cfg '.root.path = $p' --arg p "$T/no-rootfs"
  expect_error "$T/no-rootfs" rt create -b "$BUNDLE" "$CID"
  capture rt state "$CID"
  assert_status 1
}

test_create_with_bad_json_fails () {
  echo '{"ociVersion": "1.0.2", "process": {' > "$BUNDLE/config.json"
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 1
  runc_differs "runc says only 'unexpected EOF'"
  assert_contains "$output" config.json "error message"
}

test_create_with_wrong_json_type_fails_naming_the_field () {
  cfg '.process.args = "sh"'
  expect_error 'args' rt create -b "$BUNDLE" "$CID"
}

test_missing_process_fails_at_create_or_start () {
  cfg 'del(.process)'
  capture rt create -b "$BUNDLE" "$CID"
  if [ "$status" = 0 ]; then
    # the spec allows a config without process until start
    expect_error 'process' rt start "$CID"
    capture rt delete -f "$CID"
    assert_status 0
  else
    assert_status 1
    assert_contains "$output" process "error message"
  fi
}

test_unknown_id_does_not_exist () {
  for cmd in state start "kill" delete; do
    expect_error 'does not exist' rt $cmd "$CID-none"
  done
  capture rt kill "$CID-none" KILL
  assert_status 1
  runc_differs "runc 1.1 says 'container does not exist' without the ID"
  for cmd in state start "kill" delete; do
    expect_error "container \"$CID-none\" does not exist" rt $cmd "$CID-none"
  done
}

test_duplicate_id_already_exists () {
  cfg_args sleep 1000
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  pid=$(pid_of "$CID")
  expect_error 'already exists' rt create -b "$BUNDLE" "$CID"
  capture rt run -d -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$output" "already exists" "run with a used ID"
  assert_eq "$(pid_of "$CID")" "$pid" "pid of the first container"
  dup_output=$output
  capture rt delete -f "$CID"
  assert_status 0
  runc_differs "runc 1.1 says 'container with given ID already exists'"
  assert_contains "$dup_output" "container \"$CID\" already exists" "error message"
}

test_bad_signal_is_rejected () {
  cfg_args sleep 1000
  start_detached "$CID"
  expect_error 'NOSUCHSIG' rt kill "$CID" NOSUCHSIG
  expect_error 'SIGNOSUCH' rt kill "$CID" SIGNOSUCH
  capture rt kill "$CID" 99
  assert_status 1
  capture rt kill "$CID" -- -1
  assert_status 1
  assert_eq "$(status_of "$CID")" running "status after bad signals"
  capture rt delete -f "$CID"
  assert_status 0
}

test_delete_of_running_container_without_force_fails () {
  cfg_args sleep 1000
  start_detached "$CID"
  expect_error 'cannot delete container .* that is not stopped' rt delete "$CID"
  msg=$output
  assert_eq "$(status_of "$CID")" running "status after refused delete"
  capture rt delete -f "$CID"
  assert_status 0
  runc_differs "runc 1.1 says 'cannot delete container ID that is not stopped: running' (ID unquoted)"
  assert_contains "$msg" "cannot delete container \"$CID\" that is not stopped" "error message"
}

# ls_around: what exists in, next to and above the state root (to see that a
# bad ID created nothing outside it).
ls_around () {
  mkdir -p "$ROOT"
  ls -A "$SUITE_TMP" "$ROOT" "$BUNDLE" / /etc | md5sum
}

test_invalid_container_ids_are_rejected () {
  before=$(ls_around)
  long=$(printf 'a%.0s' $(seq 1025))
  for id in ../../../etc ../escape a/b .. . "a b" "$long" ""; do
    capture rt create -b "$BUNDLE" "$id"
    assert_status 1
  done
  capture rt run -b "$BUNDLE" ../../../etc
  assert_status 1
  assert_eq "$(ls_around)" "$before" "directories around the state root"
  capture rt list -q
  assert_eq "$stdout" "" "containers"
}

test_container_id_starting_with_dot_or_dash_is_rejected () {
  runc_differs "runc 1.1 accepts IDs starting with '.'"
  before=$(ls_around)
  expect_error '[Ii][Dd]' rt create -b "$BUNDLE" .hidden
  expect_error '[Ii][Dd]' rt create -b "$BUNDLE" -- -x
  assert_eq "$(ls_around)" "$before" "directories around the state root"
}

test_invalid_id_is_rejected_by_every_command () {
  for cmd in state start "kill" delete; do
    capture rt $cmd ../../../etc
    assert_status 1
  done
  [ -d /etc ] || fail "/etc is gone"
}

test_failed_create_leaves_no_state_dir () {
  cfg '.mounts += [{"destination": "/x", "type": "nosuchfs", "source": "none"}]'
  cfg_args sleep 1000
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 1
  [ ! -e "$ROOT/$CID" ] || fail "state dir $ROOT/$CID left behind"
  capture rt list -q
  assert_eq "$stdout" "" "containers after a failed create"
}

test_missing_required_args_are_usage_errors () {
  capture rt create -b "$BUNDLE"
  assert_status 1
  capture rt start
  assert_status 1
  capture rt kill
  assert_status 1
  capture rt delete
  assert_status 1
  capture rt state
  assert_status 1
}

run_tests "$@"
