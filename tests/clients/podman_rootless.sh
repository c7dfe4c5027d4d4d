#!/bin/bash
# Podman rootless (through conmon) with the runtime under test as --runtime:
# the Podman scenarios of issue 5.  The suite (as root) makes an unprivileged
# user if it is missing, with /etc/subuid and /etc/subgid ranges (kept for the
# next run: the set-up is idempotent), and an XDG_RUNTIME_DIR in the suite's
# private /run; `pm` is then that user's podman (tests/clients/lib.sh), with
# its own containers.conf and storage.conf (CLIENT_STORAGE_DRIVER, default
# overlay: rootless native overlayfs), cgroupfs and file events.
# By hand: sudo [RUNTIME=runc|crun|PATH] tests/clients/podman_rootless.sh [REGEX]
. "$(dirname "$0")/lib.sh"

client_requires podman conmon newuidmap newgidmap setpriv useradd

PODMAN_USER=${CLIENT_ROOTLESS_USER:-runcgo-podman}
SUBID_COUNT=65536

# A start for a new range above every range in use.
free_subid_start () {
  local end
  end=$(cat /etc/subuid /etc/subgid 2> /dev/null | awk -F: 'NF == 3 { e = $2 + $3; if (e > m) m = e } END { print m + 0 }')
  [ "$end" -lt 200000 ] && end=200000
  echo $(((end + 65535) / 65536 * 65536 + 65536))
}

# The user, its ranges (only when it has none) and its runtime dir.
rootless_user_setup () {
  local uid start f
  if ! id "$PODMAN_USER" > /dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      "$PODMAN_USER" || return 1
  fi
  uid=$(id -u "$PODMAN_USER")
  start=$(free_subid_start)
  for f in /etc/subuid /etc/subgid; do
    touch "$f"
    grep -qE "^($PODMAN_USER|$uid):[0-9]+:[0-9]+$" "$f" || echo "$PODMAN_USER:$start:$SUBID_COUNT" >> "$f"
  done
  PODMAN_XDG=/run/user/$uid # the suite's own /run (a tmpfs)
  install -d -m 0700 -o "$PODMAN_USER" -g "$PODMAN_USER" "$PODMAN_XDG"
  SUBUID_START=$(awk -F: -v u="$PODMAN_USER" -v i="$uid" '$1 == u || $1 == i { print $2; exit }' /etc/subuid)
  PODMAN_UID=$uid
  PODMAN_GID=$(id -g "$PODMAN_USER")
}
# under the lock every suite takes to edit /etc/subuid (tests/lib/rootless.sh)
{ flock 9 && rootless_user_setup; } 9> /run/runcgo-test-subid.lock > "$CLIENT_TMP/user-setup.log" 2>&1 ||
  bail "cannot prepare the user $PODMAN_USER: $(cat "$CLIENT_TMP/user-setup.log")"
export PODMAN_USER PODMAN_XDG
# rootless podman wants / shared (propagation into its own mount namespace);
# the suite's mount namespace is private to it, so this reaches no other
mount --make-rshared / || bail "mount --make-rshared / in the suite's mount namespace failed"
podman_setup
echo "# rootless as $PODMAN_USER (uid $PODMAN_UID, subordinate IDs from $SUBUID_START)"
IMG=$PODMAN_IMAGE

# user_dir NAME: a directory of the test owned by the user (for volumes).
user_dir () {
  mkdir -p "$T/$1"
  chown "$PODMAN_USER:" "$T/$1"
  echo "$T/$1"
}

test_run_rm_echo_hi () {
  ok_run pm run --rm "$IMG" echo hi
  assert_eq "$stdout" hi
  capture pm run --rm "$IMG" sh -c 'exit 7'
  assert_status 7
}

# The container's root is the user; the rest of its IDs are the user's
# subordinate range, seen from inside and on the host.
test_id_maps_and_host_owner () {
  ok_run pm run --rm "$IMG" sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map'
  local maps
  maps=$(sed 1d <<< "$stdout" | awk '{ print $1, $2, $3 }')
  assert_eq "$(sed -n 1p <<< "$stdout")" 0 "uid inside"
  assert_eq "$maps" "0 $PODMAN_UID 1
1 $SUBUID_START $SUBID_COUNT
0 $PODMAN_GID 1
1 $SUBUID_START $SUBID_COUNT" "uid_map and gid_map"
  ok_run pm run -d --name "o$TEST_COUNT" "$IMG" sleep 1000
  ok_run pm inspect -f '{{.State.Pid}}' "o$TEST_COUNT"
  assert_eq "$(stat -c %u "/proc/$stdout")" "$PODMAN_UID" "host owner of the container's PID 1"
}

# --userns keep-id: a user namespace of the container's own inside Podman's,
# with the user's own ID kept: the runtime, root of Podman's namespace,
# writes the nested maps itself.
test_userns_keep_id () {
  ok_run pm run --rm --userns keep-id "$IMG" sh -c 'id -u; awk "{ print \$1, \$2, \$3 }" /proc/self/uid_map'
  assert_eq "$(sed -n 1p <<< "$stdout")" "$PODMAN_UID" "uid inside"
  # (seen from inside, the map is relative to Podman's namespace, whose 0 is the user)
  assert_match "$stdout" "^$PODMAN_UID 0 1\$" "uid_map: the user's own ID onto Podman's root"
}

test_detached_exec_stop_rm () {
  ok_run pm run -d --name "d$TEST_COUNT" "$IMG" sleep 1000
  # the runtime keeps its state in the user's XDG_RUNTIME_DIR, as runc and crun do
  ok_run pm inspect -f '{{.Id}}' "d$TEST_COUNT"
  local id=$stdout
  [ -d "$PODMAN_XDG/$RUNTIME_NAME/$id" ] || fail "no state of the container in $PODMAN_XDG/$RUNTIME_NAME"
  exec_stop_rm "d$TEST_COUNT"
  assert_eq "$(ps -u "$PODMAN_USER" -o comm= | grep -c '^sleep$' || true)" 0 "sleep processes of the user after rm"
  [ ! -e "$PODMAN_XDG/$RUNTIME_NAME/$id" ] || fail "the runtime's state of the container is left after rm"
}

# No mknod in a user namespace: the device nodes are the host's, bound.
test_device_nodes_work () {
  ok_run pm run --rm "$IMG" sh -c 'echo x > /dev/null && head -c 8 /dev/zero | wc -c && head -c 8 /dev/urandom | wc -c
                                   ls -l /dev/null | cut -c1'
  assert_eq "$stdout" "8
8
c" "writes to /dev/null, reads of /dev/zero and /dev/urandom, the type of /dev/null"
}

test_kill_9_exit_status () {
  ok_run pm run -d --name "k$TEST_COUNT" "$IMG" sleep 1000
  ok_run pm kill -s KILL "k$TEST_COUNT"
  ok_run pm wait "k$TEST_COUNT"
  assert_eq "$stdout" 137 "exit code after SIGKILL"
}

test_interactive_tty_in_tmux () {
  tmux_start "pm run -it --rm --name i$TEST_COUNT $IMG sh"
  tmux_check_shell '30 100'
  tmux_type 'exit 5'
  assert_eq "$(tmux_exit_status)" 5 "exit status of podman run -it"
}

test_user_1000 () {
  ok_run pm run --rm --user 1000:1000 "$IMG" sh -c 'echo "$(id -u) $(id -g)"; touch /tmp/f; stat -c %u /tmp/f'
  assert_eq "$stdout" "1000 1000
1000" "uid, gid and a file's owner"
}

test_volume_write_inside_read_on_host () {
  local vol
  vol=$(user_dir vol)
  ok_run pm run --rm -v "$vol:/data" "$IMG" sh -c 'echo written-inside > /data/file'
  assert_eq "$(cat "$vol/file")" written-inside "file on the host"
  assert_eq "$(stat -c %U "$vol/file")" "$PODMAN_USER" "host owner of a file made by the container's root"
  ok_run pm run --rm --user 1000:1000 -v "$vol:/data:ro" "$IMG" cat /data/file
  assert_eq "$stdout" written-inside "read through a read-only volume"
  capture pm run --rm -v "$vol:/data:ro" "$IMG" touch /data/other
  assert_failed
  assert_contains "$output" "Read-only file system"
}

test_network_none_has_only_lo () {
  ok_run pm run --rm --network none "$IMG" sh -c "ip -o link | awk -F': ' '{print \$2}'; readlink /proc/self/ns/net"
  assert_eq "$(sed -n 1p <<< "$stdout")" lo "interfaces"
  assert_eq "$(sed -n 3p <<< "$stdout")" "" "more interfaces"
  assert_ne "$(sed -n 2p <<< "$stdout")" "$(readlink /proc/self/ns/net)" "the container's network namespace"
  ok_run pm run --rm --network none "$IMG" ping -c 1 -W 2 127.0.0.1
}

test_read_only_root_and_cap_drop () {
  capture pm run --rm --read-only "$IMG" touch /file
  assert_failed
  assert_contains "$output" "Read-only file system"
  ok_run pm run --rm --cap-drop ALL "$IMG" grep CapEff /proc/self/status
  assert_match "$stdout" '^CapEff:[[:space:]]+0000000000000000$' "CapEff"
}

run_tests "$@"
