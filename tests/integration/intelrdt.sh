#!/bin/bash
# linux.intelRdt (config-linux.md "IntelRdt") through resctrl.  A host
# without resctrl (no Intel RDT / AMD QoS, or not mounted) must fail create
# with the exact error and leave nothing behind; where resctrl is mounted, a
# container lands in its group and MON group, which delete removes.  What is
# written where is unit-tested in tests/unit/test_intelrdt.c.
. "$(dirname "$0")/../lib/common.sh"

RESCTRL=/sys/fs/resctrl
NO_RESCTRL_ERROR='linux.intelRdt: resctrl is not mounted at /sys/fs/resctrl (the CPU or kernel lacks Intel RDT/AMD QoS, or mount it: mount -t resctrl resctrl /sys/fs/resctrl)'

have_resctrl () { [ "$(stat -f -c %T "$RESCTRL" 2> /dev/null)" = resctrl ] || [ -d "$RESCTRL/info" ]; }

need_no_resctrl () { ! have_resctrl || skip "resctrl is mounted here"; }
need_resctrl () { have_resctrl || skip "no resctrl on this host"; }

test_without_resctrl_create_fails_with_the_exact_error () {
  need_no_resctrl
  cfg '.linux.intelRdt = {"closID": "guaranteed_group", "l3CacheSchema": "L3:0=7f0;1=1f", "memBwSchema": "MB:0=20;1=70"}'
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 1
  assert_eq "$stderr" "runcgo: $NO_RESCTRL_ERROR" "error"
  assert_eq "$(rt list -q)" "" "containers left"
}

test_without_resctrl_monitoring_alone_fails_too () {
  need_no_resctrl
  cfg '.linux.intelRdt = {"enableMonitoring": true}'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "$NO_RESCTRL_ERROR" "error"
}

test_without_intel_rdt_resctrl_is_never_touched () {
  # the spec: "If intelRdt is not set, the runtime MUST NOT manipulate any
  # resctrl pseudo-filesystems" -- and a host without it runs containers
  out=$(inside echo ok)
  assert_eq "$out" ok "container without intelRdt"
}

test_invalid_closid_is_rejected () {
  cfg '.linux.intelRdt = {"closID": "../escape"}'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" 'linux.intelRdt.closID: "../escape" is not a valid resctrl group name' error
}

test_mem_bw_schema_must_start_with_mb () {
  cfg '.linux.intelRdt = {"memBwSchema": "L3:0=20"}'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" 'linux.intelRdt.memBwSchema: must start with "MB:"' error
}

# ------------------------------------------------------------------ with resctrl

test_container_joins_the_default_group_and_a_mon_group () {
  need_resctrl
  local mon=false
  [ -d "$RESCTRL/info/L3_MON" ] && mon=true
  cfg '.linux.intelRdt = {"closID": "/", "enableMonitoring": $m}' --argjson m "$mon"
  cfg_args sleep 300
  start_detached "$CID"
  pid=$(pid_of "$CID")
  grep -qx "$pid" "$RESCTRL/tasks" || [ "$mon" = true ] || fail "pid $pid not in $RESCTRL/tasks"
  if [ "$mon" = true ]; then
    grep -qx "$pid" "$RESCTRL/mon_groups/$CID/tasks" || fail "pid $pid not in the MON group"
  fi
  capture rt delete -f "$CID"
  assert_status 0
  [ ! -d "$RESCTRL/mon_groups/$CID" ] || fail "the MON group is left"
}

test_container_gets_its_own_group_removed_at_delete () {
  need_resctrl
  cfg '.linux.intelRdt = {}'
  cfg_args sleep 300
  start_detached "$CID"
  pid=$(pid_of "$CID")
  grep -qx "$pid" "$RESCTRL/$CID/tasks" || fail "pid $pid not in $RESCTRL/$CID/tasks"
  capture rt delete -f "$CID"
  assert_status 0
  [ ! -d "$RESCTRL/$CID" ] || fail "the group $CID is left"
}

test_update_schemas_of_a_container_without_intel_rdt_fail_clearly () {
  cfg_args sleep 1000
  start_detached "$CID"
  expect_error 'update: container "'"$CID"'" has no linux.intelRdt' rt update --l3-cache-schema "L3:0=f" "$CID"
  expect_error 'has no linux.intelRdt' rt update --mem-bw-schema "MB:0=50" "$CID"
  capture rt delete -f "$CID"
}

test_update_l3_cache_schema_rewrites_the_own_group () {
  need_resctrl
  cfg '.linux.intelRdt = {"l3CacheSchema": $s}' --arg s "$(grep -m1 '^ *L3:' "$RESCTRL/schemata" | tr -d ' ')"
  cfg_args sleep 1000
  start_detached "$CID"
  line=$(grep -m1 '^ *L3:' "$RESCTRL/$CID/schemata" | tr -d ' ')
  capture rt update --l3-cache-schema "$line" "$CID"
  assert_status 0
  capture rt delete -f "$CID"
}

test_missing_preconfigured_closid_is_an_error () {
  need_resctrl
  cfg '.linux.intelRdt = {"closID": "runcgo-no-such-group"}'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "no pre-configured resctrl group" error
}

run_tests "$@"
