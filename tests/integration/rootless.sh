#!/bin/bash
# Rootless: runcgo run by unprivileged users that this suite creates (as
# root) and removes again: one with /etc/subuid and /etc/subgid ranges, one
# without.  Covers `spec --rootless` + run, the runc README lifecycle, the ID
# maps seen from inside (single ID, a full range through newuidmap, automatic
# maps), a root config run by root of a nested user namespace (as rootless
# Podman runs the runtime), every rootless failure with its error text, overlay mounts (native
# in the user namespace, and forced through fuse-overlayfs, also on "/" and as root), `runcgo check`,
# and that nothing is left behind (state, processes, mounts, FUSE daemons).
#
# Root changes made for the suite, all undone at its end: two users (useradd),
# their lines in /etc/subuid and /etc/subgid, /run/user/UID, and the modes of
# /dev/fuse and /dev/net/tun (set to 0666 while the suite runs).
. "$(dirname "$0")/../lib/common.sh"

. "$(dirname "$0")/../lib/rootless.sh"

# ------------------------------------------------------------------ runcgo check

RL_CHECK_ITEMS="user user.max_user_namespaces userns newuidmap newgidmap /etc/subuid /etc/subgid idmap.helpers
XDG_RUNTIME_DIR cgroup.mode cgroup.delegation systemd dbus overlay.userns /dev/fuse fuse-overlayfs /dev/net/tun"

# cfg_range_maps: container 0 -> $RL_USER, 1.. -> its subordinate range:
# maps only newuidmap/newgidmap may write.
cfg_range_maps () {
  cfg '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $s, "size": $c}]
     | .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}, {"containerID": 1, "hostID": $s, "size": $c}]' \
    --argjson u "$RL_UID" --argjson g "$RL_GID" --argjson s "$RL_START" --argjson c "$RL_COUNT"
}

test_check_as_user_exits_0_and_reports_every_item () {
  runc_differs "runc has no check command"
  RU=$RL_USER
  capture as_user "$RL_USER" "$RUNCGO" check
  assert_status 0
  for item in $RL_CHECK_ITEMS; do
    assert_match "$stdout" "^(ok|warn|FAIL)  +$item  " "the line of $item"
  done
  for item in userns newuidmap newgidmap /etc/subuid /etc/subgid idmap.helpers XDG_RUNTIME_DIR /dev/fuse; do
    assert_match "$stdout" "^ok  +$item  " "status of $item"
  done
  assert_match "$stdout" "^ok  +/etc/subuid  +$RL_START-$((RL_START + RL_COUNT - 1)) \\($RL_COUNT IDs\\)" "subuid range"
  assert_match "$stdout" "^rootless containers: can run \\(ID maps: your own ID plus" "summary"
  n_lines=$(grep -cE '^(ok|warn|FAIL)  ' <<< "$stdout")
  capture as_user "$RL_USER" "$RUNCGO" check --format json
  assert_status 0
  assert_eq "$(jq length <<< "$stdout")" "$n_lines" "items in the json array (as many as text lines)"
  assert_eq "$(jq -r '[.[] | select(.status | test("^(ok|warn|fail)$") | not)] | length' <<< "$stdout")" 0 \
    "statuses outside ok|warn|fail"
  assert_eq "$(jq -r '.[] | select(.item == "userns") | .status' <<< "$stdout")" ok "json status of userns"
  assert_eq "$(jq -r '[.[] | select(.status != "ok" and .fix == null)] | length' <<< "$stdout")" 0 \
    "warn items without a fix"
}

test_check_warns_for_a_user_without_subuid_ranges () {
  runc_differs "runc has no check command"
  RU=$RL_BARE
  capture as_user "$RL_BARE" "$RUNCGO" check
  assert_status 0
  assert_match "$stdout" "^warn  +/etc/subuid  +no range for $RL_BARE \\(uid $RL_BARE_UID\\).*\\(fix: usermod --add-subuids" \
    "subuid line"
  assert_match "$stdout" "^warn  +/etc/subgid  +no range for $RL_BARE" "subgid line"
  assert_match "$stdout" "^warn  +idmap.helpers  +not probed" "helpers line"
  assert_match "$stdout" "^rootless containers: can run \\(ID maps: your own ID only" "summary"
}

test_check_warns_without_xdg_runtime_dir () {
  runc_differs "runc has no check command"
  RU=$RL_USER
  capture as_user "$RL_USER" env -u XDG_RUNTIME_DIR "$RUNCGO" check
  assert_status 0
  assert_match "$stdout" "^warn  +XDG_RUNTIME_DIR  +unset: .*\\(fix: .*--root DIR" "XDG line"
}

test_check_fails_and_exits_1_without_user_namespaces () {
  runc_differs "runc has no check command"
  RU=$RL_USER
  # user.max_user_namespaces is per user namespace: 0 in a namespace of our
  # own forbids nested ones there, without touching the host's setting
  capture as_user "$RL_USER" unshare --user --map-root-user sh -c \
    'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" check' "$RUNCGO"
  assert_status 1
  assert_match "$stdout" "^FAIL  +userns  +unshare\\(CLONE_NEWUSER\\): No space left on device \\(fix: " "userns line"
  assert_match "$stdout" "^rootless containers: cannot run" "summary"
}

test_check_as_root_says_the_checks_are_for_unprivileged_users () {
  runc_differs "runc has no check command"
  RU=$RL_USER
  capture "$RUNCGO" check
  assert_status 0
  assert_match "$stdout" "^ok  +user  +root \\(uid 0\\): .*rootless checks are for unprivileged users" "user line"
}

# ------------------------------------------------------------------ lifecycle

# runc's README walk: create -> created -> start -> running -> kill ->
# stopped -> delete, all as the unprivileged user.
test_lifecycle_walk_as_unprivileged_user () {
  rl_prepare "$RL_USER"
  cfg_args sleep 1000
  capture urt create -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$(ustatus_of "$CID")" created "status after create"
  capture urt start "$CID"
  assert_status 0
  assert_eq "$(ustatus_of "$CID")" running "status after start"
  capture urt list
  assert_match "$stdout" "^$CID +[0-9]+ +running " "list after start"
  assert_match "$stdout" " $RL_USER( |$)" "owner in list"
  pid=$(urt state "$CID" | jq -r .pid)
  assert_eq "$(stat -c %U "/proc/$pid")" "$RL_USER" "host owner of the container's init"
  capture urt kill "$CID" KILL
  assert_status 0
  for ((i = 0; i < 250; i++)); do
    [ "$(ustatus_of "$CID")" = stopped ] && break
    sleep 0.02
  done
  assert_eq "$(ustatus_of "$CID")" stopped "status after kill"
  capture urt delete "$CID"
  assert_status 0
  capture urt state "$CID"
  assert_status 1
  assert_contains "$output" "does not exist" "state after delete"
}

# Until its execve the init is non-dumpable, with an mm of the host's user
# namespace: a plain user's exec (setns through the init's pidfd) is refused
# with EPERM.  So start returns only after the execve, as runc does (crun
# does not).  strace, as root, holds the init 2 s at the entry of execve: an
# early return of start makes this exec fail every time.
test_exec_right_after_start_as_unprivileged_user () {
  command -v strace > /dev/null || skip "strace is not installed"
  rl_prepare "$RL_USER"
  cfg_args sleep 1000
  capture urt create -b "$BUNDLE" "$CID"
  assert_status 0
  local pid tracer
  pid=$(urt state "$CID" | jq -r .pid)
  strace -qq -o /dev/null -p "$pid" -e trace=execve -e inject=execve:delay_enter=2000000 &
  tracer=$!
  wait_until "strace attached to the init" is_traced "$pid"
  capture urt start "$CID"
  assert_status 0
  capture urt exec "$CID" true
  local exec_status=$status
  kill "$tracer"
  wait "$tracer" || true
  assert_eq "$exec_status" 0 "exit status of exec right after start (output: $output)"
  capture urt delete -f "$CID"
  assert_status 0
}
is_traced () { [ "$(awk '/^TracerPid:/ { print $2 }' "/proc/$1/status")" != 0 ]; }

# A config without process, as a plain user (single-ID map, where
# setgroups is denied, and a newuidmap range): created, start refused, the
# init waiting with no capability, delete.  (No exec: a plain user cannot
# exec into any created container, whose init is not dumpable.)
test_create_without_process_as_unprivileged_user () {
  runc_differs "runc refuses a config without process at create"
  local u
  for u in "$RL_BARE" "$RL_USER"; do
    rm -rf "$T/ub" "$ROOT" "$SHARED"
    rl_prepare "$u"
    if [ "$u" = "$RL_USER" ]; then cfg_range_maps; fi
    cfg 'del(.process)'
    capture urt create -b "$BUNDLE" "$CID-$u"
    assert_status 0
    assert_eq "$(ustatus_of "$CID-$u")" created "status after create ($u)"
    pid=$(urt state "$CID-$u" | jq -r .pid)
    expect_error 'its config has no "process", which start requires' urt start "$CID-$u"
    assert_eq "$(ustatus_of "$CID-$u")" created "status after the refused start ($u)"
    assert_eq "$(awk '/^Cap(Eff|Bnd):/ { print $2 }' "/proc/$pid/status" | sort -u)" 0000000000000000 \
      "capabilities of the waiting init ($u)"
    capture urt delete "$CID-$u"
    assert_status 0
    pid_gone "$pid" || fail "init $pid survived delete ($u)"
  done
}

# exec by a plain user into a container with its own pid namespace: the
# runtime may not join that pid namespace itself (no CAP_SYS_ADMIN in its
# own user namespace), so its child joins it and forks the process that
# stays.  Checked with a single-ID map and with a full newuidmap range.
test_exec_as_unprivileged_user_lands_in_the_pid_namespace () {
  local u
  for u in "$RL_BARE" "$RL_USER"; do
    rm -rf "$T/ub" "$ROOT" "$SHARED"
    rl_prepare "$u"
    if [ "$u" = "$RL_USER" ]; then cfg_range_maps; fi
    cfg_args sleep 1000
    capture urt run -d -b "$BUNDLE" "$CID"
    assert_status 0
    capture urt exec "$CID" sh -c 'echo $$; ps -o pid,comm | grep -c sleep; id -u'
    assert_status 0
    assert_eq "$stdout" "2
1
0" "pid in the container's pid namespace, init visible, root inside ($u)"
    capture urt exec --user 1000 "$CID" sh -c 'id -u; exit 7'
    if [ "$u" = "$RL_USER" ]; then
      assert_eq "$status:$stdout" "7:1000" "exit status and uid from the subordinate range"
    else
      assert_exec_failed "setresuid to 1000.*must be mapped" # no ranges: 1000 is not mapped
    fi
    capture urt exec -d --pid-file "$T/exec.pid" "$CID" sleep 1000
    assert_exec_failed "--pid-file.*Permission denied"
    assert_eq "$(live_procs "$u" sleep | wc -l)" 1 "a failed exec -d leaves no process"
    capture urt exec -d --pid-file "$SHARED/exec.pid" "$CID" sleep 1000
    assert_status 0
    assert_eq "$(stat -c %U "/proc/$(cat "$SHARED/exec.pid")")" "$u" "--pid-file names the process that stayed"
    assert_eq "$(awk '/^NSpid/ { print NF }' "/proc/$(cat "$SHARED/exec.pid")/status")" 3 "it is in the nested pid namespace"
    capture urt delete -f "$CID"
    assert_status 0
    wait_until "exec process gone" pid_gone "$(cat "$SHARED/exec.pid")"
  done
}

# crun's `mounts add` as an unprivileged user: the mounts are made inside the
# container's user namespace, so a tmpfs works and a bind of a host path is
# refused with the reason (the kernel copies host mounts only for a process
# privileged over the host's mount namespace).
test_mounts_add_as_user_makes_a_tmpfs_and_refuses_host_binds () {
  runc_differs "crun's command"
  rl_prepare "$RL_USER"
  cfg_args sleep 1000
  capture urt run -d -b "$BUNDLE" "$CID"
  assert_status 0
  echo '[{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}]' > "$T/tmpfs.json"
  capture urt mounts add "$CID" "$T/tmpfs.json"
  assert_status 0
  # seen from the host in the init's mount table, and from inside
  local pid
  pid=$(urt state "$CID" | jq -r .pid)
  assert_eq "$(grep " /scratch " "/proc/$pid/mountinfo" | sed "s/.* - //" | cut -d" " -f1)" tmpfs \
    "the filesystem on /scratch"
  capture urt exec "$CID" sh -c 'echo hi > /scratch/f && cat /scratch/f'
  assert_eq "$status:$stdout" "0:hi" "the tmpfs is writable from inside"
  jq -n --arg d "$SHARED" '[{"destination": "/host", "type": "bind", "source": $d, "options": ["bind"]}]' \
    > "$T/bind.json"
  expect_error 'a rootless runtime cannot bind a host path into a running container' urt mounts add "$CID" "$T/bind.json"
  capture urt mounts remove "$CID" "$T/tmpfs.json"
  assert_status 0
  assert_eq "$(grep -c " /scratch " "/proc/$pid/mountinfo")" 0 "mounts on /scratch after mounts remove"
  capture urt delete -f "$CID"
  assert_status 0
}

test_spec_rootless_then_run_in_the_default_state_root () {
  rl_prepare "$RL_USER"
  cfg_args sh -c 'id -u; cat /proc/self/uid_map'
  capture as_user "$RL_USER" timeout 60 "$RUNCGO" run -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$(sed -n 1p <<< "$stdout")" 0 "uid inside"
  assert_eq "$(sed -n 2p <<< "$stdout" | maplines)" "0 $RL_UID 1" "uid_map of a spec --rootless config"
  state=/run/user/$RL_UID/runcgo
  [ -d "$state" ] || fail "no state root $state was used"
  assert_eq "$(find "$state" -mindepth 1 -maxdepth 1 | wc -l)" 0 "entries left in $state"
}

# Root of a user namespace that is not the host's (rootless Podman runs the
# runtime so): a plain root config, no user namespace of its own, runs as
# for a rootless user: state in XDG_RUNTIME_DIR, device nodes bound rather
# than made, devpts without its unmapped gid=5, no cgroup and no error.
test_root_of_a_nested_user_namespace_runs_a_root_config () {
  rl_prepare "$RL_USER"
  rm "$BUNDLE/config.json"
  capture as_user "$RL_USER" "$RUNCGO" spec -b "$BUNDLE"
  assert_status 0
  cfg '.process.terminal = false | .root.readonly = false'
  cfg_args sh -c 'id -u; cat /proc/self/uid_map; ls -l /dev/null | cut -c1; echo x > /dev/null && echo null-ok'
  capture as_user "$RL_USER" unshare --user --map-root-user timeout 60 "$RUNCGO" run -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$(sed -n 1p <<< "$stdout")" 0 "uid inside"
  assert_eq "$(sed -n 2p <<< "$stdout" | maplines)" "0 $RL_UID 1" "uid_map: the caller's user namespace, no new one"
  assert_eq "$(sed -n 3,4p <<< "$stdout")" "c
null-ok" "/dev/null inside"
  local state=/run/user/$RL_UID/runcgo
  [ -d "$state" ] || fail "the state root was not $state"
  assert_eq "$(find "$state" -mindepth 1 -maxdepth 1 | wc -l)" 0 "entries left in $state"
  wait_until "no process of $RU" no_user_process
}

# ------------------------------------------------------------------ ID maps

test_single_id_map_for_a_user_without_ranges () {
  rl_prepare "$RL_BARE"
  out=$(uinside sh -c 'cat /proc/self/uid_map; echo; cat /proc/self/gid_map; echo; cat /proc/self/setgroups')
  assert_eq "$(sed -n 1p <<< "$out" | maplines)" "0 $RL_BARE_UID 1" "uid_map"
  assert_eq "$(sed -n 3p <<< "$out" | maplines)" "0 $(id -g "$RL_BARE") 1" "gid_map"
  assert_eq "$(sed -n 5p <<< "$out")" deny "setgroups"
}

test_full_subuid_range_through_newuidmap () {
  rl_prepare "$RL_USER"
  cfg_range_maps
  out=$(uinside cat /proc/self/uid_map /proc/self/gid_map)
  assert_eq "$(maplines <<< "$out")" "0 $RL_UID 1
1 $RL_START $RL_COUNT
0 $RL_GID 1
1 $RL_START $RL_COUNT" "uid_map and gid_map"
  # an ID from the subordinate range really is usable
  cfg '.process.user = {"uid": 1000, "gid": 1000}'
  out=$(uinside sh -c 'id -u; id -g; touch /tmp/x && stat -c %u:%g /tmp/x')
  assert_eq "$out" "1000
1000
1000:1000" "uid, gid and file owner as 1000 inside"
  assert_eq "$(stat -c %u "$BUNDLE/rootfs/tmp/x")" "$((RL_START + 999))" "host owner of a file made by uid 1000"
}

# The helpers map a user namespace made before the init (spawn/early.c): the
# init is cloned into it later, and the holder that made it is gone before
# `create` returns, so the init is the namespace's only process.
test_helper_mapped_user_namespace_holds_only_the_init () {
  rl_prepare "$RL_USER"
  cfg_range_maps
  cfg_args sleep 1000
  capture urt create -b "$BUNDLE" "$CID"
  assert_status 0
  local pid ns p members=""
  pid=$(urt state "$CID" | jq -r .pid)
  ns=$(readlink "/proc/$pid/ns/user")
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/user" 2> /dev/null)" = "$ns" ] && members+="${p#/proc/} "
  done
  assert_eq "$members" "$pid " "processes in the container's user namespace"
  assert_eq "$(maplines < "/proc/$pid/uid_map")" "0 $RL_UID 1
1 $RL_START $RL_COUNT" "the init's uid_map"
  capture urt delete -f "$CID"
  assert_status 0
}

test_automatic_mapping_uses_own_id_and_subordinate_range () {
  runc_differs "runc refuses a user namespace without mappings"
  rl_prepare "$RL_USER"
  cfg 'del(.linux.uidMappings, .linux.gidMappings)'
  out=$(uinside cat /proc/self/uid_map /proc/self/gid_map)
  assert_eq "$(maplines <<< "$out")" "0 $RL_UID 1
1 $RL_START $RL_COUNT
0 $RL_GID 1
1 $RL_START $RL_COUNT" "automatic uid_map and gid_map"
}

test_automatic_mapping_without_ranges_is_single_id () {
  runc_differs "runc refuses a user namespace without mappings"
  rl_prepare "$RL_BARE"
  cfg 'del(.linux.uidMappings, .linux.gidMappings)'
  out=$(uinside cat /proc/self/uid_map)
  assert_eq "$(maplines <<< "$out")" "0 $RL_BARE_UID 1" "automatic uid_map"
}

# ------------------------------------------------------------------ failures

test_missing_newuidmap_is_an_error_naming_the_uidmap_package () {
  rl_prepare "$RL_USER"
  cfg '.linux.uidMappings += [{"containerID": 1, "hostID": $s, "size": 100}]' --argjson s "$RL_START"
  # /usr/bin/newuidmap replaced by a device node, for this command only
  capture as_user_with_mounts 'mount --bind /dev/null /usr/bin/newuidmap' "$RL_USER" "$RUNCGO" --root "$ROOT" run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_match "$output" "newuidmap" "error message"
  assert_match "$output" "uidmap" "error message names the package"
  [ -z "$(leaked_state)" ] || fail "state left after the failed run"
}

test_newuidmap_without_setuid_bit_is_an_error () {
  rl_prepare "$RL_USER"
  cfg '.linux.uidMappings += [{"containerID": 1, "hostID": $s, "size": 100}]' --argjson s "$RL_START"
  cp /usr/bin/newuidmap "$T/newuidmap" # the copy has no setuid bit
  chmod 0755 "$T/newuidmap"
  capture as_user_with_mounts "mount --bind $T/newuidmap /usr/bin/newuidmap" "$RL_USER" "$RUNCGO" --root "$ROOT" run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_match "$output" "newuidmap.*not setuid|setuid.*newuidmap" "error message"
}

test_missing_ranges_is_an_error_naming_etc_subuid () {
  rl_prepare "$RL_BARE"
  cfg '.linux.uidMappings += [{"containerID": 1, "hostID": 100000, "size": 65536}]'
  capture urt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_match "$output" "/etc/subuid" "error message"
  assert_match "$output" "linux.uidMappings" "error message names the field"
}

test_ranges_that_do_not_fit_are_an_error () {
  rl_prepare "$RL_USER"
  cfg '.linux.uidMappings += [{"containerID": 1, "hostID": $s, "size": 1000}]' --argjson s "$((RL_START + RL_COUNT - 10))"
  capture urt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_match "$output" "$((RL_START + RL_COUNT - 10))-$((RL_START + RL_COUNT + 989))" "error names the host IDs"
  assert_match "$output" "/etc/subuid" "error names the file"
}

test_unset_xdg_runtime_dir_is_a_clear_error () {
  rl_prepare "$RL_USER"
  capture as_user "$RL_USER" env -u XDG_RUNTIME_DIR "$RUNCGO" run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_match "$output" "XDG_RUNTIME_DIR is not set" "error message"
  assert_match "$output" "--root" "hint"
}

test_xdg_runtime_dir_of_another_user_is_an_error () {
  rl_prepare "$RL_USER"
  capture as_user "$RL_USER" env XDG_RUNTIME_DIR="/run/user/$RL_BARE_UID" "$RUNCGO" run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_match "$output" "XDG_RUNTIME_DIR" "error message"
  [ -z "$(ls -A "/run/user/$RL_BARE_UID")" ] || fail "something was written in another user's runtime dir"
}

# ------------------------------------------------------------------ overlay

test_overlay_native_in_the_user_namespace () {
  rl_prepare "$RL_USER"
  cfg_overlay native /merged
  out=$(uinside sh -c 'grep " /merged " /proc/self/mountinfo; cat /merged/file; echo new > /merged/new')
  assert_match "$(sed -n 1p <<< "$out")" " - overlay " "mount type of /merged"
  assert_eq "$(sed -n 2p <<< "$out")" from-lower "file of the lower layer"
  assert_eq "$(cat "$T/ov/upper/new")" new "file written through the overlay, in the upper layer"
  [ ! -e "$T/ov/lower/new" ] || fail "write reached the lower layer"
}

# The default (auto) takes the kernel's overlayfs where it works in a user
# namespace (runcgo check's overlay.userns probe says whether it does).
test_overlay_auto_prefers_native_overlayfs () {
  runc_differs "runcgo's own annotation"
  rl_prepare "$RL_USER"
  as_user "$RL_USER" "$RUNCGO" check | grep -qE '^ok +overlay.userns ' || skip "no overlayfs in a user namespace here"
  cfg_overlay auto /merged
  out=$(uinside sh -c 'grep " /merged " /proc/self/mountinfo; cat /merged/file')
  assert_match "$(sed -n 1p <<< "$out")" " - overlay " "mount type of /merged"
  assert_eq "$(sed -n 2p <<< "$out")" from-lower "file of the lower layer"
  assert_eq "$(fuse_daemons)" "" "fuse-overlayfs daemons"
}

test_overlay_forced_through_fuse_overlayfs () {
  runc_differs "runc has no fuse-overlayfs fallback"
  command -v fuse-overlayfs > /dev/null || skip "fuse-overlayfs is not installed"
  rl_prepare "$RL_USER"
  cfg_overlay fuse /merged
  out=$(uinside sh -c 'grep " /merged " /proc/self/mountinfo; cat /merged/file; echo new > /merged/new
                       p=$(grep -l "^fuse-overlayfs$" /proc/[0-9]*/comm | cut -d/ -f3); echo "daemon ${p:-none}"
                       ls /proc/$p/fd/3/ > /dev/null 2>&1 && echo "fds reachable" || echo "fds unreachable"')
  assert_match "$(sed -n 1p <<< "$out")" " - fuse.fuse-overlayfs " "mount type of /merged"
  assert_eq "$(sed -n 2p <<< "$out")" from-lower "file of the lower layer"
  assert_match "$(sed -n 3p <<< "$out")" "^daemon [0-9]+$" "the daemon lives in the container's pid namespace"
  # the daemon keeps all capabilities: a container process with fewer may
  # not follow its fds (the layer directories) out of the rootfs
  assert_eq "$(sed -n 4p <<< "$out")" "fds unreachable" "the daemon's fds from inside"
  assert_eq "$(cat "$T/ov/upper/new")" new "file written through fuse-overlayfs, in the upper layer"
  wait_until "the fuse-overlayfs daemon to be gone" no_fuse_daemons
}

# An overlay mount on "/" stacks over the rootfs (its lower layer): the
# container's writes land in the upper layer, the rootfs stays as it was.
root_overlay () {
  rl_prepare "$RL_USER"
  cfg_overlay_root "$1"
  out=$(uinside sh -c 'grep " / / " /proc/self/mountinfo; cat /file; echo new > /new; ls /bin/busybox')
  assert_match "$(sed -n 1p <<< "$out")" " - $2 " "mount type of /"
  assert_eq "$(sed -n 2p <<< "$out")" from-lower "file of the lower layer"
  assert_eq "$(sed -n 3p <<< "$out")" /bin/busybox "the lower rootfs seen through the overlay"
  assert_eq "$(cat "$T/ov/upper/new")" new "file written to /, in the upper layer"
  [ ! -e "$BUNDLE/rootfs/new" ] && [ ! -e "$T/ov/lower/new" ] || fail "write reached a lower layer"
}

test_overlay_over_the_root_native () {
  runc_differs "runc mounts nothing over /"
  as_user "$RL_USER" "$RUNCGO" check | grep -qE '^ok +overlay.userns ' || skip "no overlayfs in a user namespace here"
  root_overlay native overlay
}

# fuse_root_lifecycle RT: a container on a fuse-overlayfs root (from
# cfg_overlay_root fuse) through RT (rt as root, urt as $RU): its init (and,
# as root, an exec) sees the overlay as "/", their writes land in the upper
# layer (the lower one is unchanged), the host's mount table never shows the
# mount, and delete -f leaves no daemon.  (Exec as root only: a bare
# unprivileged runtime cannot join the pid namespace yet, overlay or not.)
fuse_root_lifecycle () {
  local rt=$1
  # the daemon lives in the container's pid namespace: its root (the host's
  # "/", in its own mount namespace) must stay closed to the container
  cfg_args sh -c 'grep " / / " /proc/self/mountinfo > /seen
                  p=$(grep -l "^fuse-overlayfs$" /proc/[0-9]*/comm | cut -d/ -f3)
                  ls /proc/$p/root/ > /dev/null 2>&1 && echo "$p reachable" > /daemon-root || echo "$p unreachable" > /daemon-root
                  echo from-init > /by-init; exec sleep 1000'
  capture "$rt" create -b "$BUNDLE" "$CID"
  assert_status 0
  capture "$rt" start "$CID"
  assert_status 0
  wait_file "$T/ov/upper/by-init"
  assert_match "$(cat "$T/ov/upper/seen")" " - fuse.fuse-overlayfs " "mount type of / for the init"
  assert_match "$(cat "$T/ov/upper/daemon-root")" "^[0-9]+ unreachable$" "the daemon's root from inside"
  assert_eq "$(fuse_daemons | wc -l)" 1 "fuse-overlayfs daemons of the container"
  if [ "$rt" = rt ]; then
    capture rt exec "$CID" sh -c 'grep " / / " /proc/self/mountinfo; cat /file /by-init; echo new > /new; ls /bin/busybox'
    assert_status 0
    assert_match "$(sed -n 1p <<< "$stdout")" " - fuse.fuse-overlayfs " "mount type of / for exec"
    assert_eq "$(sed -n 2,3p <<< "$stdout")" $'from-lower\nfrom-init' "files of the lower layer and of the init"
    assert_eq "$(sed -n 4p <<< "$stdout")" /bin/busybox "the lower rootfs seen through the overlay"
    assert_eq "$(cat "$T/ov/upper/new")" new "file written by exec to /, in the upper layer"
  fi
  assert_eq "$(cat "$T/ov/upper/by-init")" from-init "file written by the init to /, in the upper layer"
  [ ! -e "$BUNDLE/rootfs/new" ] && [ ! -e "$T/ov/lower/new" ] && [ ! -e "$T/ov/lower/by-init" ] \
    || fail "a write reached a lower layer"
  assert_eq "$(leaked_mounts)" "" "mounts under the test's directory in the host's mount table"
  capture "$rt" delete -f "$CID"
  assert_status 0
  wait_until "no fuse-overlayfs daemon after delete -f" no_fuse_daemons
}

test_overlay_over_the_root_through_fuse_overlayfs () {
  runc_differs "runc has no fuse-overlayfs fallback"
  command -v fuse-overlayfs > /dev/null || skip "fuse-overlayfs is not installed"
  root_overlay fuse fuse.fuse-overlayfs
  rm "$T/ov/upper/new"
  fuse_root_lifecycle urt
}

test_overlay_over_the_root_through_fuse_overlayfs_as_root () {
  runc_differs "runc has no fuse-overlayfs fallback"
  command -v fuse-overlayfs > /dev/null || skip "fuse-overlayfs is not installed"
  cfg_overlay_root fuse
  fuse_root_lifecycle rt
}

# fuse_root_fails RT REGEX: create of $BUNDLE (an overlay on "/" through
# fuse-overlayfs, broken by the caller) fails saying REGEX and leaves no
# daemon and no container (the runner's leak check: processes, mounts, state).
fuse_root_fails () {
  capture "$1" create -b "$BUNDLE" "$CID"
  assert_status 1
  assert_match "$output" "$2" "error message"
  assert_eq "$(fuse_daemons)" "" "fuse-overlayfs daemons"
  capture "$1" list -q
  assert_eq "$stdout" "" "containers after the failed create"
}

test_overlay_over_the_root_through_fuse_overlayfs_failures_leave_nothing () {
  runc_differs "runc has no fuse-overlayfs fallback"
  command -v fuse-overlayfs > /dev/null || skip "fuse-overlayfs is not installed"
  local bad_lower='.mounts[0].options |= map(if startswith("lowerdir=") then "lowerdir=../ov/missing" else . end)'
  # a missing lower layer: the daemon exits before it mounts
  cfg_overlay_root fuse
  cfg "$bad_lower"
  fuse_root_fails rt 'mounts\[0\] \(overlay on /\): fuse-overlayfs on `/` exited with status [0-9]+: .*missing'
  rl_prepare "$RL_USER"
  cfg_overlay_root fuse
  cfg "$bad_lower"
  fuse_root_fails urt 'fuse-overlayfs on `/` exited with status [0-9]+: .*missing.*hint: check lowerdir, upperdir and workdir'
  # a later mount fails: the daemon already serves "/" and must go with the init
  cfg '.mounts[0].options |= map(if startswith("lowerdir=") then "lowerdir=../ov/lower" else . end)'
  cfg '.mounts += [{"destination": "/data", "type": "bind", "source": "/nonexistent-runcgo", "options": ["bind"]}]'
  fuse_root_fails urt 'nonexistent-runcgo'
}

# delete of a created container, kill -9 of a running init, delete -f: the
# daemon dies each time, with a pid namespace and without one.
fuse_daemon_dies_with_the_container () {
  local n
  capture urt create -b "$BUNDLE" "$CID"
  assert_status 0
  assert_ne "$(fuse_daemons)" "" "daemon of the created container"
  capture urt delete -f "$CID"
  assert_status 0
  wait_until "no daemon after delete -f of a created container" no_fuse_daemons
  capture urt create -b "$BUNDLE" "$CID"
  capture urt start "$CID"
  assert_status 0
  kill -KILL "$(urt state "$CID" | jq -r .pid)"
  wait_until "no daemon after kill -9 of the init" no_fuse_daemons
  capture urt delete "$CID"
  assert_status 0
  capture urt create -b "$BUNDLE" "$CID"
  capture urt start "$CID"
  assert_status 0
  n=$(fuse_daemons | wc -l)
  assert_eq "$n" 1 "daemons of the running container"
  capture urt delete -f "$CID"
  assert_status 0
  wait_until "no daemon after delete -f of a running container" no_fuse_daemons
  wait_until "no process of the user" no_user_process
  assert_eq "$(grep -c fuse-overlayfs /proc/self/mountinfo || true)" 0 "fuse mounts in the host's mount table"
}

test_fuse_overlayfs_daemon_dies_with_the_container () {
  runc_differs "runc has no fuse-overlayfs fallback"
  command -v fuse-overlayfs > /dev/null || skip "fuse-overlayfs is not installed"
  rl_prepare "$RL_USER"
  cfg_overlay fuse /merged
  cfg_args sleep 1000
  fuse_daemon_dies_with_the_container
}

test_fuse_overlayfs_daemon_dies_with_the_container_without_pid_namespace () {
  runc_differs "runc has no fuse-overlayfs fallback"
  command -v fuse-overlayfs > /dev/null || skip "fuse-overlayfs is not installed"
  rl_prepare "$RL_USER"
  cfg_overlay fuse /merged
  cfg_args sleep 1000
  # no pid namespace: no new procfs either, bind the host's
  cfg_ns_del pid
  cfg '.mounts |= map(if .destination == "/proc" then {"destination": "/proc", "type": "bind", "source": "/proc",
                                                       "options": ["rbind"]} else . end)'
  fuse_daemon_dies_with_the_container
}

test_overlay_error_names_dev_fuse_when_it_is_not_usable () {
  runc_differs "runc has no fuse-overlayfs fallback"
  command -v fuse-overlayfs > /dev/null || skip "fuse-overlayfs is not installed"
  rl_prepare "$RL_USER"
  cfg_overlay fuse /merged
  # a /dev/fuse with the mode many hosts have (0600 root), for this run only
  mknod -m 0600 "$T/fuse" c 10 229
  capture as_user_with_mounts "mount --bind $T/fuse /dev/fuse" "$RL_USER" "$RUNCGO" --root "$ROOT" run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_match "$output" "fuse-overlayfs on \`/merged\`: open /dev/fuse: Permission denied" "error message"
  assert_match "$output" "chmod 0666 /dev/fuse" "hint"
}

test_overlay_annotation_rejects_unknown_values () {
  runc_differs "runcgo's own annotation"
  rl_prepare "$RL_USER"
  cfg_overlay sometimes /merged
  capture urt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_match "$output" "run.oci.runcgo.overlay: unknown value \`sometimes\`" "error message"
}

# ------------------------------------------------------------------ leaks

test_nothing_leaks_after_rootless_containers () {
  rl_prepare "$RL_USER"
  # foreground run, detached run, created-only: each deleted its own way
  cfg_args true
  capture urt run -b "$BUNDLE" "$CID-fg"
  assert_status 0
  cfg_args sleep 1000
  capture urt run -d -b "$BUNDLE" "$CID-bg"
  assert_status 0
  capture urt create -b "$BUNDLE" "$CID-cr"
  assert_status 0
  capture urt delete -f "$CID-bg"
  assert_status 0
  capture urt delete -f "$CID-cr"
  assert_status 0
  wait_until "no process of $RU" no_user_process
  assert_eq "$(find "$ROOT" -mindepth 1 | wc -l)" 0 "entries in the state root"
  assert_eq "$(leaked_mounts)" "" "mounts under the test directory"
  assert_eq "$(find "/run/user/$RL_UID" -mindepth 1 -maxdepth 2 -path '*/runcgo/*' | wc -l)" 0 \
    "container state in the user's runtime dir"
}

run_tests
