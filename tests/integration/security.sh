#!/bin/bash
# Security settings of the process (config.md "Linux Process": capabilities,
# noNewPrivileges; config-linux.md "Seccomp"), seen in /proc/self/status and
# in what the container may do.
. "$(dirname "$0")/../lib/common.sh"

# cap_line OUTPUT NAME: the hex value of a Cap* line of /proc/self/status.
cap_line () {
  echo "$1" | awk -v n="$2:" '$1 == n { print $2 }'
}

test_default_capabilities_reach_bounding_permitted_effective () {
  # runc spec: CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10)
  cfg '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c, "ambient": $c}' \
    --argjson c '["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]'
  out=$(inside cat /proc/self/status)
  for set in CapBnd CapPrm CapEff; do
    assert_eq "$(cap_line "$out" $set)" 0000000020000420 "$set"
  done
  assert_eq "$(cap_line "$out" CapInh)" 0000000000000000 "CapInh"
  # (the kernel clears the ambient set when uid 0 execs: see the uid 1000 test)
}

test_spec_default_capabilities_are_the_effective_set () {
  # whatever `spec` writes, the effective set inside is exactly the bounding set
  out=$(inside cat /proc/self/status)
  want=0
  for c in $(jq -r '.process.capabilities.bounding[]' "$BUNDLE/config.json"); do
    case $c in
      CAP_AUDIT_WRITE) want=$((want | 1 << 29)) ;;
      CAP_KILL) want=$((want | 1 << 5)) ;;
      CAP_NET_BIND_SERVICE) want=$((want | 1 << 10)) ;;
      *) skip "spec writes $c, not in this test's table" ;;
    esac
  done
  assert_eq "$(cap_line "$out" CapEff)" "$(printf '%016x' "$want")" "CapEff"
  assert_eq "$(cap_line "$out" CapBnd)" "$(printf '%016x' "$want")" "CapBnd"
}

test_five_capability_sets_are_applied_separately () {
  # As a non-root user the kernel keeps the sets apart after execve:
  # permitted and effective become the ambient set.
  cfg '.process.user = {"uid": 1000, "gid": 1000}
     | .process.capabilities = {"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
                                "inheritable": ["CAP_CHOWN", "CAP_KILL"],
                                "permitted": ["CAP_CHOWN", "CAP_KILL"],
                                "effective": ["CAP_CHOWN", "CAP_KILL"],
                                "ambient": ["CAP_KILL"]}'
  out=$(inside cat /proc/self/status)
  assert_eq "$(cap_line "$out" CapBnd)" 0000000000002021 "CapBnd (CHOWN KILL NET_RAW)"
  assert_eq "$(cap_line "$out" CapInh)" 0000000000000021 "CapInh (CHOWN KILL)"
  assert_eq "$(cap_line "$out" CapPrm)" 0000000000000020 "CapPrm (ambient KILL)"
  assert_eq "$(cap_line "$out" CapEff)" 0000000000000020 "CapEff (ambient KILL)"
  assert_eq "$(cap_line "$out" CapAmb)" 0000000000000020 "CapAmb (KILL)"
}

test_empty_capabilities_drop_everything () {
  cfg '.process.capabilities = {"bounding": [], "effective": [], "permitted": [], "inheritable": [], "ambient": []}'
  out=$(inside sh -c 'cat /proc/self/status; chown 1 /tmp 2>&1 || true')
  for set in CapBnd CapPrm CapEff CapAmb CapInh; do
    assert_eq "$(cap_line "$out" $set)" 0000000000000000 "$set"
  done
  assert_contains "$out" "Operation not permitted" "chown without CAP_CHOWN"
}

test_bounding_set_limits_root () {
  cfg '.process.capabilities = {"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"]}'
  out=$(inside sh -c 'cat /proc/self/status; chown 1 /tmp && echo chown-ok; hostname x 2>&1 || true')
  assert_eq "$(cap_line "$out" CapEff)" 0000000000000001 "CapEff"
  assert_eq "$(cap_line "$out" CapBnd)" 0000000000000001 "CapBnd"
  assert_match "$out" '^chown-ok$' "chown with CAP_CHOWN"
  assert_match "$out" 'hostname: .*(not permitted|denied)' "sethostname without CAP_SYS_ADMIN"
}

test_unknown_capability_is_rejected () {
  cfg '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
  capture rt run -b "$BUNDLE" "$CID"
  runc_differs "runc 1.1 ignores unknown capabilities with a warning"
  assert_status 1
  assert_contains "$output" CAP_NO_SUCH_THING "error message"
}

test_no_new_privileges_sets_the_flag () {
  cfg '.process.noNewPrivileges = true'
  out=$(inside cat /proc/self/status)
  assert_match "$out" '^NoNewPrivs:\s+1$' "NoNewPrivs"
  cfg '.process.noNewPrivileges = false'
  out=$(inside cat /proc/self/status)
  assert_match "$out" '^NoNewPrivs:\s+0$' "NoNewPrivs without noNewPrivileges"
}

SECCOMP_DENY_MKDIR='{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"],
  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]
}'

test_seccomp_errno_makes_mkdir_fail_with_eperm () {
  cfg '.linux.seccomp = $s' --argjson s "$SECCOMP_DENY_MKDIR"
  out=$(inside sh -c 'mkdir /tmp/d 2>&1; test -d /tmp/d && echo created; touch /tmp/f && echo touch-ok; grep "^Seccomp:" /proc/self/status')
  assert_match "$out" "mkdir: can't create directory '/tmp/d': Operation not permitted" "mkdir"
  assert_no_match "$out" '^created$' "mkdir"
  assert_match "$out" '^touch-ok$' "other syscalls"
  assert_match "$out" '^Seccomp:\s+2$' "seccomp mode"
}

test_seccomp_errno_defaults_to_eperm () {
  # no errnoRet: EPERM
  cfg '.linux.seccomp = ($s | .syscalls[0] |= del(.errnoRet))' --argjson s "$SECCOMP_DENY_MKDIR"
  out=$(inside sh -c 'mkdir /tmp/d 2>&1; true')
  assert_contains "$out" "Operation not permitted" "mkdir"
}

test_seccomp_errno_ret_chooses_the_errno () {
  # ENOSPC (28) instead of EPERM
  cfg '.linux.seccomp = ($s | .syscalls[0].errnoRet = 28)' --argjson s "$SECCOMP_DENY_MKDIR"
  out=$(inside sh -c 'mkdir /tmp/d 2>&1; true')
  assert_contains "$out" "No space left on device" "mkdir"
}

test_seccomp_args_filter_matches_one_argument () {
  # kill(pid, SIGUSR1) denied; kill(pid, 0) and kill(pid, SIGUSR2) allowed
  cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
        "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                      "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]}'
  out=$(inside sh -c 'trap "" USR1 USR2; kill -0 $$ && echo sig0-ok; kill -USR2 $$ && echo usr2-ok; kill -USR1 $$ 2>&1 || echo usr1-denied')
  assert_match "$out" '^sig0-ok$' "kill -0"
  assert_match "$out" '^usr2-ok$' "kill -USR2"
  assert_match "$out" '^usr1-denied$' "kill -USR1"
}

test_seccomp_kill_action_kills_with_sigsys () {
  cfg '.linux.seccomp = ($s | .syscalls[0].action = "SCMP_ACT_KILL" | .syscalls[0] |= del(.errnoRet))' \
    --argjson s "$SECCOMP_DENY_MKDIR"
  cfg_args mkdir /tmp/d
  capture rt run -b "$BUNDLE" "$CID"
  # run reports a death by signal N as 128+N: SIGSYS is 31
  assert_status 159
  [ ! -d "$BUNDLE/rootfs/tmp/d" ] || fail "mkdir succeeded"
}

test_seccomp_flags_are_accepted () {
  runc_differs "runc 1.1: 'seccomp flags are not yet supported by runc'"
  cfg '.linux.seccomp = ($s | .flags = ["SECCOMP_FILTER_FLAG_LOG"])' --argjson s "$SECCOMP_DENY_MKDIR"
  out=$(inside sh -c 'mkdir /tmp/d 2>&1; grep "^Seccomp:" /proc/self/status')
  assert_contains "$out" "Operation not permitted" "mkdir"
  assert_match "$out" '^Seccomp:\s+2$' "seccomp mode"
}

test_seccomp_unknown_action_is_rejected () {
  cfg '.linux.seccomp = ($s | .syscalls[0].action = "SCMP_ACT_NO_SUCH")' --argjson s "$SECCOMP_DENY_MKDIR"
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  runc_differs "runc does not name the action"
  assert_contains "$output" SCMP_ACT_NO_SUCH "error message"
}

# The default Docker/Podman profile (366 rules): the first container compiles
# it and stores the BPF under <root>/.cache/seccomp/<sha256>; the next ones
# load that entry.  Both must block what the profile blocks (unshare is not in
# its allow list) and allow the rest.
SECCOMP_DEFAULT=$TOP_SRCDIR/bench/seccomp-default.json

seccomp_cache_entry () {
  find "$ROOT/.cache/seccomp" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{64}' 2> /dev/null
}

default_profile_blocks_unshare () {
  out=$(inside sh -c 'unshare -U true 2>&1 && echo unshare-ok; mkdir /tmp/d && rmdir /tmp/d && echo mkdir-ok; grep "^Seccomp:" /proc/self/status')
  assert_contains "$out" "Operation not permitted" "unshare ($1)"
  assert_no_match "$out" '^unshare-ok$' "unshare ($1)"
  assert_match "$out" '^mkdir-ok$' "mkdir is allowed ($1)"
  assert_match "$out" '^Seccomp:\s+2$' "seccomp mode ($1)"
}

test_seccomp_default_profile_is_cached_and_the_cached_filter_blocks_the_same () {
  runc_differs "runc compiles the filter every time"
  cfg '.linux.seccomp = $p[0]' --slurpfile p "$SECCOMP_DEFAULT"
  [ -z "$(seccomp_cache_entry)" ] || fail "a cache entry before the first run"
  default_profile_blocks_unshare "compiled"
  entry=$(seccomp_cache_entry)
  [ -n "$entry" ] && [ "$(wc -l <<< "$entry")" = 1 ] || fail "one cache entry expected, got: '$entry'"
  assert_eq "$(stat -c %a "$ROOT/.cache/seccomp")" 700 "cache dir mode"
  assert_eq "$(stat -c %a "$entry")" 600 "cache entry mode"
  inode=$(stat -c %i "$entry")
  default_profile_blocks_unshare "from the cache"
  # a hit reads the entry and leaves it alone (a rewrite would be a new inode)
  assert_eq "$(stat -c %i "$entry")" "$inode" "the entry was used, not rewritten"
  assert_eq "$(seccomp_cache_entry)" "$entry" "still one entry"
}

test_seccomp_corrupted_cache_entry_is_detected_and_rewritten () {
  runc_differs "runc has no filter cache"
  cfg '.linux.seccomp = $p[0]' --slurpfile p "$SECCOMP_DEFAULT"
  default_profile_blocks_unshare "compiled"
  entry=$(seccomp_cache_entry)
  [ -n "$entry" ] || fail "no cache entry"
  good=$(sha256sum < "$entry")
  # the last instruction (a return of the default action): make it ALLOW
  size=$(stat -c %s "$entry")
  printf '\x06\x00\x00\x00\x00\x00\xff\x7f' | dd of="$entry" bs=1 seek=$((size - 8)) conv=notrunc status=none
  [ "$(sha256sum < "$entry")" != "$good" ] || fail "the corruption changed nothing"
  default_profile_blocks_unshare "after the corruption"
  assert_eq "$(sha256sum < "$entry")" "$good" "the entry is rewritten with the compiled filter"
  # a truncated entry, too
  truncate -s 100 "$entry"
  default_profile_blocks_unshare "after truncation"
  assert_eq "$(sha256sum < "$entry")" "$good" "the truncated entry is rewritten"
}

run_tests "$@"
