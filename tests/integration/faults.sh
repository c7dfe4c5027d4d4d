#!/bin/bash
# Faults (issue 7 "Faults and load"): runcgo killed with SIGKILL at each step
# of create, a full disk, a read-only state root, a corrupted or truncated
# state.json.  Whatever happened, `list` and `state` never crash and a later
# `delete -f ID` cleans up fully: the leak check after every test finds no
# process, mount, cgroup or state dir.
#
# The kills need no hook in the product: strace (not following children, so
# only the runtime's own process) delivers SIGKILL on entry to the Nth call
# of a syscall that marks the step (strace(1) -e inject=SET:signal=SIGKILL).
# The rootless kill point runs as a user that the suite creates and removes
# (tests/lib/rootless.sh).
. "$(dirname "$0")/../lib/common.sh"
# one unprivileged user (with subordinate IDs) for the rootless kill points
RL_OPEN_DEVICES=''
. "$(dirname "$0")/../lib/rootless.sh"

command -v strace > /dev/null || STRACE_MISSING=1

# Each state write renames the recovery record, then state.json (state.c),
# trying an exchange first (util.c): the early state's exchanges fail (the
# files are new: renameat2 1 and 2, then renameat 1 and 2), the final state
# (with the pid) is renameat2 3 and 4.
FINAL_STATE_WRITE="renameat2 3"

# The runtime as root (rt), or as the rootless user (RT=urt, AS=as_user).
RT=rt
AS=()

# kill_create_at SYSCALL N: `create` $CID of $BUNDLE, killed on entering the
# Nth SYSCALL of the runtime process; checks it was killed.
kill_create_at () {
  [ -z "${STRACE_MISSING:-}" ] || skip "strace is not installed"
  [ -d "$ROOT" ] || mkdir -p "$ROOT" # no mkdir of the state root: mkdir counts only the cgroup's
  : > "$T/strace.out"
  [ ${#AS[@]} = 0 ] || chown "$RU" "$T/strace.out"
  capture "${AS[@]}" timeout -k 5 60 strace -o "$T/strace.out" -e "inject=$1:signal=SIGKILL:when=$2" \
    "$RUNCGO" --root "$ROOT" create -b "$BUNDLE" "$CID"
  tail -n 3 "$T/strace.out" | sed 's/^/# strace: /' >&2
  grep -q 'killed by SIGKILL' "$T/strace.out" || fail "create was not killed at $1 #$2 (status $status)"
}

# after_kill_cleans_up [STATUS-ERE]: list and state work (the container is
# listed with a status matching STATUS-ERE, default creating, created or
# stopped, or not at all), delete -f succeeds and nothing is left.
after_kill_cleans_up () {
  local want=${1:-creating|created|stopped}
  capture "$RT" list
  assert_status 0
  capture "$RT" list -q
  assert_status 0
  if [ -n "$stdout" ]; then
    assert_eq "$stdout" "$CID" "list -q"
    capture "$RT" state "$CID"
    assert_status 0
    assert_match "$(jq -r .status <<< "$stdout")" "^($want)\$" "status after the kill"
  else
    capture "$RT" state "$CID"
    assert_status 1
    assert_match "$output" "$CID" "error of state"
  fi
  capture "$RT" delete -f "$CID"
  assert_status 0
  [ ! -e "$ROOT/$CID" ] || fail "state dir left: $(ls -A "$ROOT/$CID")"
  capture "$RT" list -q
  assert_eq "$stdout" "" "containers after delete -f"
}

test_kill_after_the_state_dir_is_made () {
  cfg_args sleep 1000
  kill_create_at flock 1
  [ -d "$ROOT/$CID" ] || fail "no state dir: the kill came too early"
  after_kill_cleans_up
}

test_kill_while_cgroup_directories_are_made () {
  cfg_args sleep 1000
  kill_create_at mkdir 3
  after_kill_cleans_up
}

test_kill_after_the_cgroup_before_resources () {
  cfg_args sleep 1000
  # the first write(2) of create is the first cgroup resource file
  kill_create_at write 1
  after_kill_cleans_up
}

test_kill_before_the_first_state_write () {
  cfg_args sleep 1000
  kill_create_at renameat 1
  after_kill_cleans_up
}

test_kill_after_clone_before_the_init_is_released () {
  cfg_args sleep 1000
  # the first message to the init: it exists and sits in its cgroup
  kill_create_at sendto 1
  after_kill_cleans_up
}

test_kill_after_mounts_before_the_final_state_write () {
  cfg_args sleep 1000
  # the init has mounted everything, sent READY and waits for `start`;
  # state.json still has no pid
  kill_create_at $FINAL_STATE_WRITE
  [ "$(rt state "$CID" | jq -r .pid)" = 0 ] || fail "the state has a pid: the kill came too late"
  after_kill_cleans_up
}

test_kill_after_the_final_state_write () {
  cfg_args sleep 1000
  kill_create_at flock 2
  capture rt state "$CID"
  assert_status 0
  assert_eq "$(jq -r .status <<< "$stdout")" created "status"
  after_kill_cleans_up
}

# Rootless without a cgroup (as rootless Podman runs on a v1 or hybrid host):
# nothing but the state names the init.  Killed after the init sent READY
# (it waits for `start`) and before state.json got its pid, the runtime
# leaves a state without pid: the init must go by itself, not wait forever.
test_rootless_without_cgroup_kill_after_ready_before_the_state_write () {
  rl_prepare "$RL_USER"
  RT=urt AS=(as_user "$RU")
  cfg_args sleep 1000
  kill_create_at $FINAL_STATE_WRITE
  # the early state names the cgroup the runtime would have made
  assert_eq "$(find /sys/fs/cgroup -type d -name "$CID")" "" "cgroups of the container"
  [ "$(urt state "$CID" | jq -r .pid)" = 0 ] || fail "the state has a pid: the kill came too late"
  after_kill_cleans_up
  wait_until "the init of the killed create to exit" no_user_process
}

test_kill_of_a_foreground_run_then_delete_cleans_up () {
  cfg_args sleep 1000
  mkdir -p "$ROOT"
  "$RUNCGO" --root "$ROOT" run -b "$BUNDLE" "$CID" > /dev/null 2>&1 < /dev/null &
  local runner=$!
  wait_status "$CID" running
  kill -KILL "$runner"
  wait "$runner" || true
  # the container outlives the runtime that started it (as with runc)
  after_kill_cleans_up running
}

# The container's root on fuse-overlayfs (an overlay on "/", issue 5): the
# runtime killed while the init waits for a createRuntime hook, the daemon
# already serving "/".  The init goes with the runtime (PDEATHSIG until
# READY), the daemon with the init, and delete -f leaves nothing.
test_kill_while_a_fuse_overlayfs_root_is_mounted () {
  runc_differs "runc has no fuse-overlayfs fallback"
  command -v fuse-overlayfs > /dev/null || skip "fuse-overlayfs is not installed"
  cfg_args sleep 1000
  cfg_overlay_root fuse
  cfg '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "echo $$ > \"$0.new\"; mv \"$0.new\" \"$0\"; exec sleep 60", $f]}]' \
    --arg f "$T/hook.pid"
  mkdir -p "$ROOT"
  "$RUNCGO" --root "$ROOT" create -b "$BUNDLE" "$CID" > /dev/null 2>&1 < /dev/null &
  local runtime=$!
  wait_file "$T/hook.pid"
  assert_eq "$(fuse_daemons | wc -l)" 1 "fuse-overlayfs daemons while the hook runs"
  kill -KILL "$runtime"
  wait "$runtime" || true
  kill -KILL "$(cat "$T/hook.pid")" 2> /dev/null || true
  wait_until "the daemon to go with the init" no_fuse_daemons
  after_kill_cleans_up
}

# ------------------------------------------------------------------ state root faults

# tiny_root SIZE: the state root on a tmpfs of SIZE mounted under $T
# (unmounted when the test ends).
tiny_root () {
  mkdir -p "$T/tiny"
  mount -t tmpfs -o "size=$1,nr_inodes=64,mode=0700" runcgo-faults "$T/tiny"
  trap 'umount -l "$T/tiny" 2> /dev/null || true' EXIT
  ROOT=$T/tiny/root
}

# fill DIR: write into DIR until the filesystem (a tiny_root) has neither
# blocks nor inodes left.
fill () {
  dd if=/dev/zero of="$1/filler" bs=4k 2> /dev/null || true
  local i
  for ((i = 0; i < 100; i++)); do : 2> /dev/null > "$1/fill$i" || break; done
}

test_disk_full_create_fails_clearly_and_leaves_nothing () {
  tiny_root 256k
  cfg_args sleep 1000
  mkdir -p "$ROOT"
  fill "$T/tiny"
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 1
  assert_match "$output" "No space left on device" "error"
  assert_match "$output" "$CID|state" "error names what it wrote"
  [ ! -e "$ROOT/$CID" ] || fail "state dir left: $(ls -A "$ROOT/$CID")"
  capture rt delete -f "$CID"
  assert_status 0
}

test_disk_full_after_create_delete_still_removes_the_container () {
  tiny_root 256k
  cfg_args sleep 1000
  start_detached "$CID"
  fill "$T/tiny"
  capture rt state "$CID"
  assert_status 0
  capture rt kill "$CID" KILL
  assert_status 0
  capture rt delete -f "$CID"
  assert_status 0
  [ ! -e "$ROOT/$CID" ] || fail "state dir left"
}

test_read_only_state_root_fails_clearly_and_delete_kills () {
  tiny_root 1m
  cfg_args sleep 1000
  start_detached "$CID"
  pid=$(pid_of "$CID")
  mount -o remount,ro "$T/tiny"
  capture rt create -b "$BUNDLE" "$CID-2"
  assert_status 1
  assert_match "$output" "Read-only file system" "error of create"
  # delete -f cannot remove the state dir, but the container itself goes,
  # and the error says what is left
  capture rt delete -f "$CID"
  assert_status 1
  assert_match "$output" "$CID.*Read-only file system" "error of delete"
  wait_until "the container's init to die" pid_gone "$pid"
  capture rt list
  assert_status 0
  mount -o remount,rw "$T/tiny"
  capture rt delete -f "$CID"
  assert_status 0
  [ ! -e "$ROOT/$CID" ] || fail "state dir left"
}

# corrupt_state HOW: replace state.json of the running $CID.
corrupt_state () {
  local f=$ROOT/$CID/state.json
  case $1 in
    truncated) head -c "$(($(stat -c %s "$f") / 2))" "$f" > "$f.new" && mv "$f.new" "$f" ;;
    empty) : > "$f" ;;
    garbage) head -c 300 /dev/urandom > "$f" ;;
    wrong-types) jq '.pid = "x" | .bundle = 7' "$f" > "$f.new" && mv "$f.new" "$f" ;;
  esac
}

test_corrupted_state_json_errors_clearly_and_delete_removes_everything () {
  cfg_args sleep 1000
  local how pid
  for how in truncated empty garbage wrong-types; do
    start_detached "$CID"
    pid=$(pid_of "$CID")
    corrupt_state "$how"
    capture rt state "$CID"
    assert_status 1
    assert_match "$output" "$CID.*state.json" "error of state ($how)"
    capture rt list
    assert_status 0
    capture rt kill "$CID" KILL
    assert_status 1
    capture rt delete -f "$CID"
    assert_status 0
    wait_until "the init to die ($how)" pid_gone "$pid"
    [ ! -e "$ROOT/$CID" ] || fail "state dir left ($how)"
    [ -z "$(leaked_cgroups)" ] || fail "cgroup left ($how): $(leaked_cgroups)"
  done
}

run_tests "$@"
