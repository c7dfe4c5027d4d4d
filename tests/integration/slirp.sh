#!/bin/bash
# slirp: user-mode networking through helpers/runcgo-slirp, as an
# unprivileged user (the suite's own users, tests/lib/rootless.sh) and as
# root: a page served by busybox httpd in the container through a TCP
# forward, a UDP forward, the container reaching a server on the host's
# loopback through the gateway 10.0.2.2 (only when allowed), create + start,
# every early error (busy port, bad publish spec, no network namespace,
# /dev/net/tun not usable), and clean-up after delete, after kill -9 of the
# init and after kill -9 of the helper.
#
# Traffic stays on 127.0.0.0/8 and inside the container's namespace: every
# forward binds 127.0.0.1 and the only server the container reaches is ours.
. "$(dirname "$0")/../lib/common.sh"

runc_only_skip () {
  if is_runc; then
    echo "1..0 # SKIP runc has no slirp networking"
    exit 0
  fi
}
runc_only_skip
for h in ${RUNCGO_SLIRP_HELPER:-} ${TOP_BUILDDIR:+"$TOP_BUILDDIR/helpers/runcgo-slirp"}; do
  if [ -x "$h" ]; then RUNCGO_SLIRP_HELPER=$h; break; fi
done
if [ ! -x "${RUNCGO_SLIRP_HELPER:-}" ]; then
  echo "1..0 # SKIP runcgo-slirp was not built (configure found no libslirp)"
  exit 0
fi
export RUNCGO_SLIRP_HELPER
if ! command -v curl > /dev/null; then
  echo "1..0 # SKIP curl is missing"
  exit 0
fi
if [ ! -c /dev/net/tun ]; then
  echo "1..0 # SKIP no /dev/net/tun on this host"
  exit 0
fi
# /dev/net/tun (0600 on some hosts) is opened for the test user through a
# private 0666 node bind-mounted over it for the user's commands only:
# chmod of the shared node would race with other suites doing the same.
# Only where the suite's directory does not allow devices (nodev) is the
# host's node itself opened up, as rootless.sh does, and restored after.
TUN_NODE=$SUITE_TMP/tun
mknod -m 0666 "$TUN_NODE" c 10 200
if ( exec 3<> "$TUN_NODE" ) 2> /dev/null; then
  RL_OPEN_DEVICES=
else
  TUN_NODE=
  RL_OPEN_DEVICES=/dev/net/tun
fi
. "$(dirname "$0")/../lib/rootless.sh"

# urt ARGS...: the runtime as $RU (as in rootless.sh) seeing $TUN_NODE as
# /dev/net/tun; TUN_MODE=0600 makes the node unusable for one command.
urt () {
  local node=$TUN_NODE
  if [ -n "${TUN_MODE:-}" ]; then
    node=$T/tun.$TUN_MODE
    [ -e "$node" ] || mknod -m "$TUN_MODE" "$node" c 10 200
  fi
  if [ -z "$node" ]; then
    as_user "$RU" timeout -k 5 "${RT_TIMEOUT:-60}" "$RUNCGO" --root "$ROOT" "$@"
  else
    as_user_with_mounts "mount --bind $node /dev/net/tun" "$RU" timeout -k 5 "${RT_TIMEOUT:-60}" "$RUNCGO" \
      --root "$ROOT" "$@"
  fi
}

# ------------------------------------------------------------------ helpers

# free_port [tcp|udp]: a port of 127.0.0.1 nobody uses right now.
free_port () {
  python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "${1:-tcp}"
}

# fetch PORT: the page at http://127.0.0.1:PORT/ (fails when there is none).
fetch () { curl -sf --noproxy '*' -m 5 "http://127.0.0.1:$1/" 2> /dev/null; }
page_is () { [ "$(fetch "$1")" = "$2" ]; }

# cfg_httpd TEXT: the container serves TEXT on its port 80.
cfg_httpd () {
  cfg_args sh -c 'mkdir -p /www && echo "$0" > /www/index.html && exec httpd -f -p 80 -h /www' "$1"
}

# udp_roundtrip PORT TEXT: send TEXT to 127.0.0.1:PORT/udp until the same
# bytes come back (the first datagrams may arrive before the server binds).
udp_roundtrip () {
  timeout 15 python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
for _ in range(50):
    s.sendto(sys.argv[2].encode(), ("127.0.0.1", int(sys.argv[1])))
    try:
        if s.recv(100).decode() == sys.argv[2]: sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)' "$1" "$2"
}

# cfg_udp_echo [OWNER]: put tests/tools/udp_echo into the rootfs as /bin/udp_echo.
cfg_udp_echo () {
  cp "$(tool udp_echo)" "$BUNDLE/rootfs/bin/udp_echo"
  [ -z "${1:-}" ] || chown "$1:$1" "$BUNDLE/rootfs/bin/udp_echo"
}

# helper_pid ID: the helper's pid from the state dir ("" when none).
helper_pid () { cut -d' ' -f1 "$ROOT/$1/slirp.pid" 2> /dev/null || true; }
alive () { [ -n "$1" ] && kill -0 "$1" 2> /dev/null && [ "$(ps -o stat= -p "$1" | cut -c1)" != Z ]; }
gone () { ! alive "$1"; }

# host_server PORT DIR: busybox httpd on 127.0.0.1:PORT serving DIR, in the
# foreground of a background job ($HOST_SERVER), stopped by the test.
host_server () {
  busybox httpd -f -p "127.0.0.1:$1" -h "$2" &
  HOST_SERVER=$!
  wait_until "the host's server on port $1" page_is "$1" "$(cat "$2/index.html")"
}

# rootless bundle with a network namespace
rl_net_prepare () {
  rl_prepare "$RL_USER"
  cfg_ns_add network
}

# ------------------------------------------------------------------ rootless

test_rootless_publish_serves_a_page_from_the_container () {
  rl_net_prepare
  cfg_httpd hello-from-rootless
  local port
  port=$(free_port)
  capture urt run -d -b "$BUNDLE" --net slirp -p "127.0.0.1:$port:80" "$CID"
  assert_status 0
  wait_until "the page through the forward" page_is "$port" hello-from-rootless
  local h
  h=$(helper_pid "$CID")
  alive "$h" || fail "no helper process recorded ($h)"
  assert_eq "$(ps -o user= -p "$h")" "$RL_USER" "owner of the helper"
  assert_eq "$(urt state "$CID" | jq -r '.annotations["run.oci.runcgo.slirp.status"]')" running "state annotation"
  capture urt delete -f "$CID"
  assert_status 0
  wait_until "the helper to exit" gone "$h"
  fetch "$port" && fail "the forward still answers after delete"
  wait_until "no process of $RU" no_user_process
}

test_rootless_container_reaches_the_hosts_loopback_through_the_gateway () {
  rl_net_prepare
  local port
  port=$(free_port)
  mkdir -p "$T/www"
  echo host-side-page > "$T/www/index.html"
  host_server "$port" "$T/www"
  cfg '.annotations["run.oci.runcgo.network"] = "slirp"
       | .annotations["run.oci.runcgo.slirp.allow-host-loopback"] = "true"'
  out=$(uinside wget -q -O - "http://10.0.2.2:$port/")
  assert_eq "$out" host-side-page "page fetched by the container"
  # the default keeps the host's loopback out of reach
  cfg 'del(.annotations["run.oci.runcgo.slirp.allow-host-loopback"])'
  cfg_args wget -q -O - "http://10.0.2.2:$port/"
  capture urt run -b "$BUNDLE" "$CID-deny"
  assert_ne "$status" 0 "wget of the host's loopback without allow-host-loopback"
  kill "$HOST_SERVER"
  wait "$HOST_SERVER" 2> /dev/null || true
}

# Replies to a client on the host's loopback come back to the gateway
# address, which libslirp maps to 127.0.0.1 only with allow-host-loopback.
test_rootless_udp_forward_delivers_datagrams () {
  rl_net_prepare
  cfg_udp_echo "$RU"
  cfg_args udp_echo 53
  cfg '.annotations["run.oci.runcgo.slirp.allow-host-loopback"] = "true"'
  local port
  port=$(free_port udp)
  capture urt run -d -b "$BUNDLE" --net slirp -p "127.0.0.1:$port:53/udp" "$CID"
  assert_status 0
  udp_roundtrip "$port" udp-hello || fail "no UDP answer from the container through 127.0.0.1:$port"
  capture urt delete -f "$CID"
  assert_status 0
  wait_until "no process of $RU" no_user_process
}

test_rootless_tun_without_permission_names_the_fix () {
  rl_net_prepare
  TUN_MODE=0600 capture urt run -b "$BUNDLE" --net slirp "$CID"
  assert_status 1
  assert_match "$output" "/dev/net/tun: Permission denied.*chmod 0666 /dev/net/tun"
  [ -z "$(ls -A "$ROOT")" ] || fail "state left behind: $(ls -A "$ROOT")"
}

# ------------------------------------------------------------------ root

test_root_create_start_with_annotations_serves_tcp_and_udp () {
  local port uport
  port=$(free_port)
  uport=$(free_port udp)
  cfg_udp_echo
  cfg_args sh -c 'udp_echo 9999 & mkdir -p /www && echo root-page > /www/index.html && exec httpd -f -p 80 -h /www'
  cfg '.annotations["run.oci.runcgo.network"] = "slirp"
       | .annotations["run.oci.runcgo.slirp.allow-host-loopback"] = "true"
       | .annotations["run.oci.runcgo.publish"] = $p' --arg p "127.0.0.1:$port:80, 127.0.0.1:$uport:9999/udp"
  start_detached "$CID"
  wait_until "the page through the forward" page_is "$port" root-page
  udp_roundtrip "$uport" root-udp || fail "no UDP answer from the container through 127.0.0.1:$uport"
  local h
  h=$(helper_pid "$CID")
  capture rt delete -f "$CID"
  assert_status 0
  wait_until "the helper to exit" gone "$h"
  ip link show tap0 > /dev/null 2>&1 && fail "a tap0 appeared on the host"
  return 0
}

test_root_run_foreground_has_the_network_before_the_process_starts () {
  cfg_args sh -c 'ip -4 addr show tap0 | grep -o "inet [0-9./]*"; ip route | grep default; cat /sys/class/net/tap0/mtu'
  cfg '.annotations["run.oci.runcgo.slirp.mtu"] = "1500"'
  out=$(inside_net)
  assert_match "$out" "inet 10.0.2.100/24"
  assert_match "$out" "default via 10.0.2.2 dev tap0"
  assert_match "$out" "^1500$"
}

# inside_net: `inside` for a --net slirp run with the args already set.
inside_net () {
  local o=$T/.net.out e=$T/.net.err st=0
  rt run -b "$BUNDLE" --net slirp "$CID-run" > "$o" 2> "$e" < /dev/null || st=$?
  if [ "$st" != 0 ]; then
    sed 's/^/  | /' "$o" "$e" >&2
    fail "container exited with $st"
  fi
  cat "$o"
}

# ------------------------------------------------------------------ errors

test_busy_port_fails_before_the_container_starts () {
  local port
  port=$(free_port)
  mkdir -p "$T/www"
  echo busy > "$T/www/index.html"
  host_server "$port" "$T/www"
  cfg_args touch /created
  capture rt run -b "$BUNDLE" --net slirp -p "127.0.0.1:$port:80" "$CID"
  kill "$HOST_SERVER"
  wait "$HOST_SERVER" 2> /dev/null || true
  assert_status 1
  assert_match "$output" "publish 127.0.0.1:$port/tcp: bind: Address already in use.*publish another host port"
  [ ! -e "$BUNDLE/rootfs/created" ] || fail "the container's process ran"
  [ -z "$(ls -A "$ROOT" 2> /dev/null)" ] || fail "state left behind"
}

test_bad_publish_specs_are_refused_naming_the_flag_or_annotation () {
  expect_error '--publish: invalid publish spec "80".*HOSTPORT:CONTAINERPORT' rt run -b "$BUNDLE" --net slirp -p 80 "$CID"
  expect_error '--publish: invalid publish spec "8080:80/sctp": the protocol must be tcp or udp' \
    rt run -b "$BUNDLE" --net slirp -p 8080:80/sctp "$CID"
  expect_error 'host port 8080/tcp is published twice' \
    rt run -b "$BUNDLE" --net slirp -p 127.0.0.1:8080:80 -p 8080:81 "$CID"
  expect_error '--publish needs a slirp network' rt run -b "$BUNDLE" -p 8080:80 "$CID"
  cfg '.annotations["run.oci.runcgo.network"] = "slirp" | .annotations["run.oci.runcgo.publish"] = "1.2.3.4.5:80:80"'
  expect_error 'annotation run.oci.runcgo.publish: invalid publish spec "1.2.3.4.5:80:80"' rt run -b "$BUNDLE" "$CID"
  cfg '.annotations["run.oci.runcgo.publish"] = "8080:80" | .annotations["run.oci.runcgo.slirp.cidr"] = "10.0.2.1/24"'
  expect_error 'annotation run.oci.runcgo.slirp.cidr: "10.0.2.1/24" has host bits set' rt run -b "$BUNDLE" "$CID"
  [ -z "$(ls -A "$ROOT" 2> /dev/null)" ] || fail "state left behind"
}

test_slirp_without_a_new_network_namespace_is_refused () {
  cfg_ns_del network
  expect_error 'slirp networking needs a new network namespace, and the config has none' \
    rt run -b "$BUNDLE" --net slirp "$CID"
  cfg_ns_add network
  cfg '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = "/proc/1/ns/net" else . end]'
  expect_error 'joins an existing one' rt run -b "$BUNDLE" --net slirp "$CID"
}

# ------------------------------------------------------------------ clean-up

test_helper_exits_when_the_init_is_killed () {
  cfg_args sleep 1000
  start_detached "$CID" --net slirp
  local h init
  h=$(helper_pid "$CID")
  alive "$h" || fail "no helper"
  init=$(pid_of "$CID")
  kill -KILL "$init"
  wait_until "the helper to exit after the init" gone "$h"
  wait_status "$CID" stopped
  capture rt delete "$CID"
  assert_status 0
  assert_no_match "$output" "network helper" "delete of a container whose helper exited with it"
}

test_killed_helper_is_reported_by_state_events_start_and_delete () {
  cfg_args sleep 1000
  capture rt create -b "$BUNDLE" --net slirp "$CID"
  assert_status 0
  local h
  h=$(helper_pid "$CID")
  kill -KILL "$h"
  wait_until "the helper to die" gone "$h"
  capture rt state "$CID"
  assert_status 0
  assert_eq "$(jq -r '.annotations["run.oci.runcgo.slirp.status"]' <<< "$stdout")" exited "state annotation"
  assert_match "$stderr" "network helper runcgo-slirp \\(pid $h\\) has exited"
  # events runs until the init exits: cut it after its first lines
  capture timeout 3 "$RUNCGO" --root "$ROOT" events --interval 1s "$CID"
  assert_match "$stdout" "^\\{\"type\":\"network\",\"id\":\"$CID\",\"data\":\\{\"helper\":\"runcgo-slirp\",\"pid\":$h,\"status\":\"exited\"\\}\\}" \
    "the events stream"
  expect_error "cannot start container \"$CID\": its network helper runcgo-slirp \\(pid $h\\) has exited" \
    rt start "$CID"
  capture rt delete -f "$CID"
  assert_status 0
  assert_match "$stderr" "network helper runcgo-slirp \\(pid $h\\) had exited"
}

test_rootless_nothing_left_after_delete_and_kills () {
  rl_net_prepare
  cfg_args sleep 1000
  capture urt run -d -b "$BUNDLE" --net slirp "$CID-a"
  assert_status 0
  capture urt run -d -b "$BUNDLE" --net slirp "$CID-b"
  assert_status 0
  local ha hb
  ha=$(helper_pid "$CID-a")
  hb=$(helper_pid "$CID-b")
  kill -KILL "$(urt state "$CID-a" | jq -r .pid)"
  kill -KILL "$hb"
  wait_until "the helper of the killed init to exit" gone "$ha"
  capture urt delete "$CID-a"
  assert_status 0
  capture urt delete -f "$CID-b"
  assert_status 0
  wait_until "no process of $RU" no_user_process
  [ -z "$(ls -A "$ROOT")" ] || fail "state left behind: $(ls -A "$ROOT")"
}

run_tests "$@"
