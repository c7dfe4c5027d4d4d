#!/bin/bash
# Root filesystem and mounts (config.md "Root", "Mounts"; config-linux.md
# "Devices", "Default Devices", "Masked Paths", "Readonly Paths",
# "Rootfs Mount Propagation"), checked from inside through /proc/self/mountinfo.
. "$(dirname "$0")/../lib/common.sh"

# mount_line MOUNTINFO DEST: the mountinfo line of the mount at DEST (last one).
mount_line () {
  echo "$1" | awk -v d="$2" '$5 == d' | tail -n 1
}
# mount_opts LINE: per-mount options (field 6) and super options (after " - ").
mount_opts () {
  echo "$1" | awk '{ print $6 }'
}

test_bind_mount_shares_a_host_directory () {
  cfg_share
  echo from-host > "$SHARED/in"
  out=$(inside sh -c 'cat /shared/in; echo from-container > /shared/out')
  assert_eq "$out" from-host "file read inside"
  assert_eq "$(cat "$SHARED/out")" from-container "file written inside"
}

test_bind_mount_options_ro_nosuid_nodev_noexec () {
  cfg_share '["bind", "ro", "nosuid", "nodev", "noexec"]'
  out=$(inside sh -c 'cat /proc/self/mountinfo; touch /shared/x 2>&1 || true')
  opts=$(mount_opts "$(mount_line "$out" /shared)")
  for o in ro nosuid nodev noexec; do
    assert_match "$opts" "(^|,)$o(,|\$)" "options of /shared"
  done
  assert_contains "$out" "Read-only file system" "touch on a ro bind"
  [ ! -e "$SHARED/x" ] || fail "file created through a read-only bind"
}

test_rbind_includes_submounts_and_bind_does_not () {
  mkdir -p "$T/src/sub"
  mount -t tmpfs -o size=1m runcgo-test "$T/src/sub"
  echo sub > "$T/src/sub/file"
  cfg '.mounts += [{"destination": "/rb", "type": "bind", "source": $s, "options": ["rbind"]},
                   {"destination": "/b", "type": "bind", "source": $s, "options": ["bind"]}]' --arg s "$T/src"
  st=0
  out=$(inside sh -c 'cat /rb/sub/file; ls /b/sub | wc -l') || st=$?
  umount "$T/src/sub"
  assert_eq "$st" 0 "container status"
  assert_eq "$(sed -n 1p <<< "$out")" sub "file on the submount through rbind"
  assert_eq "$(echo "$out" | tail -n 1)" 0 "entries of the submount through a plain bind"
}

test_rro_makes_submounts_read_only () {
  mkdir -p "$T/src/sub"
  mount -t tmpfs -o size=1m runcgo-test "$T/src/sub"
  cfg '.mounts += [{"destination": "/rro", "type": "bind", "source": $s, "options": ["rbind", "rro"]}]' --arg s "$T/src"
  st=0
  out=$(inside sh -c 'touch /rro/sub/x 2>&1; cat /proc/self/mountinfo') || st=$?
  umount "$T/src/sub"
  assert_contains "$out" "Read-only file system" "touch on a submount of an rro bind"
  assert_match "$(mount_opts "$(mount_line "$out" /rro/sub)")" '(^|,)ro(,|$)' "options of /rro/sub"
  assert_match "$(mount_opts "$(mount_line "$out" /rro)")" '(^|,)ro(,|$)' "options of /rro"
}

test_bind_propagation_flags_reach_mountinfo () {
  mkdir -p "$T/a" "$T/b"
  cfg '.mounts += [{"destination": "/shared-prop", "type": "bind", "source": $a, "options": ["rbind", "rshared"]},
                   {"destination": "/private-prop", "type": "bind", "source": $b, "options": ["rbind", "rprivate"]}]' \
    --arg a "$T/a" --arg b "$T/b"
  out=$(inside cat /proc/self/mountinfo)
  assert_match "$(mount_line "$out" /shared-prop)" ' shared:[0-9]+' "mountinfo of an rshared bind"
  assert_no_match "$(mount_line "$out" /private-prop)" ' (shared|master):[0-9]+' "mountinfo of an rprivate bind"
}

test_rootfs_propagation_private_or_slave_keeps_root_unshared () {
  cfg '.linux.rootfsPropagation = "private"'
  out=$(inside cat /proc/self/mountinfo)
  assert_no_match "$(mount_line "$out" /)" ' (shared|master):[0-9]+' "mountinfo of / with rootfsPropagation private"
  cfg '.linux.rootfsPropagation = "slave"'
  out=$(inside cat /proc/self/mountinfo)
  assert_no_match "$(mount_line "$out" /)" ' shared:[0-9]+' "mountinfo of / with rootfsPropagation slave"
}

test_root_readonly_makes_root_read_only () {
  cfg '.root.readonly = true'
  out=$(inside sh -c 'touch /x 2>&1; cat /proc/self/mountinfo; touch /tmp/y 2>&1 || echo tmp-ro')
  assert_contains "$out" "Read-only file system" "touch /x"
  assert_match "$(mount_opts "$(mount_line "$out" /)")" '(^|,)ro(,|$)' "options of /"
  [ ! -e "$BUNDLE/rootfs/x" ] || fail "/x created on a read-only root"
}

test_proc_sysfs_tmpfs_devpts_mqueue_are_mounted () {
  out=$(inside cat /proc/self/mountinfo)
  for m in "/proc proc" "/sys sysfs" "/dev tmpfs" "/dev/pts devpts" "/dev/shm tmpfs" "/dev/mqueue mqueue"; do
    set -- $m
    line=$(mount_line "$out" "$1")
    [ -n "$line" ] || fail "nothing mounted on $1: $out"
    assert_match "$line" " - $2 " "mount on $1"
  done
}

test_cgroup_mount_is_present () {
  cfg_ns_add cgroup
  out=$(inside sh -c 'cat /proc/self/mountinfo; ls /sys/fs/cgroup')
  assert_match "$out" ' /sys/fs/cgroup[/ ].* - (cgroup|cgroup2|tmpfs) ' "mount on /sys/fs/cgroup"
}

test_cgroup2_mount_type_mounts_cgroup2 () {
  # a cgroup2 mount of the container's own namespace, wherever the host keeps it
  cfg_ns_add cgroup
  cfg '.mounts += [{"destination": "/cg2", "type": "cgroup2", "source": "cgroup2", "options": ["nosuid", "noexec", "nodev"]}]'
  out=$(inside sh -c 'cat /proc/self/mountinfo; ls /cg2')
  assert_match "$(mount_line "$out" /cg2)" ' - cgroup2 ' "mount on /cg2"
  assert_contains "$out" cgroup.procs "listing of /cg2"
}

test_tmpfs_mount_options_size_and_mode () {
  cfg '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "size=2m", "mode=1770"]}]'
  out=$(inside sh -c 'stat -c %a /scratch; cat /proc/self/mountinfo')
  assert_eq "$(sed -n 1p <<< "$out")" 1770 "mode of /scratch"
  line=$(mount_line "$out" /scratch)
  assert_match "$line" ' - tmpfs .*size=2048k' "tmpfs /scratch"
  assert_match "$(mount_opts "$line")" '(^|,)nosuid(,|$)' "options of /scratch"
}

test_mount_points_are_created_when_missing () {
  echo file-content > "$T/file"
  mkdir -p "$T/dir"
  cfg '.mounts += [{"destination": "/new/deep/dir", "type": "bind", "source": $d, "options": ["bind"]},
                   {"destination": "/etc/new-file", "type": "bind", "source": $f, "options": ["bind"]},
                   {"destination": "/new/tmp", "type": "tmpfs", "source": "tmpfs"}]' --arg d "$T/dir" --arg f "$T/file"
  out=$(inside sh -c 'cat /etc/new-file; test -d /new/deep/dir && echo dir; test -d /new/tmp && echo tmp')
  assert_eq "$(echo "$out" | tr '\n' ' ')" "file-content dir tmp " "inside"
}

test_mount_destination_symlink_cannot_escape_rootfs () {
  # absolute and relative symlinks in the rootfs that point at a host path
  mkdir -p "$T/outside-abs" "$T/outside-rel"
  ln -s "$T/outside-abs" "$BUNDLE/rootfs/evil-abs"
  ln -s "../../../../../../../../../../..$T/outside-rel" "$BUNDLE/rootfs/evil-rel"
  cfg '.mounts += [{"destination": "/evil-abs", "type": "tmpfs", "source": "tmpfs"},
                   {"destination": "/evil-rel/sub", "type": "tmpfs", "source": "tmpfs"}]'
  cfg_args sh -c 'touch /evil-abs/marker /evil-rel/sub/marker 2>/dev/null; true'
  capture rt run -b "$BUNDLE" "$CID"
  # whether the runtime refuses or mounts inside the rootfs: never on the host
  [ ! -e "$T/outside-abs/marker" ] || fail "container wrote to the host through /evil-abs"
  [ ! -e "$T/outside-rel/sub" ] || fail "runtime created a mount point on the host through /evil-rel"
  [ -z "$(ls -A "$T/outside-abs")" ] || fail "host directory changed: $(ls -A "$T/outside-abs")"
}

test_mount_destination_dotdot_cannot_escape_rootfs () {
  pwned=/tmp/runcgo-pwned-$$-$TEST_COUNT
  cfg '.mounts += [{"destination": $d, "type": "tmpfs", "source": "tmpfs"}]' --arg d "/../../../..$pwned"
  cfg_args true
  capture rt run -b "$BUNDLE" "$CID"
  [ ! -e "$pwned" ] || { rmdir "$pwned"; fail "$pwned created on the host"; }
}

test_mount_destination_dotdot_is_rejected () {
  pwned=/tmp/runcgo-pwned-$$-$TEST_COUNT
  cfg '.mounts += [{"destination": $d, "type": "tmpfs", "source": "tmpfs"}]' --arg d "/../../../..$pwned"
  capture rt run -b "$BUNDLE" "$CID"
  [ ! -e "$pwned" ] || { rmdir "$pwned"; fail "$pwned created on the host"; }
  runc_differs "runc resolves '..' inside the rootfs and mounts there"
  assert_status 1
  assert_contains "$output" "$pwned" "error message"
}

test_bad_mount_type_fails_naming_the_type () {
  cfg '.mounts += [{"destination": "/x", "type": "nosuchfs", "source": "none"}]'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  runc_differs "runc says only 'no such device'"
  assert_contains "$output" nosuchfs "error message"
}

test_masked_paths_read_empty () {
  echo secret > "$BUNDLE/rootfs/etc/secret"
  mkdir -p "$BUNDLE/rootfs/secret-dir" && echo x > "$BUNDLE/rootfs/secret-dir/f"
  cfg '.linux.maskedPaths += ["/etc/secret", "/secret-dir", "/proc/kcore", "/proc/keys", "/proc/timer_list"]'
  out=$(inside sh -c 'for f in /proc/kcore /proc/keys /proc/timer_list /etc/secret; do
                        test -e $f && echo "$f=$(wc -c < $f)"; done
                      echo "/secret-dir=$(ls -A /secret-dir | wc -l)"')
  assert_match "$out" '^/etc/secret=0$' "masked file"
  assert_match "$out" '^/secret-dir=0$' "masked directory"
  # the /proc files that this kernel has
  for f in /proc/kcore /proc/keys /proc/timer_list; do
    [ ! -e "$f" ] || assert_match "$out" "^$f=0\$" "masked $f"
  done
}

test_readonly_paths_reject_writes () {
  cfg '.linux.readonlyPaths += ["/etc"]'
  out=$(inside sh -c 'exec 2>&1; echo 1 > /proc/sys/net/ipv4/ip_forward; touch /etc/x; cat /proc/self/mountinfo')
  assert_match "$(mount_opts "$(mount_line "$out" /proc/sys)")" '(^|,)ro(,|$)' "options of /proc/sys"
  assert_match "$(mount_opts "$(mount_line "$out" /etc)")" '(^|,)ro(,|$)' "options of /etc"
  [ "$(echo "$out" | grep -c 'Read-only file system')" -ge 2 ] || fail "writes did not fail with EROFS: $out"
  [ ! -e "$BUNDLE/rootfs/etc/x" ] || fail "/etc/x created through a read-only path"
}

test_default_devices_exist_with_right_numbers () {
  out=$(inside sh -c 'for d in null zero full random urandom tty; do echo "$d $(stat -c "%F %t:%T" /dev/$d)"; done; echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | wc -c')
  for want in "null character special file 1:3" "zero character special file 1:5" "full character special file 1:7" \
    "random character special file 1:8" "urandom character special file 1:9" "tty character special file 5:0"; do
    assert_match "$out" "^$want\$" "device"
  done
  assert_match "$out" '^null-ok$' "write to /dev/null"
  assert_match "$out" '^4$' "read of /dev/zero"
}

test_default_dev_symlinks_and_dirs () {
  out=$(inside sh -c 'for l in fd stdin stdout stderr ptmx; do echo "$l $(readlink /dev/$l)"; done; test -d /dev/pts && echo pts; test -d /dev/shm && echo shm; test -c /dev/pts/ptmx && echo pts-ptmx')
  for want in "fd /proc/self/fd" "stdin /proc/self/fd/0" "stdout /proc/self/fd/1" "stderr /proc/self/fd/2" "ptmx pts/ptmx" pts shm pts-ptmx; do
    assert_match "$out" "^$want\$" "/dev entry"
  done
}

test_linux_devices_creates_device_nodes () {
  cfg '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0},
                         {"path": "/dev/mydisk", "type": "b", "major": 7, "minor": 200, "fileMode": 384, "uid": 0, "gid": 0}]'
  out=$(inside sh -c 'stat -c "%n %F %t:%T %a %u:%g" /dev/fuse /dev/mydisk')
  assert_match "$out" '^/dev/fuse character special file a:e5 666 0:0$' "/dev/fuse"
  assert_match "$out" '^/dev/mydisk block special file 7:c8 600 0:0$' "/dev/mydisk"
}

test_no_pivot_runs_in_the_rootfs () {
  cfg_args sh -c 'cat /etc/hostname; ls /bin/busybox'
  capture rt run --no-pivot -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$stdout" "runcgo
/bin/busybox" "inside with --no-pivot"
}

run_tests "$@"
