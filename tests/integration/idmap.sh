#!/bin/bash
# Idmapped bind mounts (config.md mounts: "idmap", "ridmap", uidMappings,
# gidMappings), made by the runtime with mount_setattr(MOUNT_ATTR_IDMAP) --
# the container init, root only in its own user namespace, may not idmap a
# host filesystem -- and attached by the init.  What the container sees is
# checked from inside (owners of files, owners of files it creates); a
# rootless runtime gets a clear error, as the kernel refuses it.
. "$(dirname "$0")/../lib/common.sh"

USERNS_MAPS='.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
           | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'

# host_dir: $SHARED with files owned by host root (0:0) and host 1000:1000.
host_dir () {
  mkdir -p "$SHARED/sub"
  echo hello > "$SHARED/by-root"
  echo hello > "$SHARED/by-1000"
  chown 1000:1000 "$SHARED/by-1000"
  chmod 0777 "$SHARED" "$SHARED/sub"
}

# mount_shared OPTIONS-JSON [EXTRA-JQ]: bind $SHARED on /data.
mount_shared () {
  cfg '.mounts += [{"destination": "/data", "type": "bind", "source": $s, "options": $o}]' \
    --arg s "$SHARED" --argjson o "$1"
  [ -z "${2:-}" ] || cfg "$2"
}

# userns: a user namespace mapping 0 -> 100000, with a rootfs owned as a
# real image for it would be (so the container may create mount points).
userns () {
  cfg_ns_add user
  cfg "$USERNS_MAPS"
  chown -R 100000:100000 "$BUNDLE/rootfs"
}

PROBE='stat -c "%n %u:%g" /data/by-root /data/by-1000; touch /data/made-inside && echo touch-ok'

test_plain_bind_in_a_user_namespace_shows_host_root_as_nobody () {
  # the baseline the idmapped tests differ from
  host_dir
  userns
  mount_shared '["rbind", "rw"]'
  out=$(inside sh -c "$PROBE 2>&1; true")
  assert_match "$out" '^/data/by-root 65534:65534$' "host root's file without idmap"
}

test_idmap_uses_the_container_user_namespace () {
  host_dir
  userns
  mount_shared '["rbind", "rw", "idmap"]'
  out=$(inside sh -c "$PROBE")
  assert_match "$out" '^/data/by-root 0:0$' "a file of host root is the container's root's"
  assert_match "$out" '^/data/by-1000 1000:1000$' "host 1000 is container 1000"
  assert_match "$out" '^touch-ok$' "the container's root may write"
  # written through the idmapped mount as container root: host root on disk
  assert_eq "$(stat -c %u:%g "$SHARED/made-inside")" 0:0 "owner on the host of a file made inside"
  # the host's view of the directory itself is unchanged
  assert_eq "$(stat -c %u:%g "$SHARED/by-root")" 0:0 "host owner"
}

test_idmap_with_the_mounts_own_mappings () {
  # the mount maps host 0 to 5 (and 1000 to 1005) whatever the container
  # does: in a user namespace mapping 0 -> 100000, host 0 shows as the
  # container's 5
  host_dir
  userns
  mount_shared '["rbind", "rw", "idmap"]' \
    '.mounts[-1].uidMappings = [{"containerID": 0, "hostID": 100005, "size": 2000}]
   | .mounts[-1].gidMappings = [{"containerID": 0, "hostID": 100005, "size": 2000}]'
  out=$(inside sh -c "$PROBE 2>&1; true")
  assert_match "$out" '^/data/by-root 5:5$' "host root through the mount's mappings"
  assert_match "$out" '^/data/by-1000 1005:1005$' "host 1000 through the mount's mappings"
}

test_mount_mappings_without_a_user_namespace () {
  # as root, no user namespace at all: the mount alone is idmapped
  host_dir
  mount_shared '["rbind", "rw", "idmap"]' \
    '.mounts[-1].uidMappings = [{"containerID": 0, "hostID": 4321, "size": 1}]
   | .mounts[-1].gidMappings = [{"containerID": 0, "hostID": 4321, "size": 1}]'
  out=$(inside sh -c "$PROBE 2>&1; true")
  assert_match "$out" '^/data/by-root 4321:4321$' "host root seen through the mapping"
  assert_match "$out" '^/data/by-1000 65534:65534$' "an unmapped owner"
}

test_mappings_alone_make_the_bind_idmapped () {
  # uidMappings without the option (spec: it SHOULD be there; runc and crun
  # idmap all the same)
  host_dir
  mount_shared '["rbind", "rw"]' \
    '.mounts[-1].uidMappings = [{"containerID": 0, "hostID": 4321, "size": 1}]
   | .mounts[-1].gidMappings = [{"containerID": 0, "hostID": 4321, "size": 1}]'
  out=$(inside sh -c "$PROBE 2>&1; true")
  assert_match "$out" '^/data/by-root 4321:4321$' "host root seen through the mapping"
}

test_ridmap_reaches_submounts_and_idmap_does_not () {
  host_dir
  mkdir -p "$T/inner"
  echo x > "$T/inner/file"
  mount --bind "$T/inner" "$SHARED/sub"
  userns
  mount_shared '["rbind", "rw", "ridmap"]'
  cfg '.mounts += [{"destination": "/data2", "type": "bind", "source": $s, "options": ["rbind", "rw", "idmap"]}]' \
    --arg s "$SHARED"
  out=$(inside sh -c 'stat -c "%n %u" /data/sub/file /data2/sub/file /data2/by-root')
  umount "$SHARED/sub"
  assert_match "$out" '^/data/sub/file 0$' "ridmap: the submount is idmapped too"
  assert_match "$out" '^/data2/by-root 0$' "idmap: the top mount is idmapped"
  assert_match "$out" '^/data2/sub/file 65534$' "idmap: the submount is not"
}

test_idmapped_bind_of_a_file () {
  host_dir
  userns
  cfg '.mounts += [{"destination": "/etc/by-root", "type": "bind", "source": $s, "options": ["bind", "idmap"]}]' \
    --arg s "$SHARED/by-root"
  out=$(inside stat -c '%u %F' /etc/by-root)
  assert_eq "$out" "0 regular file" "a file bound idmapped"
}

test_idmapped_bind_honours_ro () {
  host_dir
  userns
  mount_shared '["rbind", "ro", "idmap"]'
  out=$(inside sh -c 'stat -c %u /data/by-root; touch /data/x 2>&1; true')
  assert_match "$out" '^0$' "idmapped"
  assert_contains "$out" "Read-only file system" "ro"
}

test_idmap_works_with_exec_and_a_joined_pid_namespace_path () {
  host_dir
  userns
  mount_shared '["rbind", "rw", "idmap"]'
  cfg_args sleep 300
  start_detached "$CID"
  capture rt exec "$CID" stat -c %u /data/by-root
  assert_status 0
  assert_eq "$stdout" 0 "owner seen by exec"
  capture rt delete -f "$CID"
}

test_idmap_without_mappings_or_user_namespace_is_an_error () {
  host_dir
  mount_shared '["rbind", "rw", "idmap"]'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" 'mounts[' error
  assert_contains "$stderr" '"idmap" needs mappings' error
}

test_idmap_of_a_missing_source_names_the_mount () {
  userns
  cfg '.mounts += [{"destination": "/data", "type": "bind", "source": "/nonexistent/src", "options": ["rbind", "idmap"]}]'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "(idmapped bind on /data): clone the source \`/nonexistent/src\`: No such file or directory" error
  assert_eq "$(rt list -q)" "" "containers left"
}

test_idmap_on_a_non_bind_mount_is_an_error () {
  userns
  cfg '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}]'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "only bind mounts can be idmapped" error
}

test_rootless_idmap_of_a_host_directory_is_refused_clearly () {
  id rtest > /dev/null 2>&1 || skip "no user rtest"
  local u=$T/user ub=$T/user/bundle
  mkdir -p "$u" && chown rtest: "$u"
  host_dir
  as_rtest mkdir -p "$ub"
  cp -a "$BUNDLE/rootfs" "$ub/rootfs" && chown -R rtest: "$ub/rootfs"
  (cd "$ub" && as_rtest "$RUNCGO" spec --rootless)
  cfg -b "$ub" '.process.terminal = false | .process.args = ["true"] | .root.path = "rootfs"
      | .mounts += [{"destination": "/data", "type": "bind", "source": $s, "options": ["rbind", "idmap"]}]' \
    --arg s "$SHARED"
  capture as_rtest "$RUNCGO" --root "$u/root" run -b "$ub" "$CID"
  assert_status 1
  assert_contains "$stderr" "(idmapped bind on /data)" "the error names the mount"
  assert_contains "$stderr" "Operation not permitted" "the kernel's refusal"
  assert_contains "$stderr" "a rootless runtime is not" "why"
  assert_eq "$(as_rtest "$RUNCGO" --root "$u/root" list -q)" "" "containers left"
}

run_tests "$@"
