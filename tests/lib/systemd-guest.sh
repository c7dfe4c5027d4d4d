# systemd-guest.sh: the systemd managers of tests/integration/systemd.sh
# (sourced after common.sh).  Both are set up once per suite, before the
# tests run, and torn down when the suite ends:
#   - the guest: a bookworm rootfs (tests/lib/systemd-rootfs.sh, cached)
#     booting systemd as PID 1 in a runcgo container with a cgroup namespace
#     and rw cgroup mounts, this runcgo copied in;
#   - a `systemd --user` manager for the test user $SD_USER, in a private
#     mount namespace (so /run/systemd/system exists for it alone) and a
#     cgroup2 subtree it owns under the suite's cgroup parent.
# Tests call need_guest / need_user_manager: a manager that could not be had
# makes the test SKIP with the reason (mirror unreachable, no systemd
# binary, no cgroup2 mount) or fail with what went wrong.

RUNCGO_SYSTEMD_CACHE=${RUNCGO_SYSTEMD_CACHE:-/var/cache/runcgo-test}
SD_USER=${RUNCGO_SYSTEMD_USER:-runcgo-sdtest}
GUEST_DIR=$SUITE_TMP/guest
GUEST_ROOTFS=$GUEST_DIR/rootfs
GUEST_STATE=$GUEST_DIR/state
GUEST_PID=
GUEST_SKIP=
GUEST_FAIL=
USER_SKIP=
USER_FAIL=
USER_XDG=$SUITE_TMP/user-xdg
USER_MANAGER_PID=

# The sanitizer options (make check-asan) for the runtimes that systemd
# starts: systemd gives a unit its own clean environment, so systemd-run
# passes them with -E (a guest runtime without them would report to stderr
# and keep LeakSanitizer on, under which `exec` never returns: see
# doc/security.md), and the guest gets the directories of their log_path
# bind-mounted at the same place, so its reports land with the others.
# sanitizer_unit_env gives the same options to a unit file.
SANITIZER_SETENV=()
for e in "${SANITIZER_ENV[@]}"; do SANITIZER_SETENV+=(-E "$e"); done
sanitizer_unit_env () {
  local e
  for e in "${SANITIZER_ENV[@]}"; do echo "Environment=\"$e\""; done
}
sanitizer_log_dirs_json () {
  local e
  for e in "${SANITIZER_ENV[@]}"; do
    if [[ $e =~ log_path=([^:]+) ]]; then dirname "${BASH_REMATCH[1]}"; fi
  done | jq -R . | jq -sc 'unique'
}

# Did the caller select (RUNCGO_TESTS / argument) a test matching ERE?
suite_wants () {
  local filter=${1:-${RUNCGO_TESTS:-}} fn
  for fn in $(grep -oE '^test_[A-Za-z0-9_]+' "$0"); do
    [[ $fn =~ $2 ]] || continue
    if [ -z "$filter" ] || [[ $fn =~ $filter ]]; then return 0; fi
  done
  return 1
}

# The capabilities this runtime holds (its bounding set), as an OCI list:
# the guest's systemd needs everything a booted system has.
caps_json () {
  local names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
    NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE
    SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL
    SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)
  local bnd i out=
  bnd=$((16#$(awk '/^CapBnd/ { print $2 }' /proc/self/status)))
  for i in "${!names[@]}"; do
    if (((bnd >> i) & 1)); then out+="\"CAP_${names[$i]}\","; fi
  done
  echo "[${out%,}]"
}

# ------------------------------------------------------------------ the guest

guest_tarball () {
  local h
  h=$(sha256sum "$TESTS_LIB/systemd-rootfs.sh" | cut -c1-12)
  echo "$RUNCGO_SYSTEMD_CACHE/bookworm-systemd-$h.tar.gz"
}

guest_config () {
  jq --argjson caps "$(caps_json)" --arg root "$GUEST_ROOTFS" --arg cg "/$CGROUP_PARENT/guest" \
    --argjson san "$(sanitizer_log_dirs_json)" '
    .root = {path: $root, readonly: false}
    | .process.terminal = false
    | .process.args = ["/lib/systemd/systemd"]
    | .process.env += ["container=runcgo"]
    | .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}
    | .hostname = "runcgo-guest"
    | .linux.namespaces += [{type: "cgroup"}]
    | .linux.cgroupsPath = $cg
    | .mounts |= map(if .type == "cgroup" then .options -= ["ro"] else . end)
    | .mounts += [{destination: "/run", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=755"]},
                  {destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev"]}]
    | .mounts += [$san[] | {destination: ., type: "bind", source: ., options: ["rbind"]}]
  ' "$SUITE_TMP/spec/config.json" > "$GUEST_DIR/config.json"
}

# Boot the guest and wait for `systemctl is-system-running` to settle.
guest_boot () {
  local tarball rc=0 i state=
  tarball=$(guest_tarball)
  "$TESTS_LIB/systemd-rootfs.sh" "$tarball" > "$SUITE_TMP/systemd-rootfs.log" 2>&1 || rc=$?
  if [ "$rc" = 3 ]; then
    GUEST_SKIP="no guest rootfs: $(tail -n 1 "$SUITE_TMP/systemd-rootfs.log")"
    return 0
  elif [ "$rc" != 0 ]; then
    GUEST_FAIL="systemd-rootfs.sh failed: $(tail -n 5 "$SUITE_TMP/systemd-rootfs.log" | tr '\n' ' ')"
    return 0
  fi
  mkdir -p "$GUEST_ROOTFS" "$GUEST_STATE"
  tar -C "$GUEST_ROOTFS" -xzf "$tarball"
  install -m 0755 "$RUNCGO" "$GUEST_ROOTFS/usr/local/bin/runcgo"
  mkdir -p "$GUEST_ROOTFS/var/lib/runcgo-test"
  guest_config
  if ! (cd "$GUEST_DIR" && "$RUNCGO" --root "$GUEST_STATE" run -d guest > "$GUEST_DIR/boot.log" 2>&1 < /dev/null); then
    GUEST_FAIL="runcgo could not start the guest: $(cat "$GUEST_DIR/boot.log")"
    return 0
  fi
  GUEST_PID=$("$RUNCGO" --root "$GUEST_STATE" state guest | jq -r .pid)
  for ((i = 0; i < 300; i++)); do
    state=$(nsenter -t "$GUEST_PID" -a systemctl is-system-running 2> /dev/null || true)
    case $state in running | degraded) break ;; esac
    sleep 0.1
  done
  case $state in
    running | degraded) echo "# guest: systemd is $state after $((i / 10)).$((i % 10)) s" ;;
    *) GUEST_FAIL="the guest's systemd did not come up (is-system-running: '$state'): $(
      nsenter -t "$GUEST_PID" -a journalctl -b -p warning --no-pager 2> /dev/null | tail -n 5 | tr '\n' ' ')" ;;
  esac
}

guest_halt () {
  [ -n "$GUEST_PID" ] || return 0
  timeout -k 2 20 "$RUNCGO" --root "$GUEST_STATE" delete -f guest > /dev/null 2>&1 || true
  # the guest's processes leave its cgroups a moment after its PID 1 died:
  # let them go before suite_finish removes the tree
  local i
  for ((i = 0; i < 50; i++)); do
    [ -z "$(find /sys/fs/cgroup/ -path "*/$CGROUP_PARENT/guest/*" -name cgroup.procs -exec cat {} + 2> /dev/null)" ] &&
      break
    sleep 0.1
  done
}

need_guest () {
  [ -z "$GUEST_SKIP" ] || skip "$GUEST_SKIP"
  [ -z "$GUEST_FAIL" ] || fail "$GUEST_FAIL"
  return 0
}

# g CMD...: run CMD in the guest (every namespace of its PID 1).
g () {
  nsenter -t "$GUEST_PID" -a "$@"
}

# gr ARGS...: the guest's runcgo, started as a transient service of the
# guest's systemd (so it runs inside the guest's cgroup tree, as under an
# engine), in the bundle of this test.
gr () {
  g systemd-run --quiet --wait --pipe --collect -p WorkingDirectory="/var/lib/runcgo-test/$CID" \
    "${SANITIZER_SETENV[@]}" -- /usr/local/bin/runcgo "$@"
}

# guest_bundle [JQ-ARGS...] FILTER: /var/lib/runcgo-test/$CID in the guest,
# a busybox rootfs and the suite's config edited by FILTER ($cid is $CID).
guest_bundle () {
  local dir=$GUEST_ROOTFS/var/lib/runcgo-test/$CID filter=${*: -1}
  mkdir -p "$dir"
  cp -a "$BASE_ROOTFS" "$dir/rootfs"
  jq --arg cid "$CID" "${@:1:$#-1}" '.root.path = "rootfs" | '"$filter" "$BASE_CONFIG" > "$dir/config.json"
  # a failed test must not leave containers in the guest for the next one
  trap guest_cleanup EXIT
}

guest_cleanup () {
  local id
  for id in $(gr list -q 2> /dev/null | grep -- "^$CID"); do
    gr delete -f "$id" > /dev/null 2>&1 || true
  done
  rm -rf "$GUEST_ROOTFS/var/lib/runcgo-test/$CID"
}

guest_procs_are () {
  [ "$(g cat "$2/cgroup.procs" 2> /dev/null | wc -l)" = "$1" ]
}

# No container, unit or cgroup of this test left in the guest.
assert_guest_clean () {
  local left
  left=$(gr list -q | grep -- "^$CID" || true)
  [ -z "$left" ] || fail "containers left in the guest: $left"
  left=$(g systemctl list-units --all --plain --no-legend "runcgo-$CID*" 2> /dev/null || true)
  [ -z "$left" ] || fail "units left in the guest: $left"
  left=$(g sh -c "ls -d /sys/fs/cgroup/*/system.slice/runcgo-$CID* 2> /dev/null" || true)
  [ -z "$left" ] || fail "cgroups left in the guest: $left"
}

# ------------------------------------------------------------------ the user manager

# The cgroup2 mount where the user's subtree goes: /sys/fs/cgroup on v2,
# the hybrid "unified" mount otherwise.
user_cgroup_mount () {
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    echo /sys/fs/cgroup
  elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2> /dev/null)" = cgroup2fs ]; then
    echo /sys/fs/cgroup/unified
  fi
}

as_user () {
  setpriv --reuid "$SD_UID" --regid "$SD_GID" --clear-groups env -i HOME="$SUITE_TMP/user-home" \
    XDG_RUNTIME_DIR="$USER_XDG" USER="$SD_USER" PATH=/usr/sbin:/usr/bin:/sbin:/bin "${SANITIZER_ENV[@]}" "$@"
}

# as_user_in_session CMD...: CMD as a transient service of the user manager,
# so it runs inside the user's cgroup subtree, in this test's bundle.
as_user_in_session () {
  as_user systemd-run --user --quiet --wait --pipe --collect -p WorkingDirectory="$T/ubundle" \
    "${SANITIZER_SETENV[@]}" -- "$@"
}

# user_bundle FILTER: $T/ubundle, a rootless config (`spec --rootless`) and
# a busybox rootfs, owned by the user.
user_bundle () {
  mkdir -p "$T/ubundle"
  cp -a "$BASE_ROOTFS" "$T/ubundle/rootfs"
  chown -R "$SD_UID:$SD_GID" "$T/ubundle"
  # as the user: the config maps the caller's own IDs
  as_user "$RUNCGO" spec --rootless -b "$T/ubundle"
  jq --arg cid "$CID" '.process.terminal = false | .root.path = "rootfs" | .root.readonly = false | '"$1" \
    "$T/ubundle/config.json" > "$T/ubundle/c" && mv "$T/ubundle/c" "$T/ubundle/config.json"
}

user_manager_start () {
  local mnt i
  mnt=$(user_cgroup_mount)
  if [ -z "$mnt" ]; then
    USER_SKIP="no cgroup2 mount to delegate to the user"
    return 0
  fi
  for i in /lib/systemd/systemd setpriv unshare systemd-run; do
    if ! command -v "$i" > /dev/null; then
      USER_SKIP="$i is not installed"
      return 0
    fi
  done
  if ! id "$SD_USER" > /dev/null 2>&1 &&
    ! useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SD_USER"; then
    USER_FAIL="cannot create the test user $SD_USER"
    return 0
  fi
  SD_UID=$(id -u "$SD_USER")
  SD_GID=$(id -g "$SD_USER")
  USER_CGROUP_MNT=$mnt
  USER_CGROUP_REL=/$CGROUP_PARENT/user-manager
  local cg=$mnt$USER_CGROUP_REL
  mkdir -p "$cg" "$USER_XDG" "$SUITE_TMP/user-home"
  # delegation: the directory and the files that move processes and enable controllers
  chown "$SD_UID:$SD_GID" "$cg" "$cg/cgroup.procs" "$cg/cgroup.subtree_control" "$cg/cgroup.threads" \
    "$USER_XDG" "$SUITE_TMP/user-home"
  chmod 0700 "$USER_XDG"
  # /run/systemd/system (sd_booted) for the manager alone: a private mount namespace
  local over=/run/systemd
  [ -d "$over" ] || over=/run
  unshare -m --propagation private bash -c '
    mount -t tmpfs tmpfs "$1" && mkdir -p /run/systemd/system && echo $$ > "$2/cgroup.procs" || exit 1
    exec setpriv --reuid "$3" --regid "$4" --clear-groups env -i HOME="$5" XDG_RUNTIME_DIR="$6" USER="$7" \
      PATH=/usr/sbin:/usr/bin:/sbin:/bin /lib/systemd/systemd --user' \
    - "$over" "$cg" "$SD_UID" "$SD_GID" "$SUITE_TMP/user-home" "$USER_XDG" "$SD_USER" \
    > "$SUITE_TMP/user-manager.log" 2>&1 < /dev/null &
  USER_MANAGER_PID=$!
  local state=
  for ((i = 0; i < 100; i++)); do
    # (not is-system-running: it says "offline" where /run/systemd/system is absent)
    state=$(as_user systemctl --user show -p SystemState --value 2> /dev/null || true)
    case $state in running | degraded) break ;; esac
    sleep 0.1
  done
  case $state in
    running | degraded) echo "# user manager: $state after $((i / 10)).$((i % 10)) s" ;;
    *) USER_FAIL="systemd --user did not come up ('$state'): $(tail -n 5 "$SUITE_TMP/user-manager.log" | tr '\n' ' ')" ;;
  esac
}

user_manager_stop () {
  [ -n "$USER_MANAGER_PID" ] || return 0
  local i cg=$USER_CGROUP_MNT$USER_CGROUP_REL
  kill -TERM "$USER_MANAGER_PID" 2> /dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$USER_MANAGER_PID" 2> /dev/null || break
    sleep 0.1
  done
  # whatever the manager left (a dbus-daemon on its way out)
  for ((i = 0; i < 20; i++)); do
    [ -n "$(find "$cg" -name cgroup.procs -exec cat {} + 2> /dev/null)" ] || break
    find "$cg" -name cgroup.procs -exec cat {} + 2> /dev/null | xargs -r kill -KILL 2> /dev/null || true
    sleep 0.1
  done
  remove_cgroup_tree "$cg" || echo "# warning: could not remove $cg"
}

need_user_manager () {
  [ -z "$USER_SKIP" ] || skip "$USER_SKIP"
  [ -z "$USER_FAIL" ] || fail "$USER_FAIL"
  return 0
}

# ------------------------------------------------------------------ suite set-up

systemd_suite_finish () {
  guest_halt
  user_manager_stop
}
trap 'systemd_suite_finish; suite_finish' EXIT

if suite_wants "${1:-}" '^test_root_'; then
  guest_boot
fi
if suite_wants "${1:-}" '^test_rootless'; then
  user_manager_start
fi
