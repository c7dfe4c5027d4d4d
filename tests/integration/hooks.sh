#!/bin/bash
# POSIX-platform hooks (config.md "POSIX-platform Hooks"): the six kinds, their
# order, the state on stdin, args and env, timeouts and the failure rules.
. "$(dirname "$0")/../lib/common.sh"

# hook DIR NAME: a hook that saves its stdin to DIR/NAME.json and appends NAME
# to DIR/order.  DIR is a host path except for startContainer, which runs in
# the container after pivot_root (/shared there).
hook () {
  jq -n --arg dir "$1" --arg name "$2" \
    '{"path": "/bin/sh", "args": ["sh", "-c", "cat > \($dir)/\($name).json; echo \($name) >> \($dir)/order"]}'
}

# cfg_all_hooks: one recording hook of each kind.
cfg_all_hooks () {
  cfg_share
  cfg '.hooks = {"prestart": [$pre], "createRuntime": [$cr], "createContainer": [$cc],
                 "startContainer": [$sc], "poststart": [$ps], "poststop": [$pst]}' \
    --argjson pre "$(hook "$SHARED" prestart)" --argjson cr "$(hook "$SHARED" createRuntime)" \
    --argjson cc "$(hook "$SHARED" createContainer)" --argjson sc "$(hook /shared startContainer)" \
    --argjson ps "$(hook "$SHARED" poststart)" --argjson pst "$(hook "$SHARED" poststop)"
}

test_hooks_run_in_lifecycle_order () {
  cfg_all_hooks
  cfg_args sleep 1000
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  after_create=$(tr '\n' ' ' < "$SHARED/order")
  capture rt start "$CID"
  assert_status 0
  wait_until "startContainer and poststart hooks" grep -q poststart "$SHARED/order"
  wait_until "startContainer and poststart hooks" grep -q startContainer "$SHARED/order"
  after_start=$(tr '\n' ' ' < "$SHARED/order")
  capture rt kill "$CID" KILL
  wait_status "$CID" stopped
  [ ! -e "$SHARED/poststop.json" ] || fail "poststop ran before delete"
  capture rt delete "$CID"
  assert_status 0
  after_delete=$(tr '\n' ' ' < "$SHARED/order")
  assert_match "$after_create" "^prestart createRuntime createContainer " "hooks run by create"
  assert_match "$after_delete" " poststop \$" "hooks run by delete"
  runc_differs "runc 1.1 runs poststart hooks during create"
  assert_eq "$after_create" "prestart createRuntime createContainer " "hooks run by create"
  assert_eq "$after_start" "${after_create}startContainer poststart " "hooks run by start"
}

test_hooks_receive_the_state_on_stdin () {
  cfg_all_hooks
  cfg '.annotations = {"org.example": "yes"}'
  cfg_args sleep 1000
  start_detached "$CID"
  wait_until "poststart hook" test -s "$SHARED/poststart.json"
  pid=$(pid_of "$CID")
  capture rt delete -f "$CID"
  assert_status 0
  for h in prestart createRuntime createContainer startContainer poststart poststop; do
    f=$SHARED/$h.json
    [ -s "$f" ] || fail "hook $h got no state"
    echo "$h: $(jq -c . "$f")" >&2
    assert_eq "$(jq -r .id "$f")" "$CID" "id given to $h"
    assert_eq "$(jq -r .bundle "$f")" "$BUNDLE" "bundle given to $h"
    assert_eq "$(jq -r .ociVersion "$f" | cut -c1-2)" "1." "ociVersion given to $h"
    assert_eq "$(jq -r '.annotations["org.example"]' "$f")" yes "annotations given to $h"
  done
  for h in prestart createRuntime poststart; do
    assert_eq "$(jq -r .pid "$SHARED/$h.json")" "$pid" "pid given to $h"
  done
  for h in prestart createRuntime createContainer; do
    assert_eq "$(jq -r .status "$SHARED/$h.json")" creating "status given to $h"
  done
  assert_eq "$(jq -r .status "$SHARED/startContainer.json")" created "status given to startContainer"
  assert_eq "$(jq -r .status "$SHARED/poststop.json")" stopped "status given to poststop"
  runc_differs "runc 1.1 gives the in-namespace pid 1 to createContainer and startContainer, and runs poststart during create"
  for h in createContainer startContainer; do
    assert_eq "$(jq -r .pid "$SHARED/$h.json")" "$pid" "pid given to $h (as seen from the host)"
  done
  assert_eq "$(jq -r .status "$SHARED/poststart.json")" running "status given to poststart"
}

test_hook_gets_its_args_and_env () {
  # busybox picks its applet from argv[0]: "sh" only works if args[0] is argv[0]
  busybox=$(command -v busybox)
  cfg_share
  cfg '.hooks.createRuntime = [{"path": $bb, "args": ["sh", "-c", "echo \"$0 $1 $FOO\" > \($d)/out", "zero", "one"],
                                 "env": ["FOO=bar"]}]' --arg d "$SHARED" --arg bb "$busybox"
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$(cat "$SHARED/out")" "zero one bar" "\$0 \$1 \$FOO in the hook"
  capture rt delete -f "$CID"
  assert_status 0
}

test_create_runtime_hook_failure_fails_create_and_leaves_nothing () {
  cfg '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "echo hook-said-no >&2; exit 3"]}]'
  cfg_args sleep 1000
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 1
  capture rt state "$CID"
  assert_status 1
  assert_contains "$output" "does not exist" "state after the failed create"
  # the leak check after this test verifies: no process, mount, state dir, cgroup
}

test_create_container_hook_failure_fails_create () {
  cfg '.hooks.createContainer = [{"path": "/bin/false"}]'
  cfg_args sleep 1000
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 1
  capture rt state "$CID"
  assert_status 1
}

test_prestart_hook_failure_fails_create () {
  cfg '.hooks.prestart = [{"path": "/bin/false"}]'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  capture rt state "$CID"
  assert_status 1
}

test_start_container_hook_failure_fails_start () {
  cfg_share
  cfg '.hooks.startContainer = [{"path": "/bin/false"}]'
  cfg_args sh -c 'touch /shared/ran'
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  capture rt start "$CID"
  start_status=$status
  wait_status "$CID" stopped
  [ ! -e "$SHARED/ran" ] || fail "process ran although startContainer failed"
  capture rt delete -f "$CID"
  assert_status 0
  runc_differs "runc 1.1 start exits 0 when a startContainer hook fails"
  assert_eq "$start_status" 1 "exit status of start"
}

test_hook_timeout_fails_create () {
  cfg '.hooks.createRuntime = [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]'
  start=$(date +%s)
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 1
  [ $(($(date +%s) - start)) -lt 10 ] || fail "create took $(($(date +%s) - start)) s with a 1 s hook timeout"
  assert_match "$output" '[Tt]ime' "error message"
  capture rt state "$CID"
  assert_status 1
}

# config.md "Poststart": after the process is executed.  The init writes the
# exec fifo's byte before it drops privileges and calls execve: start must
# wait for the hang-up of the fifo, not only for the byte.
test_poststart_hook_runs_after_the_process_is_executed () {
  cfg_share
  cfg '.hooks.poststart = [{"path": "/bin/sh", "args": ["sh", "-c", $cmd]}]' \
    --arg cmd "pid=\$(jq -r .pid); readlink /proc/\$pid/exe > $SHARED/exe"
  cfg_args sleep 1000
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  capture rt start "$CID"
  assert_status 0
  assert_eq "$(cat "$SHARED/exe")" /bin/busybox "executable of the container process seen by the poststart hook"
  capture rt delete -f "$CID"
  assert_status 0
}

# runtime.md, lifecycle step 9 (runtime-spec 1.0.0 only asked for a warning)
test_poststart_hook_failure_fails_start_and_stops_the_container () {
  cfg_share
  cfg '.hooks.poststart = [{"path": "/bin/false"}, $next]' --argjson next "$(hook "$SHARED" poststart2)"
  cfg_args sleep 1000
  runc_differs "runc 1.1 runs poststart hooks during create and fails it"
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  capture rt start "$CID"
  assert_status 1
  assert_match "$output" 'hook poststart\[0\] \(/bin/false\)' "error message"
  assert_eq "$(status_of "$CID")" stopped "status after the failed start"
  [ ! -e "$SHARED/poststart2.json" ] || fail "the hook after the failed one ran"
  capture rt delete "$CID"
  assert_status 0
}

# create stores the poststart hooks in the state: start runs them from there
# and never reads config.json, which may have changed or gone since.
test_start_runs_poststart_hooks_from_the_state_not_the_config () {
  runc_differs "runc 1.1 runs poststart hooks during create"
  cfg_share
  cfg '.hooks.poststart = [$h, {"path": "/bin/false"}]' --argjson h "$(hook "$SHARED" poststart)"
  cfg_args sleep 1000
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  echo 'not json {' > "$BUNDLE/config.json"
  capture rt start "$CID"
  assert_status 1
  assert_match "$output" 'hook poststart\[1\] \(/bin/false\)' "error message"
  [ -s "$SHARED/poststart.json" ] || fail "the poststart hook did not run"
  assert_eq "$(jq -r .status "$SHARED/poststart.json")" running "status given to poststart"
  assert_eq "$(jq -r .id "$SHARED/poststart.json")" "$CID" "id given to poststart"
  assert_eq "$(status_of "$CID")" stopped "status after the failed start"
  capture rt delete "$CID"
  assert_status 0
}

# A state.json from a runcgo that did not store the poststart hooks (no
# "poststart" field): start reads them from the config, as that runcgo did.
test_start_of_an_old_state_reads_the_poststart_hooks_from_the_config () {
  runc_differs "runcgo's own state.json"
  cfg_share
  cfg '.hooks.poststart = [$h]' --argjson h "$(hook "$SHARED" poststart)"
  cfg_args sleep 1000
  capture rt create -b "$BUNDLE" "$CID"
  assert_status 0
  local st=$ROOT/$CID/state.json
  assert_eq "$(jq -c '.poststart | map(.path)' "$st")" '["/bin/sh"]' "poststart hooks in state.json"
  jq -c 'del(.poststart)' "$st" > "$T/old-state.json"
  cat "$T/old-state.json" > "$st"
  capture rt start "$CID"
  assert_status 0
  [ -s "$SHARED/poststart.json" ] || fail "the poststart hook of the config did not run"
  assert_eq "$(jq -r .pid "$SHARED/poststart.json")" "$(pid_of "$CID")" "pid given to poststart"
  capture rt delete -f "$CID"
  assert_status 0
}

test_poststart_hook_failure_fails_run_and_leaves_nothing () {
  cfg '.hooks.poststart = [{"path": "/bin/false"}]'
  cfg_args sleep 1000
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_match "$output" 'hook' "error message"
  capture rt state "$CID"
  assert_status 1
}

test_poststop_hook_runs_on_delete () {
  cfg_share
  cfg '.hooks.poststop = [$h]' --argjson h "$(hook "$SHARED" poststop)"
  cfg_args true
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 0
  [ -s "$SHARED/poststop.json" ] || fail "poststop did not run after run"
  assert_eq "$(jq -r .id "$SHARED/poststop.json")" "$CID" "id given to poststop"
}

test_poststop_hook_failure_does_not_fail_delete () {
  cfg_share
  cfg '.hooks.poststop = [{"path": "/bin/false"}, $next]' --argjson next "$(hook "$SHARED" poststop2)"
  cfg_args sleep 1000
  start_detached "$CID"
  capture rt delete -f "$CID"
  assert_status 0
  capture rt state "$CID"
  assert_status 1
  runc_differs "runc 1.1 stops at the first failing poststop hook"
  [ -e "$SHARED/poststop2.json" ] || fail "the hook after the failed one did not run"
}

# crun's run.oci.hooks.stdout / run.oci.hooks.stderr: every hook's stdout
# and stderr go to these files (appended; created when missing), not to the
# runtime's; startContainer writes there from inside the container.
test_hooks_stdout_and_stderr_annotations_collect_the_hooks_output () {
  runc_differs "crun's annotations"
  local k h hooks='{}'
  for k in prestart createRuntime createContainer startContainer poststart poststop; do
    h=$(jq -n --arg k "$k" '{"path": "/bin/sh", "args": ["sh", "-c", "echo out-\($k); echo err-\($k) >&2"]}')
    hooks=$(jq --arg k "$k" --argjson h "$h" '.[$k] = [$h]' <<< "$hooks")
  done
  echo "old line" > "$T/hooks.out"
  cfg '.hooks = $h | .annotations["run.oci.hooks.stdout"] = $o | .annotations["run.oci.hooks.stderr"] = $e' \
    --argjson h "$hooks" --arg o "$T/hooks.out" --arg e "$T/hooks.err"
  cfg_args true
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 0
  assert_no_match "$output" 'out-|err-' "the runtime's own output"
  assert_eq "$(tr '\n' ' ' < "$T/hooks.out")" \
    "old line out-prestart out-createRuntime out-createContainer out-startContainer out-poststart out-poststop " \
    "run.oci.hooks.stdout"
  assert_eq "$(tr '\n' ' ' < "$T/hooks.err")" \
    "err-prestart err-createRuntime err-createContainer err-startContainer err-poststart err-poststop " \
    "run.oci.hooks.stderr"
}

run_tests "$@"
