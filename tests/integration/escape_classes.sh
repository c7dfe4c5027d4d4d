#!/bin/bash
# The known escape classes of runtimes through the filesystem (DESIGN.md
# "known escape classes"; the runtime's own process is escape.sh's): each test
# performs the attack against the runtime and asserts it fails -- the runtime
# refuses with a clear error or does only the intended thing, never touches
# the host.  Races are run RACE_RUNS times (RUNCGO_RACE_RUNS, default 5) with
# tests/tools/swap_race exchanging a path and a symlink all along.  Also the
# opt-in strict device policy (--device-policy strict, annotation
# run.oci.runcgo.device-policy=strict).
. "$(dirname "$0")/../lib/common.sh"

RACE_RUNS=${RUNCGO_RACE_RUNS:-5}

# race_start A B: exchange A and B (renameat2 RENAME_EXCHANGE) in the
# background until race_stop; the test's EXIT trap stops it too.
RACER=
race_start () {
  rm -f "$T/race.stop"
  "$(tool swap_race)" "$1" "$2" "$T/race.stop" > "$T/race.count" &
  RACER=$!
  trap 'touch "$T/race.stop"; wait $RACER 2> /dev/null || true' EXIT
}
race_stop () {
  touch "$T/race.stop"
  wait "$RACER" || fail "swap_race failed"
  echo "# swap_race made $(cat "$T/race.count") exchanges" >&2
  [ "$(cat "$T/race.count")" -gt 0 ] || fail "the racer never ran"
}

# A file only the host has, that an escape would read or overwrite.
host_secret () {
  HOST_SECRET=$T/host-secret
  echo "host-secret-$RANDOM" > "$HOST_SECRET"
  SECRET=$(cat "$HOST_SECRET")
}

# ------------------------------------------------------------------ CVE-2021-30465
# runc checked a mount destination, then mounted onto the path; a container
# sharing a volume with the rootfs swapped a directory of that path for a
# symlink to a host path in between, and runc mounted on the host.

test_cve_2021_30465_swapped_mount_destination_stays_in_the_rootfs () {
  mkdir -p "$T/outside" "$T/src" "$BUNDLE/rootfs/race/dir"
  echo from-src > "$T/src/file"
  ln -s "$T/outside" "$BUNDLE/rootfs/race/link"
  local n=20 i run
  cfg '.mounts += [range(0; $n) as $i | if $i % 2 == 0
         then {"destination": "/race/dir/m\($i)", "type": "tmpfs", "source": "tmpfs"}
         else {"destination": "/race/dir/m\($i)", "type": "bind", "source": $src, "options": ["bind"]} end]' \
    --argjson n $n --arg src "$T/src"
  # the container counts the mounts m0..m19 it sees: a mount made outside its
  # root is invisible in its mountinfo (those made while /race/dir was the
  # symlink are at $T/outside/mN inside the rootfs: in, so counted)
  cfg_args sh -c 'grep -cE " /[^ ]*/m[0-9]+ " /proc/self/mountinfo'
  race_start "$BUNDLE/rootfs/race/dir" "$BUNDLE/rootfs/race/link"
  local ok=0 refused=0
  for ((run = 0; run < RACE_RUNS; run++)); do
    capture rt run -b "$BUNDLE" "$CID-$run"
    if [ "$status" = 0 ]; then
      ok=$((ok + 1))
      assert_eq "$stdout" "$n" "mounts under /race seen inside (run $run)"
    else
      refused=$((refused + 1))
      assert_status 1
    fi
    [ -z "$(ls -A "$T/outside")" ] || fail "run $run created on the host: $(ls -A "$T/outside")"
  done
  race_stop
  echo "# $ok runs mounted inside the rootfs, $refused refused" >&2
  [ -z "$(ls -A "$T/outside")" ] || fail "the host directory changed: $(ls -A "$T/outside")"
  assert_eq "$(cat "$T/src/file")" from-src "bind source"
}

test_cve_2021_30465_symlinked_destination_resolves_inside () {
  # the static form: the destination's parent is a symlink to a host path
  mkdir -p "$T/outside"
  ln -s "$T/outside" "$BUNDLE/rootfs/evil"
  cfg '.mounts += [{"destination": "/evil/sub", "type": "bind", "source": "/etc", "options": ["bind", "ro"]}]'
  cfg_args sh -c 'test -e /evil/sub/hostname && echo mounted-inside'
  capture rt run -b "$BUNDLE" "$CID"
  [ -z "$(ls -A "$T/outside")" ] || fail "created on the host: $(ls -A "$T/outside")"
  assert_status 0
  assert_eq "$stdout" mounted-inside "the bind inside the rootfs"
  [ -d "$BUNDLE/rootfs/$T/outside/sub" ] || fail "the symlink was not resolved inside the rootfs"
}

# ------------------------------------------------------------------ CVE-2024-21626
# runc leaked a host directory fd (a cgroup dir) into the init; cwd
# /proc/self/fd/N then put the process in a host directory outside its root,
# from which ../../.. reaches the host's /.

# escape_probe: a shell that prints ESCAPED when it can read $HOST_SECRET
# through .. from its cwd.
escape_probe () {
  echo "cat ../../../../../../../../../../..$HOST_SECRET 2> /dev/null && echo ESCAPED; pwd; true"
}

test_cve_2024_21626_cwd_proc_self_fd_never_reaches_the_host () {
  host_secret
  local fd
  cfg_args sh -c "$(escape_probe)"
  for fd in 3 4 5 6 7 8; do
    cfg '.process.cwd = $c' --arg c "/proc/self/fd/$fd"
    capture rt run -b "$BUNDLE" "$CID-$fd"
    assert_no_match "$output" "$SECRET|ESCAPED" "cwd /proc/self/fd/$fd"
    # nothing is leaked: there is no fd N to be in
    assert_status 1
    assert_match "$output" "cwd|/proc/self/fd/$fd" "error for cwd /proc/self/fd/$fd"
  done
}

test_cve_2024_21626_exec_cwd_proc_self_fd_never_reaches_the_host () {
  host_secret
  cfg_args sleep 1000
  start_detached "$CID"
  local fd
  for fd in 3 4 5 6 7 8; do
    capture rt exec --cwd "/proc/self/fd/$fd" "$CID" sh -c "$(escape_probe)"
    assert_no_match "$output" "$SECRET|ESCAPED" "exec --cwd /proc/self/fd/$fd"
    [ "$status" != 0 ] || fail "exec with cwd /proc/self/fd/$fd succeeded"
    assert_match "$output" "cwd.*/proc/self/fd/$fd" "error"
  done
  # the same through process.json
  jq --arg c /proc/self/fd/7 --arg p "$(escape_probe)" \
    '.process | .cwd = $c | .args = ["sh", "-c", $p]' "$BUNDLE/config.json" > "$T/process.json"
  capture rt exec -p "$T/process.json" "$CID"
  assert_no_match "$output" "$SECRET|ESCAPED" "exec -p with cwd /proc/self/fd/7"
  [ "$status" != 0 ] || fail "exec -p with cwd /proc/self/fd/7 succeeded"
  capture rt delete -f "$CID"
}

# ------------------------------------------------------------------ CVE-2025-31133
# maskedPaths bind /dev/null over each path; runc bound whatever /dev/null
# was, so a container that made it a symlink to a host file (here: through a
# /dev it shares) got that file bound writable over a masked path.

# dev_from_host: /dev of the container is $T/dev, a host directory the
# attacker controls, with a real null device in it.
dev_from_host () {
  mkdir -p "$T/dev/pts" "$T/dev/shm" "$T/dev/mqueue"
  mknod -m 666 "$T/dev/null" c 1 3
  # first, so that devpts, shm and mqueue are mounted in it
  cfg '.mounts = [{"destination": "/dev", "type": "bind", "source": $d, "options": ["rbind", "rw"]}]
       + [.mounts[] | select(.destination != "/dev")]' --arg d "$T/dev"
}

test_cve_2025_31133_dev_null_symlink_is_never_bound_over_a_mask () {
  # two targets: a host file, and the procfs file runc's attackers used
  # (here the container's own UTS hostname rather than core_pattern: what
  # a successful attack writes there is harmless and shows as `hostname`)
  host_secret
  dev_from_host
  echo in-image > "$BUNDLE/rootfs/etc/masked"
  cfg '.hostname = "uts-secret" | .linux.maskedPaths = ["/etc/masked"]'
  cfg_args sh -c 'cat /etc/masked; echo pwned > /etc/masked; echo "hostname: $(hostname)"; true'
  local target
  for target in "$HOST_SECRET" /proc/sys/kernel/hostname; do
    rm -f "$T/dev/null"
    ln -s "$target" "$T/dev/null"
    capture rt run -b "$BUNDLE" "$CID"
    assert_no_match "$output" "$SECRET|pwned|^uts-secret" "what the container read (/dev/null -> $target)"
    assert_eq "$(cat "$HOST_SECRET")" "$SECRET" "the host file"
    runc_differs "runc < 1.2.8 binds the symlink's target"
    assert_status 1
    assert_match "$output" "maskedPaths.*/dev/null" "error"
  done
}

test_cve_2025_31133_dev_null_regular_file_is_refused () {
  dev_from_host
  rm "$T/dev/null"
  echo not-null > "$T/dev/null"
  cfg '.linux.maskedPaths = ["/etc/hostname"]'
  cfg_args sh -c 'echo overwritten > /etc/hostname; true'
  capture rt run -b "$BUNDLE" "$CID"
  assert_eq "$(cat "$T/dev/null")" not-null "the fake /dev/null"
  runc_differs "runc < 1.2.8 binds any file"
  assert_status 1
  assert_match "$output" "not the null device" "error"
}

test_cve_2025_31133_racing_dev_null_swap_never_binds_the_target () {
  # /dev/null and a symlink to a procfs file exchanged all along: a mask
  # must never show that file (the container's own UTS hostname, standing
  # in for core_pattern)
  dev_from_host
  ln -s /proc/sys/kernel/hostname "$T/dev/evil"
  cfg '.hostname = "uts-secret" | .linux.maskedPaths = ["/etc/hostname", "/etc/passwd", "/etc/group"]'
  cfg_args sh -c 'cat /etc/hostname /etc/passwd /etc/group; true'
  race_start "$T/dev/null" "$T/dev/evil"
  local run ok=0
  for ((run = 0; run < RACE_RUNS; run++)); do
    capture rt run -b "$BUNDLE" "$CID-$run"
    assert_no_match "$output" "uts-secret" "what the container read through the masks (run $run)"
    [ "$status" != 0 ] || ok=$((ok + 1))
  done
  race_stop
  echo "# $ok of $RACE_RUNS runs masked with the real /dev/null, the others refused" >&2
}

# ------------------------------------------------------------------ CVE-2025-52565
# runc bound the console pty onto whatever /dev/console was: a symlink there
# (or one swapped in) sent the bind, and so the pty, onto a host path.

test_cve_2025_52565_dev_console_symlink_is_not_followed () {
  host_secret
  dev_from_host
  ln -s "$HOST_SECRET" "$T/dev/console"
  cfg '.process.terminal = true'
  cfg_args sh -c 'stat -c "%F %t" /dev/console; readlink /dev/console || echo no-link'
  capture rt run -b "$BUNDLE" "$CID"
  assert_eq "$(cat "$HOST_SECRET")" "$SECRET" "the host file"
  assert_status 0
  assert_match "$output" "character special file 88" "/dev/console inside (a pty: major 136)"
  assert_match "$output" "no-link" "/dev/console is no symlink"
  [ ! -L "$T/dev/console" ] || fail "the symlink is still /dev/console"
}

test_cve_2025_52565_racing_dev_console_swap_stays_in_the_container () {
  # The pty is opened without a path (TIOCGPTPEER on the container's own
  # ptmx) and bound onto a file created O_EXCL in /dev: with /dev/console and
  # a symlink exchanged all along, the pty can land on either name in /dev
  # (the attacker owns that directory anyway), never elsewhere.
  host_secret
  dev_from_host
  : > "$T/dev/console"
  ln -s "$HOST_SECRET" "$T/dev/evil"
  cfg '.process.terminal = true'
  cfg_args sh -c "awk '/ - devpts / { print \$5 }' /proc/self/mountinfo"
  race_start "$T/dev/console" "$T/dev/evil"
  local run
  for ((run = 0; run < RACE_RUNS; run++)); do
    capture rt run -b "$BUNDLE" "$CID-$run"
    assert_eq "$(cat "$HOST_SECRET")" "$SECRET" "the host file (run $run)"
    [ "$status" = 0 ] || continue
    for m in $(tr -d '\r' <<< "$stdout"); do
      case $m in
        /dev/pts | /dev/console | /dev/evil) ;;
        *) fail "a pty is mounted on $m (run $run)" ;;
      esac
    done
  done
  race_stop
  [ "$(stat -c %F "$HOST_SECRET")" = "regular file" ] || fail "the host file was replaced"
}

# ------------------------------------------------------------------ CVE-2025-52881
# The runtime writes procfs files (sysctls, LSM attributes); a mount planted
# over one redirects the write to another procfs file (sysrq-trigger,
# core_pattern).  Here the redirect target is the UTS hostname of the
# container's own namespace: harmless, and it shows whether the write went.

test_cve_2025_52881_sysctl_redirected_by_a_mount_is_refused () {
  cfg '.hostname = "box"
       | .linux.sysctl = {"kernel.domainname": "pwned"}
       | .mounts += [{"destination": "/proc/sys/kernel/domainname", "type": "bind",
                      "source": "/proc/sys/kernel/hostname", "options": ["bind"]}]'
  cfg_args hostname
  capture rt run -b "$BUNDLE" "$CID"
  assert_no_match "$stdout" pwned "hostname inside"
  runc_differs "runc < 1.2.8 writes through the mount"
  assert_status 1
  assert_match "$output" "kernel.domainname.*mounted over" "error"
}

test_cve_2025_52881_sysctl_through_a_fake_proc_is_refused () {
  # /proc in the image is a symlink to a directory of plain files and no proc
  # is mounted: the sysctl must not land in the fake file
  cfg '.mounts = [.mounts[] | select(.destination != "/proc")]
       | .linux.maskedPaths = [] | .linux.readonlyPaths = []
       | .linux.sysctl = {"kernel.domainname": "pwned"}'
  mkdir -p "$BUNDLE/rootfs/fakeproc/sys/kernel"
  echo original > "$BUNDLE/rootfs/fakeproc/sys/kernel/domainname"
  rmdir "$BUNDLE/rootfs/proc"
  ln -s /fakeproc "$BUNDLE/rootfs/proc"
  capture rt run -b "$BUNDLE" "$CID"
  assert_eq "$(cat "$BUNDLE/rootfs/fakeproc/sys/kernel/domainname")" original "the fake sysctl file"
  assert_status 1
  assert_match "$output" "not on procfs" "error"
}

test_cve_2025_52881_lsm_attr_redirected_by_a_mount_is_refused () {
  [ "$(cat /sys/module/apparmor/parameters/enabled 2> /dev/null)" = Y ] || skip "AppArmor is not enabled on this host"
  cfg '.process.apparmorProfile = "unconfined"
       | .mounts += [{"destination": "/proc/thread-self/attr/apparmor/exec", "type": "bind",
                      "source": "/proc/sys/kernel/hostname", "options": ["bind"]}]'
  cfg_args hostname
  capture rt run -b "$BUNDLE" "$CID"
  assert_no_match "$stdout" unconfined "hostname inside"
  assert_status 1
}

# ------------------------------------------------------------------ path traversal

test_mount_destination_traversal_creates_nothing_outside () {
  pwned=/tmp/runcgo-pwned-$$-$TEST_COUNT
  cfg '.mounts += [{"destination": $d, "type": "bind", "source": "/etc", "options": ["bind"]},
                   {"destination": $e, "type": "tmpfs", "source": "tmpfs"}]' \
    --arg d "/../../../..$pwned" --arg e "/etc/../../../..$pwned-2"
  capture rt run -b "$BUNDLE" "$CID"
  [ ! -e "$pwned" ] || { rmdir "$pwned"; fail "$pwned created on the host"; }
  [ ! -e "$pwned-2" ] || { rmdir "$pwned-2"; fail "$pwned-2 created on the host"; }
  runc_differs "runc resolves '..' inside the rootfs and mounts there"
  assert_status 1
  assert_match "$output" "mounts\[[0-9]+\].destination.*\.\." "error"
}

test_container_id_traversal_fails_with_a_clear_error () {
  mkdir -p "$ROOT"
  before=$(ls -A / /etc "$ROOT" | md5sum)
  for cmd in create run; do
    expect_error 'container ID "\.\./\.\./\.\./etc".*(invalid|not allowed|must)' rt $cmd -b "$BUNDLE" ../../../etc
  done
  expect_error 'container ID' rt delete -f ../../../etc
  capture rt exec ../../../etc true
  [ "$status" != 0 ] || fail "exec succeeded"
  assert_match "$output" 'invalid container ID' "error of exec"
  assert_eq "$(ls -A / /etc "$ROOT" | md5sum)" "$before" "directories around the state root"
}

# ------------------------------------------------------------------ device policy

DISK_AND_MEM='[{"path": "/dev/sda", "type": "b", "major": 8, "minor": 0, "fileMode": 432},
               {"path": "/dev/mem", "type": "c", "major": 1, "minor": 1, "fileMode": 416}]'

test_device_policy_default_creates_what_linux_devices_asks () {
  cfg '.linux.devices = $d' --argjson d "$DISK_AND_MEM"
  out=$(inside sh -c 'stat -c "%n %F %t:%T" /dev/sda /dev/mem')
  assert_match "$out" '^/dev/sda block special file 8:0$' "/dev/sda"
  assert_match "$out" '^/dev/mem character special file 1:1$' "/dev/mem"
}

test_device_policy_strict_flag_refuses_sda_and_mem_before_creating_anything () {
  runc_differs "runcgo's own flag"
  local d
  for d in '[{"path": "/dev/sda", "type": "b", "major": 8, "minor": 0}]' \
    '[{"path": "/dev/mem", "type": "c", "major": 1, "minor": 1}]' \
    '[{"path": "/dev/null", "type": "b", "major": 8, "minor": 0}]'; do
    cfg '.linux.devices = $d' --argjson d "$d"
    capture timeout 30 "$RUNCGO" --root "$ROOT" --device-policy strict create -b "$BUNDLE" "$CID"
    assert_status 1
    assert_match "$output" 'linux.devices\[0\]: `/dev/(sda|mem|null)` \([bc] [0-9]+:[0-9]+\) is refused by the strict device policy' "error"
    [ ! -e "$ROOT/$CID" ] || fail "a state dir was created"
    [ -z "$(leaked_cgroups)" ] || fail "a cgroup was created"
  done
}

test_device_policy_strict_annotation_refuses_disk_and_mem () {
  runc_differs "runcgo's own annotation"
  cfg '.linux.devices = $d | .annotations["run.oci.runcgo.device-policy"] = "strict"' --argjson d "$DISK_AND_MEM"
  expect_error 'linux.devices\[0\]: `/dev/sda`.*refused by the strict device policy \(annotation' rt run -b "$BUNDLE" "$CID"
  cfg '.annotations["run.oci.runcgo.device-policy"] = "lax"'
  expect_error 'run.oci.runcgo.device-policy.*"lax"' rt run -b "$BUNDLE" "$CID"
  capture "$RUNCGO" --device-policy lax list
  assert_status 1
  assert_contains "$output" "--device-policy" "error"
}

test_device_policy_strict_allows_the_safe_set () {
  runc_differs "runcgo's own flag"
  cfg '.linux.devices = [
        {"path": "/dev/null", "type": "c", "major": 1, "minor": 3}, {"path": "/dev/zero", "type": "c", "major": 1, "minor": 5},
        {"path": "/dev/full", "type": "c", "major": 1, "minor": 7}, {"path": "/dev/random", "type": "c", "major": 1, "minor": 8},
        {"path": "/dev/urandom", "type": "c", "major": 1, "minor": 9}, {"path": "/dev/tty", "type": "c", "major": 5, "minor": 0},
        {"path": "/dev/tty-console", "type": "c", "major": 5, "minor": 1}, {"path": "/dev/ptmx2", "type": "c", "major": 5, "minor": 2},
        {"path": "/dev/pts-slave", "type": "c", "major": 136, "minor": 5}, {"path": "/dev/myfifo", "type": "p"}]'
  cfg_args sh -c 'stat -c "%n %F %t:%T" /dev/tty-console /dev/pts-slave /dev/myfifo'
  capture timeout 30 "$RUNCGO" --root "$ROOT" --device-policy strict run -b "$BUNDLE" "$CID"
  assert_status 0
  assert_match "$stdout" '^/dev/tty-console character special file 5:1$' "console"
  assert_match "$stdout" '^/dev/pts-slave character special file 88:5$' "pty slave"
  assert_match "$stdout" '^/dev/myfifo fifo 0:0$' "fifo"
}

run_tests "$@"
