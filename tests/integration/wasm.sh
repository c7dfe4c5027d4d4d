#!/bin/bash
# The WebAssembly handler (linux/wasm.c, helpers/runcgo-wasm): a C program
# compiled here to WASI (tests/fixtures/wasm/probe.c) run by `runcgo run` as
# root and as an unprivileged user: its args, env, a file read from the
# rootfs, a file written that the host sees, its exit code; the three
# annotations that select the handler; `..` cannot leave the container; the
# engine runs from a sealed memfd, not the host's file; the errors before
# anything exists (no engine, no module) and a trap's status.
# Needs clang with the wasm32-wasi target and wasi-libc (packages: clang,
# lld, wasi-libc, libclang-rt-dev-wasm32) and wabt's wat2wasm.
. "$(dirname "$0")/../lib/common.sh"

for h in ${RUNCGO_WASM_HELPER:-} ${TOP_BUILDDIR:+"$TOP_BUILDDIR/helpers/runcgo-wasm"} "$TOP_SRCDIR/helpers/runcgo-wasm"; do
  if [ -x "$h" ]; then RUNCGO_WASM_HELPER=$h; break; fi
done
if [ ! -x "${RUNCGO_WASM_HELPER:-}" ]; then
  echo "1..0 # SKIP helpers/runcgo-wasm is not built"
  exit 0
fi
export RUNCGO_WASM_HELPER
PROBE=$SUITE_TMP/probe.wasm
if ! clang --target=wasm32-wasi -O2 -o "$PROBE" "$TOP_SRCDIR/tests/fixtures/wasm/probe.c" > "$SUITE_TMP/clang.log" 2>&1; then
  echo "1..0 # SKIP cannot compile C to wasm32-wasi (packages: clang lld wasi-libc libclang-rt-dev-wasm32): $(head -c 300 "$SUITE_TMP/clang.log")"
  exit 0
fi
if ! command -v wat2wasm > /dev/null; then
  echo "1..0 # SKIP wat2wasm is missing (package: wabt)"
  exit 0
fi

. "$(dirname "$0")/../lib/rootless.sh"

# wasm_bundle [ANNOTATION-JQ]: the probe at /app/probe.wasm of $BUNDLE, a
# line in /etc/probe-in, the handler selected by run.oci.handler (or by the
# annotations given), PROBE_ENV in the environment.
wasm_bundle () {
  install -d "$BUNDLE/rootfs/app"
  cp "$PROBE" "$BUNDLE/rootfs/app/probe.wasm"
  echo from-the-rootfs > "$BUNDLE/rootfs/etc/probe-in"
  cfg "${1:-.annotations[\"run.oci.handler\"] = \"wasm\"} | .process.env += [\"PROBE_ENV=hello wasm\"]"
}

# assert_probe_show CODE: the captured run of `probe show CODE`
assert_probe_show () {
  assert_status "$1"
  assert_contains "$stdout" "argv[0]=/app/probe.wasm" "the module's argv[0]"
  assert_contains "$stdout" "argv[1]=show" "argv[1]"
  assert_contains "$stdout" "env=hello wasm" "process.env"
  assert_contains "$stdout" "read=from-the-rootfs" "a file of the rootfs"
  assert_contains "$stdout" "stat /probe-out: ok" "stat of the written file"
  assert_eq "$(cat "$BUNDLE/rootfs/probe-out")" "written by the module" "the file the module wrote, seen by the host"
  [ -d "$BUNDLE/rootfs/probe-dir" ] || fail "the directory the module made is missing on the host"
}

test_handler_wasm_runs_the_module_with_args_env_files_and_exit_code () {
  runc_differs "runc has no wasm handler"
  wasm_bundle
  cfg_args /app/probe.wasm show 7
  capture rt run -b "$BUNDLE" "$CID"
  assert_probe_show 7
}

test_variant_compat_selects_the_handler () {
  runc_differs "runc has no wasm handler"
  wasm_bundle '.annotations["module.wasm.image/variant"] = "compat"'
  cfg_args /app/probe.wasm show 0
  capture rt run -b "$BUNDLE" "$CID"
  assert_probe_show 0
}

test_variant_compat_smart_runs_wasm_modules_and_native_binaries () {
  runc_differs "runc has no wasm handler"
  wasm_bundle '.annotations["module.wasm.image/variant"] = "compat-smart"'
  cfg_args /app/probe.wasm show 3
  capture rt run -b "$BUNDLE" "$CID"
  assert_probe_show 3
  cfg_args sh -c 'echo native; exit 4'
  capture rt run -b "$BUNDLE" "$CID-native"
  assert_status 4
  assert_eq "$stdout" native "a native args[0] under compat-smart"
}

test_rootless_user_runs_the_module () {
  runc_differs "runc has no wasm handler"
  rl_prepare "$RL_USER"
  wasm_bundle
  chown -R "$RU:$RU" "$BUNDLE/rootfs/app" "$BUNDLE/rootfs/etc/probe-in"
  cfg_args /app/probe.wasm show 5
  capture urt run -b "$BUNDLE" "$CID"
  assert_probe_show 5
  assert_eq "$(stat -c %U "$BUNDLE/rootfs/probe-out")" "$RU" "owner of the written file on the host"
}

test_module_cannot_open_files_above_its_root () {
  runc_differs "runc has no wasm handler"
  wasm_bundle
  echo host-secret > "$BUNDLE/outside-marker"
  echo host-secret > "$T/outside-marker"
  cfg_args /app/probe.wasm escape
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 0
  assert_eq "$(grep -c ': ' <<< "$stdout")" 5 "attempts reported"
  assert_no_match "$stdout" "OPENED|host-secret" "what the module read"
  # refused by the engine (ENOTCAPABLE), not merely absent
  assert_eq "$(grep -c ': Capabilities insufficient$' <<< "$stdout")" 5 "attempts refused as ENOTCAPABLE"
}

test_module_runs_and_stays_confined_under_seccomp_without_openat2 () {
  runc_differs "runc has no wasm handler"
  wasm_bundle
  echo host-secret > "$BUNDLE/outside-marker"
  # as an older seccomp profile that does not know openat2: ENOSYS
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["openat2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
  cfg_args /app/probe.wasm show 0
  capture rt run -b "$BUNDLE" "$CID"
  assert_probe_show 0
  cfg_args /app/probe.wasm escape
  capture rt run -b "$BUNDLE" "$CID-escape"
  assert_status 0
  assert_no_match "$stdout" "OPENED|host-secret" "what the module read"
  # refused by the engine (ENOTCAPABLE), not merely absent
  assert_eq "$(grep -c ': Capabilities insufficient$' <<< "$stdout")" 5 "attempts refused as ENOTCAPABLE"
}

test_engine_runs_from_a_sealed_memfd_not_the_host_file () {
  runc_differs "runc has no wasm handler"
  wasm_bundle
  cfg_args /app/probe.wasm sleep 60
  rt run -d -b "$BUNDLE" "$CID" > /dev/null 2>&1 < /dev/null
  local pid
  pid=$(pid_of "$CID")
  wait_until "the engine exec'd" sh -c "readlink /proc/$pid/exe | grep -q '^/memfd:runcgo-wasm'"
  assert_eq "$(tr '\0' ' ' < "/proc/$pid/cmdline")" "/app/probe.wasm sleep 60 " "the process's command line"
  cmp -s "/proc/$pid/exe" "$RUNCGO_WASM_HELPER" || fail "the memfd does not hold the engine"
  assert_ne "$(stat -L -c %d:%i "/proc/$pid/exe")" "$(stat -c %d:%i "$RUNCGO_WASM_HELPER")" "the engine's inode"
  # sealed: not even root on the host can change it through /proc
  if ( exec 3>> "/proc/$pid/exe" && echo x >&3 ) 2> /dev/null; then
    fail "wrote to the engine's memfd"
  fi
  cmp -s "/proc/$pid/exe" "$RUNCGO_WASM_HELPER" || fail "the memfd changed"
  rt kill "$CID" KILL
  wait_status "$CID" stopped
  rt delete "$CID"
}

# exec into a wasm container: the module runs through the engine too (from
# a sealed memfd), with exec's args, the config's env plus -e, the
# container's root, its cwd (a relative module is found there), and its
# exit code.
test_exec_runs_a_module_through_the_engine () {
  runc_differs "runc has no wasm handler"
  wasm_bundle
  cfg_args /app/probe.wasm sleep 60
  rt run -d -b "$BUNDLE" "$CID" > /dev/null 2>&1 < /dev/null
  capture rt exec "$CID" /app/probe.wasm show 7
  assert_probe_show 7
  rm -rf "$BUNDLE/rootfs/probe-out" "$BUNDLE/rootfs/probe-dir"
  capture rt exec --cwd /app -e PROBE_ENV=from-exec "$CID" probe.wasm show 5
  assert_status 5
  assert_contains "$stdout" "argv[0]=probe.wasm" "the module's argv[0], relative to --cwd"
  assert_contains "$stdout" "env=from-exec" "-e"
  assert_contains "$stdout" "read=from-the-rootfs" "a file of the container's root"
  assert_eq "$(cat "$BUNDLE/rootfs/probe-out")" "written by the module" "the file the module wrote, seen by the host"
  capture rt exec -d --pid-file "$T/exec.pid" "$CID" /app/probe.wasm sleep 60
  assert_status 0
  local pid
  pid=$(cat "$T/exec.pid")
  wait_until "the engine exec'd" sh -c "readlink /proc/$pid/exe | grep -q '^/memfd:runcgo-wasm'"
  assert_eq "$(tr '\0' ' ' < "/proc/$pid/cmdline")" "/app/probe.wasm sleep 60 " "the exec'd process's command line"
  capture rt exec "$CID" /app/missing.wasm
  assert_exec_failed 'wasm handler: module "/app/missing\.wasm": No such file'
  rt delete -f "$CID"
}

# compat-smart decides process by process: an exec of a native binary runs
# natively, of a .wasm module through the engine, whatever the container's
# own process is.
test_exec_in_a_compat_smart_container_runs_natives_natively_and_modules_through_the_engine () {
  runc_differs "runc has no wasm handler"
  wasm_bundle '.annotations["module.wasm.image/variant"] = "compat-smart"'
  cfg_args sleep 60
  rt run -d -b "$BUNDLE" "$CID" > /dev/null 2>&1 < /dev/null
  capture rt exec "$CID" sh -c 'echo native; exit 4'
  assert_status 4
  assert_eq "$stdout" native "a native binary under compat-smart"
  capture rt exec "$CID" /app/probe.wasm show 3
  assert_probe_show 3
  rt delete -f "$CID"
}

test_rootless_user_execs_a_module () {
  runc_differs "runc has no wasm handler"
  rl_prepare "$RL_USER"
  wasm_bundle
  chown -R "$RU:$RU" "$BUNDLE/rootfs/app" "$BUNDLE/rootfs/etc/probe-in"
  cfg_args /app/probe.wasm sleep 60
  urt run -d -b "$BUNDLE" "$CID" > /dev/null 2>&1 < /dev/null
  capture urt exec "$CID" /app/probe.wasm show 6
  assert_probe_show 6
  assert_eq "$(stat -c %U "$BUNDLE/rootfs/probe-out")" "$RU" "owner of the written file on the host"
  urt delete -f "$CID"
}

test_missing_module_fails_create_naming_it () {
  runc_differs "runc has no wasm handler"
  wasm_bundle
  cfg_args /app/missing.wasm
  expect_error 'wasm handler: module "/app/missing\.wasm": No such file' rt create -b "$BUNDLE" "$CID"
  assert_contains "$output" "process.args[0] names the WebAssembly module" "the hint"
  [ -z "$(ls -A "$ROOT" 2> /dev/null)" ] || fail "state left behind: $(ls -A "$ROOT")"
}

test_missing_engine_fails_before_the_container_exists () {
  runc_differs "runc has no wasm handler"
  wasm_bundle
  cfg_args /app/probe.wasm show 0
  RUNCGO_WASM_HELPER=$T/no-such-engine expect_error "WebAssembly engine $T/no-such-engine: No such file" \
    rt run -b "$BUNDLE" "$CID"
  assert_contains "$output" "RUNCGO_WASM_HELPER" "the hint"
  [ -z "$(ls -A "$ROOT" 2> /dev/null)" ] || fail "state left behind: $(ls -A "$ROOT")"
}

test_trap_exits_134_and_names_the_reason () {
  runc_differs "runc has no wasm handler"
  wasm_bundle
  cat > "$T/trap.wat" << 'WAT'
(module
  (func $div (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func (export "_start") (drop (call $div (i32.const 0)))))
WAT
  wat2wasm "$T/trap.wat" -o "$BUNDLE/rootfs/app/trap.wasm"
  cfg_args /app/trap.wasm
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 134
  assert_contains "$stderr" "runcgo-wasm: trap: integer divide by zero in function 0" "the trap message"
}

test_native_args_run_natively_without_annotations () {
  cfg_args sh -c 'exit 9'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 9
}

test_features_report_the_handler () {
  runc_differs "runc has no wasm handler"
  capture "$RUNCGO" features
  assert_status 0
  assert_eq "$(jq -r '.annotations["run.oci.runcgo.wasm"]' <<< "$stdout")" true "run.oci.runcgo.wasm"
  assert_eq "$(jq -r '.annotations["run.oci.runcgo.wasm.helper"]' <<< "$stdout")" "$RUNCGO_WASM_HELPER" "the engine"
  assert_eq "$(jq -c '[.potentiallyUnsafeConfigAnnotations[] | select(. == "run.oci." or . == "module.wasm.image/variant")]' <<< "$stdout")" \
    '["run.oci.","module.wasm.image/variant"]' "the handler annotations as potentially unsafe (run.oci.handler by its prefix)"
}

run_tests
