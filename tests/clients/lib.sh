# lib.sh: shared code of the engine tests (sourced by tests/clients/*.sh).
#
# It owns: choosing the runtime under test ($RUNTIME, else $RUNCGO, else the
# built src/runcgo; `runc`, `crun` or any path work the same), running the
# whole script in private mount, PID and network namespaces (so that every
# daemon, container, mount, bridge and firewall rule it makes dies with it),
# the TAP runner, the offline test image (busybox-static rootfs, the notify
# helper, an httpd page) as a rootfs tarball and as an OCI/docker archive, the
# set-up and tear-down of private Podman, Docker and containerd instances, and
# helpers for tmux, HTTP and assertions.
#
# A script looks like:
#     . "$(dirname "$0")/lib.sh"
#     client_requires podman conmon
#     podman_setup
#     test_echo_hi () { capture pm run --rm "$IMG" echo hi; assert_status 0; assert_eq "$stdout" hi; }
#     run_tests
# By hand: `sudo RUNTIME=runc tests/clients/podman.sh [REGEX]` (REGEX selects
# test functions; so does $CLIENT_TESTS).  CLIENT_KEEP=1 keeps the temp dir,
# CLIENT_VERBOSE=1 shows the log of passing tests too, CLIENT_TRACE=0 calls
# the runtime directly (no command-line log), CLIENT_TRACE=2 logs exit
# statuses too.

CLIENTS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$CLIENTS_LIB/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-}
export TOP_SRCDIR TOP_BUILDDIR
SCRIPT_NAME=$(basename "$0" .sh)

# ------------------------------------------------------------------ outer part
# Everything in this section runs once, in the caller's namespaces: choose the
# runtime, make the suite's temp dir, re-run the script inside fresh
# namespaces, and afterwards remove what no namespace teardown removes (the
# temp dir, the cgroups the engines made, mount points created for shadowing).
if [ -z "${CLIENTS_INNER:-}" ]; then
  if [ "$(id -u)" != 0 ] || [ "${RUNCGO_TEST_ROOT:-}" = skip ]; then
    echo "1..0 # SKIP the engine tests run Podman, Docker and containerd as root"
    exit 0
  fi
  for tool in unshare timeout jq gcc tar sha256sum ip; do
    if ! command -v "$tool" > /dev/null; then
      echo "Bail out! $tool is required (see tests/clients/README.md)"
      exit 1
    fi
  done

  rt=${RUNTIME:-${RUNCGO:-}}
  if [ -z "$rt" ]; then
    for r in ${TOP_BUILDDIR:+"$TOP_BUILDDIR/src/runcgo"} "$TOP_SRCDIR/src/runcgo"; do
      if [ -x "$r" ]; then rt=$r; break; fi
    done
  fi
  case $rt in
    "") echo "Bail out! set RUNTIME (runc, crun or a path) or build src/runcgo"; exit 1 ;;
    */*) rt=$(cd "$(dirname "$rt")" 2> /dev/null && pwd)/$(basename "$rt") ;;
    *) rt=$(command -v "$rt" || echo "$rt") ;;
  esac
  if [ ! -x "$rt" ] || [ -d "$rt" ]; then
    echo "Bail out! runtime '$rt' is not an executable"
    exit 1
  fi
  export RUNTIME=$rt

  # crun refuses a hybrid layout whose cgroup2 mount has controllers; hide that
  # mount from the whole suite (only inside its own mount namespace).
  hide=no
  case ${CLIENT_HIDE_UNIFIED:-auto} in
    yes) hide=yes ;;
    auto)
      if [ "$(basename "$RUNTIME")" = crun ] &&
         [ "$(stat -f -c %T /sys/fs/cgroup 2> /dev/null)" = tmpfs ] &&
         [ "$(stat -f -c %T /sys/fs/cgroup/unified 2> /dev/null)" = cgroup2fs ]; then
        hide=yes
      fi ;;
  esac
  export CLIENT_HIDE_UNIFIED=$hide

  CLIENT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/runcgo-clients-$SCRIPT_NAME.XXXXXX") || exit 1
  chmod 0755 "$CLIENT_TMP"
  export CLIENT_TMP
  # Every container of the suite goes below this cgroup (in each hierarchy).
  export CLIENT_CGROUP=runcgo-clients-$SCRIPT_NAME-$$

  # Directories the engines write to whatever their configuration says: each
  # gets a private tmpfs inside the suite's mount namespace.  Those missing
  # here are created as mount points and removed again afterwards.
  shadow=(/run /var/lib/containers /var/lib/docker /var/lib/containerd /etc/docker /var/lib/cni)
  created=()
  for d in "${shadow[@]}"; do
    if [ ! -e "$d" ]; then
      mkdir -p "$d" && created+=("$d")
    fi
  done
  export CLIENT_SHADOW="${shadow[*]}"

  # Top-level cgroups the engines make on their own when not told otherwise;
  # any of them that appears during the run (and is empty after) is removed.
  engine_cgroups=(libpod_parent docker default)
  preexisting=" "
  for n in "${engine_cgroups[@]}"; do
    for d in /sys/fs/cgroup/*/"$n" /sys/fs/cgroup/"$n"; do
      [ -d "$d" ] && preexisting+="$d "
    done
  done

  reaper=
  for r in ${TOP_BUILDDIR:+"$TOP_BUILDDIR/tests/tools/subreaper"} "$TOP_SRCDIR/tests/tools/subreaper"; do
    if [ -x "$r" ]; then reaper=$r; break; fi
  done
  if [ -z "$reaper" ]; then
    reaper=$CLIENT_TMP/subreaper
    if ! gcc -O2 -o "$reaper" "$TOP_SRCDIR/tests/tools/subreaper.c"; then
      echo "Bail out! cannot build tests/tools/subreaper.c"
      rm -rf "$CLIENT_TMP"
      exit 1
    fi
  fi

  # The subreaper is PID 1 inside: it reaps what the engines daemonize, and
  # when it exits the kernel kills every process left in the namespace.
  # --kill-child: if unshare dies, so does the subreaper.  An interrupted
  # suite (SIGINT, SIGTERM, SIGHUP) still gets the clean-up below: unshare
  # blocks those signals while it waits, so they go to its child, the
  # subreaper, which passes them on to the inner script (its EXIT trap stops
  # the daemons).
  CLIENTS_INNER=1 unshare --mount --propagation private --pid --fork --kill-child \
    --mount-proc --net --uts -- "$reaper" bash "$0" "$@" &
  inner=$!
  trap 'for c in $(cat /proc/$inner/task/*/children 2> /dev/null); do kill -TERM "$c"; done' INT TERM HUP
  rc=0
  wait "$inner" || rc=$?
  while kill -0 "$inner" 2> /dev/null; do
    rc=0
    wait "$inner" || rc=$?
  done
  trap - INT TERM HUP

  # Every process of the suite is dead or dying now: what is still in one of
  # its cgroups can only be one of its own processes on the way out, or
  # frozen by a paused container (a frozen process cannot die): thaw, kill,
  # then rmdir bottom-up, for up to 10 s.
  remove_cgroup_tree () {
    local i p
    for ((i = 0; i < 100; i++)); do
      [ -d "$1" ] || return 0
      find "$1" -name freezer.state -exec sh -c 'echo THAWED > "$1"' thaw {} \; 2> /dev/null
      find "$1" -name cgroup.freeze -exec sh -c 'echo 0 > "$1"' thaw {} \; 2> /dev/null
      for p in $(cat $(find "$1" -name cgroup.procs) 2> /dev/null); do kill -KILL "$p"; done 2> /dev/null
      find "$1" -depth -type d -exec rmdir {} \; 2> /dev/null
      [ -d "$1" ] || return 0
      sleep 0.1
    done
    echo "# warning: could not remove cgroup $1"
  }
  for d in /sys/fs/cgroup/*/"$CLIENT_CGROUP" /sys/fs/cgroup/"$CLIENT_CGROUP"; do
    [ -d "$d" ] && remove_cgroup_tree "$d"
  done
  for n in "${engine_cgroups[@]}"; do
    for d in /sys/fs/cgroup/*/"$n" /sys/fs/cgroup/"$n"; do
      [ -d "$d" ] || continue
      case $preexisting in *" $d "*) continue ;; esac
      remove_cgroup_tree "$d"
    done
  done
  for d in "${created[@]}"; do
    rmdir "$d" 2> /dev/null || echo "# warning: could not remove $d (created as a mount point)"
  done
  if [ -n "${CLIENT_KEEP:-}" ]; then
    echo "# kept $CLIENT_TMP"
  else
    rm -rf --one-file-system "$CLIENT_TMP"
  fi
  exit $rc
fi

# ------------------------------------------------------------------ inner part
# From here on: PID 1 of this PID namespace is the subreaper, this shell is
# its child; the mount and network namespaces are the suite's own.
export PATH=$CLIENT_TMP/bin:$PATH
mkdir -p "$CLIENT_TMP/bin"
TEST_COUNT=0
T=

bail () {
  echo "Bail out! $*"
  exit 1
}

for d in $CLIENT_SHADOW; do
  mount -t tmpfs -o mode=0755 "clients-$d" "$d" || bail "cannot mount a tmpfs on $d"
done
mkdir -p /run/lock && chmod 1777 /run/lock
ln -s /dev/shm /run/shm
if [ "$CLIENT_HIDE_UNIFIED" = yes ]; then
  umount -l /sys/fs/cgroup/unified || bail "cannot hide /sys/fs/cgroup/unified"
  echo "# /sys/fs/cgroup/unified (cgroup2 with controllers) is hidden in this suite's mount namespace, for crun"
fi
ip link set lo up || bail "cannot bring up lo in the suite's network namespace"
hostname "clients-${SCRIPT_NAME//_/-}"

# The runtime under test is called through a wrapper with the same base name
# (engines key features on that name) that logs every command line, then
# execs the runtime: same PID, same fds, /proc/self/exe is the real binary.
# CLIENT_TRACE=2 also logs each call's exit status: the wrapper then stays
# the runtime's parent (a different PID, signals reach the wrapper), for
# debugging only.
# A sanitizer build (make check-clients-asan): the engines do not pass the
# suite's environment on (rootless Podman runs with a clean one, shims filter
# it) and swallow the runtime's stderr, so the wrapper sets ASAN_OPTIONS and
# UBSAN_OPTIONS itself, each log_path=P made P.SUITE (reports land in files,
# named after the suite and the PID).
RUNTIME_NAME=$(basename "$RUNTIME")
RUNTIME_TRACE=$CLIENT_TMP/runtime-calls.log
: > "$RUNTIME_TRACE"
sanitizer_env () {
  local v val
  for v in ASAN_OPTIONS UBSAN_OPTIONS; do
    val=${!v:-}
    [ -n "$val" ] || continue
    val=$(sed -E "s|(log_path=[^:]+)|\\1.$SCRIPT_NAME|" <<< "$val")
    printf 'export %s=%q\n' "$v" "$val"
  done
}
if [ "${CLIENT_TRACE:-1}" != 0 ]; then
  mkdir -p "$CLIENT_TMP/rt"
  RT_PATH=$CLIENT_TMP/rt/$RUNTIME_NAME
  {
    echo '#!/bin/bash'
    sanitizer_env
    echo "printf '%s [%s] %s%s%s\\n' \"\$(date +%T.%3N)\" \"\$\$\" \"\${NOTIFY_SOCKET:+NOTIFY_SOCKET=\$NOTIFY_SOCKET }\" \\"
    echo "  \"\${LISTEN_FDS:+LISTEN_FDS=\$LISTEN_FDS }\" \"\$*\" >> '$RUNTIME_TRACE'"
    if [ "${CLIENT_TRACE:-1}" = 2 ]; then
      echo "'$RUNTIME' \"\$@\""
      echo 'rc=$?'
      echo "printf '%s [%s] exit status %s\\n' \"\$(date +%T.%3N)\" \"\$\$\" \"\$rc\" >> '$RUNTIME_TRACE'"
      echo 'exit $rc'
    else
      echo "exec '$RUNTIME' \"\$@\""
    fi
  } > "$RT_PATH"
  chmod 0755 "$RT_PATH"
else
  RT_PATH=$RUNTIME
fi

# thaw_cgroups: thaw every frozen cgroup of the suite.  A container left
# paused (say its resume failed) can otherwise be neither killed nor reaped,
# and the namespace's init would wait for it for ever.
thaw_cgroups () {
  local d
  for d in /sys/fs/cgroup/freezer/"$CLIENT_CGROUP" /sys/fs/cgroup/unified/"$CLIENT_CGROUP" \
           /sys/fs/cgroup/"$CLIENT_CGROUP"; do
    [ -d "$d" ] || continue
    find "$d" -name freezer.state -exec sh -c 'echo THAWED > "$1"' thaw {} \; 2> /dev/null
    find "$d" -name cgroup.freeze -exec sh -c 'echo 0 > "$1"' thaw {} \; 2> /dev/null
  done
  return 0
}

# Registered clean-up actions, run in reverse order at exit (daemons by PID).
CLEANUPS=()
on_exit () { CLEANUPS+=("$*"); }
suite_finish () {
  local i
  trap - EXIT
  thaw_cgroups
  if [ -n "$T" ] && [ -n "${AFTER_EACH:-}" ]; then
    $AFTER_EACH > /dev/null 2>&1 || true
  fi
  for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
    eval "${CLEANUPS[$i]}" > /dev/null 2>&1 || true
  done
  # Tests started tmux servers; their panes may hold engine clients.
  tmux -S "$CLIENT_TMP/tmux.sock" kill-server > /dev/null 2>&1 || true
}
trap suite_finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# client_requires TOOL...: skip the whole script when an engine is missing
# (TOOL is a command name or an absolute path).
client_requires () {
  local t
  for t in "$@"; do
    if ! command -v "$t" > /dev/null && ! [ -x "$t" ]; then
      echo "1..0 # SKIP $t is not installed (see tests/clients/README.md)"
      exit 0
    fi
  done
}

# ------------------------------------------------------------------ assertions
# Same vocabulary as tests/lib/common.sh.

fail () {
  echo "FAIL: $*" >&2
  exit 1
}

skip () {
  echo "$*" > "$T/.skip"
  exit 0
}

# capture CMD...: run CMD (with a time limit, stdin from /dev/null, stdout
# and stderr into files) and set $status, $stdout, $stderr, $output.
CAPTURE_N=0
status=0 stdout='' stderr='' output=''
capture () {
  CAPTURE_N=$((CAPTURE_N + 1))
  local o=$T/.cap$CAPTURE_N.out e=$T/.cap$CAPTURE_N.err
  status=0
  timeout -k 5 "${CMD_TIMEOUT:-90}" "$@" > "$o" 2> "$e" < /dev/null || status=$?
  stdout=$(cat "$o")
  stderr=$(cat "$e")
  output=$(cat "$o" "$e")
  echo "\$ $* -> $status" >&2
  [ -z "$output" ] || sed -n '1,40s/^/  | /p' <<< "$output" >&2
  [ "$status" != 124 ] || echo "  (timed out after ${CMD_TIMEOUT:-90} s)" >&2
  return 0
}

# ok_run CMD...: capture CMD and fail the test unless it exits 0.
ok_run () {
  capture "$@"
  [ "$status" = 0 ] || fail "'$*' exited with $status"
}

assert_eq () {
  [ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

assert_ne () {
  [ "$1" != "$2" ] || fail "${3:-value}: expected something else than '$2'"
}

assert_match () {
  grep -Eq -- "$2" <<< "$1" || fail "${3:-output} does not match /$2/: '$1'"
}

assert_no_match () {
  if grep -Eq -- "$2" <<< "$1"; then
    fail "${3:-output} unexpectedly matches /$2/: '$1'"
  fi
}

assert_contains () {
  case $1 in
    *"$2"*) ;;
    *) fail "${3:-output} does not contain '$2': '$1'" ;;
  esac
}

assert_status () {
  [ "$status" = "$1" ] || fail "exit status: expected $1, got $status (output: $output)"
}

assert_failed () {
  [ "$status" != 0 ] || fail "expected a failure, got exit status 0 (output: $output)"
}

# wait_until DESCRIPTION CMD...: poll CMD every 0.1 s for ${WAIT_SECONDS:-20} s.
wait_until () {
  local what=$1 i
  shift
  for ((i = 0; i < ${WAIT_SECONDS:-20} * 10; i++)); do
    if "$@" > /dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  fail "timed out waiting for $what"
}

# ------------------------------------------------------------------ tmux
# One tmux server per suite (its own socket); each test has at most one
# session, named t<test number>.  The command runs under `sh -c`, which
# records its exit status in a file: tmux's own #{pane_dead_status} is not
# reliable here (tmux 3.3a at times leaves the pane's process a zombie it never
# reaps, and then reports no status).

TMUX_SOCK=$CLIENT_TMP/tmux.sock
tmx () { tmux -S "$TMUX_SOCK" "$@"; }

# tmux_start COMMAND-STRING: start COMMAND-STRING (a shell command line) in
# the test's session, on a 100x30 terminal.
tmux_start () {
  local s=t$TEST_COUNT
  command -v tmux > /dev/null || skip "tmux is not installed"
  printf 'set -g remain-on-exit on\nset -g default-terminal xterm\nset -g history-limit 1000\n' > "$CLIENT_TMP/tmux.conf"
  tmx -f "$CLIENT_TMP/tmux.conf" new-session -d -s "$s" -x 100 -y 30 \
    "$1; echo \$? > '$T/.tmux.status.tmp'; mv '$T/.tmux.status.tmp' '$T/.tmux.status'" ||
    fail "tmux could not start '$1'"
  echo "tmux: $1" >&2
}

tmux_screen () { tmx capture-pane -p -t "t$TEST_COUNT" 2> /dev/null; }

# tmux_show: the whole pane (wrapped lines joined) for a failure message.
tmux_show () {
  echo "screen of tmux session t$TEST_COUNT:" >&2
  tmx capture-pane -p -J -S - -t "t$TEST_COUNT" 2> /dev/null | sed '/^$/d; s/^/  | /' | shorten | tail -n 40 >&2
}

# tmux_type TEXT: type TEXT, then Enter.
tmux_type () {
  tmx send-keys -t "t$TEST_COUNT" -l "$1" && tmx send-keys -t "t$TEST_COUNT" Enter
}

# tmux_wait ERE [SECONDS]: wait until the screen matches ERE (20 s).
tmux_wait () {
  local i n=$((${2:-20} * 10))
  for ((i = 0; i < n; i++)); do
    if tmux_screen | grep -Eq -- "$1"; then return 0; fi
    sleep 0.1
  done
  tmux_show
  fail "the screen never matched /$1/"
}

# tmux_exit_status: wait until the session's command ended (20 s at most),
# print its exit status.
tmux_exit_status () {
  local i
  for ((i = 0; i < 200; i++)); do
    if [ -f "$T/.tmux.status" ]; then
      cat "$T/.tmux.status"
      return 0
    fi
    sleep 0.1
  done
  tmux_show
  fail "the command in the tmux session did not end"
}

# tmux_check_shell [ROWS COLS]: at the prompt of the busybox shell in the
# session, type a command line as a user would and check what the screen
# shows: its answer, a pty as the shell's tty, and the window size if given.
tmux_check_shell () {
  tmux_wait '/ #'
  tmux_type 'tty; stty size; echo "sum=$((40 + 2))"'
  tmux_wait '^sum=42'
  if ! tmux_screen | grep -q '^/dev/pts/[0-9]'; then
    tmux_show
    fail "the shell's tty is not a pty"
  fi
  if [ -n "${1:-}" ] && ! tmux_screen | grep -q "^$1\$"; then
    tmux_show
    fail "the window size seen inside is not '$1' (rows cols)"
  fi
}

tmux_kill () { tmx kill-session -t "t$TEST_COUNT" > /dev/null 2>&1 || true; }

# ------------------------------------------------------------------ network
# The suite has its own network namespace: every address below is its own
# loopback; nothing leaves the machine.

# http_get URL: print the body (fails on errors; 5 s limit).
http_get () {
  if command -v curl > /dev/null; then
    curl -fsS --max-time 5 "$1"
  elif command -v wget > /dev/null; then
    wget -q -T 5 -O - "$1"
  else
    busybox wget -q -T 5 -O - "$1"
  fi
}

# next_port: a port for the current test (the namespace has no other user).
next_port () { echo $((18000 + TEST_COUNT)); }

# ------------------------------------------------------------------ image
# The test image, made offline: the busybox-static rootfs of
# tests/lib/mkrootfs.sh, plus /bin/notify (notify.c, static) and /www/index.html
# for httpd.  Built once per suite into $IMAGE_DIR.

IMAGE_DIR=$CLIENT_TMP/image
IMAGE_PAGE="hello from the runcgo engine tests"

image_rootfs () {
  local r=$IMAGE_DIR/rootfs
  [ -d "$r" ] && return 0
  mkdir -p "$IMAGE_DIR"
  "$TOP_SRCDIR/tests/lib/mkrootfs.sh" "$r" > "$IMAGE_DIR/mkrootfs.log" 2>&1 ||
    bail "mkrootfs.sh failed: $(cat "$IMAGE_DIR/mkrootfs.log")"
  gcc -static -O2 -o "$r/bin/notify" "$CLIENTS_LIB/notify.c" 2> "$IMAGE_DIR/notify.log" ||
    bail "cannot build notify.c statically (is libc6-dev installed?): $(cat "$IMAGE_DIR/notify.log")"
  cp "$r/bin/notify" "$CLIENT_TMP/bin/notify"
  mkdir -p "$r/www"
  echo "$IMAGE_PAGE" > "$r/www/index.html"
  echo "user:x:1000:1000:user:/home/user:/bin/sh" >> "$r/etc/passwd"
  echo "user:x:1000:" >> "$r/etc/group"
  mkdir -p "$r/home/user" && chown 1000:1000 "$r/home/user"
}

# image_tarball: the rootfs as a plain tar (for `podman import`, `docker import`).
image_tarball () {
  local t=$IMAGE_DIR/rootfs.tar
  image_rootfs
  [ -f "$t" ] || tar --numeric-owner -C "$IMAGE_DIR/rootfs" -cf "$t" . || bail "tar of the rootfs failed"
  echo "$t"
}

# image_archive NAME:TAG: an image archive that is both an OCI image layout
# (index.json, for containerd) and a docker-archive (manifest.json, for
# `docker load` and `podman load`), one layer, sh as default command.
image_archive () {
  local ref=$1 a=$IMAGE_DIR/archive out=$IMAGE_DIR/image.tar
  local layer diffid lsize config csize manifest msize
  if [ -f "$out" ]; then echo "$out"; return 0; fi
  image_tarball > /dev/null
  mkdir -p "$a/blobs/sha256"
  layer=$(sha256sum < "$IMAGE_DIR/rootfs.tar" | cut -d' ' -f1)
  diffid=$layer
  cp "$IMAGE_DIR/rootfs.tar" "$a/blobs/sha256/$layer"
  lsize=$(stat -c %s "$a/blobs/sha256/$layer")
  jq -cn --arg d "sha256:$diffid" '{architecture: "amd64", os: "linux",
      config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/sh"]},
      rootfs: {type: "layers", diff_ids: [$d]}, history: [{created_by: "tests/clients/lib.sh"}]}' > "$a/config.json"
  config=$(sha256sum < "$a/config.json" | cut -d' ' -f1)
  mv "$a/config.json" "$a/blobs/sha256/$config"
  csize=$(stat -c %s "$a/blobs/sha256/$config")
  jq -cn --arg c "sha256:$config" --argjson cs "$csize" --arg l "sha256:$layer" --argjson ls "$lsize" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' > "$a/manifest.tmp"
  manifest=$(sha256sum < "$a/manifest.tmp" | cut -d' ' -f1)
  mv "$a/manifest.tmp" "$a/blobs/sha256/$manifest"
  msize=$(stat -c %s "$a/blobs/sha256/$manifest")
  jq -cn --arg m "sha256:$manifest" --argjson ms "$msize" --arg ref "$ref" \
    '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: $m, size: $ms, platform: {architecture: "amd64", os: "linux"},
      annotations: {"io.containerd.image.name": $ref, "org.opencontainers.image.ref.name": ($ref | split(":") | last)}}]}' \
    > "$a/index.json"
  echo '{"imageLayoutVersion": "1.0.0"}' > "$a/oci-layout"
  jq -cn --arg c "blobs/sha256/$config" --arg l "blobs/sha256/$layer" --arg ref "$ref" \
    '[{Config: $c, RepoTags: [$ref], Layers: [$l]}]' > "$a/manifest.json"
  tar -C "$a" -cf "$out" oci-layout index.json manifest.json blobs || bail "tar of the image archive failed"
  echo "$out"
}

# ------------------------------------------------------------------ Podman
# A private Podman: its own containers.conf, storage.conf and registries.conf
# (the machine's are not read), storage under the suite's temp dir, cgroupfs,
# file events, netavark with its config in the temp dir, and the runtime under
# test as --runtime.  `pm` (a script in $CLIENT_TMP/bin, usable from tmux)
# is that podman; every container goes below the suite's cgroup.
# Rootless: with PODMAN_USER set (podman_rootless.sh makes the user), `pm`
# runs podman as that user with its own XDG_RUNTIME_DIR and HOME, the
# configuration and storage are the user's, the default network is the
# host's (slirp4netns would need /dev/net/tun) and there is no cgroup parent
# (rootless podman has no cgroup of its own on a v1 or hybrid host).

PODMAN_IMAGE=localhost/runcgo-clients:latest

podman_setup () {
  local d=$CLIENT_TMP/podman driver=${CLIENT_STORAGE_DRIVER:-overlay} run_as='' parent='' netns=''
  mkdir -p "$d/networks" "$d/tmp" "$d/home"
  if [ -n "${PODMAN_USER:-}" ]; then
    run_as="setpriv --reuid=$PODMAN_USER --regid=$PODMAN_USER --init-groups env -i PATH=\"\$PATH\" \\
  TERM=\"\${TERM:-xterm}\" HOME='$d/home' USER='$PODMAN_USER' LOGNAME='$PODMAN_USER' \\
  XDG_RUNTIME_DIR='$PODMAN_XDG' CONTAINERS_CONF=\"\$CONTAINERS_CONF\" \\
  CONTAINERS_STORAGE_CONF=\"\$CONTAINERS_STORAGE_CONF\" CONTAINERS_REGISTRIES_CONF=\"\$CONTAINERS_REGISTRIES_CONF\""
    netns='netns = "host"'
  else
    parent="--cgroup-parent '/$CLIENT_CGROUP'"
  fi
  cat > "$d/containers.conf" <<EOF
[containers]
log_driver = "k8s-file"
$netns
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$d/events.log"
tmp_dir = "$d/tmp"
# Engines decide from the runtime's name whether it takes --log-format=json.
runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "runcgo"]
[network]
network_backend = "netavark"
network_config_dir = "$d/networks"
EOF
  cat > "$d/storage.conf" <<EOF
[storage]
driver = "$driver"
runroot = "$d/runroot"
graphroot = "$d/graphroot"
EOF
  printf 'unqualified-search-registries = []\n' > "$d/registries.conf"
  cat > "$CLIENT_TMP/bin/pm" <<EOF
#!/bin/bash
# podman of the engine tests (runtime: $RUNTIME)
export CONTAINERS_CONF='$d/containers.conf' CONTAINERS_STORAGE_CONF='$d/storage.conf'
export CONTAINERS_REGISTRIES_CONF='$d/registries.conf'
globals=(--runtime '$RT_PATH' --cgroup-manager cgroupfs --events-backend file)
case \${1:-} in
  run|create) cmd=\$1; shift; exec $run_as podman "\${globals[@]}" "\$cmd" $parent "\$@" ;;
esac
exec $run_as podman "\${globals[@]}" "\$@"
EOF
  chmod 0755 "$CLIENT_TMP/bin/pm"
  [ -z "${PODMAN_USER:-}" ] || chown -R "$PODMAN_USER:" "$d" "$RUNTIME_TRACE"
  on_exit podman_teardown
  pm info --format '{{.Store.GraphDriverName}}' > "$d/info.log" 2>&1 ||
    bail "podman info failed: $(cat "$d/info.log")"
  echo "# podman $(podman --version | awk '{print $3}'), storage $(cat "$d/info.log"), netavark, cgroupfs, runtime $RT_PATH"
  pm import --change 'CMD ["/bin/sh"]' "$(image_tarball)" "$PODMAN_IMAGE" > "$d/import.log" 2>&1 ||
    bail "podman import failed: $(cat "$d/import.log")"
  AFTER_EACH=podman_after_each
}

podman_after_each () {
  pm rm -a -f -t 0 > /dev/null 2>&1 || true
}

podman_teardown () {
  pm rm -a -f -t 0 || true
}

# ------------------------------------------------------------------ Docker
# A private dockerd (Debian's docker.io, 20.10): its own data root, exec root,
# socket and daemon.json with a `runtimes` entry named "runcgo" that points at
# the runtime under test (whatever $RUNTIME is), --iptables=false (published
# ports go through docker-proxy, the userland proxy), cgroupfs driver, and the
# suite's cgroup as parent.  It supervises its own containerd (under its exec
# root).  `dk` is the matching docker CLI on that socket.

DOCKER_IMAGE=runcgo-clients:latest
DOCKER_RUNTIME=runcgo

docker_setup () {
  local d=$CLIENT_TMP/docker i driver=${CLIENT_STORAGE_DRIVER:-overlay2}
  local cli=/usr/bin/docker
  [ -x "$cli" ] || cli=$(command -v docker)
  mkdir -p "$d/data" "$d/exec" "$d/cli"
  [ "$driver" = overlay ] && driver=overlay2
  jq -n --arg rt "$RT_PATH" --arg name "$DOCKER_RUNTIME" --arg drv "$driver" --arg cg "/$CLIENT_CGROUP" \
    '{runtimes: {($name): {path: $rt}}, "storage-driver": $drv, "exec-opts": ["native.cgroupdriver=cgroupfs"],
      "cgroup-parent": $cg, iptables: false, "ip-masq": false, "userland-proxy": true,
      "log-driver": "json-file"}' > "$d/daemon.json"
  {
    echo '#!/bin/bash'
    echo "# docker CLI of the engine tests (daemon: $d)"
    echo "export DOCKER_CONFIG='$d/cli' DOCKER_HOST='unix://$d/docker.sock'"
    echo "exec '$cli' \"\$@\""
  } > "$CLIENT_TMP/bin/dk"
  chmod 0755 "$CLIENT_TMP/bin/dk"
  dockerd --config-file "$d/daemon.json" --data-root "$d/data" --exec-root "$d/exec" \
    --pidfile "$d/dockerd.pid" -H "unix://$d/docker.sock" > "$d/dockerd.log" 2>&1 < /dev/null &
  DOCKERD_PID=$!
  on_exit docker_teardown
  for ((i = 0; i < 300; i++)); do
    dk version > /dev/null 2>&1 && break
    kill -0 "$DOCKERD_PID" 2> /dev/null || bail "dockerd exited: $(tail -n 20 "$d/dockerd.log")"
    sleep 0.1
  done
  dk version > /dev/null 2>&1 || bail "dockerd did not answer in 30 s: $(tail -n 20 "$d/dockerd.log")"
  echo "# dockerd $(dk version --format '{{.Server.Version}}' 2> /dev/null), storage $(dk info --format '{{.Driver}}' 2> /dev/null), runtime '$DOCKER_RUNTIME' = $RT_PATH"
  dk import --change 'CMD ["/bin/sh"]' "$(image_tarball)" "$DOCKER_IMAGE" > "$d/import.log" 2>&1 ||
    bail "docker import failed: $(cat "$d/import.log")"
  AFTER_EACH=docker_after_each
  ENGINE_LOG=$d/dockerd.log
}

docker_after_each () {
  local ids
  ids=$(dk ps -aq 2> /dev/null)
  [ -z "$ids" ] || dk rm -f $ids > /dev/null 2>&1 || true # word splitting wanted
}

# Stop dockerd (by the PID this suite started) and wait for it: it stops its
# containers and its containerd first.
docker_teardown () {
  local i
  [ -n "${DOCKERD_PID:-}" ] || return 0
  docker_after_each
  kill -TERM "$DOCKERD_PID" 2> /dev/null || return 0
  for ((i = 0; i < 200; i++)); do
    kill -0 "$DOCKERD_PID" 2> /dev/null || break
    sleep 0.1
  done
  kill -KILL "$DOCKERD_PID" 2> /dev/null || true
  wait "$DOCKERD_PID" 2> /dev/null || true
}

# ------------------------------------------------------------------ containerd
# A private containerd: its own root, state and socket, the CRI plugin off.
# `cr` is ctr on that socket in a namespace named after the suite's cgroup,
# so each container's cgroup is /$CLIENT_CGROUP/ID; `cr run` always uses the
# runc shim (io.containerd.runc.v2) with BinaryName = the runtime under test.

CTR_IMAGE=docker.io/library/runcgo-clients:latest

containerd_setup () {
  local d=$CLIENT_TMP/containerd i
  mkdir -p "$d/root" "$d/state"
  {
    echo 'version = 2'
    echo "root = \"$d/root\""
    echo "state = \"$d/state\""
    echo 'disabled_plugins = ["io.containerd.grpc.v1.cri"]'
    echo '[grpc]'
    echo "  address = \"$d/containerd.sock\""
    echo '[ttrpc]'
    echo "  address = \"$d/containerd.sock.ttrpc\""
    echo '[plugins."io.containerd.internal.v1.opt"]'
    echo "  path = \"$d/opt\""
  } > "$d/config.toml"
  {
    echo '#!/bin/bash'
    echo "# ctr of the engine tests (containerd: $d)"
    echo "ctr=(ctr --address '$d/containerd.sock' --namespace '$CLIENT_CGROUP')"
    echo 'case ${1:-} in'
    echo "  run) shift; exec \"\${ctr[@]}\" run --runtime io.containerd.runc.v2 --runc-binary '$RT_PATH' \"\$@\" ;;"
    echo 'esac'
    echo 'exec "${ctr[@]}" "$@"'
  } > "$CLIENT_TMP/bin/cr"
  chmod 0755 "$CLIENT_TMP/bin/cr"
  containerd --config "$d/config.toml" > "$d/containerd.log" 2>&1 < /dev/null &
  CONTAINERD_PID=$!
  on_exit containerd_teardown
  for ((i = 0; i < 300; i++)); do
    cr version > /dev/null 2>&1 && break
    kill -0 "$CONTAINERD_PID" 2> /dev/null || bail "containerd exited: $(tail -n 20 "$d/containerd.log")"
    sleep 0.1
  done
  cr version > /dev/null 2>&1 || bail "containerd did not answer in 30 s: $(tail -n 20 "$d/containerd.log")"
  echo "# containerd $(containerd --version | awk '{print $3}'), shim io.containerd.runc.v2, BinaryName $RT_PATH"
  cr image import "$(image_archive "$CTR_IMAGE")" > "$d/import.log" 2>&1 ||
    bail "ctr image import failed: $(cat "$d/import.log")"
  AFTER_EACH=containerd_after_each
  ENGINE_LOG=$d/containerd.log
}

containerd_after_each () {
  local id
  for id in $(cr task ls -q 2> /dev/null); do
    cr task kill -s KILL "$id" > /dev/null 2>&1 || true
  done
  for id in $(cr task ls -q 2> /dev/null); do
    timeout 10 cr task delete -f "$id" > /dev/null 2>&1 || true
  done
  for id in $(cr container ls -q 2> /dev/null); do
    cr container delete "$id" > /dev/null 2>&1 || true
  done
}

containerd_teardown () {
  local i
  [ -n "${CONTAINERD_PID:-}" ] || return 0
  containerd_after_each
  kill -TERM "$CONTAINERD_PID" 2> /dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$CONTAINERD_PID" 2> /dev/null || break
    sleep 0.1
  done
  kill -KILL "$CONTAINERD_PID" 2> /dev/null || true
  wait "$CONTAINERD_PID" 2> /dev/null || true
}

# ------------------------------------------------------------------ runner

# shorten: make long command lines readable (temp dir, 64-hex IDs).
shorten () {
  sed -E -e "s#$CLIENT_TMP#\$TMP#g" -e 's/([0-9a-f]{12})[0-9a-f]{52}/\1/g'
}

# save_runtime_logs LINE: print the --log files the engines gave the runtime
# in the calls after line LINE of the trace (before the engine deletes them).
save_runtime_logs () {
  local f
  tail -n +"$(($1 + 1))" "$RUNTIME_TRACE" | grep -oE -- '--log[= ][^ ]+' | sed -E 's/^--log[= ]//' | sort -u |
    while read -r f; do
      [ -s "$f" ] || continue
      echo "runtime log $(shorten <<< "$f") (last 10 lines):"
      tail -n 10 "$f" | shorten | cut -c1-500 | sed 's/^/  /'
    done
}

# run_one FN: run test function FN in a subshell (set -eEuo pipefail), with
# its output in a log; print its TAP line, and when it failed, the log, the
# runtime command lines it caused and the engine log's errors meanwhile.
run_one () {
  local fn=$1 rc trace_from engine_from=0 name=${1#test_} t0=$EPOCHREALTIME
  TEST_COUNT=$((TEST_COUNT + 1))
  T=$CLIENT_TMP/t$TEST_COUNT
  mkdir -p "$T"
  trace_from=$(wc -l < "$RUNTIME_TRACE")
  [ -z "${ENGINE_LOG:-}" ] || engine_from=$(wc -l < "$ENGINE_LOG")
  (
    set -eEuo pipefail
    trap 'echo "  at line $LINENO: $BASH_COMMAND (exit $?)" >&2' ERR
    cd "$T"
    "$fn"
  ) > "$T/.log" 2>&1 < /dev/null
  rc=$?
  [ "$rc" = 0 ] || save_runtime_logs "$trace_from" > "$T/.rtlogs" 2>&1
  tmux_kill
  thaw_cgroups
  [ -z "${AFTER_EACH:-}" ] || $AFTER_EACH > "$T/.after.log" 2>&1 || true
  if [ "$rc" = 0 ] && [ -f "$T/.skip" ]; then
    echo "ok $TEST_COUNT - $name # SKIP $(cat "$T/.skip")"
  elif [ "$rc" = 0 ]; then
    echo "ok $TEST_COUNT - $name"
    [ -z "${CLIENT_VERBOSE:-}" ] || sed 's/^/# /' "$T/.log"
  else
    echo "not ok $TEST_COUNT - $name"
    sed 's/^/# /' "$T/.log"
    if [ -s "$RUNTIME_TRACE" ]; then
      echo "# runtime calls during the test (last 30):"
      echo "# (\$TMP is $CLIENT_TMP; IDs cut to 12 characters)"
      tail -n +"$((trace_from + 1))" "$RUNTIME_TRACE" | tail -n 30 | shorten | cut -c1-400 | sed 's/^/#   /'
    fi
    sed 's/^/# /' "$T/.rtlogs"
    if [ -n "${ENGINE_LOG:-}" ] && [ -f "$ENGINE_LOG" ]; then
      echo "# $(basename "$ENGINE_LOG") errors during the test (last 15):"
      tail -n +"$((engine_from + 1))" "$ENGINE_LOG" | grep -Ei 'level=(warn|error|fatal)|error' |
        tail -n 15 | shorten | cut -c1-500 | sed 's/^/#   /'
    fi
  fi
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "# %.1f s\n", b - a }'
  [ -n "${CLIENT_KEEP:-}" ] || rm -rf --one-file-system "$T"
  T=
}

# run_tests [REGEX]: run the test_* functions of the script in the order they
# are defined (REGEX or $CLIENT_TESTS selects some), then print the plan.
run_tests () {
  local filter=${1:-${CLIENT_TESTS:-}} fn
  echo "# runtime: $RUNTIME ($("$RUNTIME" --version 2> /dev/null | head -n 1))"
  for fn in $(grep -oE '^test_[A-Za-z0-9_]+' "$0"); do
    if [ -n "$filter" ] && ! [[ $fn =~ $filter ]]; then continue; fi
    run_one "$fn"
  done
  echo "1..$TEST_COUNT"
}

# exec_stop_rm NAME: exec into the running container NAME (output, exit
# status, -e/-w/--user), then stop and rm it.
exec_stop_rm () {
  ok_run pm exec "$1" sh -c 'echo exec-ok; cat /proc/1/cmdline | tr "\0" " "'
  assert_contains "$stdout" exec-ok "exec output"
  assert_contains "$stdout" "sleep 1000" "the container's PID 1 seen from exec"
  capture pm exec "$1" sh -c 'exit 3'
  assert_status 3
  ok_run pm exec -e FROM_EXEC=yes -w /tmp --user 1000:1000 "$1" sh -c 'echo "$FROM_EXEC $(pwd) $(id -u)"'
  assert_eq "$stdout" "yes /tmp 1000" "exec with -e, -w and --user"
  ok_run pm stop -t 1 "$1"
  ok_run pm inspect -f '{{.State.Status}}' "$1"
  assert_eq "$stdout" exited "state after stop"
  ok_run pm rm "$1"
  capture pm inspect "$1"
  assert_failed
}
