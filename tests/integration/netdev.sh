#!/bin/bash
# linux.netDevices (config-linux.md "Network Devices"): a host interface made
# by the test (a dummy device, or one end of a veth pair where the kernel
# lacks dummy) is moved into the container's network namespace, renamed,
# keeps its permanent global addresses, is up; the host no longer has it;
# errors name the device.  When the container's namespace dies the kernel
# destroys virtual devices (physical ones would return to the host: this
# machine has none to spare for a test).
. "$(dirname "$0")/../lib/common.sh"

# make_device: a new host interface $DEV (dummy, else veth with peer $PEER),
# removed when the test ends if it is still on the host.
make_device () {
  DEV=rcg$$t$TEST_COUNT
  PEER=${DEV}p
  trap 'ip link del "$DEV" 2> /dev/null || true; ip link del "$PEER" 2> /dev/null || true' EXIT
  if ip link add "$DEV" type dummy 2> /dev/null; then
    DEV_KIND=dummy
  else
    ip link add "$DEV" type veth peer name "$PEER"
    DEV_KIND=veth
  fi
}

host_has () { ip link show "$1" > /dev/null 2>&1; }
host_lacks () { ! host_has "$1"; }

# net_devices JSON: set linux.netDevices.
net_devices () {
  cfg '.linux.netDevices = $d' --argjson d "$1"
}

test_device_moves_in_renamed_with_its_addresses_and_up () {
  make_device
  ip addr add 10.99.7.1/24 dev "$DEV"
  ip addr add fd00:99::7/64 dev "$DEV" nodad
  # not kept (spec: only permanent addresses of global scope): a dynamic
  # one and a link-scope one
  ip addr add 10.99.8.1/24 dev "$DEV" valid_lft 600 preferred_lft 600
  ip addr add 169.254.9.9/16 dev "$DEV" scope link
  net_devices "{\"$DEV\": {\"name\": \"eth1\"}}"
  cfg_args sleep 300
  start_detached "$CID"
  host_lacks "$DEV" || fail "the host still has $DEV"
  capture rt exec "$CID" ip -o link show eth1
  assert_status 0
  assert_match "$stdout" '^[0-9]+: eth1[:@].*<[^>]*\bUP\b' "eth1 is up"
  capture rt exec "$CID" ip -o addr show dev eth1
  assert_contains "$stdout" "inet 10.99.7.1/24" "the permanent IPv4 address"
  assert_contains "$stdout" "inet6 fd00:99::7/64" "the permanent IPv6 address"
  assert_no_match "$stdout" "10\.99\.8\.1" "the dynamic address"
  assert_no_match "$stdout" "169\.254\.9\.9" "the link-scope address"
  capture rt exec "$CID" ls /sys/class/net
  assert_match "$stdout" '^eth1$' "/sys/class/net"
  assert_no_match "$stdout" "^$DEV\$" "/sys/class/net (the host name)"
  capture rt delete -f "$CID"
  assert_status 0
  # the namespace is gone: the kernel destroyed the virtual device (and a
  # veth's peer with it); nothing was moved back by the runtime
  wait_until "the $DEV_KIND device to be destroyed" host_lacks "$DEV"
  if [ "$DEV_KIND" = veth ]; then
    wait_until "the veth peer to be destroyed" host_lacks "$PEER"
  fi
}

test_device_keeps_its_host_name_without_name () {
  make_device
  net_devices "{\"$DEV\": {}}"
  out=$(inside ls /sys/class/net)
  assert_match "$out" "^$DEV\$" "/sys/class/net"
}

test_name_template_lets_the_kernel_choose () {
  make_device
  net_devices "{\"$DEV\": {\"name\": \"eth%d\"}}"
  out=$(inside ls /sys/class/net)
  assert_match "$out" '^eth0$' "/sys/class/net"
}

test_two_devices_move_together () {
  make_device
  SECOND=${DEV}b
  ip link add "$SECOND" type veth peer name "${SECOND}p"
  trap 'ip link del "$DEV" 2> /dev/null || true; ip link del "$PEER" 2> /dev/null || true; ip link del "$SECOND" 2> /dev/null || true' EXIT
  net_devices "{\"$DEV\": {\"name\": \"net0\"}, \"$SECOND\": {\"name\": \"net1\"}}"
  out=$(inside ls /sys/class/net)
  assert_match "$out" '^net0$' "first device"
  assert_match "$out" '^net1$' "second device"
}

test_missing_host_device_fails_before_anything () {
  net_devices '{"rcgnosuchdev0": {"name": "eth1"}}'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" 'linux.netDevices["rcgnosuchdev0"]: no such device on the host' error
  assert_eq "$(rt list -q)" "" "containers left"
}

test_name_taken_in_the_container_is_an_error () {
  make_device
  net_devices "{\"$DEV\": {\"name\": \"lo\"}}"
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "linux.netDevices[\"$DEV\"]: the container already has a device of that name" error
  assert_contains "$stderr" 'eth%d' hint
  # checked before the move: the device never left the host
  host_has "$DEV" || fail "$DEV is gone from the host"
}

test_net_devices_need_a_network_namespace () {
  make_device
  net_devices "{\"$DEV\": {}}"
  cfg_ns_del network
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "linux.netDevices: the container shares the runtime's network namespace" error
  host_has "$DEV" || fail "$DEV is gone from the host"
}

test_net_devices_are_not_moved_into_a_joined_namespace () {
  make_device
  net_devices "{\"$DEV\": {}}"
  cfg '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = "/proc/self/ns/net" else . end]'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "linux.netDevices: the network namespace is joined" error
  host_has "$DEV" || fail "$DEV is gone from the host"
}

test_rootless_net_devices_are_refused () {
  id rtest > /dev/null 2>&1 || skip "no user rtest"
  make_device
  net_devices "{\"$DEV\": {}}"
  cfg_ns_add user
  cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 1001, "size": 1}]
     | .linux.gidMappings = [{"containerID": 0, "hostID": 1001, "size": 1}] | del(.linux.cgroupsPath)'
  chmod 0644 "$BUNDLE/config.json"
  capture as_rtest "$RUNCGO" --root "$T/uroot" run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "linux.netDevices: moving host interfaces needs CAP_NET_ADMIN on the host" error
  host_has "$DEV" || fail "$DEV is gone from the host"
}

run_tests "$@"
