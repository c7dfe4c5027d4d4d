# common.sh: shared code of the integration tests (sourced by tests/integration/*.sh).
#
# It owns: running the script under tests/tools/subreaper, finding the runtime
# ($RUNCGO, any runtime with runc's command line), a TAP runner that runs every
# test_* function of the script in its own subshell with its own state root,
# bundle and container IDs, the leak check after each test (processes, mounts,
# state dirs, cgroups) and the clean-up of whatever a failed test left behind.
#
# A script looks like:
#     . "$(dirname "$0")/../lib/common.sh"
#     test_hostname_is_set () { cfg '.hostname="box"'; out=$(inside hostname); assert_eq "$out" box; }
#     run_tests
# Run one by hand with `RUNCGO=runc tests/integration/cli.sh [REGEX]` (REGEX
# selects test functions).  Every test runs with `set -eEuo pipefail`.

TESTS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$TESTS_LIB/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-}
export TOP_SRCDIR TOP_BUILDDIR

# ------------------------------------------------------------------ subreaper
# Runtimes daemonize container inits; the machine's PID 1 may never reap them.
# Re-execute this script under our own child subreaper (built by `make check`,
# or here with gcc when the script is run by hand from a source tree).
if [ -z "${RUNCGO_REAPED:-}" ]; then
  reaper=
  for r in ${TOP_BUILDDIR:+"$TOP_BUILDDIR/tests/tools/subreaper"} "$TOP_SRCDIR/tests/tools/subreaper"; do
    if [ -x "$r" ]; then reaper=$r; break; fi
  done
  if [ -z "$reaper" ]; then
    RUNCGO_REAPER_TMP=$(mktemp -d "${TMPDIR:-/tmp}/runcgo-subreaper.XXXXXX")
    export RUNCGO_REAPER_TMP
    if ! gcc -O2 -o "$RUNCGO_REAPER_TMP/subreaper" "$TOP_SRCDIR/tests/tools/subreaper.c"; then
      echo "Bail out! cannot build tests/tools/subreaper.c (is gcc installed?)"
      exit 1
    fi
    reaper=$RUNCGO_REAPER_TMP/subreaper
  fi
  exec env RUNCGO_REAPED=1 "$reaper" bash "$0" "$@"
fi
if [ -n "${RUNCGO_REAPER_TMP:-}" ]; then
  rm -rf "$RUNCGO_REAPER_TMP"   # the binary is already running; the file can go
  unset RUNCGO_REAPER_TMP
fi

# ------------------------------------------------------------------ prerequisites
if [ "$(id -u)" != 0 ]; then
  echo "1..0 # SKIP these integration tests run containers as root"
  exit 0
fi
if [ "${RUNCGO_TEST_ROOT:-}" = skip ]; then   # make distcheck, or by hand
  echo "1..0 # SKIP RUNCGO_TEST_ROOT=skip: the tests that need root are skipped"
  exit 0
fi
for tool in jq timeout stat find; do
  if ! command -v "$tool" > /dev/null; then
    echo "Bail out! $tool is required (see README.md for the packages)"
    exit 1
  fi
done

if [ -z "${RUNCGO:-}" ]; then
  for r in ${TOP_BUILDDIR:+"$TOP_BUILDDIR/src/runcgo"} "$TOP_SRCDIR/src/runcgo"; do
    if [ -x "$r" ]; then RUNCGO=$r; break; fi
  done
fi
case ${RUNCGO:-} in
  "") echo "Bail out! set RUNCGO to the runtime to test (no src/runcgo was built)"; exit 1 ;;
  */*) RUNCGO=$(cd "$(dirname "$RUNCGO")" && pwd)/$(basename "$RUNCGO") ;;
  *) RUNCGO=$(command -v "$RUNCGO" || true) ;;
esac
if [ ! -x "$RUNCGO" ]; then
  echo "Bail out! runtime '$RUNCGO' is not executable"
  exit 1
fi
export RUNCGO

# Under make check-asan every ASan/UBSan report goes to a file (log_path in
# ASAN_OPTIONS/UBSAN_OPTIONS, fuzz/fuzz.am) and any file fails the run.  A
# command that runs the runtime in a clean environment (as another user,
# under env -i) passes them on in SANITIZER_ENV: without them a report goes
# to stderr, and a test that expects the runtime to fail takes ASan's exit
# status 1 for the refusal it expects.
SANITIZER_ENV=()
for v in ASAN_OPTIONS UBSAN_OPTIONS; do
  [ -z "${!v:-}" ] || SANITIZER_ENV+=("$v=${!v}")
done

# runc itself is the reference for every behaviour both share; tests of what
# runcgo does differently call runc_differs, which skips them under runc.
RUNTIME_IS_RUNC=0
if "$RUNCGO" --version 2> /dev/null | head -n 1 | grep -q '^runc version'; then
  RUNTIME_IS_RUNC=1
fi

# ------------------------------------------------------------------ suite state
SCRIPT_NAME=$(basename "$0" .sh)
SUITE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/runcgo-it-$SCRIPT_NAME.XXXXXX")
# Containers with a user namespace run as an unprivileged host uid: they must
# be able to walk down to their rootfs.
chmod 0755 "$SUITE_TMP"
CGROUP_PARENT=runcgo-test-$$
BASE_ROOTFS=$SUITE_TMP/rootfs.base
BASE_CONFIG=$SUITE_TMP/config.base.json
TEST_COUNT=0
T=

# The cgroup trees this suite may create and remove: only its own parent under
# every hierarchy that is mounted (v1 controllers and the v2 unified tree).
cgroup_parents () {
  local d
  for d in /sys/fs/cgroup/*/"$CGROUP_PARENT" /sys/fs/cgroup/"$CGROUP_PARENT"; do
    [ -d "$d" ] && echo "$d"
  done
  return 0
}

# rmdir a cgroup tree bottom-up (cgroup dirs are removed with rmdir only).
remove_cgroup_tree () {
  local dir=$1 i
  [ -d "$dir" ] || return 0
  for i in 1 2 3 4 5 6 7 8 9 10; do
    find "$dir" -depth -type d -exec rmdir {} \; 2> /dev/null
    [ -d "$dir" ] || return 0
    sleep 0.1
  done
  return 1
}

suite_finish () {
  local d
  if [ -n "$T" ] && [ -d "$T" ]; then
    cleanup_test > /dev/null 2>&1 || true
  fi
  for d in $(cgroup_parents); do
    remove_cgroup_tree "$d" || echo "# warning: could not remove cgroup $d"
  done
  if awk -v p="$SUITE_TMP/" 'index($5, p) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    echo "# warning: mounts remain under $SUITE_TMP; not removing it"
  else
    rm -rf --one-file-system "$SUITE_TMP"
  fi
}
trap suite_finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ base bundle
# The rootfs is built once per script and copied for each bundle (a 2 MB copy:
# tests may write to their rootfs without affecting others).
if ! "$TESTS_LIB/mkrootfs.sh" "$BASE_ROOTFS" > "$SUITE_TMP/mkrootfs.log" 2>&1; then
  echo "Bail out! mkrootfs.sh failed: $(cat "$SUITE_TMP/mkrootfs.log")"
  exit 1
fi
# config.json comes from the runtime under test, as a user would make it, then
# gets what every test wants: no terminal, a writable root, a harmless command.
if ! (cd "$SUITE_TMP" && mkdir spec && cd spec && "$RUNCGO" spec > "$SUITE_TMP/spec.log" 2>&1 < /dev/null); then
  echo "Bail out! '$RUNCGO spec' failed: $(cat "$SUITE_TMP/spec.log")"
  exit 1
fi
if ! jq '.process.terminal = false | .process.args = ["true"] | .root.readonly = false' \
     "$SUITE_TMP/spec/config.json" > "$BASE_CONFIG"; then
  echo "Bail out! '$RUNCGO spec' wrote no valid config.json"
  exit 1
fi

# ------------------------------------------------------------------ helpers for tests

# fail MESSAGE: end the current test as failed.
fail () {
  echo "FAIL: $*" >&2
  exit 1
}

# skip REASON: end the current test as skipped.
skip () {
  echo "$*" > "$T/.skip"
  exit 0
}

is_runc () { [ "$RUNTIME_IS_RUNC" = 1 ]; }

# runc_differs REASON: from here on the test checks what runcgo does on purpose
# differently from runc; under runc it ends as skipped (what ran before this
# call has been checked against runc too).
runc_differs () {
  if is_runc; then
    skip "runc differs: $*"
  fi
}

# rt ARGS...: the runtime under test with this test's own state root.
rt () {
  timeout -k 5 "${RT_TIMEOUT:-60}" "$RUNCGO" --root "$ROOT" "$@"
}

# as_rtest CMD...: CMD as the unprivileged user rtest (uid 1001) in a clean
# environment.
as_rtest () {
  setpriv --reuid rtest --regid rtest --init-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp \
    XDG_RUNTIME_DIR="/run/user/$(id -u rtest)" "${SANITIZER_ENV[@]}" "$@"
}

# capture CMD...: run CMD with stdin from /dev/null, stdout and stderr into
# files (never pipes: `create` leaves the container holding its stdio), and
# set $status, $stdout, $stderr, $output (both).  Never fails by itself.
CAPTURE_N=0
status=0 stdout='' stderr='' output=''
capture () {
  CAPTURE_N=$((CAPTURE_N + 1))
  local o=$T/.cap$CAPTURE_N.out e=$T/.cap$CAPTURE_N.err
  status=0
  "$@" > "$o" 2> "$e" < /dev/null || status=$?
  stdout=$(cat "$o")
  stderr=$(cat "$e")
  output=$(cat "$o" "$e")
  echo "\$ $* -> $status" >&2
  [ -z "$output" ] || sed -n '1,40s/^/  | /p' <<< "$output" >&2
  return 0
}

assert_eq () {
  [ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

assert_ne () {
  [ "$1" != "$2" ] || fail "${3:-value}: expected something other than '$2'"
}

# assert_match STRING ERE [what]
assert_match () {
  grep -Eq -- "$2" <<< "$1" || fail "${3:-output} does not match /$2/: '$1'"
}

assert_no_match () {
  if grep -Eq -- "$2" <<< "$1"; then
    fail "${3:-output} unexpectedly matches /$2/: '$1'"
  fi
}

# assert_contains STRING SUBSTRING [what]
assert_contains () {
  case $1 in
    *"$2"*) ;;
    *) fail "${3:-output} does not contain '$2': '$1'" ;;
  esac
}

assert_status () {
  [ "$status" = "$1" ] || fail "exit status: expected $1, got $status (output: $output)"
}

# expect_error REGEX CMD...: CMD must exit with status 1 and say REGEX.
expect_error () {
  local re=$1
  shift
  capture "$@"
  assert_status 1
  assert_match "$output" "$re" "error message"
}

# assert_exec_failed REGEX: the captured `exec` failed in the runtime (exit
# 255, runc's code, apart from the process's own statuses) saying REGEX.
assert_exec_failed () {
  [ "$status" = 255 ] || fail "exit status of a failed exec: expected 255, got $status (output: $output)"
  assert_match "$output" "$1" "error message"
}

# cfg [-b BUNDLE] JQ-FILTER [JQ-ARGS...]: edit a bundle's config.json.
cfg () {
  local b=$BUNDLE
  if [ "$1" = -b ]; then b=$2; shift 2; fi
  local f=$1
  shift
  jq "$f" "$b/config.json" "$@" > "$b/config.json.new"
  mv "$b/config.json.new" "$b/config.json"
}

# cfg_args [-b BUNDLE] ARGS...: set process.args.
cfg_args () {
  local b=$BUNDLE
  if [ "$1" = -b ]; then b=$2; shift 2; fi
  jq '.process.args = $ARGS.positional' "$b/config.json" --args -- "$@" > "$b/config.json.new"
  mv "$b/config.json.new" "$b/config.json"
}

# cfg_share [-b BUNDLE] [OPTIONS-JSON]: bind-mount $SHARED (a host directory of
# this test) at /shared in the container, to pass files in and out.
cfg_share () {
  local b=$BUNDLE
  if [ "${1:-}" = -b ]; then b=$2; shift 2; fi
  local opts=${1:-'["rbind","rw"]'}
  mkdir -p "$SHARED"
  cfg -b "$b" '.mounts += [{"destination": "/shared", "type": "bind", "source": $src, "options": $opts}]' \
    --arg src "$SHARED" --argjson opts "$opts"
}

# cfg_overlay MODE DEST: an overlay mount of $T/ov/{lower,upper,work} (given
# relative to the bundle, as the bundle-relative rule says; owned by $RU,
# default root) at DEST, with the annotation run.oci.runcgo.overlay=MODE.
cfg_overlay () {
  local owner=${RU:-root}
  install -d -o "$owner" -g "$owner" "$T/ov" "$T/ov/lower" "$T/ov/upper" "$T/ov/work"
  echo from-lower > "$T/ov/lower/file"
  chown "$owner:$owner" "$T/ov/lower/file"
  cfg '.annotations["run.oci.runcgo.overlay"] = $m
       | .mounts += [{"destination": $d, "type": "overlay", "source": "overlay",
                      "options": ["lowerdir=../ov/lower", "upperdir=../ov/upper", "workdir=../ov/work"]}]' \
    --arg m "$1" --arg d "$2"
}

# cfg_overlay_root MODE: the container's root is an overlay (MODE as for
# cfg_overlay) whose lower layer is a copy of the rootfs plus /file; it is
# the first mount (it would hide those before it).  Run by root ($RU unset
# or root), the container gets /dev/fuse in its device cgroup: the
# fuse-overlayfs daemon is the init's child, inside it.
cfg_overlay_root () {
  cfg_overlay "$1" /
  cfg '.mounts = [.mounts[-1]] + .mounts[:-1] | .root.readonly = false'
  if [ "${RU:-root}" = root ]; then
    cfg '.linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwm"}]'
  fi
  cp -a "$BUNDLE/rootfs/." "$T/ov/lower/"
  chown -R "${RU:-root}:${RU:-root}" "$T/ov/lower"
}

# fuse_daemons: PIDs of the fuse-overlayfs daemons serving this test's
# layers (cfg_overlay), whoever runs them.
fuse_daemons () {
  pgrep -f -- "workdir=$T/" || true
}
no_fuse_daemons () { [ -z "$(fuse_daemons)" ]; }

# cfg_ns_add TYPE / cfg_ns_del TYPE: add or remove a namespace.
cfg_ns_add () {
  local b=$BUNDLE
  if [ "$1" = -b ]; then b=$2; shift 2; fi
  cfg -b "$b" '.linux.namespaces = ([.linux.namespaces[] | select(.type != $t)] + [{"type": $t}])' --arg t "$1"
}
cfg_ns_del () {
  local b=$BUNDLE
  if [ "$1" = -b ]; then b=$2; shift 2; fi
  cfg -b "$b" '.linux.namespaces = [.linux.namespaces[] | select(.type != $t)]' --arg t "$1"
}

# make_bundle DIR: a fresh bundle (own rootfs copy, own cgroup).  The runner
# makes $BUNDLE before every test.
BUNDLE_N=0
make_bundle () {
  local dir=$1
  BUNDLE_N=$((BUNDLE_N + 1))
  mkdir -p "$dir"
  cp -a "$BASE_ROOTFS" "$dir/rootfs"
  jq --arg root "$dir/rootfs" --arg cg "/$CGROUP_PARENT/$CID-b$BUNDLE_N" \
    '.root.path = $root | .linux.cgroupsPath = $cg' "$BASE_CONFIG" > "$dir/config.json"
}

# inside ARGS...: run ARGS in a container of $BUNDLE with `run`; print its
# stdout; fail the test (showing stderr) unless it exits 0.
inside () {
  cfg_args "$@"
  local o=$T/.inside.out e=$T/.inside.err st=0
  rt run -b "$BUNDLE" "$CID-run" > "$o" 2> "$e" < /dev/null || st=$?
  if [ "$st" != 0 ]; then
    sed 's/^/  | /' "$o" "$e" >&2
    fail "container '$*' exited with $st"
  fi
  cat "$o"
}

# status_of ID: the status field of `state ID` ("" when it fails).
# pid_of ID: its pid field.
status_of () {
  rt state "$1" 2> /dev/null | jq -r .status 2> /dev/null || true
}
pid_of () {
  rt state "$1" | jq -r .pid
}

# wait_until DESCRIPTION CMD...: poll CMD (every 20 ms, at most 10 s).
wait_until () {
  local what=$1 i
  shift
  for ((i = 0; i < 500; i++)); do
    if "$@"; then return 0; fi
    sleep 0.02
  done
  fail "timed out waiting for $what"
}

pid_gone () { ! kill -0 "$1" 2> /dev/null; }
wait_file () { wait_until "file $1" test -e "$1"; }

# wait_status ID STATUS: poll `state` until the container has STATUS.
wait_status () {
  local i
  for ((i = 0; i < 500; i++)); do
    [ "$(status_of "$1")" = "$2" ] && return 0
    sleep 0.02
  done
  fail "timed out waiting for container $1 to be $2 (it is '$(status_of "$1")')"
}

# start_detached ID [create flags]: create + start a container of $BUNDLE and
# wait until it runs.
start_detached () {
  local id=$1
  shift
  capture rt create -b "$BUNDLE" "$@" "$id"
  assert_status 0
  capture rt start "$id"
  assert_status 0
  wait_status "$id" running
}

# ------------------------------------------------------------------ leak check
# Everything below looks only at what belongs to the current test: its
# directory $T, container IDs starting with $CID and cgroups under
# $CGROUP_PARENT named after them.

# PIDs of processes rooted in one of this test's rootfs dirs or living in one
# of its cgroups.
leaked_pids () {
  local roots
  roots=$(find "$T" -maxdepth 3 -type d -name rootfs -exec stat -c '%d:%i' {} + 2> /dev/null | sort -u)
  {
    if [ -n "$roots" ]; then
      stat -L -c '%d:%i %n' /proc/[0-9]*/root 2> /dev/null |
        awk -v roots="$roots" 'BEGIN { n = split(roots, r, "\n"); for (i = 1; i <= n; i++) want[r[i]] = 1 }
                               ($1 in want) { split($2, p, "/"); print p[3] }'
    fi
    grep -l -- ":/$CGROUP_PARENT/$CID-" /proc/[0-9]*/cgroup 2> /dev/null | cut -d/ -f3
  } | sort -un | while read -r p; do
    # not the suite itself (its cwd may be in $T, never its root)
    [ "$p" != "$$" ] && [ "$p" != "$BASHPID" ] && echo "$p"
  done
  return 0
}

leaked_mounts () {
  awk -v p="$T/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo
}

leaked_state () {
  [ -d "$ROOT" ] || return 0
  # .cache (compiled seccomp filters) belongs to the state root, not to a container
  find "$ROOT" -mindepth 1 -maxdepth 1 -type d ! -name .cache
}

leaked_cgroups () {
  local d
  for d in $(cgroup_parents); do
    find "$d" -mindepth 1 -maxdepth 1 -type d -name "$CID-*"
  done
  return 0
}

# leak_report: print what the test left behind (nothing when clean).  Gives
# processes (and so their cgroups) that are on their way out up to 2 s to go.
leak_report () {
  local i procs cgs mounts state
  for ((i = 0; i < 20; i++)); do
    procs=$(leaked_pids)
    cgs=$(leaked_cgroups)
    [ -z "$procs$cgs" ] && break
    sleep 0.1
  done
  mounts=$(leaked_mounts)
  state=$(leaked_state)
  [ -z "$procs" ] || echo "leaked processes: $(for p in $procs; do printf '%s(%s) ' "$p" "$(tr '\0' ' ' < /proc/$p/cmdline 2> /dev/null)"; done)"
  [ -z "$mounts" ] || echo "leaked mounts: ${mounts//$'\n'/ }"
  [ -z "$state" ] || echo "leaked state dirs: ${state//$'\n'/ }"
  [ -z "$cgs" ] || echo "leaked cgroups: ${cgs//$'\n'/ }"
  return 0
}

# cleanup_test: remove whatever the test left, only its own things.
cleanup_test () {
  local dir p m d i
  for dir in "$ROOT"/* "$ROOT"/.[!.]*; do
    [ -d "$dir" ] || continue
    timeout -k 2 10 "$RUNCGO" --root "$ROOT" delete -f "${dir##*/}" > /dev/null 2>&1 || true
  done
  for ((i = 0; i < 50; i++)); do
    p=$(leaked_pids)
    [ -z "$p" ] && break
    kill -KILL $p 2> /dev/null || true
    sleep 0.05
  done
  for m in $(leaked_mounts | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-); do
    umount -l "$m" 2> /dev/null || true
  done
  for d in $(leaked_cgroups); do
    remove_cgroup_tree "$d" || true
  done
  if [ -d "$ROOT" ]; then
    find "$ROOT" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} + 2> /dev/null || true
  fi
  if [ -z "$(leaked_mounts)" ]; then
    rm -rf --one-file-system "$T"
  fi
}

# ------------------------------------------------------------------ runner

run_one () {
  local fn=$1 rc leaks t0=$EPOCHREALTIME t1 t2
  TEST_COUNT=$((TEST_COUNT + 1))
  T=$SUITE_TMP/t$TEST_COUNT
  ROOT=$T/root
  BUNDLE=$T/bundle
  SHARED=$T/shared
  CID=rcg$$-t$TEST_COUNT
  mkdir -p "$T"
  (
    set -eEuo pipefail
    trap 'echo "  at line $LINENO: $BASH_COMMAND (exit $?)" >&2' ERR
    cd "$T"
    make_bundle "$BUNDLE"
    "$fn"
  ) > "$T/.log" 2>&1 < /dev/null
  rc=$?
  t1=$EPOCHREALTIME
  leaks=$(leak_report)
  if [ "$rc" = 0 ] && [ -z "$leaks" ] && [ -f "$T/.skip" ]; then
    echo "ok $TEST_COUNT - $fn # SKIP $(cat "$T/.skip")"
  elif [ "$rc" = 0 ] && [ -z "$leaks" ]; then
    echo "ok $TEST_COUNT - $fn"
  else
    echo "not ok $TEST_COUNT - $fn"
    sed 's/^/# /' "$T/.log"
    [ -z "$leaks" ] || printf '%s\n' "$leaks" | sed 's/^/# /'
  fi
  if [ -n "$leaks" ]; then
    cleanup_test
  else
    rm -rf --one-file-system "$T"
  fi
  t2=$EPOCHREALTIME
  if [ -n "${RUNCGO_TEST_TIMING:-}" ]; then
    awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "# time: test %.2fs, leak check + cleanup %.2fs\n", b - a, c - b }'
  fi
  T=
}

# run_tests [REGEX]: run the test_* functions of the calling script in the
# order they are defined (REGEX, or $RUNCGO_TESTS, selects some), then print
# the plan.
run_tests () {
  local filter=${1:-${RUNCGO_TESTS:-}} fn
  echo "# runtime: $RUNCGO ($("$RUNCGO" --version 2> /dev/null | head -n 1))"
  for fn in $(grep -oE '^test_[A-Za-z0-9_]+' "$0"); do
    if [ -n "$filter" ] && ! [[ $fn =~ $filter ]]; then continue; fi
    run_one "$fn"
  done
  echo "1..$TEST_COUNT"
}

# tool NAME: a helper program of tests/tools/: the one `make check` built, or
# one built here with gcc (statically: some run inside the busybox rootfs).
tool () {
  local name=$1 t
  for t in ${TOP_BUILDDIR:+"$TOP_BUILDDIR/tests/tools/$name"} "$TOP_SRCDIR/tests/tools/$name"; do
    if [ -x "$t" ]; then echo "$t"; return 0; fi
  done
  t=$SUITE_TMP/tools/$name
  if [ ! -x "$t" ]; then
    mkdir -p "$SUITE_TMP/tools"
    gcc -O2 -static -o "$t.new" "$TOP_SRCDIR/tests/tools/$name.c" >&2 || fail "cannot build tests/tools/$name.c"
    mv "$t.new" "$t"
  fi
  echo "$t"
}
