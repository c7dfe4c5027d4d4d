#!/bin/bash
# The systemd cgroup driver (--systemd-cgroup) against real systemd managers.
#
# Root: a Debian bookworm guest that boots systemd as PID 1 under runcgo (a
# cgroup namespace and rw cgroup mounts: itself a test of the runtime), with
# this runcgo copied in and run there as a transient service, the way an
# engine under systemd runs it.  The guest's rootfs is a debootstrap tarball
# cached in $RUNCGO_SYSTEMD_CACHE (tests/lib/systemd-rootfs.sh builds it when
# missing, ~1-2.5 minutes; the guest tests SKIP when the mirror is unreachable).
#
# Rootless: a `systemd --user` manager for a test user, started here in a
# private mount namespace (where /run/systemd/system exists) inside a cgroup2
# subtree the user owns; runcgo runs as that user inside the session.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS_LIB/systemd-guest.sh"

# ------------------------------------------------------------------ root: inside the guest

test_root_guest_boots_systemd_as_pid1 () {
  need_guest
  assert_match "$(g systemctl is-system-running)" '^(running|degraded)$' "systemctl is-system-running"
  assert_eq "$(g readlink /proc/1/exe)" /usr/lib/systemd/systemd "PID 1 of the guest"
  capture g /usr/local/bin/runcgo --version
  assert_status 0
}

test_root_scope_holds_the_container_with_delegate_and_limits () {
  need_guest
  guest_bundle '.process.args = ["sleep", "300"] | .linux.cgroupsPath = "system.slice:runcgo:" + $cid
    | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 50},
                          cpu: {shares: 512, quota: 50000, period: 100000, cpus: "0"}}'
  local unit=runcgo-$CID.scope scope=/system.slice/runcgo-$CID.scope
  capture gr --systemd-cgroup run -d "$CID"
  assert_status 0
  local pid
  pid=$(gr state "$CID" | jq -r .pid)
  # systemd's view: an active delegated transient scope with the limits as properties
  capture g systemctl show "$unit" -p ActiveState -p Delegate -p ControlGroup -p MemoryLimit -p TasksMax \
    -p CPUShares -p CPUQuotaPerSecUSec -p AllowedCPUs -p DefaultDependencies
  assert_status 0
  for want in ActiveState=active Delegate=yes "ControlGroup=$scope" MemoryLimit=67108864 TasksMax=50 \
    CPUShares=512 CPUQuotaPerSecUSec=500ms AllowedCPUs=0; do
    assert_contains "$stdout" "$want" "systemctl show $unit"
  done
  # the init is in the scope in every hierarchy, the ones systemd does not
  # manage (freezer, cpuset) included
  local c
  for c in name=systemd memory pids cpu freezer cpuset; do
    assert_contains "$(g cat "/proc/$pid/cgroup")" ":$c:$scope" "/proc/$pid/cgroup ($c)"
  done
  # the files hold the limits (written by systemd and by runcgo)
  assert_eq "$(g cat /sys/fs/cgroup/memory$scope/memory.limit_in_bytes)" 67108864 memory.limit_in_bytes
  assert_eq "$(g cat /sys/fs/cgroup/pids$scope/pids.max)" 50 pids.max
  assert_eq "$(g cat /sys/fs/cgroup/cpu$scope/cpu.cfs_quota_us)" 50000 cpu.cfs_quota_us
  assert_eq "$(g cat /sys/fs/cgroup/cpu$scope/cpu.shares)" 512 cpu.shares
  assert_eq "$(g cat /sys/fs/cgroup/cpuset$scope/cpuset.cpus)" 0 cpuset.cpus
  # the state records the unit's cgroup and the driver, so later commands find it
  assert_eq "$(g cat "/run/runcgo/$CID/state.json" | jq -r .cgroup_path)" "$scope" "state.json cgroup_path"
  capture gr kill "$CID" KILL
  assert_status 0
  capture gr delete "$CID"
  assert_status 0
  assert_guest_clean
}

# crun's run.oci.systemd.subgroup: the init and the limits go to a
# sub-cgroup of the unit; state.json records it, so exec, kill and delete
# find it (and the unit above it).
test_root_systemd_subgroup_annotation_holds_the_init_and_the_limits () {
  need_guest
  runc_differs "crun's annotation"
  guest_bundle '.process.args = ["sleep", "300"] | .linux.cgroupsPath = "system.slice:runcgo:" + $cid
    | .linux.resources = {pids: {limit: 50}} | .annotations["run.oci.systemd.subgroup"] = "ctr"'
  local unit=runcgo-$CID.scope sub=/system.slice/runcgo-$CID.scope/ctr c pid
  capture gr --systemd-cgroup run -d "$CID"
  assert_status 0
  pid=$(gr state "$CID" | jq -r .pid)
  for c in name=systemd pids memory; do
    assert_contains "$(g cat "/proc/$pid/cgroup")" ":$c:$sub" "/proc/$pid/cgroup ($c)"
  done
  assert_eq "$(g cat "/sys/fs/cgroup/pids$sub/pids.max")" 50 "pids.max of the subgroup"
  assert_eq "$(g cat "/run/runcgo/$CID/state.json" | jq -r .cgroup_path)" "$sub" "state.json cgroup_path"
  assert_eq "$(g systemctl is-active "$unit")" active "the unit"
  capture gr exec "$CID" sh -c 'cat /proc/self/cgroup'
  assert_status 0
  assert_contains "$stdout" ":pids:$sub" "an exec's cgroup"
  capture gr kill "$CID" KILL
  assert_status 0
  capture gr delete "$CID"
  assert_status 0
  assert_guest_clean
  local cfg=$GUEST_ROOTFS/var/lib/runcgo-test/$CID/config.json
  jq '.annotations["run.oci.systemd.subgroup"] = "a/b"' "$cfg" > "$cfg.new" && mv "$cfg.new" "$cfg"
  expect_error 'run.oci.systemd.subgroup: "a/b" is not a cgroup name' gr --systemd-cgroup run -d "$CID"
  assert_guest_clean
}

test_root_memory_limit_oom_kills_a_hog_in_the_scope () {
  need_guest
  guest_bundle '.process.args = ["dd", "if=/dev/zero", "of=/dev/null", "bs=128M", "count=1"]
    | .linux.cgroupsPath = "system.slice:runcgo:" + $cid | .linux.resources = {memory: {limit: 33554432}}'
  capture gr --systemd-cgroup run "$CID"
  assert_eq "$status" 137 "exit status of a 128M allocation under a 32M MemoryLimit"
  assert_guest_clean
}

test_root_pids_limit_stops_forks_in_the_scope () {
  need_guest
  guest_bundle '.process.args = ["sh", "-c", "for i in $(seq 1 20); do sleep 5 & done; wait"]
    | .linux.cgroupsPath = "system.slice:runcgo:" + $cid | .linux.resources = {pids: {limit: 10}}'
  capture gr --systemd-cgroup run "$CID"
  assert_contains "$output" "can't fork" "output of 20 forks under TasksMax=10"
  assert_guest_clean
}

test_root_empty_cgroups_path_is_runcgo_id_scope_in_system_slice () {
  need_guest
  guest_bundle '.process.args = ["sleep", "300"] | del(.linux.cgroupsPath)'
  capture gr --systemd-cgroup run -d "$CID"
  assert_status 0
  assert_eq "$(g systemctl show "runcgo-$CID.scope" -p ControlGroup)" "ControlGroup=/system.slice/runcgo-$CID.scope" \
    "the unit of an empty cgroupsPath"
  capture gr delete -f "$CID"
  assert_status 0
  assert_guest_clean
}

test_root_name_ending_in_slice_makes_a_slice () {
  need_guest
  local slice=runcgotest${CID//[^a-z0-9]/}.slice
  guest_bundle --arg slice "$slice" '.process.args = ["sleep", "300"] | .linux.cgroupsPath = "system.slice::" + $slice'
  capture gr --systemd-cgroup run -d "$CID"
  assert_status 0
  local pid
  pid=$(gr state "$CID" | jq -r .pid)
  assert_eq "$(g systemctl show "$slice" -p ActiveState)" ActiveState=active "the slice unit"
  assert_contains "$(g cat "/proc/$pid/cgroup")" ":name=systemd:/$slice" "/proc/$pid/cgroup"
  capture gr delete -f "$CID"
  assert_status 0
  assert_eq "$(g systemctl show "$slice" -p ActiveState)" ActiveState=inactive "the slice after delete"
  assert_guest_clean
}

test_root_second_container_on_the_same_unit_fails_and_leaves_the_first () {
  need_guest
  guest_bundle '.process.args = ["sleep", "300"] | .linux.cgroupsPath = "system.slice:runcgo:" + $cid'
  capture gr --systemd-cgroup run -d "$CID"
  assert_status 0
  capture gr --systemd-cgroup run -d "$CID-2"
  assert_eq "$status" 1 "exit status of the second"
  assert_contains "$stderr" "start runcgo-$CID.scope: the unit exists and is active" "error"
  assert_eq "$(g systemctl is-active "runcgo-$CID.scope")" active "the first container's unit"
  assert_eq "$(gr list -q | grep -- "^$CID" || true)" "$CID" "containers left"
  capture gr delete -f "$CID"
  assert_status 0
  assert_guest_clean
}

test_root_kill_all_and_delete_go_through_the_unit_cgroup () {
  need_guest
  guest_bundle '.process.args = ["sh", "-c", "sleep 300 & sleep 300 & wait"]
    | .linux.cgroupsPath = "system.slice:runcgo:" + $cid'
  capture gr --systemd-cgroup run -d "$CID"
  assert_status 0
  wait_until "three processes in the scope" guest_procs_are 3 "/sys/fs/cgroup/pids/system.slice/runcgo-$CID.scope"
  capture gr kill --all "$CID" KILL
  assert_status 0
  wait_until "an empty scope" guest_procs_are 0 "/sys/fs/cgroup/pids/system.slice/runcgo-$CID.scope"
  capture gr delete "$CID"
  assert_status 0
  assert_guest_clean
}

test_root_private_socket_serves_when_dbus_is_down () {
  need_guest
  guest_bundle '.process.args = ["sleep", "300"] | .linux.cgroupsPath = "system.slice:runcgo:" + $cid'
  # systemd-run itself needs the bus: a static unit runs runcgo while dbus is stopped
  cat > "$GUEST_ROOTFS/etc/systemd/system/$CID-launch.service" << EOF
[Service]
Type=oneshot
WorkingDirectory=/var/lib/runcgo-test/$CID
ExecStart=/usr/local/bin/runcgo --systemd-cgroup run -d $CID
$(sanitizer_unit_env)
StandardOutput=file:/run/$CID-launch.log
StandardError=file:/run/$CID-launch.log
EOF
  g systemctl daemon-reload
  g systemctl stop dbus.socket dbus.service
  local st=0
  g systemctl start "$CID-launch.service" || st=$?
  g systemctl start dbus.socket
  rm -f "$GUEST_ROOTFS/etc/systemd/system/$CID-launch.service"
  g systemctl daemon-reload
  [ "$st" = 0 ] || fail "runcgo failed without dbus: $(g cat "/run/$CID-launch.log")"
  assert_eq "$(g systemctl is-active "runcgo-$CID.scope")" active "the unit started over /run/systemd/private"
  capture gr delete -f "$CID"
  assert_status 0
  assert_guest_clean
}

test_root_unit_removed_when_the_container_exits_in_the_foreground () {
  need_guest
  guest_bundle '.process.args = ["sh", "-c", "cat /proc/self/cgroup"] | .linux.cgroupsPath = "system.slice:runcgo:" + $cid'
  capture gr --systemd-cgroup run "$CID"
  assert_status 0
  # with a cgroup namespace the container sees its scope as its root
  assert_contains "$stdout" "name=systemd:/" "the container's /proc/self/cgroup"
  assert_guest_clean
}

# ------------------------------------------------------------------ root: no systemd

test_no_systemd_error_names_the_socket_and_the_way_out () {
  if [ -S /run/systemd/private ]; then
    skip "this host runs systemd: its private socket would answer"
  fi
  cfg '.linux.cgroupsPath = "system.slice:runcgo:x"'
  capture env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/no-bus" "$RUNCGO" --root "$ROOT" --systemd-cgroup run \
    -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "systemd cgroup driver: cannot connect to the system bus at $T/no-bus: No such file or directory" error
  assert_contains "$stderr" "hint: is systemd running? use the cgroupfs driver without --systemd-cgroup" hint
}

test_no_systemd_bad_cgroups_path_is_refused_before_anything_runs () {
  cfg '.linux.cgroupsPath = "/not/a/systemd/path"'
  capture rt --systemd-cgroup run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" 'linux.cgroupsPath "/not/a/systemd/path": not three fields "slice:prefix:name"' error
  assert_eq "$(rt list -q)" "" "containers left"
}

# ------------------------------------------------------------------ rootless: a user manager

test_rootless_container_lands_in_a_delegated_user_scope () {
  need_user_manager
  user_bundle '.process.args = ["sleep", "300"] | .linux.cgroupsPath = "user.slice:runcgo:" + $cid'
  capture as_user_in_session "$RUNCGO" --systemd-cgroup run -d "$CID"
  assert_status 0
  local pid cg
  pid=$(as_user "$RUNCGO" state "$CID" | jq -r .pid)
  capture as_user systemctl --user show "runcgo-$CID.scope" -p ActiveState -p Delegate -p ControlGroup
  assert_contains "$stdout" ActiveState=active "the user scope"
  assert_contains "$stdout" Delegate=yes "the user scope"
  cg=$(echo "$stdout" | sed -n 's/^ControlGroup=//p')
  assert_eq "$cg" "$USER_CGROUP_REL/user.slice/runcgo-$CID.scope" "ControlGroup of the user scope"
  assert_contains "$(cat "/proc/$pid/cgroup")" "0::$cg" "/proc/$pid/cgroup"
  # the scope is the user's: delegated to it, not root's
  assert_eq "$(stat -c %U "$USER_CGROUP_MNT$cg")" "$SD_USER" "owner of the scope's cgroup"
  capture as_user "$RUNCGO" delete -f "$CID"
  assert_status 0
  assert_eq "$(as_user systemctl --user show "runcgo-$CID.scope" -p ActiveState)" ActiveState=inactive "after delete"
  [ ! -d "$USER_CGROUP_MNT$cg" ] || fail "the scope's cgroup $cg is left"
}

test_rootless_outside_the_user_subtree_fails_clearly () {
  need_user_manager
  user_bundle '.process.args = ["sleep", "300"] | .linux.cgroupsPath = "user.slice:runcgo:" + $cid'
  # as the user, but from root's cgroup: the user manager cannot move the init
  capture as_user "$RUNCGO" --systemd-cgroup run -d -b "$T/ubundle" "$CID"
  assert_status 1
  assert_contains "$stderr" "start runcgo-$CID.scope: the job finished with result \"failed\"" error
  assert_contains "$stderr" "systemd-run --user --scope" hint
  assert_eq "$(as_user "$RUNCGO" list -q)" "" "containers left"
}

test_rootless_without_a_user_manager_names_the_bus () {
  need_user_manager
  user_bundle '.linux.cgroupsPath = "user.slice:runcgo:" + $cid'
  local empty=$T/xdg-empty
  mkdir -p "$empty" && chown "$SD_USER:" "$empty" && chmod 700 "$empty"
  capture as_user env XDG_RUNTIME_DIR="$empty" "$RUNCGO" --root "$USER_XDG/runcgo" --systemd-cgroup run -d \
    -b "$T/ubundle" "$CID"
  assert_status 1
  assert_contains "$stderr" "cannot connect to the user bus at $empty/bus: No such file or directory" error
  assert_contains "$stderr" "systemctl --user" hint
}

# ------------------------------------------------------------------ rootless: the automatic choice
# Without --systemd-cgroup, a rootless config with resources goes to a user
# scope when the user's manager answers and can take the caller's processes;
# otherwise the cgroupfs driver's way (here: no cgroup, one warning).  The
# resource is a cgroup2 core file, honoured on v2 and hybrid hosts alike.
AUTO_RESOURCES='{unified: {"cgroup.max.descendants": "7"}}'

unit_state () {
  as_user systemctl --user show "runcgo-$1.scope" -p ActiveState --value 2> /dev/null || true
}

test_rootless_resources_go_to_a_user_scope_automatically () {
  need_user_manager
  user_bundle '.process.args = ["sleep", "300"] | del(.linux.cgroupsPath) | .linux.resources = '"$AUTO_RESOURCES"
  capture as_user_in_session "$RUNCGO" run -d "$CID"
  assert_status 0
  assert_eq "$stderr" "" "stderr (no warning: the resources are applied)"
  local pid cg
  pid=$(as_user "$RUNCGO" state "$CID" | jq -r .pid)
  capture as_user systemctl --user show "runcgo-$CID.scope" -p ActiveState -p Delegate -p ControlGroup
  assert_contains "$stdout" ActiveState=active "the user scope"
  assert_contains "$stdout" Delegate=yes "the user scope"
  cg=$(echo "$stdout" | sed -n 's/^ControlGroup=//p')
  assert_eq "$cg" "$USER_CGROUP_REL/user.slice/runcgo-$CID.scope" "ControlGroup of the user scope"
  assert_contains "$(cat "/proc/$pid/cgroup")" "0::$cg" "/proc/$pid/cgroup"
  assert_eq "$(cat "$USER_CGROUP_MNT$cg/cgroup.max.descendants")" 7 "cgroup.max.descendants of the scope"
  # later commands find the unit through the state (driver systemd)
  capture as_user "$RUNCGO" delete -f "$CID"
  assert_status 0
  assert_eq "$(unit_state "$CID")" inactive "the scope after delete"
  [ ! -d "$USER_CGROUP_MNT$cg" ] || fail "the scope's cgroup $cg is left"
}

# (In the foreground: a container left without a cgroup in the transient
# service that runs runcgo would die with the service.)  The container's
# cgroup2 line shows where it went: not into a scope of its own, but the
# service's cgroup (no cgroup: hybrid) or its own below app.slice (v2).
assert_not_in_a_scope () {
  assert_status 0
  assert_match "$stdout" "^0::$USER_CGROUP_REL/app.slice/(run-[^/]*\\.service|$CID)\$" "the container's cgroup2 line"
  assert_eq "$(unit_state "$CID")" inactive "runcgo-$CID.scope"
}

test_rootless_without_resources_never_asks_systemd () {
  need_user_manager
  user_bundle '.process.args = ["grep", "^0::", "/proc/self/cgroup"] | del(.linux.cgroupsPath) | del(.linux.resources)'
  capture as_user_in_session "$RUNCGO" run "$CID"
  assert_not_in_a_scope
}

# The manager answers, but runcgo runs outside its subtree (and there is no
# system manager to ask): the scope's job would fail after the clone, so the
# cgroupfs driver is used (--systemd-cgroup fails here, see above).
test_rootless_resources_outside_the_user_subtree_stay_with_cgroupfs () {
  need_user_manager
  user_bundle '.process.args = ["sleep", "300"] | del(.linux.cgroupsPath) | .linux.resources = '"$AUTO_RESOURCES"
  [ ! -d /run/systemd/system ] || skip "systemd is the init here: the user manager would ask it to move the pid"
  capture as_user "$RUNCGO" run -d -b "$T/ubundle" "$CID"
  assert_status 0
  assert_contains "$stderr" "linux.resources are not applied" "warning"
  assert_eq "$(unit_state "$CID")" inactive "a unit for a caller outside the user's subtree"
  capture as_user "$RUNCGO" delete -f "$CID"
  assert_status 0
}

# (the user manager gives its services DBUS_SESSION_BUS_ADDRESS: unset too)
test_rootless_resources_without_a_user_bus_stay_with_cgroupfs () {
  need_user_manager
  user_bundle '.process.args = ["grep", "^0::", "/proc/self/cgroup"] | del(.linux.cgroupsPath)
    | .linux.resources = '"$AUTO_RESOURCES"
  local empty=$T/xdg-empty
  mkdir -p "$empty" && chown "$SD_USER:" "$empty" && chmod 700 "$empty"
  capture as_user_in_session env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR="$empty" "$RUNCGO" run "$CID"
  assert_not_in_a_scope
  if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
    # hybrid: v1 directories cannot be made, so no cgroup at all
    assert_contains "$stderr" "linux.resources are not applied" "warning"
  fi
}

run_tests "$@"
