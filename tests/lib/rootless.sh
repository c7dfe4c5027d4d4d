# rootless.sh: unprivileged users for the integration tests (sourced after
# common.sh by tests/integration/rootless.sh, slirp.sh and wasm.sh).
#
# It owns: two users this suite creates as root and removes at its end (one
# with /etc/subuid and /etc/subgid ranges, one without), /run/user/UID for
# them, the modes of /dev/fuse and /dev/net/tun (0666 while the suite runs,
# restored after; RL_OPEN_DEVICES set before sourcing lists fewer), and the helpers that run the runtime as one of them
# (as_user, urt, rl_prepare, uinside).  Skips the whole suite when a tool it
# needs is missing.
for tool in useradd userdel setpriv unshare newuidmap newgidmap; do
  if ! command -v "$tool" > /dev/null; then
    echo "1..0 # SKIP $tool is missing (packages: passwd, util-linux, uidmap)"
    exit 0
  fi
done

# ------------------------------------------------------------------ suite users
RL_USER=runcgo-rl-$$   # has subordinate ranges
RL_BARE=runcgo-rn-$$   # has none: single-ID maps only
RL_PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin
RL_COUNT=65536
RL_OPENED=() # devices this suite opened (rl_open_device)
# Several suites open the same devices at once under `make -j`: the mode
# before the first of them is kept in one registry, and the last suite to
# leave restores it (a suite that died is pruned by its pid).
RL_DEV_REG=/run/runcgo-test-devices

# Suites run in parallel (make -j2) and each edits /etc/subuid and
# /etc/subgid: an append racing another suite's `sed -i` (read, rewrite,
# rename) is lost, or a removed line comes back with the other's rewrite.
# Every edit, and the pick of a free range, holds this lock.
RL_SUBID_LOCK=/run/runcgo-test-subid.lock
rl_subid_lock () {
  exec {RL_SUBID_FD}> "$RL_SUBID_LOCK"
  flock "$RL_SUBID_FD"
}
rl_subid_unlock () {
  exec {RL_SUBID_FD}>&-
}

# drop_subid_lines NAME UID: remove the user's lines (by name or by uid).
drop_subid_lines () {
  local f
  for f in /etc/subuid /etc/subgid; do
    [ -f "$f" ] && sed -i -e "/^$1:/d" -e "/^$2:/d" "$f"
  done
  return 0
}

# A start above every range in use (useradd's own pick is distro policy).
free_subid_start () {
  local end
  end=$(cat /etc/subuid /etc/subgid 2> /dev/null | awk -F: 'NF == 3 { e = $2 + $3; if (e > m) m = e } END { print m + 0 }')
  [ "$end" -lt 200000 ] && end=200000
  echo $(((end + 65535) / 65536 * 65536 + 65536))
}

rl_kill_user_processes () {
  local u=$1 i pids
  for ((i = 0; i < 20; i++)); do
    pids=$(ps -u "$u" -o pid= 2> /dev/null | tr -s ' \n' ' ')
    [ -z "${pids// /}" ] && return 0
    kill -KILL $pids 2> /dev/null || true
    sleep 0.1
  done
}

rl_teardown () {
  local u uid i
  for u in "$RL_USER" "$RL_BARE"; do
    uid=$(id -u "$u" 2> /dev/null) || continue
    rl_kill_user_processes "$u"
    rl_subid_lock
    drop_subid_lines "$u" "$uid"
    userdel "$u" > /dev/null 2>&1 || echo "# warning: userdel $u failed"
    rl_subid_unlock
    rm -rf --one-file-system "/run/user/$uid"
  done
  for u in "${RL_OPENED[@]}"; do rl_release_device "$u"; done
}

# rl_open_device DEV / rl_release_device DEV: chmod 0666 for the suite's
# users, and back to the mode the host had once no suite uses DEV.
rl_open_device () {
  local reg=$RL_DEV_REG/${1//\//_} fd
  mkdir -p "$RL_DEV_REG"
  exec {fd}> "$RL_DEV_REG/lock"
  flock "$fd"
  rl_prune_users "$reg"
  [ -s "$reg.mode" ] || stat -c %a "$1" > "$reg.mode"
  echo "$$" >> "$reg.users"
  chmod 0666 "$1"
  exec {fd}>&-
  RL_OPENED+=("$1")
}

rl_release_device () {
  local reg=$RL_DEV_REG/${1//\//_} fd
  exec {fd}> "$RL_DEV_REG/lock"
  flock "$fd"
  grep -vx "$$" "$reg.users" > "$reg.users.new" 2> /dev/null
  mv "$reg.users.new" "$reg.users"
  rl_prune_users "$reg"
  if [ ! -s "$reg.users" ] && [ -s "$reg.mode" ]; then
    chmod "$(cat "$reg.mode")" "$1"
    rm -f "$reg.mode" "$reg.users"
  fi
  exec {fd}>&-
}

# keep only the pids of suites that still run
rl_prune_users () {
  local p live=()
  [ -f "$1.users" ] || return 0
  while read -r p; do kill -0 "$p" 2> /dev/null && live+=("$p"); done < "$1.users"
  printf '%s\n' "${live[@]}" | grep . > "$1.users" || true
}

rl_suite_finish () {
  suite_finish
  rl_teardown
}
trap rl_suite_finish EXIT

rl_add_users () {
  local u uid
  for u in "$RL_USER" "$RL_BARE"; do
    useradd --no-create-home --home-dir / --shell /usr/sbin/nologin --user-group "$u" || return 1
    uid=$(id -u "$u")
    drop_subid_lines "$u" "$uid" # useradd may have added ranges itself
    install -d -m 0700 -o "$u" -g "$u" "/run/user/$uid"
  done
  RL_START=$(free_subid_start)
  echo "$RL_USER:$RL_START:$RL_COUNT" >> /etc/subuid
  echo "$RL_USER:$RL_START:$RL_COUNT" >> /etc/subgid
}

rl_setup () {
  local u r
  rl_subid_lock
  rl_add_users
  r=$?
  rl_subid_unlock
  [ "$r" = 0 ] || return 1
  RL_UID=$(id -u "$RL_USER")
  RL_GID=$(id -g "$RL_USER")
  RL_BARE_UID=$(id -u "$RL_BARE")
  for u in ${RL_OPEN_DEVICES-/dev/fuse /dev/net/tun}; do
    [ -c "$u" ] && rl_open_device "$u"
  done
  return 0
}
if ! rl_setup > "$SUITE_TMP/rl-setup.log" 2>&1; then
  echo "Bail out! creating the test users failed: $(cat "$SUITE_TMP/rl-setup.log")"
  exit 1
fi

# ------------------------------------------------------------------ helpers

# user_argv USER: RL_ARGV becomes the command prefix that runs a command as
# USER with a login-like environment.
user_argv () {
  local uid
  uid=$(id -u "$1")
  RL_ARGV=(setpriv --reuid="$1" --regid="$1" --init-groups
    env -i PATH="$RL_PATH" HOME=/ USER="$1" LOGNAME="$1" XDG_RUNTIME_DIR="/run/user/$uid" "${SANITIZER_ENV[@]}"
    ${RUNCGO_SLIRP_HELPER:+RUNCGO_SLIRP_HELPER="$RUNCGO_SLIRP_HELPER"}
    ${RUNCGO_WASM_HELPER:+RUNCGO_WASM_HELPER="$RUNCGO_WASM_HELPER"})
}

# as_user USER CMD...: CMD as USER.
as_user () {
  user_argv "$1"
  shift
  "${RL_ARGV[@]}" "$@"
}

# as_user_with_mounts SETUP USER CMD...: CMD as USER in a private mount
# namespace where root first ran the shell commands SETUP (to hide or
# replace a host file for this command only).
as_user_with_mounts () {
  local setup=$1
  user_argv "$2"
  shift 2
  unshare --mount --propagation private sh -c "$setup"' && exec "$@"' sh "${RL_ARGV[@]}" "$@"
}

# urt [-u USER] ARGS...: the runtime as the test user (default $RU), with the
# test's own state root.
urt () {
  local u=$RU
  if [ "$1" = -u ]; then u=$2; shift 2; fi
  as_user "$u" timeout -k 5 "${RT_TIMEOUT:-60}" "$RUNCGO" --root "$ROOT" "$@"
}

# rl_prepare USER: the test's state root and a bundle owned by USER, with a
# config from `spec --rootless` run as USER ($BUNDLE points at it).
rl_prepare () {
  RU=$1
  BUNDLE=$T/ub
  install -d -o "$RU" -g "$RU" "$ROOT" "$BUNDLE" "$SHARED"
  cp -a "$BASE_ROOTFS" "$BUNDLE/rootfs"
  chown -R "$RU:$RU" "$BUNDLE/rootfs"
  capture as_user "$RU" "$RUNCGO" spec --rootless -b "$BUNDLE"
  assert_status 0
  cfg '.process.terminal = false | .process.args = ["true"] | .root.readonly = false'
}

# uinside ARGS...: run ARGS in a container of $BUNDLE as $RU; print stdout.
uinside () {
  cfg_args "$@"
  local o=$T/.inside.out e=$T/.inside.err st=0
  urt run -b "$BUNDLE" "$CID-run" > "$o" 2> "$e" < /dev/null || st=$?
  if [ "$st" != 0 ]; then
    sed 's/^/  | /' "$o" "$e" >&2
    fail "container '$*' exited with $st"
  fi
  cat "$o"
}

# normalized uid_map/gid_map lines: "0 1001 1"
maplines () { awk '{ print $1, $2, $3 }'; }

ustatus_of () { urt state "$1" 2> /dev/null | jq -r .status 2> /dev/null || true; }

# processes of USER that are alive (zombies wait for the reaper: they hold
# nothing), optionally only those named NAME
live_procs () {
  ps -u "$1" -o pid=,stat=,comm= 2> /dev/null | awk -v n="${2:-}" '$2 !~ /^Z/ && (n == "" || $3 == n) { print $1 }'
}
no_user_process () { [ -z "$(live_procs "$RU")" ]; }

