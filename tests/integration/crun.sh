#!/bin/bash
# crun: the rows of doc/features.md that only crun has, checked by their
# effect: create/run --config, kill/delete --regex, --cgroup-manager
# disabled, `mounts add/remove`, the run.oci.* annotations that no other
# suite covers (keep_original_groups, systemd.subgroup, delegate-cgroup,
# seccomp_bpf_data, mount_context_type, systemd.force_cgroup_v1) and the
# copy-symlink and src-nofollow mount options.  The seccomp annotations are
# in seccomp_notify.sh, hooks.stdout/stderr in hooks.sh, pidfd_receiver in
# features.sh, beside the tests of what they extend.
. "$(dirname "$0")/../lib/common.sh"

crun_only () {
  runc_differs "crun's extension"
}

# ------------------------------------------------------------------ --config

test_config_flag_replaces_bundle_config_and_is_relative_to_the_cwd () {
  crun_only
  cfg '.process.env += ["WHO=bundle"]'
  jq '.process.env += ["WHO=other"] | .hooks.poststart = [{"path": "/bin/sh", "args": ["sh", "-c", $cmd]}]' \
    --arg cmd "echo poststart-of-other > $T/poststart" "$BUNDLE/config.json" > "$T/other.json"
  cfg_args sh -c 'echo $WHO'
  jq '.process.args = ["sh", "-c", "echo $WHO"]' "$T/other.json" > "$T/other.json.new"
  mv "$T/other.json.new" "$T/other.json"
  # relative to the cwd ($T), not to the bundle
  capture rt run -b "$BUNDLE" -f other.json "$CID"
  assert_status 0
  assert_eq "$stdout" other "the process of --config's file"
  capture rt run -b "$BUNDLE" "$CID-2"
  assert_eq "$stdout" bundle "the process of the bundle's config.json"
  expect_error '--config `nothere.json`' rt run -b "$BUNDLE" --config nothere.json "$CID-3"
  # start (poststart hooks) and exec (process.env) read the same file later
  jq '.process.args = ["sleep", "1000"]' "$T/other.json" > "$T/sleep.json"
  capture rt create -b "$BUNDLE" --config "$T/sleep.json" "$CID-4"
  assert_status 0
  capture rt start "$CID-4"
  assert_status 0
  wait_file "$T/poststart"
  capture rt exec "$CID-4" sh -c 'echo $WHO'
  assert_eq "$stdout" other "exec's environment"
  capture rt delete -f "$CID-4"
  assert_status 0
}

# ------------------------------------------------------------------ --regex

# sleepers ID...: running containers of $BUNDLE, each in its own cgroup.
sleepers () {
  local id
  cfg_args sleep 1000
  for id in "$@"; do
    cfg '.linux.cgroupsPath = $p' --arg p "/$CGROUP_PARENT/$id"
    start_detached "$id"
  done
}

test_kill_regex_signals_every_container_it_matches () {
  crun_only
  sleepers "$CID-web1" "$CID-web2" "$CID-db1"
  capture rt kill --regex "^$CID-web" KILL
  assert_status 0
  wait_status "$CID-web1" stopped
  wait_status "$CID-web2" stopped
  assert_eq "$(status_of "$CID-db1")" running "the container the regex does not match"
  # unanchored, as crun: "db" matches inside the ID; --all with it too
  capture rt kill -a -r "db" KILL
  assert_status 0
  wait_status "$CID-db1" stopped
  capture rt kill -r "^nothing-matches-this$" KILL
  assert_status 0
  assert_eq "$output" "" "output when nothing matches"
  expect_error 'invalid regular expression "web\(": ' rt kill -r 'web(' KILL
  # a container that fails (stopped) is a warning, the status 1
  capture rt kill -r "^$CID-web1$" KILL
  assert_status 1
  assert_contains "$stderr" "container \"$CID-web1\" is not running" warning
  capture rt delete -r "^$CID-"
  assert_status 0
  assert_eq "$(rt list -q | tr '\n' ' ')" "" "containers left"
}

test_delete_regex_removes_the_matching_ones_and_warns_for_the_others () {
  crun_only
  sleepers "$CID-a1" "$CID-a2" "$CID-b1"
  capture rt kill "$CID-a1" KILL
  wait_status "$CID-a1" stopped
  # a2 still runs: without --force it stays, with a warning; a1 goes
  capture rt delete --regex "^$CID-a"
  assert_status 1
  assert_contains "$stderr" "cannot delete container \"$CID-a2\" that is not stopped" warning
  assert_eq "$(rt list -q | sort | tr '\n' ' ')" "$CID-a2 $CID-b1 " "containers left"
  capture rt delete -f -r "^$CID-(a|b)[0-9]$"
  assert_status 0
  assert_eq "$(rt list -q | tr '\n' ' ')" "" "containers left after delete -f -r"
}

# ------------------------------------------------------------------ --cgroup-manager disabled

test_cgroup_manager_disabled_leaves_the_container_in_the_caller_s_cgroup () {
  crun_only
  cfg '.linux.resources = {"pids": {"limit": 10}}'
  cfg_args sleep 1000
  capture rt --cgroup-manager disabled create -b "$BUNDLE" "$CID"
  assert_status 0
  capture rt start "$CID"
  wait_status "$CID" running
  pid=$(pid_of "$CID")
  assert_eq "$(cat "/proc/$pid/cgroup")" "$(cat "/proc/$BASHPID/cgroup")" "the container's cgroups"
  leftover=$(find /sys/fs/cgroup -maxdepth 3 -path "*/$CGROUP_PARENT/$CID*" 2> /dev/null || true)
  assert_eq "$leftover" "" "cgroups made for the container"
  expect_error 'has no cgroup' rt pause "$CID"
  capture rt delete -f "$CID"
  assert_status 0
  pid_gone "$pid" || fail "the init survived delete -f"
}

# ------------------------------------------------------------------ mounts add / remove

test_mounts_add_and_remove_change_the_mounts_of_a_running_container () {
  crun_only
  mkdir -p "$T/hostdir"
  echo hello > "$T/hostdir/f"
  echo data > "$T/hostfile"
  jq -n --arg d "$T/hostdir" --arg f "$T/hostfile" '[
    {"destination": "/mnt/added", "type": "bind", "source": $d, "options": ["bind", "ro"]},
    {"destination": "/etc/added-file", "type": "bind", "source": $f, "options": ["bind"]},
    {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=700", "nosuid"]}]' \
    > "$T/mounts.json"
  cfg_args sleep 1000
  start_detached "$CID"
  capture rt mounts add "$CID" "$T/mounts.json"
  assert_status 0
  capture rt exec "$CID" sh -c 'cat /mnt/added/f /etc/added-file; touch /mnt/added/x 2>&1; stat -c %a /scratch
                                grep -E " /(mnt/added|etc/added-file|scratch) " /proc/self/mountinfo | cut -d" " -f5,6'
  assert_status 0
  assert_eq "$stdout" "hello
data
touch: /mnt/added/x: Read-only file system
700
/mnt/added ro,relatime
/etc/added-file rw,relatime
/scratch rw,nosuid,relatime" "what the container sees after mounts add"
  # remove uses the destinations only
  jq 'map({destination})' "$T/mounts.json" > "$T/dests.json"
  capture rt mounts remove "$CID" "$T/dests.json"
  assert_status 0
  capture rt exec "$CID" sh -c 'grep -cE " /(mnt/added|etc/added-file|scratch) " /proc/self/mountinfo; ls /mnt/added'
  assert_eq "$stdout" 0 "added mounts left after mounts remove"
  expect_error 'unmount `/mnt/added`: Invalid argument \(hint: nothing is mounted there\)' \
    rt mounts remove "$CID" "$T/dests.json"
  capture rt delete -f "$CID"
  expect_error "container \"$CID\" does not exist" rt mounts add "$CID" "$T/mounts.json"
}

# The destination is resolved inside the container's root: a symlink there
# that points at a host path leads to that path inside the rootfs.
test_mounts_add_destination_symlink_stays_inside_the_container () {
  crun_only
  mkdir -p "$T/hostdir" "$T/victim"
  ln -s "$T/victim" "$BUNDLE/rootfs/evil"
  jq -n --arg d "$T/hostdir" '[{"destination": "/evil/sub", "type": "bind", "source": $d, "options": ["rbind"]}]' \
    > "$T/mounts.json"
  cfg_args sleep 1000
  start_detached "$CID"
  capture rt mounts add "$CID" "$T/mounts.json"
  assert_status 0
  [ ! -e "$T/victim/sub" ] || fail "mounts add created $T/victim/sub on the host"
  assert_eq "$(awk -v p="$T/victim" 'index($5, p) == 1' /proc/self/mountinfo)" "" "host mounts under $T/victim"
  [ -d "$BUNDLE/rootfs/$T/victim/sub" ] || fail "the destination was not made inside the rootfs"
  capture rt delete -f "$CID"
}

test_mounts_add_refuses_bad_files_and_stopped_containers () {
  crun_only
  cfg_args sleep 1000
  start_detached "$CID"
  echo '{"destination": "/x"}' > "$T/object.json"
  expect_error 'mounts: expected an array' rt mounts add "$CID" "$T/object.json"
  echo '[{"destination": "/../x", "type": "tmpfs", "source": "tmpfs"}]' > "$T/escape.json"
  expect_error 'mounts\[0\].destination: "/../x" climbs out' rt mounts add "$CID" "$T/escape.json"
  echo '[{"destination": "/x", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]}]' > "$T/copyup.json"
  expect_error 'not supported by `mounts add`' rt mounts add "$CID" "$T/copyup.json"
  expect_error 'unknown subcommand "list"' rt mounts list "$CID" "$T/object.json"
  capture rt kill "$CID" KILL
  wait_status "$CID" stopped
  echo '[{"destination": "/x", "type": "tmpfs", "source": "tmpfs"}]' > "$T/ok.json"
  expect_error "container \"$CID\" is not running" rt mounts add "$CID" "$T/ok.json"
  capture rt delete "$CID"
}

# ------------------------------------------------------------------ run.oci.keep_original_groups

# groups_with [ANNOTATION-VALUE]: the supplementary groups of the container's
# process when the runtime itself runs with groups 4242 and 4243.
groups_with () {
  if [ $# = 1 ]; then
    cfg '.annotations["run.oci.keep_original_groups"] = $v' --arg v "$1"
  fi
  cfg_args sh -c 'grep ^Groups: /proc/self/status | cut -f2'
  setpriv --groups 4242,4243 -- "$RUNCGO" --root "$ROOT" run -b "$BUNDLE" "$CID-g" < /dev/null | tr -s ' ' | sed 's/ $//'
}

test_keep_original_groups_keeps_the_runtime_s_supplementary_groups () {
  crun_only
  assert_eq "$(groups_with)" "" "groups without the annotation"
  assert_eq "$(groups_with 1)" "4242 4243" "groups with run.oci.keep_original_groups=1"
  assert_eq "$(groups_with 0)" "" "groups with run.oci.keep_original_groups=0"
  # exec too
  cfg '.annotations["run.oci.keep_original_groups"] = "1"'
  cfg_args sleep 1000
  start_detached "$CID"
  out=$(setpriv --groups 4244 -- "$RUNCGO" --root "$ROOT" exec "$CID" sh -c 'grep ^Groups: /proc/self/status | cut -f2')
  assert_eq "$(echo $out)" 4244 "groups of an exec"
  capture rt delete -f "$CID"
}

# ------------------------------------------------------------------ more run.oci.* annotations

# run.oci.systemd.force_cgroup_v1=/PATH: the cgroup mount on PATH becomes a
# tmpfs holding PATH/systemd, the host's v1 name=systemd hierarchy.
test_force_cgroup_v1_mounts_the_name_systemd_hierarchy () {
  crun_only
  grep -q ' - cgroup .*name=systemd' /proc/self/mountinfo || skip "no v1 name=systemd hierarchy on this host"
  cfg '.annotations["run.oci.systemd.force_cgroup_v1"] = "/sys/fs/cgroup"'
  out=$(inside sh -c 'grep -E " /sys/fs/cgroup(/systemd)? " /proc/self/mountinfo | sed "s/.* - //"
                      test -e /sys/fs/cgroup/systemd/cgroup.procs && echo procs; ls /sys/fs/cgroup')
  assert_match "$out" '^tmpfs tmpfs .*size=1024k' "the mount on /sys/fs/cgroup"
  assert_match "$out" '^cgroup cgroup .*name=systemd' "the mount on /sys/fs/cgroup/systemd"
  assert_match "$out" '^procs$' "the hierarchy's files"
  assert_eq "$(grep -vcE ' |^procs$|^systemd$' <<< "$out")" 0 "other entries in /sys/fs/cgroup"
  cfg '.annotations["run.oci.systemd.force_cgroup_v1"] = "/nowhere"'
  expect_error 'no mount in the config has the destination `/nowhere`' rt run -b "$BUNDLE" "$CID"
}

# run.oci.mount_context_type: crun's four SELinux context types; anything
# else is refused.  (No SELinux here: linux.mountLabel itself is a warning.)
test_mount_context_type_accepts_crun_s_values_only () {
  crun_only
  cfg '.annotations["run.oci.mount_context_type"] = "rootcontext"'
  out=$(inside echo ok)
  assert_eq "$out" ok "a run with rootcontext"
  cfg '.annotations["run.oci.mount_context_type"] = "bogus"'
  expect_error 'run.oci.mount_context_type: unknown context type "bogus"' rt run -b "$BUNDLE" "$CID"
}

# features says which config annotations change the runtime's behaviour
test_features_names_the_run_oci_annotations_potentially_unsafe () {
  crun_only
  capture rt features
  assert_status 0
  assert_eq "$(jq -c '.potentiallyUnsafeConfigAnnotations | map(select(startswith("run.oci")))' <<< "$stdout")" '["run.oci."]' \
    "potentiallyUnsafeConfigAnnotations: one prefix for run.oci.*"
}

# ------------------------------------------------------------------ copy-symlink, src-nofollow

test_copy_symlink_recreates_a_symlink_source_as_a_symlink () {
  crun_only
  mkdir -p "$T/src/dir"
  ln -s some/target "$T/src/link"
  cfg '.mounts += [{"destination": "/copied", "type": "bind", "source": $l, "options": ["bind", "copy-symlink"]},
                   {"destination": "/plain", "type": "bind", "source": $d, "options": ["bind", "copy-symlink"]}]' \
    --arg l "$T/src/link" --arg d "$T/src/dir"
  out=$(inside sh -c 'readlink /copied; grep -c " /copied " /proc/self/mountinfo; grep -c " /plain " /proc/self/mountinfo')
  assert_eq "$(echo $out)" "some/target 0 1" "readlink, mounted at /copied, mounted at /plain"
  # an existing different entry at the destination is an error (crun)
  rm "$BUNDLE/rootfs/copied"
  ln -s other "$BUNDLE/rootfs/copied"
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$output" 'create symlink `/copied` -> `some/target`' error
}

test_src_nofollow_binds_the_symlink_itself () {
  crun_only
  echo real > "$T/realfile"
  ln -s "$T/realfile" "$T/link"
  cfg '.mounts += [{"destination": "/followed", "type": "bind", "source": $l, "options": ["bind"]},
                   {"destination": "/nofollow", "type": "bind", "source": $l, "options": ["bind", "src-nofollow"]}]' \
    --arg l "$T/link"
  out=$(inside sh -c 'cat /followed; readlink /nofollow; grep -c " /nofollow " /proc/self/mountinfo')
  assert_eq "$(echo $out)" "real $T/realfile 1" "content of /followed, link at /nofollow, /nofollow mounted"
}

run_tests "$@"
