#!/bin/bash
# Namespaces (config-linux.md "Namespaces", "User namespace mappings",
# "Offset for Time Namespace"), checked from inside the container.
. "$(dirname "$0")/../lib/common.sh"

test_uts_namespace_sets_hostname () {
  host_before=$(hostname)
  cfg '.hostname = "box-uts"'
  out=$(inside hostname)
  assert_eq "$out" box-uts "hostname inside"
  assert_eq "$(hostname)" "$host_before" "host hostname"
}

test_uts_namespace_sets_domainname () {
  cfg '.hostname = "box" | .domainname = "example.org"'
  out=$(inside cat /proc/sys/kernel/domainname)
  runc_differs "runc 1.1 ignores domainname"
  assert_eq "$out" example.org "domainname inside"
}

test_pid_namespace_makes_the_process_pid_1 () {
  out=$(inside sh -c 'echo $$; ps -o pid,comm | wc -l')
  assert_eq "$(sed -n 1p <<< "$out")" 1 "pid of the container process"
  # header + sh + ps + wc, nothing of the host
  [ "$(echo "$out" | tail -n 1)" -le 4 ] || fail "ps inside sees $(echo "$out" | tail -n 1) lines"
}

test_new_namespaces_differ_from_the_host () {
  cfg_ns_add cgroup
  out=$(inside sh -c 'for ns in pid mnt net uts ipc cgroup; do echo "$ns $(readlink /proc/self/ns/$ns)"; done')
  for ns in pid mnt net uts ipc cgroup; do
    inner=$(echo "$out" | awk -v n=$ns '$1 == n { print $2 }')
    [ -n "$inner" ] || fail "no $ns namespace link inside: $out"
    assert_ne "$inner" "$(readlink /proc/self/ns/$ns)" "$ns namespace"
  done
}

test_namespace_left_out_is_shared_with_the_host () {
  cfg_ns_del network
  cfg_ns_del ipc
  out=$(inside sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/ipc')
  assert_eq "$(sed -n 1p <<< "$out")" "$(readlink /proc/self/ns/net)" "net namespace"
  assert_eq "$(echo "$out" | tail -n 1)" "$(readlink /proc/self/ns/ipc)" "ipc namespace"
}

test_network_namespace_has_only_loopback_and_it_is_up () {
  out=$(inside sh -c 'ls /sys/class/net; cat /sys/class/net/lo/flags')
  assert_eq "$(echo "$out" | head -n -1 | tr '\n' ' ')" "lo " "interfaces"
  flags=$(echo "$out" | tail -n 1)
  [ $((flags & 1)) = 1 ] || fail "lo is down (flags $flags)"
}

test_cgroup_namespace_hides_the_host_path () {
  cfg_ns_add cgroup
  out=$(inside cat /proc/self/cgroup)
  echo "$out" | while IFS=: read -r _ _ path; do
    [ "$path" = / ] || fail "cgroup path inside is $path, not /: $out"
  done
}

test_user_namespace_applies_uid_and_gid_mappings () {
  cfg_ns_add user
  cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
     | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
  out=$(inside sh -c 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; id -u; sleep 0 & echo $!')
  uid_map=$(echo "$out" | awk 'BEGIN { RS = "--\n" } NR == 1' | tr -s ' ' | sed 's/^ //')
  gid_map=$(echo "$out" | awk 'BEGIN { RS = "--\n" } NR == 2' | tr -s ' ' | sed 's/^ //')
  assert_eq "$uid_map" "0 100000 65536" "uid_map"
  assert_eq "$gid_map" "0 200000 65536" "gid_map"
  assert_eq "$(echo "$out" | awk 'BEGIN { RS = "--\n" } NR == 3' | head -n 1)" 0 "uid inside"
}

test_user_namespace_process_runs_as_mapped_host_uid () {
  cfg_ns_add user
  cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
     | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  cfg_args sleep 1000
  start_detached "$CID"
  pid=$(pid_of "$CID")
  assert_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 100000 "host uid of the container process"
  assert_eq "$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")" 100000 "host gid of the container process"
  assert_ne "$(readlink "/proc/$pid/ns/user")" "$(readlink /proc/self/ns/user)" "user namespace"
  capture rt delete -f "$CID"
  assert_status 0
}

test_time_namespace_offsets_boottime_and_monotonic () {
  runc_differs "runc 1.1 has no time namespace support"
  cfg_ns_add time
  cfg '.linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0}, "monotonic": {"secs": 432000, "nanosecs": 0}}'
  host_up=$(cut -d' ' -f1 /proc/uptime)
  out=$(inside sh -c 'cut -d" " -f1 /proc/uptime; readlink /proc/self/ns/time')
  inner_up=$(sed -n 1p <<< "$out")
  # boottime offset of 10 days: the uptime inside is 864000 s ahead (+ a few s)
  awk -v h="$host_up" -v i="$inner_up" 'BEGIN { d = i - h; exit !(d >= 864000 && d < 864060) }' ||
    fail "uptime inside $inner_up vs host $host_up: offset not 864000"
  assert_ne "$(echo "$out" | tail -n 1)" "$(readlink /proc/self/ns/time)" "time namespace"
}

test_join_uts_and_network_namespaces_by_path () {
  cfg '.hostname = "alpha"'
  cfg_args sleep 1000
  start_detached "$CID-a"
  pid=$(pid_of "$CID-a")
  make_bundle "$T/b2"
  cfg -b "$T/b2" 'del(.hostname) | .linux.namespaces = [.linux.namespaces[] | select(.type != "uts" and .type != "network")]
        + [{"type": "uts", "path": $uts}, {"type": "network", "path": $net}]' \
    --arg uts "/proc/$pid/ns/uts" --arg net "/proc/$pid/ns/net"
  cfg_args -b "$T/b2" sh -c 'hostname; readlink /proc/self/ns/net'
  capture rt run -b "$T/b2" "$CID-b"
  assert_status 0
  assert_eq "$(sed -n 1p <<< "$stdout")" alpha "hostname in the joining container"
  assert_eq "$(echo "$stdout" | tail -n 1)" "$(readlink "/proc/$pid/ns/net")" "network namespace"
  capture rt delete -f "$CID-a"
  assert_status 0
}

test_join_namespace_with_bad_path_fails () {
  cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] + [{"type": "network", "path": $p}]' \
    --arg p "$T/no-such-ns"
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$output" "$T/no-such-ns" "error message"
}

run_tests "$@"
