#!/bin/bash
# Checkpoint and restore with CRIU (runc's `checkpoint` / `restore`): a
# container counting in a loop is dumped, stays stopped, and once restored
# counts on from where it was.  The criu under test is $RUNCGO_TEST_CRIU
# (default: criu from PATH); tests that need a working criu skip, with the
# reason `criu check` gives, when it cannot run on this kernel (Debian
# bookworm's criu 3.17 fails on the vDSO layout of kernels >= 6.13).
. "$(dirname "$0")/../lib/common.sh"

CRIU=${RUNCGO_TEST_CRIU:-criu}
# In some VMs (Firecracker) hardware breakpoints set through ptrace never
# fire, and criu then waits forever for the dumped task to stop; 130 is
# criu's FI_NO_BREAKPOINTS, which makes it single-step with PTRACE_SYSCALL
# instead (a little slower, correct everywhere).  Set CRIU_FAULT= to test
# with breakpoints.
export CRIU_FAULT=${CRIU_FAULT-130}

# criu_usable: skip the test unless criu is installed and `criu check` passes
# (its verdict is kept for the whole suite: it takes a few hundred ms).
criu_usable () {
  local verdict=$SUITE_TMP/criu-check
  if [ ! -f "$verdict" ]; then
    if ! command -v "$CRIU" > /dev/null; then
      echo "criu is not installed (apt-get install criu)" > "$verdict"
    elif ! "$CRIU" check > "$SUITE_TMP/criu-check.log" 2>&1; then
      echo "'$CRIU check' fails: $(grep -m1 'Error' "$SUITE_TMP/criu-check.log" || tail -n 1 "$SUITE_TMP/criu-check.log")" > "$verdict"
    else
      : > "$verdict"
    fi
  fi
  [ ! -s "$verdict" ] || skip "$(cat "$verdict")"
}

# crt ARGS...: the runtime with the criu under test.
crt () {
  rt --criu "$(command -v "$CRIU")" "$@"
}

# counting_bundle [LIMIT]: $BUNDLE counts into /tmp/count every 0.1 s (with
# LIMIT: up to LIMIT, then exits 7); /tmp is $SHARED on the host.  Each
# number is written aside and renamed into place: a dump that catches the
# shell between the truncation and the write of `echo > file` would leave
# the file empty until the restore.  The process's stdio goes to the
# container's /dev/null: criu cannot dump files of the host that the
# container cannot see.
counting_bundle () {
  local loop='while true'
  [ -z "${1:-}" ] || loop="while [ \$i -lt $1 ]"
  mkdir -p "$SHARED"
  cfg '.mounts += [{"destination": "/tmp", "type": "bind", "source": $src, "options": ["rbind", "rw"]}]' \
    --arg src "$SHARED"
  cfg_args sh -c "exec < /dev/null > /dev/null 2>&1; i=0; $loop; do i=\$((i + 1)); echo \$i > /tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.1; done; exit 7"
}

# count: the last number the container wrote (waits out a half-written file).
count () {
  local c='' i
  for ((i = 0; i < 50; i++)); do
    c=$(cat "$SHARED/count" 2> /dev/null || true)
    [ -n "$c" ] && break
    sleep 0.02
  done
  echo "$c"
}
count_above () { [ "$(count)" -gt "$1" ]; }
count_changed_from () { [ "$(count)" != "$1" ]; }

# stopped_or_gone ID: runcgo keeps a checkpointed container as stopped (so
# `delete` works and `restore` may reuse the ID); runc deletes it.
assert_stopped_or_gone () {
  local st
  st=$(status_of "$1")
  if is_runc; then
    [ -z "$st" ] || [ "$st" = stopped ] || fail "status after checkpoint: '$st'"
  else
    assert_eq "$st" stopped "status after checkpoint"
  fi
}

checkpoint_counting () {
  start_detached "$CID"
  wait_until "the container to count to 20" count_above 19
  capture crt checkpoint --image-path "$T/img" --work-path "$T/work" "$@" "$CID"
  assert_status 0
}

test_checkpoint_stops_and_restore_counts_on_from_where_it_was () {
  criu_usable
  counting_bundle
  checkpoint_counting
  assert_stopped_or_gone "$CID"
  [ -f "$T/img/inventory.img" ] || fail "no inventory.img in the image directory"
  [ -f "$T/work/dump.log" ] || fail "no dump.log in the work directory"
  local before after
  before=$(count)
  sleep 0.5
  assert_eq "$(count)" "$before" "the count while checkpointed"
  capture crt restore -d -b "$BUNDLE" --image-path "$T/img" --work-path "$T/work" "$CID"
  assert_status 0
  assert_eq "$(status_of "$CID")" running "status after restore"
  wait_until "the restored container to count" count_changed_from "$before"
  after=$(count)
  # a counter started anew would first write 1, 2, ...: far below $before
  [ "$after" -gt "$before" ] && [ "$after" -le $((before + 10)) ] ||
    fail "count after restore: $after (it was $before at the checkpoint)"
  kill -0 "$(pid_of "$CID")" || fail "the pid in state is not alive"
  capture rt exec "$CID" cat /tmp/count
  assert_status 0
  capture rt delete -f "$CID"
  assert_status 0
}

test_checkpointed_container_can_be_deleted () {
  criu_usable
  runc_differs "runc deletes the container at checkpoint time"
  counting_bundle
  checkpoint_counting
  capture rt delete "$CID"
  assert_status 0
  capture rt state "$CID"
  assert_contains "$output" "does not exist" "state after delete"
}

test_checkpoint_leave_running_keeps_counting () {
  criu_usable
  counting_bundle
  checkpoint_counting --leave-running
  assert_eq "$(status_of "$CID")" running "status after checkpoint --leave-running"
  local c
  c=$(count)
  wait_until "the count to go on" count_above "$c"
  [ -f "$T/img/inventory.img" ] || fail "no inventory.img in the image directory"
  capture rt delete -f "$CID"
  assert_status 0
}

test_restore_writes_pid_file_and_state () {
  criu_usable
  counting_bundle
  checkpoint_counting
  capture crt restore -d -b "$BUNDLE" --image-path "$T/img" --work-path "$T/work" --pid-file "$T/pid" "$CID"
  assert_status 0
  assert_eq "$(cat "$T/pid")" "$(pid_of "$CID")" "--pid-file against state"
  assert_eq "$(rt state "$CID" | jq -r .bundle)" "$BUNDLE" "bundle in state"
  capture rt kill "$CID" KILL
  assert_status 0
  wait_status "$CID" stopped
  capture rt delete "$CID"
  assert_status 0
}

test_restore_in_foreground_waits_and_returns_the_exit_status () {
  criu_usable
  counting_bundle 40
  checkpoint_counting
  capture crt restore -b "$BUNDLE" --image-path "$T/img" --work-path "$T/work" "$CID"
  assert_status 7
  assert_eq "$(count)" 40 "the count at exit"
  capture rt state "$CID"
  assert_status 1
  assert_contains "$output" "does not exist" "state after a foreground restore"
}

test_pre_dump_then_dump_with_parent_restores () {
  criu_usable
  # pre-dump and --parent-path need the kernel's memory tracking
  "$CRIU" check --feature mem_dirty_track > /dev/null 2>&1 ||
    skip "criu cannot track memory changes here (kernel without CONFIG_MEM_SOFT_DIRTY)"
  counting_bundle
  start_detached "$CID"
  wait_until "the container to count to 10" count_above 9
  capture crt checkpoint --pre-dump --image-path "$T/pre" --work-path "$T/work" "$CID"
  assert_status 0
  assert_eq "$(status_of "$CID")" running "status after --pre-dump"
  capture crt checkpoint --image-path "$T/img" --work-path "$T/work" --parent-path ../pre "$CID"
  assert_status 0
  assert_stopped_or_gone "$CID"
  local before
  before=$(count)
  capture crt restore -d -b "$BUNDLE" --image-path "$T/img" --work-path "$T/work" "$CID"
  assert_status 0
  wait_until "the restored container to count" count_above "$before"
  capture rt delete -f "$CID"
  assert_status 0
}

# The flags that only pass through to criu (their encoding is checked in
# tests/unit/test_criu_rpc.c): criu takes them and the container counts on.
test_pass_through_flags_are_taken_by_criu () {
  criu_usable
  counting_bundle
  start_detached "$CID"
  wait_until "the container to count to 10" count_above 9
  capture crt checkpoint --image-path "$T/img" --work-path "$T/work" --tcp-skip-in-flight --link-remap \
    --auto-dedup --network-lock skip "$CID"
  assert_status 0
  assert_stopped_or_gone "$CID"
  local before
  before=$(count)
  capture crt restore -d -b "$BUNDLE" --image-path "$T/img" --work-path "$T/work" --tcp-close --auto-dedup \
    --network-lock skip "$CID"
  assert_status 0
  wait_until "the restored container to count" count_above "$before"
  capture rt delete -f "$CID"
  assert_status 0
}

# tool NAME: a helper of tests/tools/ (built by `make check`, else here).
tool () {
  local name=$1 t
  for t in ${TOP_BUILDDIR:+"$TOP_BUILDDIR/tests/tools/$name"} "$TOP_SRCDIR/tests/tools/$name"; do
    if [ -x "$t" ]; then echo "$t"; return 0; fi
  done
  t=$SUITE_TMP/tools/$name
  if [ ! -x "$t" ]; then
    mkdir -p "$SUITE_TMP/tools"
    gcc -O2 -o "$t.new" "$TOP_SRCDIR/tests/tools/$name.c" >&2 || fail "cannot build tests/tools/$name.c"
    mv "$t.new" "$t"
  fi
  echo "$t"
}

# A terminal container: criu restores its pty with a new master
# ("orphan-pts-master"), which restore hands to --console-socket as create
# does; the shell writes on through it from where it was.
test_restore_sends_the_terminal_to_the_console_socket () {
  criu_usable
  counting_bundle
  cfg '.process.terminal = true'
  cfg_args sh -c 'i=0; while true; do i=$((i + 1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; echo tick-$i; sleep 0.1; done'
  local recvtty first second before
  recvtty=$(tool recvtty)
  "$recvtty" -t 60 -n "$T/info1" -o "$T/out1" "$T/console1.sock" &
  first=$!
  wait_file "$T/console1.sock"
  capture rt create --console-socket "$T/console1.sock" -b "$BUNDLE" "$CID"
  assert_status 0
  capture rt start "$CID"
  assert_status 0
  wait_until "the container to count to 20" count_above 19
  capture crt checkpoint --image-path "$T/img" --work-path "$T/work" "$CID"
  assert_status 0
  wait "$first" || fail "the first console receiver exited with $? (its terminal should have closed)"
  before=$(count)
  "$recvtty" -t 60 -n "$T/info2" -o "$T/out2" "$T/console2.sock" &
  second=$!
  wait_file "$T/console2.sock"
  capture crt restore -d -b "$BUNDLE" --image-path "$T/img" --work-path "$T/work" \
    --console-socket "$T/console2.sock" "$CID"
  assert_status 0
  wait_file "$T/info2"
  assert_match "$(cat "$T/info2")" '^ptn=[0-9]+ ' "what the console socket received after restore"
  wait_until "the restored container to count" count_above "$before"
  capture rt delete -f "$CID"
  assert_status 0
  wait "$second" || fail "the second console receiver exited with $?"
  assert_match "$(tr -d '\r' < "$T/out2")" "^tick-$((before + 1))\$" "what the restored shell wrote on its terminal"
}

test_restore_refuses_a_running_container_of_that_id () {
  criu_usable
  runc_differs "runcgo's own message"
  counting_bundle
  checkpoint_counting --leave-running
  expect_error 'container "'"$CID"'" already exists \(running\)' \
    crt restore -d -b "$BUNDLE" --image-path "$T/img" "$CID"
  assert_eq "$(status_of "$CID")" running "the running container is untouched"
  capture rt delete -f "$CID"
}

test_checkpoint_of_a_stopped_container_fails () {
  runc_differs "runcgo's own message"
  cfg_args true
  capture rt run -d -b "$BUNDLE" "$CID"
  assert_status 0
  wait_status "$CID" stopped
  expect_error 'container "'"$CID"'" is stopped' rt checkpoint --image-path "$T/img" "$CID"
  capture rt delete "$CID"
}

test_checkpoint_without_criu_names_the_package () {
  runc_differs "runcgo's own message"
  counting_bundle
  start_detached "$CID"
  # a PATH without criu (it lives in /usr/sbin)
  expect_error 'needs the `criu` binary, not found in PATH.*apt-get install criu' \
    env PATH=/nonexistent "$RUNCGO" --root "$ROOT" checkpoint --image-path "$T/img" "$CID"
  expect_error 'criu binary `/nonexistent/criu`.*No such file' \
    rt --criu /nonexistent/criu checkpoint --image-path "$T/img" "$CID"
  assert_eq "$(status_of "$CID")" running "status after the failed checkpoint"
  capture rt delete -f "$CID"
}

# fake_criu STATUS: a "criu" that exits at once without answering.
fake_criu () {
  printf '#!/bin/sh\nexit %s\n' "$1" > "$T/fake-criu"
  chmod +x "$T/fake-criu"
}

test_checkpoint_reports_a_criu_that_dies () {
  runc_differs "runcgo's own message"
  counting_bundle
  start_detached "$CID"
  fake_criu 3
  expect_error 'criu dump failed: criu exited without answering \(criu exited with status 3; log: ' \
    rt --criu "$T/fake-criu" checkpoint --image-path "$T/img" "$CID"
  assert_eq "$(status_of "$CID")" running "status after the failed checkpoint"
  capture rt delete -f "$CID"
}

# The failed restore leaves nothing (the leak check: no state, no cgroup, no
# mount) and above all does not touch the rootfs, which was bound on criu's
# root inside the state directory while criu ran.
test_failed_restore_unwinds_and_keeps_the_rootfs () {
  runc_differs "runcgo's own message"
  fake_criu 4
  mkdir "$T/img"
  : > "$T/img/inventory.img"
  expect_error 'criu restore failed: criu exited without answering \(criu exited with status 4; log: ' \
    rt --criu "$T/fake-criu" restore -d -b "$BUNDLE" --image-path "$T/img" "$CID"
  capture rt state "$CID"
  assert_contains "$output" "does not exist" "state after the failed restore"
  [ -x "$BUNDLE/rootfs/bin/busybox" ] || fail "the rootfs lost its files"
}

test_restore_from_an_unknown_image_dir_fails_clearly () {
  runc_differs "runcgo's own message"
  expect_error "--image-path \`$T/no-such-dir\`: No such file or directory" \
    rt restore -d -b "$BUNDLE" --image-path "$T/no-such-dir" "$CID"
  mkdir "$T/empty"
  expect_error "--image-path \`$T/empty\` holds no checkpoint \(no inventory.img\)" \
    rt restore -d -b "$BUNDLE" --image-path "$T/empty" "$CID"
  capture rt state "$CID"
  assert_contains "$output" "does not exist" "state after the failed restores"
}

run_tests
