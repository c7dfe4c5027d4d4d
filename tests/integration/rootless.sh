#!/bin/bash
# Rootless: runcgo run by unprivileged users that this suite creates (as
# root) and removes again: one with /etc/subuid and /etc/subgid ranges, one
# without.  Covers `spec --rootless` + run, the runc README lifecycle, the ID
# maps seen from inside (single ID, a full range through newuidmap, automatic
# maps), a root config run by root of a nested user namespace (as rootless
# Podman runs the runtime), every rootless failure with its error text, overlay mounts (native
# in the user namespace, and forced through fuse-overlayfs), `runcgo check`,
# and that nothing is left behind (state, processes, mounts, FUSE daemons).
#
# Root changes made for the suite, all undone at its end: two users (useradd),
# their lines in /etc/subuid and /etc/subgid, /run/user/UID, and the modes of
# /dev/fuse and /dev/net/tun (set to 0666 while the suite runs).
. "$(dirname "$0")/../lib/common.sh"

for tool in useradd userdel setpriv unshare newuidmap newgidmap; do
  if ! command -v "$tool" > /dev/null; then
    echo "1..0 # SKIP $tool is missing (packages: passwd, util-linux, uidmap)"
    exit 0
  fi
done

# ------------------------------------------------------------------ suite users
RL_USER=runcgo-rl-$$   # has subordinate ranges
RL_BARE=runcgo-rn-$$   # has none: single-ID maps only
RL_PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin
RL_COUNT=65536
RL_DEV_MODES=()

# drop_subid_lines NAME UID: remove the user's lines (by name or by uid).
drop_subid_lines () {
  local f
  for f in /etc/subuid /etc/subgid; do
    [ -f "$f" ] && sed -i -e "/^$1:/d" -e "/^$2:/d" "$f"
  done
  return 0
}

# A start above every range in use (useradd's own pick is distro policy).
free_subid_start () {
  local end
  end=$(cat /etc/subuid /etc/subgid 2> /dev/null | awk -F: 'NF == 3 { e = $2 + $3; if (e > m) m = e } END { print m + 0 }')
  [ "$end" -lt 200000 ] && end=200000
  echo $(((end + 65535) / 65536 * 65536 + 65536))
}

rl_kill_user_processes () {
  local u=$1 i pids
  for ((i = 0; i < 20; i++)); do
    pids=$(ps -u "$u" -o pid= 2> /dev/null | tr -s ' \n' ' ')
    [ -z "${pids// /}" ] && return 0
    kill -KILL $pids 2> /dev/null || true
    sleep 0.1
  done
}

rl_teardown () {
  local u uid i
  for u in "$RL_USER" "$RL_BARE"; do
    uid=$(id -u "$u" 2> /dev/null) || continue
    rl_kill_user_processes "$u"
    drop_subid_lines "$u" "$uid"
    rm -rf --one-file-system "/run/user/$uid"
    userdel "$u" > /dev/null 2>&1 || echo "# warning: userdel $u failed"
  done
  for ((i = 0; i < ${#RL_DEV_MODES[@]}; i += 2)); do
    chmod "${RL_DEV_MODES[i + 1]}" "${RL_DEV_MODES[i]}"
  done
}

rl_suite_finish () {
  suite_finish
  rl_teardown
}
trap rl_suite_finish EXIT

rl_setup () {
  local u uid
  for u in "$RL_USER" "$RL_BARE"; do
    useradd --no-create-home --home-dir / --shell /usr/sbin/nologin --user-group "$u" || return 1
    uid=$(id -u "$u")
    drop_subid_lines "$u" "$uid" # useradd may have added ranges itself
    install -d -m 0700 -o "$u" -g "$u" "/run/user/$uid"
  done
  RL_UID=$(id -u "$RL_USER")
  RL_GID=$(id -g "$RL_USER")
  RL_BARE_UID=$(id -u "$RL_BARE")
  RL_START=$(free_subid_start)
  echo "$RL_USER:$RL_START:$RL_COUNT" >> /etc/subuid
  echo "$RL_USER:$RL_START:$RL_COUNT" >> /etc/subgid
  for u in /dev/fuse /dev/net/tun; do
    [ -c "$u" ] || continue
    RL_DEV_MODES+=("$u" "$(stat -c %a "$u")")
    chmod 0666 "$u"
  done
}
if ! rl_setup > "$SUITE_TMP/rl-setup.log" 2>&1; then
  echo "Bail out! creating the test users failed: $(cat "$SUITE_TMP/rl-setup.log")"
  exit 1
fi

# ------------------------------------------------------------------ helpers

# user_argv USER: RL_ARGV becomes the command prefix that runs a command as
# USER with a login-like environment.
user_argv () {
  local uid
  uid=$(id -u "$1")
  RL_ARGV=(setpriv --reuid="$1" --regid="$1" --init-groups
    env -i PATH="$RL_PATH" HOME=/ USER="$1" LOGNAME="$1" XDG_RUNTIME_DIR="/run/user/$uid")
}

# as_user USER CMD...: CMD as USER.
as_user () {
  user_argv "$1"
  shift
  "${RL_ARGV[@]}" "$@"
}

# as_user_with_mounts SETUP USER CMD...: CMD as USER in a private mount
# namespace where root first ran the shell commands SETUP (to hide or
# replace a host file for this command only).
as_user_with_mounts () {
  local setup=$1
  user_argv "$2"
  shift 2
  unshare --mount --propagation private sh -c "$setup"' && exec "$@"' sh "${RL_ARGV[@]}" "$@"
}

# urt [-u USER] ARGS...: the runtime as the test user (default $RU), with the
# test's own state root.
urt () {
  local u=$RU
  if [ "$1" = -u ]; then u=$2; shift 2; fi
  as_user "$u" timeout -k 5 "${RT_TIMEOUT:-60}" "$RUNCGO" --root "$ROOT" "$@"
}

# rl_prepare USER: the test's state root and a bundle owned by USER, with a
# config from `spec --rootless` run as USER ($BUNDLE points at it).
rl_prepare () {
  RU=$1
  BUNDLE=$T/ub
  install -d -o "$RU" -g "$RU" "$ROOT" "$BUNDLE" "$SHARED"
  cp -a "$BASE_ROOTFS" "$BUNDLE/rootfs"
  chown -R "$RU:$RU" "$BUNDLE/rootfs"
  capture as_user "$RU" "$RUNCGO" spec --rootless -b "$BUNDLE"
  assert_status 0
  cfg '.process.terminal = false | .process.args = ["true"] | .root.readonly = false'
}

# uinside ARGS...: run ARGS in a container of $BUNDLE as $RU; print stdout.
uinside () {
  cfg_args "$@"
  local o=$T/.inside.out e=$T/.inside.err st=0
  urt run -b "$BUNDLE" "$CID-run" > "$o" 2> "$e" < /dev/null || st=$?
  if [ "$st" != 0 ]; then
    sed 's/^/  | /' "$o" "$e" >&2
    fail "container '$*' exited with $st"
  fi
  cat "$o"
}

# normalized uid_map/gid_map lines: "0 1001 1"
maplines () { awk '{ print $1, $2, $3 }'; }

ustatus_of () { urt state "$1" 2> /dev/null | jq -r .status 2> /dev/null || true; }

# processes of USER that are alive (zombies wait for the reaper: they hold
# nothing), optionally only those named NAME
live_procs () {
  ps -u "$1" -o pid=,stat=,comm= 2> /dev/null | awk -v n="${2:-}" '$2 !~ /^Z/ && (n == "" || $3 == n) { print $1 }'
}
no_fuse_daemon () { [ -z "$(live_procs "$RU" fuse-overlayfs)" ]; }
no_user_process () { [ -z "$(live_procs "$RU")" ]; }

# cfg_overlay MODE DEST: an overlay mount of $T/ov/{lower,upper,work} (given
# relative to the bundle, as the bundle-relative rule says) at DEST, with the
# annotation run.oci.runcgo.overlay=MODE.
cfg_overlay () {
  install -d -o "$RU" -g "$RU" "$T/ov" "$T/ov/lower" "$T/ov/upper" "$T/ov/work"
  echo from-lower > "$T/ov/lower/file"
  chown "$RU:$RU" "$T/ov/lower/file"
  cfg '.annotations["run.oci.runcgo.overlay"] = $m
       | .mounts += [{"destination": $d, "type": "overlay", "source": "overlay",
                      "options": ["lowerdir=../ov/lower", "upperdir=../ov/upper", "workdir=../ov/work"]}]' \
    --arg m "$1" --arg d "$2"
}

# ------------------------------------------------------------------ runcgo check

RL_CHECK_ITEMS="user user.max_user_namespaces userns newuidmap newgidmap /etc/subuid /etc/subgid idmap.helpers
XDG_RUNTIME_DIR cgroup.mode cgroup.delegation systemd dbus overlay.userns /dev/fuse fuse-overlayfs /dev/net/tun"

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
  cfg '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $s, "size": $c}]
     | .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}, {"containerID": 1, "hostID": $s, "size": $c}]' \
    --argjson u "$RL_UID" --argjson g "$RL_GID" --argjson s "$RL_START" --argjson c "$RL_COUNT"
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
  assert_eq "$(live_procs "$RU" fuse-overlayfs)" "" "fuse-overlayfs daemons"
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
  wait_until "the fuse-overlayfs daemon to be gone" no_fuse_daemon
}

# delete of a created container, kill -9 of a running init, delete -f: the
# daemon dies each time, with a pid namespace and without one.
fuse_daemon_dies_with_the_container () {
  local n
  capture urt create -b "$BUNDLE" "$CID"
  assert_status 0
  assert_ne "$(live_procs "$RU" fuse-overlayfs)" "" "daemon of the created container"
  capture urt delete -f "$CID"
  assert_status 0
  wait_until "no daemon after delete -f of a created container" no_fuse_daemon
  capture urt create -b "$BUNDLE" "$CID"
  capture urt start "$CID"
  assert_status 0
  kill -KILL "$(urt state "$CID" | jq -r .pid)"
  wait_until "no daemon after kill -9 of the init" no_fuse_daemon
  capture urt delete "$CID"
  assert_status 0
  capture urt create -b "$BUNDLE" "$CID"
  capture urt start "$CID"
  assert_status 0
  n=$(live_procs "$RU" fuse-overlayfs | wc -l)
  assert_eq "$n" 1 "daemons of the running container"
  capture urt delete -f "$CID"
  assert_status 0
  wait_until "no daemon after delete -f of a running container" no_fuse_daemon
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

test_overlay_on_the_root_is_refused_with_a_hint () {
  runc_differs "runc mounts whatever it is given"
  rl_prepare "$RL_USER"
  cfg_overlay auto /
  capture urt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_match "$output" "overlay on \`/\`: replacing the root is not supported" "error message"
  assert_match "$output" "inside the rootfs" "hint"
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
