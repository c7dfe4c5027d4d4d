#!/bin/bash
# crun's annotation run.oci.seccomp.plugins: shared libraries with crun's
# plugin interface (include/runcgo/seccomp_notify_plugin.h) answer the
# SCMP_ACT_NOTIFY syscalls, hosted by helpers/runcgo-seccomp-plugins for as
# long as the filter is in use.  The plugins are tests/tools/seccomp_plugin_test.c
# built three ways (see there what each answers).  Checked from inside busybox
# containers: each kind of answer, the order of the plugins, unhandled
# syscalls, load errors, create/start, run, run -d, exec and rootless, and
# that no helper outlives its container.
. "$(dirname "$0")/../lib/common.sh"

ARCHES='["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"]'
NOTIFIED='["mkdir", "mkdirat", "getppid", "chmod", "fchmodat", "rmdir", "symlink", "symlinkat"]'

# plugin NAME: tests/tools/seccomp_plugin_NAME.so (test, decline, nohandler),
# the one `make check` built, or one built here with gcc.
plugin () {
  local name=seccomp_plugin_$1 t def=
  for t in ${TOP_BUILDDIR:+"$TOP_BUILDDIR/tests/tools/$name.so"} "$TOP_SRCDIR/tests/tools/$name.so"; do
    if [ -f "$t" ]; then echo "$t"; return 0; fi
  done
  case $1 in decline) def=-DPLUGIN_DECLINE ;; nohandler) def=-DPLUGIN_NO_HANDLER ;; esac
  t=$SUITE_TMP/tools/$name.so
  if [ ! -f "$t" ]; then
    mkdir -p "$SUITE_TMP/tools"
    gcc -O2 -shared -fPIC $def -I"$TOP_SRCDIR/include" -o "$t.new" "$TOP_SRCDIR/tests/tools/seccomp_plugin_test.c" >&2 ||
      fail "cannot build $name.so"
    mv "$t.new" "$t"
  fi
  echo "$t"
}

# plugins_profile [-b BUNDLE] NAME...: the NOTIFIED syscalls go to the plugins NAME... (in this order).
plugins_profile () {
  local b=$BUNDLE list= p
  if [ "$1" = -b ]; then b=$2; shift 2; fi
  for p in "$@"; do list=${list:+$list:}$(plugin "$p"); done
  cfg -b "$b" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": $a,
                                 "syscalls": [{"names": $n, "action": "SCMP_ACT_NOTIFY"}]}
               | .annotations["run.oci.seccomp.plugins"] = $p' --argjson a "$ARCHES" --argjson n "$NOTIFIED" \
    --arg p "$list"
}

# The plugins log their calls here (they inherit the runtime's environment).
export SECCOMP_PLUGIN_TEST_LOG
setup_log () { SECCOMP_PLUGIN_TEST_LOG=$T/plugin.log; : > "$SECCOMP_PLUGIN_TEST_LOG"; }

# helpers_of ROOT: PIDs of the plugin helpers of containers under state root ROOT.
helpers_of () { pgrep -f -- "^runcgo-seccomp-plugins .*--state-dir=$1/" || true; }
no_helper_left () {
  local left
  left=$(helpers_of "${1:-$ROOT}")
  [ -z "$left" ] || fail "plugin helpers left: $left ($(ps -o args= -p "${left//$'\n'/,}"))"
}

# helper_gone PID: exited (a zombie its parent, our subreaper, has not reaped yet counts)
helper_gone () {
  local st
  st=$(cut -d' ' -f3 "/proc/$1/stat" 2> /dev/null) || return 0
  [ "$st" = Z ]
}

only_helper_is () { [ "$(helpers_of "$ROOT")" = "$1" ]; }

# recorded_helpers ID: the helpers the state dir of ID records.
recorded_helpers () { cut -d' ' -f1 "$ROOT/$1/seccomp-plugins.pid"; }

PROBE='mkdir /tmp/x 2>&1; echo ppid=$PPID; touch /tmp/f && chmod 600 /tmp/f && ls -l /tmp/f;
       rmdir /tmp/d 2>&1; test -d /tmp/d && echo d-kept; ln -s x /tmp/l 2>&1; true'

# ------------------------------------------------------------------ answers

test_plugin_answers_each_way_from_inside_the_container () {
  runc_differs "crun's annotation"
  setup_log
  plugins_profile test
  mkdir "$BUNDLE/rootfs/tmp/d"
  out=$(inside sh -c "$PROBE")
  # SEND_RESPONSE with an error, and with a value
  assert_contains "$out" "mkdir: can't create directory '/tmp/x': Disk quota exceeded" "mkdir"
  assert_match "$out" '^ppid=4242$' "getppid"
  [ ! -e "$BUNDLE/rootfs/tmp/x" ] || fail "mkdir ran"
  # SEND_RESPONSE_AND_CONTINUE: the kernel ran chmod
  assert_match "$out" '^-rw------- .* /tmp/f$' "chmod"
  # DELAYED_RESPONSE: the plugin answered on the listener itself
  assert_contains "$out" "rmdir: '/tmp/d': Invalid cross-device link" "rmdir"
  assert_match "$out" '^d-kept$' "the directory"
  # nobody's syscall: crun's ENOTSUP
  assert_contains "$out" "ln: /tmp/l: Operation not supported" "symlink"
  no_helper_left
  assert_match "$(tail -n 1 "$SECCOMP_PLUGIN_TEST_LOG")" "^test stop name=$CID-run$" "stop, last"
}

test_plugins_get_the_container_conf () {
  runc_differs "crun's annotation"
  setup_log
  plugins_profile test
  cp "$BUNDLE/config.json" "$T/other.json"
  cfg_args -b "$BUNDLE" true
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$(head -n 1 "$SECCOMP_PLUGIN_TEST_LOG")" \
    "test start root=$ROOT/$CID name=$CID bundle=$BUNDLE config=$BUNDLE/config.json" "conf of run"
  # --config: the file the container was made from
  setup_log
  capture rt run -b "$BUNDLE" --config "$T/other.json" "$CID-2"
  assert_status 0
  assert_eq "$(head -n 1 "$SECCOMP_PLUGIN_TEST_LOG")" \
    "test start root=$ROOT/$CID-2 name=$CID-2 bundle=$BUNDLE config=$T/other.json" "conf of run --config"
  no_helper_left
}

test_first_plugin_that_handles_a_syscall_wins () {
  runc_differs "crun's annotation"
  setup_log
  plugins_profile decline test
  out=$(inside sh -c 'mkdir /tmp/x 2>&1; true')
  assert_contains "$out" "Disk quota exceeded" "mkdir answered by the second plugin"
  # (the shell's getppid and mkdir) each one first to the plugin that declines
  declined=$(grep '^decline request ' "$SECCOMP_PLUGIN_TEST_LOG" | cut -d' ' -f3- | tr '\n' ' ')
  answered=$(grep '^test request ' "$SECCOMP_PLUGIN_TEST_LOG" | cut -d' ' -f3- | tr '\n' ' ')
  assert_ne "$declined" "" "requests the first plugin saw"
  assert_eq "$answered" "$declined" "requests the second plugin saw"
  assert_eq "$(grep -c ' start ' "$SECCOMP_PLUGIN_TEST_LOG")" 2 "plugins started"
  assert_eq "$(grep -c ' stop ' "$SECCOMP_PLUGIN_TEST_LOG")" 2 "plugins stopped"
  # the other way round, the first one answers and the second is not asked
  setup_log
  plugins_profile test decline
  out=$(inside sh -c 'mkdir /tmp/x 2>&1; true')
  assert_contains "$out" "Disk quota exceeded" "mkdir answered by the first plugin"
  assert_eq "$(grep -c '^decline request ' "$SECCOMP_PLUGIN_TEST_LOG")" 0 "requests the second plugin saw"
  no_helper_left
}

test_syscall_no_plugin_handles_fails_with_enotsup () {
  runc_differs "crun's annotation"
  setup_log
  plugins_profile decline
  out=$(inside sh -c 'mkdir /tmp/x 2>&1; touch /tmp/f && echo touch-ok')
  assert_contains "$out" "mkdir: can't create directory '/tmp/x': Operation not supported" "mkdir"
  assert_match "$out" '^touch-ok$' "a syscall outside the filter's notify rules"
  no_helper_left
}

# ------------------------------------------------------------------ lifecycle

test_create_start_exec_and_delete_with_one_helper_per_listener () {
  runc_differs "crun's annotation"
  setup_log
  plugins_profile test
  cfg_args sh -c 'mkdir /tmp/x 2> /tmp/err; sleep 300'
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$(recorded_helpers "$CID")" "$(helpers_of "$ROOT")" "the helper, waiting for the listener"
  init_helper=$(recorded_helpers "$CID")
  capture rt start "$CID"
  assert_status 0
  wait_status "$CID" running
  wait_file "$BUNDLE/rootfs/tmp/err"
  wait_until "mkdir answered" grep -q "Disk quota exceeded" "$BUNDLE/rootfs/tmp/err"
  # exec loads its own filter: a second helper serves its listener
  capture rt exec "$CID" sh -c 'mkdir /tmp/y 2>&1; echo ppid=$PPID'
  assert_status 0
  assert_contains "$stdout" "Disk quota exceeded" "mkdir in exec"
  assert_match "$stdout" '^ppid=4242$' "getppid in exec"
  assert_eq "$(recorded_helpers "$CID" | wc -l)" 2 "helpers recorded"
  # the exec's helper exits with the exec'd process; the init's stays
  wait_until "the exec's helper to exit" only_helper_is "$init_helper"
  capture rt delete -f "$CID"
  assert_status 0
  # delete waits for it: gone when delete returns, and it stopped the plugins
  helper_gone "$init_helper" || fail "helper $init_helper is still there after delete"
  assert_eq "$(grep -c "^test stop name=$CID$" "$SECCOMP_PLUGIN_TEST_LOG")" 2 "stops (init and exec)"
}

test_delete_of_a_container_never_started_stops_its_helper () {
  runc_differs "crun's annotation"
  setup_log
  plugins_profile test
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  helper=$(recorded_helpers "$CID")
  kill -0 "$helper" || fail "no helper after create"
  capture rt delete "$CID"
  assert_status 0
  helper_gone "$helper" || fail "helper $helper is still there after delete"
  assert_match "$(cat "$SECCOMP_PLUGIN_TEST_LOG")" "test stop name=$CID" "stop"
}

# a helper that does not exit by itself (a plugin stuck in its stop) is
# killed by delete all the same
test_delete_ends_a_helper_that_hangs () {
  runc_differs "crun's annotation"
  setup_log
  plugins_profile test
  cfg_args sleep 300
  export SECCOMP_PLUGIN_TEST_HANG_STOP=1
  start_detached "$CID"
  helper=$(recorded_helpers "$CID")
  capture rt delete -f "$CID"
  assert_status 0
  helper_gone "$helper" || fail "helper $helper is still there after delete"
  assert_match "$(cat "$SECCOMP_PLUGIN_TEST_LOG")" "^test stop name=$CID$" "the stop that hung"
}

test_detached_run_keeps_its_helper_until_delete () {
  runc_differs "crun's annotation"
  setup_log
  plugins_profile test
  cfg_args sleep 300
  capture rt run -d -b "$BUNDLE" "$CID"
  assert_status 0
  helper=$(recorded_helpers "$CID")
  capture rt exec "$CID" sh -c 'echo ppid=$PPID'
  assert_match "$stdout" '^ppid=4242$' "getppid in exec"
  kill -0 "$helper" || fail "the helper of run -d is gone while the container runs"
  capture rt delete -f "$CID"
  assert_status 0
  helper_gone "$helper" || fail "helper $helper is still there after delete"
  no_helper_left
}

test_helper_exits_when_the_container_exits () {
  runc_differs "crun's annotation"
  setup_log
  plugins_profile test
  cfg_args sh -c 'echo ppid=$PPID'
  capture rt create -b "$BUNDLE" "$CID"
  helper=$(recorded_helpers "$CID")
  capture rt start "$CID"
  assert_status 0
  wait_status "$CID" stopped
  # no process uses the filter any more: the helper stops the plugins by itself
  wait_until "the helper to exit" helper_gone "$helper"
  assert_match "$(cat "$SECCOMP_PLUGIN_TEST_LOG")" "test stop name=$CID" "stop"
  capture rt delete "$CID"
  assert_status 0
}

test_plugins_for_a_rootless_container () {
  runc_differs "crun's annotation"
  id rtest > /dev/null 2>&1 || skip "no user rtest"
  local u=$T/user ub=$T/user/bundle uroot=$T/user/root p
  mkdir -p "$u" && chown rtest: "$u"
  as_rtest mkdir -p "$ub" "$uroot"
  cp -a "$BUNDLE/rootfs" "$ub/rootfs" && chown -R rtest: "$ub/rootfs"
  (cd "$ub" && as_rtest "$RUNCGO" spec --rootless)
  # the plugins where rtest can read them
  for p in decline test; do cp "$(plugin "$p")" "$u/$p.so"; done
  cfg -b "$ub" '.process.terminal = false | .root = {"path": "rootfs", "readonly": false} | del(.linux.cgroupsPath)
                | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": $a,
                                    "syscalls": [{"names": $n, "action": "SCMP_ACT_NOTIFY"}]}
                | .annotations["run.oci.seccomp.plugins"] = $p' \
    --argjson a "$ARCHES" --argjson n "$NOTIFIED" --arg p "$u/decline.so:$u/test.so"
  cfg_args -b "$ub" sh -c 'mkdir /tmp/x 2>&1; echo ppid=$PPID'
  chown -R rtest: "$u"
  trap "as_rtest $RUNCGO --root $uroot delete -f $CID > /dev/null 2>&1 || true" EXIT
  capture as_rtest SECCOMP_PLUGIN_TEST_LOG="$u/plugin.log" "$RUNCGO" --root "$uroot" run -b "$ub" "$CID"
  assert_status 0
  assert_contains "$stdout" "Disk quota exceeded" "mkdir in a rootless container"
  assert_match "$stdout" '^ppid=4242$' "getppid in a rootless container"
  assert_match "$(cat "$u/plugin.log")" "^test start root=$uroot/$CID name=$CID" "conf"
  no_helper_left "$uroot"
}

# ------------------------------------------------------------------ errors

test_plugin_without_handle_request_fails_create_and_leaves_nothing () {
  runc_differs "crun's annotation"
  setup_log
  plugins_profile test nohandler
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 1
  assert_eq "$stderr" "runcgo: run.oci.seccomp.plugins: \`$(plugin nohandler)\` does not export run_oci_seccomp_notify_handle_request" error
  assert_eq "$(rt list -q)" "" "containers left"
  no_helper_left
  # the plugin started before it was stopped again
  assert_match "$(cat "$SECCOMP_PLUGIN_TEST_LOG")" "^test stop name=$CID$" "the first plugin stopped"
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "does not export run_oci_seccomp_notify_handle_request" "error of run"
}

test_create_that_fails_later_leaves_no_helper () {
  runc_differs "crun's annotation"
  setup_log
  plugins_profile test
  # fails in the init, after the helper was started; and the helper would
  # hang in the plugin's stop if create did not kill it
  export SECCOMP_PLUGIN_TEST_HANG_STOP=1
  cfg '.mounts += [{"destination": "/mnt", "type": "bind", "source": "/nonexistent/source", "options": ["bind"]}]'
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "/nonexistent/source" error
  assert_match "$(cat "$SECCOMP_PLUGIN_TEST_LOG")" "^test start name=|^test start root=$ROOT/$CID " "the helper ran"
  no_helper_left
  assert_eq "$(rt list -q)" "" "containers left"
}

test_plugin_load_errors_name_the_plugin () {
  runc_differs "crun's annotation"
  setup_log
  plugins_profile test
  cfg '.annotations["run.oci.seccomp.plugins"] = $p' --arg p "$T/missing.so"
  expect_error "^runcgo: run.oci.seccomp.plugins: cannot load \`$T/missing.so\`: .*No such file or directory" \
    rt create -b "$BUNDLE" "$CID"
  plugins_profile test
  SECCOMP_PLUGIN_TEST_VERSION=2 expect_error \
    "\`$(plugin test)\`: run_oci_seccomp_notify_version\(\) says version 2; runcgo speaks version 1" \
    rt create -b "$BUNDLE" "$CID"
  # crun's example plugins export the version as run_oci_seccomp_notify_plugin_version
  plugins_profile decline
  SECCOMP_PLUGIN_TEST_VERSION=0 expect_error \
    "\`$(plugin decline)\`: run_oci_seccomp_notify_plugin_version\(\) says version 0" rt create -b "$BUNDLE" "$CID"
  SECCOMP_PLUGIN_TEST_FAIL_START=1 expect_error \
    "\`$(plugin decline)\`: run_oci_seccomp_notify_start failed \(-1: Operation not permitted\)" \
    rt create -b "$BUNDLE" "$CID"
  # exec checks its plugins the same way, and leaves no process behind
  cfg_args sleep 300
  start_detached "$CID"
  capture env SECCOMP_PLUGIN_TEST_FAIL_START=1 "$RUNCGO" --root "$ROOT" exec "$CID" true
  assert_exec_failed "run_oci_seccomp_notify_start failed"
  assert_eq "$(recorded_helpers "$CID" | wc -l)" 1 "helpers recorded"
  # an exec that fails after its helper started takes the helper with it
  # (which would otherwise hang in the plugin's stop)
  capture env SECCOMP_PLUGIN_TEST_HANG_STOP=1 "$RUNCGO" --root "$ROOT" exec "$CID" /nonexistent/binary
  assert_exec_failed "/nonexistent/binary"
  only_helper_is "$(head -n 1 "$ROOT/$CID/seccomp-plugins.pid" | cut -d' ' -f1)" || fail "the failed exec's helper is left"
  capture rt delete -f "$CID"
  assert_eq "$(rt list -q)" "" "containers left"
  no_helper_left
}

test_plugins_annotation_is_checked_before_anything () {
  runc_differs "crun's annotation"
  plugins_profile test
  cfg '.annotations["run.oci.seccomp.plugins"] = "lib/plugin.so"'
  expect_error 'run.oci.seccomp.plugins: `lib/plugin.so` is a relative path \(hint: give an absolute path' \
    rt create -b "$BUNDLE" "$CID"
  cfg '.annotations["run.oci.seccomp.plugins"] = "a.so::b.so"'
  expect_error 'run.oci.seccomp.plugins: empty plugin name in `a.so::b.so`' rt create -b "$BUNDLE" "$CID"
  cfg '.annotations["run.oci.seccomp.plugins"] = ""'
  expect_error 'run.oci.seccomp.plugins: empty' rt create -b "$BUNDLE" "$CID"
  assert_eq "$(rt list -q)" "" "containers left"
}

# crun's rule: the plugins are the agent; a receiver as well is an error
test_plugins_and_a_seccomp_receiver_exclude_each_other () {
  runc_differs "crun's annotation"
  plugins_profile test
  cfg '.linux.seccomp.listenerPath = "/run/agent.sock"'
  expect_error 'run.oci.seccomp.plugins: the seccomp plugins and a seccomp receiver \(linux.seccomp.listenerPath\) cannot be used together' \
    rt create -b "$BUNDLE" "$CID"
  plugins_profile test
  cfg '.annotations["run.oci.seccomp.receiver"] = "/run/agent.sock"'
  expect_error 'seccomp receiver \(run.oci.seccomp.receiver\) cannot be used together' rt create -b "$BUNDLE" "$CID"
  cfg 'del(.annotations["run.oci.seccomp.receiver"])'
  capture env RUN_OCI_SECCOMP_RECEIVER=/run/agent.sock "$RUNCGO" --root "$ROOT" create -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$stderr" "seccomp receiver (RUN_OCI_SECCOMP_RECEIVER) cannot be used together" error
}

test_plugins_without_notify_rules_start_no_helper () {
  runc_differs "crun's annotation"
  plugins_profile nohandler
  cfg '.linux.seccomp.syscalls[0].action = "SCMP_ACT_ERRNO"'
  out=$(inside sh -c 'mkdir /tmp/x 2>&1; true')
  assert_contains "$out" "Operation not permitted" "mkdir under SCMP_ACT_ERRNO"
}

test_features_names_the_plugin_helper () {
  runc_differs "runcgo's helper"
  capture rt features
  assert_status 0
  helper=$(jq -r '.annotations["run.oci.runcgo.seccomp.plugins.helper"]' <<< "$stdout")
  [ -x "$helper" ] || fail "features names no executable plugin helper: '$helper'"
}

run_tests "$@"
