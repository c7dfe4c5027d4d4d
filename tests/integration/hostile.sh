#!/bin/bash
# Hostile and broken input at the command line: configs and process files
# that are invalid, huge, deeply nested, of the wrong type, with NULs,
# negative or overflowing numbers or unknown enum values.  Each must be
# refused with exit status 1 and a message naming the field, leaving nothing
# behind (no state dir, cgroup or process: `refused` checks the state root,
# the leak check after every test checks the rest).  The parser itself is
# fuzzed by fuzz/ (doc/security.md); errors.sh has the everyday errors and
# the unit tests the OCI schema fixtures at the library level.  Last, a
# container `run` under valgrind when it is installed.
. "$(dirname "$0")/../lib/common.sh"

# refused REGEX [CMD...]: CMD (default: create of $BUNDLE) exits 1 with a
# `runcgo: ` message matching REGEX, and creates no container.
refused () {
  local re=$1
  shift
  [ $# -gt 0 ] || set -- rt create -b "$BUNDLE" "$CID"
  expect_error "$re" "$@"
  is_runc || assert_match "$stderr" '^runcgo: ' "the error line"
  [ ! -e "$ROOT/$CID" ] || fail "state dir $ROOT/$CID left behind"
  capture rt list -q
  assert_eq "$stdout" "" "containers after a refused create"
}

# refused_cfg JQ-FILTER REGEX: the bundle's config edited by JQ-FILTER is refused.
refused_cfg () {
  cp "$BUNDLE/config.json" "$T/config.orig"
  cfg "$1"
  refused "$2"
  cp "$T/config.orig" "$BUNDLE/config.json"
}

test_oci_schema_bad_fixtures_are_refused_naming_the_field () {
  # the OCI schema's own bad configs (tests/fixtures/spec/bad): at the CLI,
  # with the field in the message
  local f re
  cp "$BUNDLE/config.json" "$T/config.orig"
  for f in "$TOP_SRCDIR"/tests/fixtures/spec/bad/*.json; do
    case $(basename "$f") in
      invalid-json.json) re='malformed JSON' ;;
      linux-hugepage.json) re='pageSize' ;;
      linux-netdevice.json) re='netDevices.*name|name.*netDevices' ;;
      linux-rdma.json) re='hcaHandles' ;;
      *) fail "new fixture $f: add the field it breaks here" ;;
    esac
    # with this bundle's process and root, so the fixture's own fault is the first
    jq --slurpfile b "$T/config.orig" '. + {process: $b[0].process, root: $b[0].root}' "$f" \
      > "$BUNDLE/config.json" 2> /dev/null || cp "$f" "$BUNDLE/config.json"
    refused "$re"
  done
}

test_huge_config_is_refused_without_reading_it_all () {
  runc_differs "runc reads any size"
  # 64 MiB of valid JSON: refused at the size limit, not parsed
  { printf '{"ociVersion": "1.0.2", "annotations": {"x": "'
    head -c $((64 << 20)) /dev/zero | tr '\0' a
    printf '"}}'; } > "$BUNDLE/config.json"
  local t0=$SECONDS
  refused 'config\.json.*larger than'
  [ $((SECONDS - t0)) -lt 10 ] || fail "refusing a 64 MiB config took $((SECONDS - t0)) s"
}

test_deeply_nested_config_is_refused () {
  runc_differs "runc's decoder has its own depth limit and message"
  local n=100000
  { printf '{"ociVersion": "1.0.2", "annotations": {"x": '
    head -c $n /dev/zero | tr '\0' '['
    head -c $n /dev/zero | tr '\0' ']'
    printf '}}'; } > "$BUNDLE/config.json"
  refused 'malformed JSON.*(depth|deep)'
  { printf '{"ociVersion": "1.0.2", "linux": '
    for ((i = 0; i < 2000; i++)); do printf '{"a": '; done
    printf '1'
    head -c 2001 /dev/zero | tr '\0' '}'
    printf '}'; } > "$BUNDLE/config.json"
  refused 'malformed JSON.*(depth|deep)'
}

test_wrong_json_types_are_refused_naming_the_field () {
  runc_differs "runc names Go struct fields"
  refused_cfg '.process.user.uid = "0"' 'process\.user\.uid.*string'
  refused_cfg '.linux.namespaces = {}' 'linux\.namespaces.*object'
  refused_cfg '.mounts[0] = 5' 'mounts\[0\].*integer'
  refused_cfg '.hostname = 42' 'hostname.*integer'
  refused_cfg '.process.env = [1]' 'process\.env\[0\]'
  refused_cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": true, "soft": 1}]' 'rlimits\[0\]\.hard.*boolean'
  refused_cfg '.linux.resources = []' 'linux\.resources.*array'
  refused_cfg '.root = null' 'root'
  refused_cfg '.process.terminal = "yes"' 'process\.terminal'
  refused_cfg '.linux.resources.memory = {"limit": 1.5}' 'memory\.limit.*non-integer'
}

test_embedded_nul_bytes_are_refused () {
  runc_differs "runc cuts Go strings at nothing and passes NULs on"
  refused_cfg '.process.args = ["sh\u0000-c", "true"]' 'process\.args\[0\].*NUL'
  refused_cfg '.process.cwd = "/tmp\u0000/../etc"' 'process\.cwd.*NUL'
  refused_cfg '.mounts += [{"destination": "/mnt\u0000x", "type": "tmpfs", "source": "tmpfs"}]' 'destination.*NUL'
  refused_cfg '.hostname = "\u0000"' 'hostname.*NUL'
  # a raw NUL byte in the file is not JSON at all
  printf '{"ociVersion": "1.0.2",\0 "root": {"path": "rootfs"}}' > "$BUNDLE/config.json"
  refused 'line 1, column 24.*NUL'
}

test_negative_and_overflowing_numbers_are_refused () {
  runc_differs "runc wraps or clamps some of these"
  refused_cfg '.process.user.uid = -1' 'process\.user\.uid.*-1'
  refused_cfg '.process.user.gid = 4294967296' 'process\.user\.gid.*out of range'
  refused_cfg '.process.user.additionalGids = [-5]' 'additionalGids\[0\]'
  refused_cfg '.process.consoleSize = {"height": -1, "width": 80}' 'consoleSize\.height'
  refused_cfg '.linux.resources.pids = {"limit": 0.5}' 'pids\.limit'
  refused_cfg '.linux.resources.cpu = {"shares": -5}' 'cpu\.shares'
  refused_cfg '.process.oomScoreAdj = -1001' 'oomScoreAdj'
  refused_cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 4294967295, "size": 2}]' 'uidMappings'
  # integers beyond 64 bits never reach jq intact: write them as text
  local big=99999999999999999999999
  sed "s/\"ociVersion\"/\"linux\": {\"resources\": {\"memory\": {\"limit\": $big}}}, &/" "$BUNDLE/config.json" \
    > "$T/c" && mv "$T/c" "$BUNDLE/config.json"
  refused "out of range: $big"
}

test_unknown_enum_values_are_refused () {
  runc_differs "runc ignores or reports some of these differently"
  refused_cfg '.linux.namespaces += [{"type": "bogus"}]' 'namespaces\[[0-9]+\]\.type.*bogus'
  refused_cfg '.linux.rootfsPropagation = "sideways"' 'rootfsPropagation.*sideways'
  refused_cfg '.process.rlimits = [{"type": "RLIMIT_BOGUS", "hard": 1, "soft": 1}]' 'RLIMIT_BOGUS'
  refused_cfg '.process.capabilities.bounding += ["CAP_BOGUS"]' 'CAP_BOGUS'
  refused_cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_BOGUS"}' 'defaultAction.*SCMP_ACT_BOGUS'
  refused_cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_PDP11"]}' \
    'SCMP_ARCH_PDP11'
  refused_cfg '.process.scheduler = {"policy": "SCHED_FASTEST"}' 'SCHED_FASTEST'
  refused_cfg '.process.ioPriority = {"class": "IOPRIO_CLASS_VIP", "priority": 1}' 'IOPRIO_CLASS_VIP'
  refused_cfg '.linux.personality = {"domain": "LINUX128"}' 'LINUX128'
  refused_cfg '.linux.devices = [{"path": "/dev/x", "type": "q", "major": 1, "minor": 1}]' 'devices\[0\]\.type'
}

test_unknown_runcgo_annotation_value_is_refused_and_cleaned_up () {
  runc_differs "a runcgo annotation"
  # read only where an overlay is mounted, inside the init: after the cgroup
  # and the state dir exist, so this checks the clean-up of a late failure
  mkdir -p "$T/lower" "$T/upper" "$T/work"
  cfg '.annotations["run.oci.runcgo.overlay"] = "bogus" | .mounts += [{"destination": "/o", "type": "overlay",
       "source": "overlay", "options": ["lowerdir=\($l)", "upperdir=\($u)", "workdir=\($w)"]}]' \
    --arg l "$T/lower" --arg u "$T/upper" --arg w "$T/work"
  refused 'run\.oci\.runcgo\.overlay.*bogus'
}

test_hostile_process_json_is_refused_by_exec () {
  cfg_args sleep 1000
  start_detached "$CID"
  local p=$T/process.json
  # exit status 255: runc's convention for "exec itself failed"
  exec_refused () {
    capture rt exec -p "$p" "$CID"
    assert_status 255
    assert_match "$output" "$1" "error message"
  }
  printf '{"args": ["true"], "cwd": "/", "user": {"uid": -1, "gid": 0}}' > "$p"
  exec_refused 'process\.user\.uid'
  printf '{"args": ["true"], "cwd": "/", "user": {"uid": 0, "gid": 0}, "env": "PATH=/bin"}' > "$p"
  exec_refused 'process\.env'
  printf '{"args": ["true"], "cwd": "/", "user": {"uid": 0, "gid": 0}, "rlimits": [{"type": "RLIMIT_X"}]}' > "$p"
  exec_refused 'rlimits'
  printf '{"args": ["tr\0ue"], "cwd": "/"}' > "$p"
  exec_refused 'NUL'
  { printf '{"args": '; head -c 100000 /dev/zero | tr '\0' '['; } > "$p"
  exec_refused 'malformed JSON'
  : > "$p"
  exec_refused 'JSON'
  { printf '{"args": ["true"], "cwd": "/", "env": ["X='; head -c $((64 << 20)) /dev/zero | tr '\0' x
    printf '"]}'; } > "$p"
  exec_refused '--process.*larger than'
  # the container is unharmed and runs exactly its init
  assert_eq "$(status_of "$CID")" running "status after refused execs"
  capture rt ps -f json "$CID"
  assert_status 0
  assert_eq "$(jq length <<< "$stdout")" 1 "processes in the container"
  capture rt delete -f "$CID"
  assert_status 0
}

test_run_is_valgrind_clean () {
  runc_differs "valgrind of a Go binary says nothing useful"
  command -v valgrind > /dev/null || skip "valgrind is not installed"
  # (make check-asan: an ASan binary cannot run under valgrind)
  if grep -qa __asan_init "$RUNCGO"; then skip "runcgo is built with AddressSanitizer"; fi
  # memcheck needs malloc & co. in libc.so to replace them: a static runcgo
  # is checked through its dynamic twin (the same objects, Makefile.am)
  local bin=$RUNCGO
  if ! readelf -d "$RUNCGO" 2>/dev/null | grep -q NEEDED; then
    bin=$TOP_BUILDDIR/tests/tools/runcgo-dynamic
    [ -x "$bin" ] || skip "runcgo is static and tests/tools/runcgo-dynamic is not built"
  fi
  # process.rlimits: valgrind keeps fds for itself above the soft NOFILE
  # limit and refuses to let a program raise it, so the test config has none
  cfg 'del(.process.rlimits)'
  # a user namespace (identity-mapped): without one the runtime remaps its
  # own binary (exe_shield.c), which valgrind's mremap does not follow
  cfg_ns_add user
  cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 65536}]
       | .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 65536}]'
  cfg_args sh -c 'echo hello from valgrind'
  local log=$T/valgrind.log
  # the supp file: valgrind 3.19 wrongly insists that mount(2)'s type is a
  # string even for MS_BIND / MS_REMOUNT / propagation changes (NULL there)
  capture timeout -k 5 300 valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --suppressions="$TOP_SRCDIR/tests/lib/valgrind.supp" --log-file="$log" \
    "$bin" --root "$ROOT" run -b "$BUNDLE" "$CID"
  sed -n '1,60s/^/  valgrind| /p' "$log" >&2
  assert_status 0
  assert_eq "$stdout" "hello from valgrind" "container output"
  # every process valgrind saw (runtime and the init until its execve)
  grep -q 'ERROR SUMMARY: 0 errors' "$log" || fail "valgrind wrote no summary"
  if grep -Eq 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|Invalid (read|write)|uninitialised' "$log"; then
    fail "valgrind reported errors (see above)"
  fi
}

run_tests
