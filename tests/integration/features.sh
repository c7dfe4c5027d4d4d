#!/bin/bash
# features: the rows of doc/features.md (the runc/crun/youki feature table)
# that no other suite proves: process attributes (personality, scheduler,
# ioPriority, execCPUAffinity, memoryPolicy, LSM labels), cpu idle/burst,
# mount options (tmpcopyup, nosymfollow), and the CLI flags run --keep,
# run --no-subreaper, exec --ignore-paused.  Each test looks at the effect
# from inside the container or on the host, not at the exit status alone.
. "$(dirname "$0")/../lib/common.sh"

# cg_dir CONTROLLER: this bundle's cgroup directory in a v1 hierarchy.
cg_dir () {
  echo "/sys/fs/cgroup/$1$(jq -r .linux.cgroupsPath "$BUNDLE/config.json")"
}

need_v1_file () {
  [ "$(stat -f -c %T "/sys/fs/cgroup/$1" 2> /dev/null)" = cgroupfs ] && [ -e "/sys/fs/cgroup/$1/$2" ] ||
    skip "no cgroup v1 $1/$2 on this host"
}

# ------------------------------------------------------------------ process attributes

test_personality_linux32_makes_uname_report_a_32_bit_machine () {
  [ "$(uname -m)" = x86_64 ] || skip "LINUX32 is checked on x86_64 only"
  out=$(inside uname -m)
  assert_eq "$out" x86_64 "uname -m without personality"
  cfg '.linux.personality = {"domain": "LINUX32"}'
  out=$(inside uname -m)
  assert_eq "$out" i686 "uname -m with LINUX32"
}

test_unknown_personality_domain_is_rejected () {
  cfg '.linux.personality = {"domain": "LINUX64"}'
  cfg_args true
  expect_error 'personality' rt run -b "$BUNDLE" "$CID"
}

# /proc/self/stat of `cat`: field 19 is the nice value, 41 the policy
# (SCHED_BATCH = 3, SCHED_IDLE = 5); both are inherited from the init.
test_scheduler_policy_and_nice_are_applied () {
  cfg '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
  out=$(inside sh -c 'cat /proc/self/stat' | awk '{ print $19, $41 }')
  assert_eq "$out" "7 3" "nice and policy"
  cfg '.process.scheduler = {"policy": "SCHED_IDLE"}'
  out=$(inside sh -c 'cat /proc/self/stat' | awk '{ print $41 }')
  assert_eq "$out" 5 "policy SCHED_IDLE"
}

test_io_priority_is_applied () {
  out=$(inside ionice -p 1)
  assert_no_match "$out" "best-effort: prio 6" "ioprio without ioPriority"
  cfg '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
  out=$(inside ionice -p 1)
  assert_eq "$out" "best-effort: prio 6" "ionice of the init"
  cfg '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}'
  out=$(inside ionice -p 1)
  assert_match "$out" "^idle" "ionice of the init"
}

# The spec: "not applicable to the container's init process"; an exec'd
# process ends on `final` (after `initial` while it joins the cgroup).
test_exec_cpu_affinity_final_is_the_exec_process_s () {
  [ "$(nproc --all)" -ge 2 ] || skip "needs two CPUs"
  all=$(inside grep Cpus_allowed_list /proc/self/status)
  cfg '.process.execCPUAffinity = {"initial": "0", "final": "1"}'
  out=$(inside grep Cpus_allowed_list /proc/self/status)
  assert_eq "$out" "$all" "init affinity (untouched)"
  cfg_args sleep 1000
  start_detached "$CID"
  # exec: the process.json's own affinity, with the same initial/final rule
  jq '.execCPUAffinity = {"initial": "1", "final": "0"} | .args = ["grep", "Cpus_allowed_list", "/proc/self/status"]' \
    < <(jq .process "$BUNDLE/config.json") > "$T/process.json"
  capture rt exec -p "$T/process.json" "$CID"
  assert_status 0
  assert_match "$stdout" ':\s+0$' "exec affinity"
  capture rt delete -f "$CID"
}

test_memory_policy_shows_in_numa_maps () {
  [ -r /proc/self/numa_maps ] || skip "no NUMA support in this kernel"
  out=$(inside cat /proc/self/numa_maps)
  assert_no_match "$out" interleave "numa_maps without memoryPolicy"
  cfg '.linux.memoryPolicy = {"mode": "MPOL_INTERLEAVE", "nodes": "0"}'
  out=$(inside cat /proc/self/numa_maps)
  assert_match "$out" ' interleave:0 ' "numa_maps with MPOL_INTERLEAVE"
  cfg '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0"}'
  out=$(inside cat /proc/self/numa_maps)
  assert_match "$out" ' bind:0 ' "numa_maps with MPOL_BIND"
}

# AppArmor and SELinux are not enabled on the test machines: the exact error
# (the unit tests cover what would be written).
test_apparmor_profile_without_apparmor_fails_clearly () {
  runc_differs "runc ignores the profile when AppArmor is disabled"
  [ "$(cat /sys/module/apparmor/parameters/enabled 2> /dev/null)" = Y ] && skip "AppArmor is enabled here"
  cfg '.process.apparmorProfile = "runcgo-test"'
  cfg_args true
  expect_error 'process.apparmorProfile "runcgo-test": AppArmor is not enabled on this host' \
    rt run -b "$BUNDLE" "$CID"
}

test_selinux_label_without_selinux_fails_clearly () {
  runc_differs "runc ignores the label when SELinux is disabled"
  [ -e /sys/fs/selinux/enforce ] && skip "SELinux is enabled here"
  cfg '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
  cfg_args true
  expect_error 'process.selinuxLabel .*SELinux is not enabled on this host' rt run -b "$BUNDLE" "$CID"
}

test_exec_apparmor_and_process_label_flags_reach_the_process () {
  runc_differs "runc ignores the labels when the LSM is disabled"
  [ -e /sys/fs/selinux/enforce ] && skip "SELinux is enabled here"
  cfg_args sleep 1000
  start_detached "$CID"
  capture rt exec --apparmor runcgo-test "$CID" true
  assert_exec_failed 'process.apparmorProfile "runcgo-test": AppArmor is not enabled'
  capture rt exec --process-label system_u:system_r:container_t:s0 "$CID" true
  assert_exec_failed 'process.selinuxLabel .*SELinux is not enabled'
  capture rt exec "$CID" true
  assert_status 0
  capture rt delete -f "$CID"
}

# Without SELinux (this host) linux.mountLabel is a warning and nothing is
# labelled: every mount that would take it (tmpfs, devpts, mqueue, a masked
# directory, whatever the context type) is made as without it.  The data
# each would get with SELinux: U:test_mount_opts.c test_mount_label_data.
test_mount_label_without_selinux_is_a_warning () {
  runc_differs "runc ignores mountLabel silently"
  [ -e /sys/fs/selinux/enforce ] && skip "SELinux is enabled here"
  cfg '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"
       | .annotations["run.oci.mount_context_type"] = "fscontext"
       | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1777", "size=1m"]}]
       | .linux.maskedPaths += ["/etc"]'
  cfg_args sh -c 'awk "{ print \$5, \$(NF-2) }" /proc/self/mountinfo; echo; cat /proc/self/mountinfo; ls /etc | wc -l'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 0
  assert_match "$stderr" 'linux.mountLabel "system_u:object_r:container_file_t:s0:c1,c2" ignored: SELinux is not enabled' \
    "warning"
  for m in "/tmp tmpfs" "/dev/pts devpts" "/dev/mqueue mqueue" "/etc tmpfs" "/dev/shm tmpfs"; do
    assert_match "$stdout" "^$m\$" "mount $m"
  done
  assert_no_match "$stdout" 'context=|container_file_t' "mount options"
  assert_eq "$(tail -n 1 <<< "$stdout")" 0 "entries of the masked /etc"
}

# ------------------------------------------------------------------ cpu controller

# cpu_file_then_update FILE CPU-JSON VALUE FLAG NEW: a container with
# linux.resources.cpu = CPU-JSON has VALUE in the v1 cpu FILE, and
# `update FLAG NEW` changes it to NEW.
cpu_file_then_update () {
  need_v1_file cpu "$1"
  cfg ".linux.resources.cpu = $2"
  cfg_args sleep 1000
  start_detached "$CID"
  assert_eq "$(cat "$(cg_dir cpu)/$1")" "$3" "$1"
  capture rt update "$4" "$5" "$CID"
  assert_status 0
  assert_eq "$(cat "$(cg_dir cpu)/$1")" "$5" "$1 after update $4"
  capture rt delete -f "$CID"
}

test_cpu_idle_is_written () {
  cpu_file_then_update cpu.idle '{"idle": 1}' 1 --cpu-idle 0
}

test_cpu_burst_is_written () {
  cpu_file_then_update cpu.cfs_burst_us '{"quota": 50000, "period": 100000, "burst": 20000}' 20000 --cpu-burst 10000
}

test_cpuset_cpus_and_mems_confine_the_container () {
  [ "$(nproc --all)" -ge 2 ] || skip "needs two CPUs"
  cfg '.linux.resources.cpu = {"cpus": "1", "mems": "0"}'
  out=$(inside grep -E 'Cpus_allowed_list|Mems_allowed_list' /proc/self/status | tr -s '\t' ' ')
  assert_eq "$out" $'Cpus_allowed_list: 1\nMems_allowed_list: 0' "cpuset inside"
  cfg_args sleep 1000
  start_detached "$CID"
  capture rt update --cpuset-cpus 0 "$CID"
  assert_status 0
  assert_eq "$(cat "$(cg_dir cpuset)/cpuset.cpus")" 0 "cpuset.cpus after update"
  capture rt delete -f "$CID"
}

test_memory_reservation_swappiness_and_oom_killer_are_written () {
  need_v1_file memory memory.oom_control
  cfg '.linux.resources.memory = {"limit": 134217728, "reservation": 67108864, "swappiness": 10,
                                  "disableOOMKiller": true}'
  cfg_args sleep 1000
  start_detached "$CID"
  d=$(cg_dir memory)
  assert_eq "$(cat "$d/memory.soft_limit_in_bytes")" 67108864 "memory.soft_limit_in_bytes"
  assert_eq "$(cat "$d/memory.swappiness")" 10 "memory.swappiness"
  assert_match "$(cat "$d/memory.oom_control")" "oom_kill_disable 1" "memory.oom_control"
  capture rt update --memory-reservation 33554432 --memory-swap 268435456 "$CID"
  assert_status 0
  assert_eq "$(cat "$d/memory.soft_limit_in_bytes")" 33554432 "soft limit after update"
  # obsolete (the kernel dropped kmem limits): accepted with runc's warning
  capture rt update --kernel-memory 1m --kernel-memory-tcp 1m "$CID"
  assert_status 0
  assert_contains "$stderr" "Kernel memory settings are ignored" "warning"
  [ ! -e "$d/memory.memsw.limit_in_bytes" ] ||
    assert_eq "$(cat "$d/memory.memsw.limit_in_bytes")" 268435456 "memsw limit after update"
  capture rt delete -f "$CID"
}

# throttles of the first disk of the host (weights need the BFQ scheduler's
# blkio.bfq.weight, which this kind of host rarely has)
test_blkio_throttles_are_written () {
  need_v1_file blkio blkio.throttle.read_bps_device
  local dev
  dev=$(cat /sys/block/[vsh]d[a-z]/dev /sys/block/nvme0n1/dev 2> /dev/null | head -n 1 || true)
  [ -n "$dev" ] || skip "no disk to throttle"
  cfg '.linux.resources.blockIO = {"throttleReadBpsDevice": [{"major": $ma, "minor": $mi, "rate": 1048576}],
                                   "throttleWriteIOPSDevice": [{"major": $ma, "minor": $mi, "rate": 100}]}' \
    --argjson ma "${dev%:*}" --argjson mi "${dev#*:}"
  cfg_args sleep 1000
  start_detached "$CID"
  d=$(cg_dir blkio)
  assert_eq "$(cat "$d/blkio.throttle.read_bps_device")" "$dev 1048576" "read_bps_device"
  assert_eq "$(cat "$d/blkio.throttle.write_iops_device")" "$dev 100" "write_iops_device"
  capture rt delete -f "$CID"
}

# ------------------------------------------------------------------ mount options

test_tmpcopyup_fills_the_tmpfs_with_the_image_s_content () {
  mkdir -p "$BUNDLE/rootfs/data"
  echo from-image > "$BUNDLE/rootfs/data/file"
  cfg '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]}]'
  out=$(inside sh -c 'cat /data/file; echo changed > /data/file; grep " /data " /proc/self/mountinfo')
  assert_match "$out" '^from-image' "content copied up"
  assert_match "$out" ' /data .* - tmpfs ' "/data is a tmpfs"
  assert_eq "$(cat "$BUNDLE/rootfs/data/file")" from-image "image left unchanged"
}

test_bind_of_a_single_file () {
  echo host-file > "$T/file"
  cfg '.mounts += [{"destination": "/etc/bound", "type": "bind", "source": $f, "options": ["bind", "ro"]}]' \
    --arg f "$T/file"
  out=$(inside sh -c 'cat /etc/bound; test -f /etc/bound && echo regular; (echo x > /etc/bound) 2> /dev/null || echo refused')
  assert_eq "$out" $'host-file\nregular\nrefused' "the bound file"
}

test_nosymfollow_refuses_symlinks_in_the_mount () {
  mkdir -p "$SHARED"
  echo target > "$SHARED/file"
  ln -s file "$SHARED/link"
  cfg_share '["rbind", "rw"]'
  out=$(inside cat /shared/link)
  assert_eq "$out" target "symlink followed without nosymfollow"
  cfg '.mounts[-1].options = ["rbind", "rw", "nosymfollow"]'
  cfg_args cat /shared/link
  capture rt run -b "$BUNDLE" "$CID"
  assert_ne "$status" 0
  assert_match "$output" "Too many (levels of )?symbolic links|ELOOP" "cat through the symlink"
}

# ------------------------------------------------------------------ CLI flags

test_run_keep_leaves_the_stopped_container () {
  cfg_args true
  capture rt run --keep -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$(status_of "$CID")" stopped "state after run --keep"
  capture rt delete "$CID"
  assert_status 0
  assert_eq "$(status_of "$CID")" "" "state after delete"
}

# Without --no-subreaper a foreground `run` is a child subreaper: an orphan
# of the container (no pid namespace, so no init of its own reaps it) gets
# the runtime as parent; with --no-subreaper it goes to the next subreaper
# up, here this suite's tests/tools/subreaper.
orphan_parent_comm () {
  local id=$1 pid ppid
  shift
  rm -f "$SHARED/pid"
  rt run "$@" -b "$BUNDLE" "$id" > /dev/null 2>&1 &
  wait_file "$SHARED/pid"
  sleep 0.1
  pid=$(cat "$SHARED/pid")
  ppid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status")
  cat "/proc/$ppid/comm"
  rt kill --all "$id" KILL > /dev/null 2>&1
  wait
}

test_run_no_subreaper_lets_orphans_go_to_the_next_reaper () {
  cfg_ns_del pid
  cfg_share
  cfg_args sh -c '(sleep 30 & echo $! > /shared/pid.new; mv /shared/pid.new /shared/pid) ; exec sleep 1000'
  comm=$(orphan_parent_comm "$CID")
  assert_eq "$comm" "$(basename "$RUNCGO" | cut -c1-15)" "parent of the orphan (subreaper)"
  comm=$(orphan_parent_comm "$CID-2" --no-subreaper)
  assert_eq "$comm" subreaper "parent of the orphan with --no-subreaper"
}

# pidfd_receiver SOCKET OUT: the manager's end of --pidfd-socket (python3):
# accept one connection, take the fd, write "PAYLOAD PID" to OUT, PID from
# the fd's /proc/self/fdinfo ("Pid:" is there only for a pidfd).
pidfd_receiver () {
  python3 - "$1" "$2" << 'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
s.settimeout(30)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 64, 1)
pid = [l.split()[1] for l in open("/proc/self/fdinfo/%d" % fds[0]) if l.startswith("Pid:")][0]
with open(sys.argv[2] + ".new", "w") as f:
    f.write("%s %s\n" % (msg.decode(), pid))
os.rename(sys.argv[2] + ".new", sys.argv[2])
EOF
  wait_file "$1"
}

test_pidfd_socket_receives_the_pidfd_of_init_and_exec () {
  is_runc && [ "$("$RUNCGO" create --help 2>&1 | grep -c pidfd-socket)" = 0 ] && skip "this runc has no --pidfd-socket"
  pidfd_receiver "$T/init.sock" "$T/init.got"
  cfg_args sleep 1000
  start_detached "$CID" --pidfd-socket "$T/init.sock"
  wait_file "$T/init.got"
  assert_eq "$(cat "$T/init.got")" "pidfd $(pid_of "$CID")" "what the socket got at create"
  pidfd_receiver "$T/exec.sock" "$T/exec.got"
  capture rt exec -d --pid-file "$T/exec.pid" --pidfd-socket "$T/exec.sock" "$CID" sleep 1000
  assert_status 0
  wait_file "$T/exec.got"
  assert_eq "$(cat "$T/exec.got")" "pidfd $(cat "$T/exec.pid")" "what the socket got at exec"
  wait
  capture rt delete -f "$CID"
}

test_pidfd_socket_that_nobody_listens_on_fails_create () {
  runc_differs "runc's message differs"
  cfg_args sleep 1000
  expect_error '--pidfd-socket: connect to' rt create -b "$BUNDLE" --pidfd-socket "$T/nobody.sock" "$CID"
}

# crun's annotation run.oci.pidfd_receiver is --pidfd-socket by another name.
test_pidfd_receiver_annotation_receives_the_pidfd_of_init () {
  runc_differs "crun's annotation"
  pidfd_receiver "$T/init.sock" "$T/init.got"
  cfg '.annotations["run.oci.pidfd_receiver"] = $s' --arg s "$T/init.sock"
  cfg_args sleep 1000
  start_detached "$CID"
  wait_file "$T/init.got"
  assert_eq "$(cat "$T/init.got")" "pidfd $(pid_of "$CID")" "what the annotation's socket got"
  wait
  capture rt delete -f "$CID"
}

# The process freezes as it enters the frozen cgroup: exec (even -d)
# returns only once the container is resumed, and nothing ran before.
test_exec_ignore_paused_execs_into_a_paused_container () {
  [ -d /sys/fs/cgroup/freezer ] || [ -e /sys/fs/cgroup/cgroup.freeze ] || skip "no freezer"
  cfg_share
  cfg_args sleep 1000
  start_detached "$CID"
  capture rt pause "$CID"
  assert_status 0
  capture rt exec "$CID" true
  assert_exec_failed 'cannot exec into a paused container'
  rt exec -d --ignore-paused "$CID" sh -c 'echo ran > /shared/ran' > "$T/exec.out" 2>&1 &
  local exec_pid=$!
  sleep 0.5
  [ ! -e "$SHARED/ran" ] || fail "the exec'd process ran in a paused container"
  capture rt resume "$CID"
  assert_status 0
  wait "$exec_pid" || fail "exec --ignore-paused failed: $(cat "$T/exec.out")"
  wait_file "$SHARED/ran"
  capture rt delete -f "$CID"
}

run_tests
