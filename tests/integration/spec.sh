#!/bin/bash
# `spec`: the starter config.json, as `runc spec` writes it.
. "$(dirname "$0")/../lib/common.sh"

test_spec_writes_config_json_in_the_current_directory () {
  mkdir "$T/new" && cd "$T/new"
  capture "$RUNCGO" spec
  assert_status 0
  [ -s config.json ] || fail "no config.json written"
  jq -e '.ociVersion and .process.args == ["sh"] and .root.path == "rootfs"' config.json > /dev/null ||
    fail "unexpected config.json: $(head -c 400 config.json)"
  jq -e '.linux.namespaces | map(.type) | (index("pid") and index("mount") and index("network") and index("uts") and index("ipc"))' \
    config.json > /dev/null || fail "missing default namespaces"
}

test_spec_output_declares_spec_version_1_3_0 () {
  mkdir "$T/new" && cd "$T/new"
  capture "$RUNCGO" spec
  assert_status 0
  runc_differs "runc 1.1 writes ociVersion 1.0.2-dev"
  assert_eq "$(jq -r .ociVersion config.json)" "1.3.0" "ociVersion"
}

test_spec_default_config_runs_a_container () {
  # the unmodified spec (read-only root, default mounts, caps, masks) with only
  # the terminal off and a command that prints
  mkdir "$T/b2" && cd "$T/b2"
  capture "$RUNCGO" spec
  assert_status 0
  cp -a "$BUNDLE/rootfs" rootfs
  cfg -b "$T/b2" '.process.terminal = false | .process.args = ["sh", "-c", "echo hello from $(hostname)"]
                  | .linux.cgroupsPath = $cg' --arg cg "/$CGROUP_PARENT/$CID-spec"
  capture rt run "$CID"
  assert_status 0
  assert_match "$stdout" '^hello from ' "container output"
}

test_spec_bundle_flag_writes_into_that_directory () {
  mkdir "$T/dir"
  capture "$RUNCGO" spec -b "$T/dir"
  assert_status 0
  jq -e .ociVersion "$T/dir/config.json" > /dev/null || fail "no valid config.json in -b DIR"
  [ ! -e "$T/config.json" ] || fail "config.json written in the current directory too"
  mkdir "$T/dir2"
  capture "$RUNCGO" spec --bundle "$T/dir2"
  assert_status 0
  jq -e .ociVersion "$T/dir2/config.json" > /dev/null || fail "no valid config.json in --bundle DIR"
}

test_spec_refuses_to_overwrite_existing_config_json () {
  mkdir "$T/new" && cd "$T/new"
  echo '{"mine": true}' > config.json
  expect_error '[Ee]xist' "$RUNCGO" spec
  assert_eq "$(cat config.json)" '{"mine": true}' "config.json content"
  expect_error '[Ee]xist' "$RUNCGO" spec -b "$T/new"
  assert_eq "$(cat config.json)" '{"mine": true}' "config.json content"
}

test_spec_bundle_flag_with_missing_directory_fails () {
  capture "$RUNCGO" spec -b "$T/missing"
  assert_status 1
  assert_contains "$output" missing "error message"
  [ ! -e "$T/missing" ] || fail "spec created the missing directory"
}

test_spec_to_stdout_redirected_to_config_json_works () {
  runc_differs "runc refuses: 'File config.json exists. Remove it first'"
  mkdir "$T/new" && cd "$T/new"
  status=0
  "$RUNCGO" spec > config.json 2> "$T/err" || status=$?
  assert_eq "$status" 0 "exit status of 'spec > config.json' ($(cat "$T/err"))"
  jq -e '.ociVersion and .process.args' config.json > /dev/null || fail "config.json is not the spec: $(head -c 300 config.json)"
  # and the result is a usable bundle
  cp -a "$BUNDLE/rootfs" rootfs
  cfg -b "$T/new" '.process.terminal = false | .process.args = ["true"] | .linux.cgroupsPath = $cg' \
    --arg cg "/$CGROUP_PARENT/$CID-new"
  capture rt run "$CID"
  assert_status 0
}

test_spec_rootless_adds_user_namespace_mapping_own_ids () {
  mkdir "$T/new" && cd "$T/new"
  capture "$RUNCGO" spec --rootless
  assert_status 0
  jq -e '.linux.namespaces | map(.type) | index("user")' config.json > /dev/null ||
    fail "no user namespace: $(jq -c .linux.namespaces config.json)"
  assert_eq "$(jq -c '.linux.uidMappings' config.json)" "[{\"containerID\":0,\"hostID\":$(id -u),\"size\":1}]" "uidMappings"
  assert_eq "$(jq -c '.linux.gidMappings' config.json)" "[{\"containerID\":0,\"hostID\":$(id -g),\"size\":1}]" "gidMappings"
}

test_spec_has_default_masked_and_readonly_paths () {
  mkdir "$T/new" && cd "$T/new"
  capture "$RUNCGO" spec
  assert_status 0
  jq -e '.linux.maskedPaths | index("/proc/kcore") and index("/proc/keys")' config.json > /dev/null ||
    fail "maskedPaths: $(jq -c .linux.maskedPaths config.json)"
  jq -e '.linux.readonlyPaths | index("/proc/sys")' config.json > /dev/null ||
    fail "readonlyPaths: $(jq -c .linux.readonlyPaths config.json)"
}

run_tests "$@"
