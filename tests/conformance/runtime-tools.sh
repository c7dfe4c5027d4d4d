#!/bin/bash
# runtime-tools.sh: the OCI conformance suite (opencontainers/runtime-tools
# validation tests) against runcgo, or any runtime with runc's command line.
#
# It owns: finding the built validation binaries in $RUNTIME_TOOLS_DIR, a
# private state root and cgroup for the whole run, one timed run per test with
# its TAP kept, the clean-up after each test, and the per-test and total
# summary.  It is not part of `make check` (CI has no GitHub access to fetch
# runtime-tools); doc/conformance.md says how to build runtime-tools and run it.
#
#   RUNTIME_TOOLS_DIR=/path/to/runtime-tools tests/conformance/runtime-tools.sh [REGEX]
#
#   RUNTIME_TOOLS_DIR  a checkout where `make runtimetest validation-executables`
#                      was run (needs runtimetest, validation/*/*.t, rootfs-*.tar.gz)
#   RUNCGO             the runtime under test (default: src/runcgo of the build);
#                      RUNCGO=runc or RUNCGO=crun for a comparison
#   CONFORMANCE_TIMEOUT  seconds per test binary (default 300)
#   CONFORMANCE_OUT    where the TAP of each test is kept (default a new
#                      directory under ${TMPDIR:-/tmp}, printed at the end)
#   CONFORMANCE_HIDE_UNIFIED=yes  run in a private mount namespace without the
#                      hybrid layout's cgroup2 mount (crun refuses that layout)
#   REGEX              only the tests whose name matches (e.g. '^linux_cgroups')
#
# The suite's absolute cgroupsPath is /cgrouptest at the root of every
# hierarchy: the run refuses to start if one exists (another run, or a leftover;
# /testdir too, see SUITE_CGROUPS) and removes the ones it made after each
# test.  Relative paths land under this run's own cgroup (runcgo-test-PID, the
# runner moves itself there), removed at the end.
# Exit status: 0 when every test binary passed, 1 otherwise.

if [ -z "${RUNTIME_TOOLS_DIR:-}" ] || [ ! -d "$RUNTIME_TOOLS_DIR" ]; then
  echo "1..0 # SKIP RUNTIME_TOOLS_DIR is not set to a built opencontainers/runtime-tools checkout (see doc/conformance.md)"
  exit 0
fi
RUNTIME_TOOLS_DIR=$(cd "$RUNTIME_TOOLS_DIR" && pwd)
if [ ! -x "$RUNTIME_TOOLS_DIR/runtimetest" ] || ! ls "$RUNTIME_TOOLS_DIR"/validation/*/*.t > /dev/null 2>&1; then
  echo "Bail out! no runtimetest or validation/*/*.t in $RUNTIME_TOOLS_DIR: run 'make runtimetest validation-executables' there"
  exit 1
fi

# crun refuses a hybrid layout whose cgroup2 mount has controllers: hide that
# mount, in a mount namespace of our own only.
if [ "${CONFORMANCE_HIDE_UNIFIED:-no}" = yes ] && [ -z "${CONFORMANCE_INNER:-}" ]; then
  exec env CONFORMANCE_INNER=1 unshare --mount --propagation private -- \
    /bin/bash -c 'umount -l /sys/fs/cgroup/unified || exit 1; exec /bin/bash "$0" "$@"' "$0" "$@"
fi

. "$(dirname "$0")/../lib/common.sh"

FILTER=${1:-}
TIMEOUT=${CONFORMANCE_TIMEOUT:-300}
OUT=${CONFORMANCE_OUT:-}
[ -n "$OUT" ] || OUT=$(mktemp -d "${TMPDIR:-/tmp}/runcgo-conformance.XXXXXX")
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)

# ------------------------------------------------------------------ cgroups
# The hierarchies mounted under /sys/fs/cgroup (v1 controllers and/or v2).
cgroup_mounts () {
  awk '$5 ~ "^/sys/fs/cgroup" && ($9 == "cgroup" || $9 == "cgroup2") { print $5 }' /proc/self/mountinfo
}

# The suite's cgroupsPath values are /cgrouptest and testdir/cgrouptest/container;
# a runtime that resolves the relative one from the root makes /testdir.
SUITE_CGROUPS="cgrouptest testdir"
abs_test_cgroups () {
  local m n
  for m in $(cgroup_mounts); do
    for n in $SUITE_CGROUPS; do
      [ -d "$m/$n" ] && echo "$m/$n"
    done
  done
  return 0
}

# With the cgroup2 mount hidden, a runtime that still writes there (crun:
# <id>/cgroup.procs) writes into the tmpfs underneath, seen by this mount
# namespace only: whatever appears there during the run is the run's.
HIDDEN_UNIFIED=
if [ -n "${CONFORMANCE_INNER:-}" ] && [ "$(stat -f -c %T /sys/fs/cgroup/unified 2> /dev/null)" = tmpfs ]; then
  HIDDEN_UNIFIED=/sys/fs/cgroup/unified
  HIDDEN_BEFORE=$(ls -A "$HIDDEN_UNIFIED")
fi
remove_hidden_unified_writes () {
  local e
  [ -n "$HIDDEN_UNIFIED" ] || return 0
  for e in "$HIDDEN_UNIFIED"/* "$HIDDEN_UNIFIED"/.[!.]*; do
    [ -e "$e" ] || continue
    grep -Fqx -- "${e##*/}" <<< "$HIDDEN_BEFORE" || rm -rf --one-file-system "$e"
  done
}

# The runner's cgroup in each hierarchy, before it moved ("MOUNT PATH" lines).
ORIG_CGROUPS=
enter_own_cgroup () {
  local m path
  for m in $(cgroup_mounts); do
    path=$(cgroup_of_self "$m") || continue
    ORIG_CGROUPS+="$m $path"$'\n'
    mkdir -p "$m/$CGROUP_PARENT"
    # a new v1 cpuset has no cpus or mems: no task may join it until it does
    if [ -f "$m/$CGROUP_PARENT/cpuset.cpus" ]; then
      cat "$m/cpuset.cpus" > "$m/$CGROUP_PARENT/cpuset.cpus"
      cat "$m/cpuset.mems" > "$m/$CGROUP_PARENT/cpuset.mems"
    fi
    if ! echo $$ > "$m/$CGROUP_PARENT/cgroup.procs"; then
      echo "Bail out! cannot move the runner into $m/$CGROUP_PARENT"
      exit 1
    fi
  done
}

# cgroup_of_self MOUNT: this shell's cgroup in the hierarchy mounted there.
cgroup_of_self () {
  local m=$1 opts key
  if [ "$(stat -f -c %T "$m")" = cgroup2fs ]; then
    key=
  else
    # the controllers (or name=) of this v1 mount, as /proc/self/cgroup lists them
    opts=$(awk -v m="$m" '$5 == m { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 3); exit } }' /proc/self/mountinfo)
    key=$(tr ',' '\n' <<< "$opts" | grep -Ev '^(rw|ro|relatime|noatime|nosuid|nodev|noexec|clone_children|xattr|nsdelegate|memory_recursiveprot)$' | paste -sd, -)
  fi
  awk -F: -v k="$key" '$2 == k { print $3; found = 1; exit } END { exit !found }' /proc/self/cgroup
}

leave_own_cgroup () {
  local m path
  while read -r m path; do
    [ -n "$m" ] && echo $$ > "$m$path/cgroup.procs" 2> /dev/null
  done <<< "$ORIG_CGROUPS"
  return 0
}

runner_finish () {
  leave_own_cgroup
  remove_abs_test_cgroups
  suite_finish
}

remove_abs_test_cgroups () {
  local d
  for d in $(abs_test_cgroups); do
    remove_cgroup_tree "$d" || echo "# warning: could not remove cgroup $d"
  done
  remove_hidden_unified_writes
}

# One run at a time on a machine: they would share /cgrouptest.
exec 9> /run/runcgo-conformance.lock
if ! flock -w 3600 9; then
  echo "Bail out! another conformance run holds /run/runcgo-conformance.lock"
  exit 1
fi
if [ -n "$(abs_test_cgroups)" ]; then
  echo "Bail out! $(abs_test_cgroups | paste -sd' ' -) exists: another conformance run, or a leftover to remove (rmdir)"
  exit 1
fi
trap runner_finish EXIT
enter_own_cgroup

# The suite calls $RUNTIME with runc's command line and no --root: give it one
# that uses this run's own state root.
mkdir -p "$SUITE_TMP/bin"
cat > "$SUITE_TMP/bin/runtime" << EOF
#!/bin/sh
exec "$RUNCGO" --root "$SUITE_TMP/state" "\$@"
EOF
chmod 0755 "$SUITE_TMP/bin/runtime"

# ------------------------------------------------------------------ one test
# tap_counts FILE: "PASS FAIL SKIP TODO PLAN SILENT_ERRORS" of a test's output.
# A test may print several TAP streams (one "TAP version" each): the plans
# add up.  Only top-level lines count (YAML diagnostics are indented), but the
# hook tests report a failure only as a YAML "error" in a stream with plan
# 1..0: those count as SILENT_ERRORS.
tap_counts () {
  awk '/^TAP version/ { err = 0; next }
       /^ok [0-9]+ # [Ss][Kk][Ii][Pp]/ { s++; next }
       /^(not )?ok [0-9]+ # TODO/ { t++; next }
       /^ok [0-9]+/ { p++; next }
       /^not ok [0-9]+/ { f++; next }
       /^ +"error": "[^"]/ { err = 1; next }
       /^1\.\.[0-9]+/ { n = substr($0, 4) + 0; plan += n; if (n == 0 && err) silent++ }
       END { printf "%d %d %d %d %d %d\n", p, f, s, t, plan, silent }' "$1"
}

N=0 FAILED_BINS=0 TOTAL_P=0 TOTAL_F=0 TOTAL_S=0 TOTAL_T=0
run_validation () {
  local bin=$1 name rc=0 p f s t plan verdict note leaks
  name=$(basename "$bin" .t)
  N=$((N + 1))
  # what common.sh's leak_report and cleanup_test look at: the test's
  # directory, the state root, and container IDs (the suite picks UUIDs)
  T=$SUITE_TMP/t$N
  ROOT=$SUITE_TMP/state
  CID=none-
  mkdir -p "$T/tmp"
  # the tests find rootfs-*.tar.gz and runtimetest in the current directory
  (cd "$RUNTIME_TOOLS_DIR" && RUNTIME=$SUITE_TMP/bin/runtime TMPDIR=$T/tmp \
    timeout -k 10 "$TIMEOUT" "$bin" > "$OUT/$name.tap" 2> "$OUT/$name.stderr" < /dev/null) || rc=$?
  read -r p f s t plan silent < <(tap_counts "$OUT/$name.tap")
  verdict="not ok" note=
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    note="timed out after ${TIMEOUT}s"
  elif [ "$rc" != 0 ]; then
    note="exit status $rc"
  elif [ ! -s "$OUT/$name.tap" ]; then
    # The *_fail tests expect `create` to fail and print nothing when it
    # does; every other test prints at least the TAP of runtimetest.
    case $name in
      *_fail) verdict=ok note="no TAP: the expected error happened" ;;
      *) note="no TAP output (the container printed nothing)" ;;
    esac
  elif [ "$f" != 0 ]; then
    :
  elif [ "$silent" != 0 ]; then
    note="error reported as a diagnostic, without a TAP result"
  elif [ "$plan" != $((p + f + s + t)) ]; then
    note="TAP plan $plan for $((p + f + s + t)) results"
  else
    verdict=ok
    [ "$plan" != 0 ] || note="no assertion (plan 1..0) and no error"
  fi
  leaks=$(leak_report)
  [ -z "$leaks" ] || note="${note:+$note; }${leaks//$'\n'/; }"
  cleanup_test > /dev/null 2>&1 || true
  remove_abs_test_cgroups
  [ "$verdict" = ok ] || FAILED_BINS=$((FAILED_BINS + 1))
  TOTAL_P=$((TOTAL_P + p)) TOTAL_F=$((TOTAL_F + f)) TOTAL_S=$((TOTAL_S + s)) TOTAL_T=$((TOTAL_T + t))
  echo "$verdict $N - $name: $p passed, $f failed, $s skipped${note:+ ($note)}"
  if [ "$verdict" != ok ]; then
    # what failed, for the reader: the failing TAP lines and the first stderr lines
    grep '^not ok' "$OUT/$name.tap" | grep -v '# TODO' | head -n 10 | sed 's/^/#   /'
    [ "$silent" = 0 ] || grep -E '^ +"error": "[^"]' "$OUT/$name.tap" | head -n 3 | sed 's/^ */#   diagnostic: /'
    head -n 5 "$OUT/$name.stderr" | sed 's/^/#   stderr: /'
  fi
}

# ------------------------------------------------------------------ run
BINS=("$RUNTIME_TOOLS_DIR"/validation/*/*.t)
SELECTED=()
for bin in "${BINS[@]}"; do
  if [ -z "$FILTER" ] || grep -Eq -- "$FILTER" <<< "$(basename "$bin" .t)"; then
    SELECTED+=("$bin")
  fi
done
echo "# runtime: $RUNCGO ($("$RUNCGO" --version 2> /dev/null | head -n 1))"
echo "# runtime-tools: $RUNTIME_TOOLS_DIR ($(git -C "$RUNTIME_TOOLS_DIR" rev-parse HEAD 2> /dev/null || echo 'not a git checkout'))"
echo "1..${#SELECTED[@]}"
for bin in "${SELECTED[@]}"; do
  run_validation "$bin"
done
echo "# total: $((N - FAILED_BINS))/$N test binaries passed; assertions: $TOTAL_P passed, $TOTAL_F failed, $TOTAL_S skipped, $TOTAL_T todo"
echo "# TAP of each test: $OUT"
[ "$FAILED_BINS" = 0 ]
