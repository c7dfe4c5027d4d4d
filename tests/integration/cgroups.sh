#!/bin/bash
# cgroups: linux.resources checked by effect on this host's hierarchies
# (memory OOM kill, pids.max, cpu quota, freezer, device rules), the commands
# that act on a running container's cgroup (pause, resume, update, ps,
# events, kill --all, delete -f), `features` against the runtime-spec schema,
# and the cgroup v2 paths (eBPF device filter, cgroup.freeze, cgroup.kill) in
# a private mount namespace where /sys/fs/cgroup is a cgroup2 mount.
. "$(dirname "$0")/../lib/common.sh"

# cg_dir CONTROLLER: this bundle's cgroup directory in a v1 hierarchy (or
# "unified" for the cgroup2 one of a hybrid host).
cg_dir () {
  echo "/sys/fs/cgroup/$1$(jq -r .linux.cgroupsPath "$BUNDLE/config.json")"
}

need_v1 () {
  [ -d "/sys/fs/cgroup/$1" ] && [ "$(stat -f -c %T "/sys/fs/cgroup/$1")" = cgroupfs ] ||
    skip "no cgroup v1 $1 hierarchy on this host"
}

# A shell loop that counts into /shared/count: proof of running.
counter_args () {
  cfg_share
  cfg_args sh -c 'i=0; while :; do i=$((i+1)); echo $i > /shared/count; usleep 20000; done'
}
count_now () {
  local v
  v=$(cat "$SHARED/count" 2> /dev/null || true)
  echo "${v:-0}" # empty while the container rewrites it
}
count_above () { [ "$(count_now)" -gt "$1" ]; }
n_procs_is () { [ "$(rt ps -f json "$CID" | jq length)" = "$1" ]; }

# ------------------------------------------------------------------ memory, pids, cpu

test_memory_limit_oom_kills_a_hog () {
  need_v1 memory
  # 32 MiB, no swap on top; the hog holds 200 MB in a shell variable
  cfg '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
  out=$(inside cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
  assert_eq "$out" 33554432 "memory.limit_in_bytes seen inside"
  cfg_args sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived ${#x}'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 137
  assert_no_match "$output" survived "hog output"
  # well below the limit, the same allocation succeeds
  out=$(inside sh -c 'x=$(head -c 1000000 /dev/zero | tr "\0" a); echo ${#x}')
  assert_eq "$out" 1000000 "small allocation"
}

test_pids_limit_stops_a_fork_bomb () {
  need_v1 pids
  cfg '.linux.resources.pids = {"limit": 10}'
  # the forks run in a subshell (a shell whose fork fails gives up), and
  # the results are read with builtins only: no fork is left to spare
  out=$(inside sh -c '(for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do
                         sleep 100 & done) 2> /dev/null
                      cd /sys/fs/cgroup/pids; read m < pids.max; read c < pids.current
                      while read k v; do [ "$k" = max ] && e=$v; done < pids.events
                      echo "$m $c $e"')
  read -r max cur events <<< "$out"
  assert_eq "$max" 10 "pids.max"
  [ "$cur" -le 10 ] || fail "pids.current $cur above the limit"
  [ "$events" -gt 0 ] || fail "no fork was refused (pids.events: $events)"
}

test_cpu_quota_period_shares_read_back_and_throttle () {
  need_v1 cpu
  cfg '.linux.resources.cpu = {"quota": 20000, "period": 100000, "shares": 512}'
  out=$(inside sh -c 'cd /sys/fs/cgroup/cpu && cat cpu.cfs_quota_us cpu.cfs_period_us cpu.shares
                      end=$(($(date +%s) + 2)); while [ $(date +%s) -lt $end ]; do :; done
                      grep nr_throttled cpu.stat')
  assert_eq "$(sed -n 1,3p <<< "$out" | tr '\n' ' ')" "20000 100000 512 " "quota, period, shares"
  throttled=$(sed -n '4s/nr_throttled //p' <<< "$out")
  [ "${throttled:-0}" -gt 0 ] || fail "a busy loop at 20% of a CPU was never throttled ($out)"
}

# ------------------------------------------------------------------ devices

test_device_rules_deny_and_allow () {
  # /dev/fuse (c 10:229) is not among the default devices; opening it needs
  # no capability, so EPERM can only come from the devices cgroup
  cfg '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]'
  cfg_args sh -c ': < /dev/fuse && echo opened'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$output" "Operation not permitted" "open of a device the rules deny"
  cfg '.linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}]'
  out=$(inside sh -c ': < /dev/fuse && echo opened')
  assert_eq "$out" opened "open of an allowed device"
  cfg '.linux.resources.devices += [{"allow": false, "type": "c", "major": 10, "minor": 229, "access": "r"}]'
  cfg_args sh -c ': < /dev/fuse && echo opened'
  capture rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$output" "Operation not permitted" "a later deny rule wins"
}

# ------------------------------------------------------------------ pause, resume

test_pause_freezes_and_resume_thaws () {
  need_v1 freezer
  counter_args
  start_detached "$CID"
  wait_until "the counter to run" count_above 2
  capture rt pause "$CID"
  assert_status 0
  assert_eq "$(status_of "$CID")" paused "status after pause"
  assert_eq "$(cat "$(cg_dir freezer)/freezer.state")" FROZEN "freezer.state"
  a=$(count_now)
  sleep 0.3
  assert_eq "$(count_now)" "$a" "counter while paused"
  capture rt pause "$CID"
  assert_status 1
  capture rt resume "$CID"
  assert_status 0
  assert_eq "$(status_of "$CID")" running "status after resume"
  assert_eq "$(cat "$(cg_dir freezer)/freezer.state")" THAWED "freezer.state after resume"
  wait_until "the counter to move again" count_above "$a"
  capture rt resume "$CID"
  assert_status 1
  is_runc || assert_contains "$output" "is not paused" "resume of a running container"
  capture rt delete -f "$CID"
  assert_status 0
}

# The SIGKILL stays pending in a frozen cgroup: delete -f must thaw it.
test_delete_force_of_a_paused_container_kills_it () {
  cfg_args sh -c 'sleep 1000 & exec sleep 1001'
  start_detached "$CID"
  init=$(pid_of "$CID")
  capture rt pause "$CID"
  assert_status 0
  assert_eq "$(status_of "$CID")" paused "state"
  capture timeout 5 "$RUNCGO" --root "$ROOT" delete -f "$CID"
  assert_status 0
  wait_until "the init gone" pid_gone "$init"
  assert_eq "$(status_of "$CID")" "" "state after delete -f"
}

test_kill_sigkill_of_a_paused_container_kills_it () {
  cfg_args sleep 1000
  start_detached "$CID"
  init=$(pid_of "$CID")
  capture rt pause "$CID"
  assert_status 0
  capture rt kill "$CID" KILL
  assert_status 0
  wait_until "the init gone" pid_gone "$init"
  wait_status "$CID" stopped
  capture rt delete "$CID"
  assert_status 0
}

test_pause_and_resume_of_a_stopped_container_fail () {
  cfg_args sleep 1000
  start_detached "$CID"
  capture rt kill "$CID" KILL
  wait_status "$CID" stopped
  capture rt pause "$CID"
  assert_status 1
  capture rt resume "$CID"
  assert_status 1
  is_runc || assert_contains "$output" "is not running" "resume of a stopped container"
  capture rt pause "$CID-nope"
  assert_status 1
  assert_contains "$output" "does not exist" "pause of an unknown container"
  capture rt delete "$CID"
  assert_status 0
}

test_kill_all_survives_pause () {
  need_v1 freezer
  cfg_args sh -c 'sleep 1000 & sleep 1001 & wait'
  start_detached "$CID"
  capture rt pause "$CID"
  assert_status 0
  capture rt kill --all "$CID" KILL
  assert_status 0
  wait_status "$CID" stopped
  capture rt delete "$CID"
  assert_status 0
}

# ------------------------------------------------------------------ update

test_update_flags_change_the_limits () {
  need_v1 memory
  need_v1 pids
  need_v1 cpu
  cfg '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 100}'
  cfg_args sleep 1000
  start_detached "$CID"
  capture rt update --memory 128m --pids-limit 42 --cpu-quota 30000 --cpu-period 60000 --cpu-share 256 "$CID"
  assert_status 0
  assert_eq "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" 134217728 "memory.limit_in_bytes"
  assert_eq "$(cat "$(cg_dir pids)/pids.max")" 42 "pids.max"
  assert_eq "$(cat "$(cg_dir cpu)/cpu.cfs_quota_us")" 30000 "cpu.cfs_quota_us"
  assert_eq "$(cat "$(cg_dir cpu)/cpu.cfs_period_us")" 60000 "cpu.cfs_period_us"
  assert_eq "$(cat "$(cg_dir cpu)/cpu.shares")" 256 "cpu.shares"
  # a value not given is left as it is
  capture rt update --pids-limit -1 "$CID"
  assert_status 0
  assert_eq "$(cat "$(cg_dir pids)/pids.max")" max "pids.max unlimited"
  assert_eq "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" 134217728 "memory limit untouched"
  capture rt update --memory 12x "$CID"
  assert_status 1
  assert_contains "$output" "memory" "bad size"
  capture rt delete -f "$CID"
  assert_status 0
}

test_update_from_resources_file_and_stdin () {
  need_v1 memory
  cfg_args sleep 1000
  start_detached "$CID"
  echo '{"memory": {"limit": 50331648}, "cpu": {"shares": 300}}' > "$T/res.json"
  capture rt update -r "$T/res.json" "$CID"
  assert_status 0
  assert_eq "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" 50331648 "limit from -r FILE"
  status=0
  echo '{"memory": {"limit": 41943040}}' | rt update -r - "$CID" || status=$?
  assert_eq "$status" 0 "update -r -"
  assert_eq "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" 41943040 "limit from stdin"
  # inside, the container sees its new limit
  out=$(rt exec "$CID" cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
  assert_eq "$out" 41943040 "limit seen inside"
  echo '{"memory": {"limit": "lots"}}' > "$T/bad.json"
  capture rt update -r "$T/bad.json" "$CID"
  assert_status 1
  is_runc || assert_contains "$output" "linux.resources.memory.limit" "error names the field"
  capture rt delete -f "$CID"
  assert_status 0
}

test_update_of_a_stopped_container_fails () {
  cfg_args sleep 1000
  start_detached "$CID"
  capture rt kill "$CID" KILL
  wait_status "$CID" stopped
  capture rt update --memory 64m "$CID"
  assert_status 1
  capture rt delete "$CID"
  assert_status 0
}

# ------------------------------------------------------------------ ps, events

test_ps_lists_every_process () {
  cfg_args sh -c 'sleep 1000 & exec sleep 1001'
  start_detached "$CID"
  init=$(pid_of "$CID")
  wait_until "two processes" n_procs_is 2
  json=$(rt ps -f json "$CID")
  assert_eq "$(jq -r 'map(tostring) | index("'"$init"'") != null' <<< "$json")" true "init in ps -f json"
  capture rt ps "$CID"
  assert_status 0
  assert_match "$(head -n 1 <<< "$stdout")" "PID" "ps header"
  assert_eq "$(wc -l <<< "$stdout")" 3 "header + 2 rows"
  assert_match "$stdout" "sleep 1000" "the background child"
  capture rt ps "$CID" -o pid,comm
  assert_status 0
  assert_eq "$(head -n 1 <<< "$stdout" | tr -s ' ' | sed 's/^ //')" "PID COMMAND" "ps args passed on"
  assert_match "$stdout" "^ *$init sleep$" "row of the init"
  capture rt delete -f "$CID"
  assert_status 0
}

test_events_stats_reports_usage () {
  need_v1 memory
  cfg '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 20}'
  cfg_args sleep 1000
  start_detached "$CID"
  capture rt events --stats "$CID"
  assert_status 0
  assert_eq "$(wc -l <<< "$stdout")" 1 "one line"
  assert_eq "$(jq -r .type <<< "$stdout")" stats "type"
  assert_eq "$(jq -r .id <<< "$stdout")" "$CID" "id"
  assert_eq "$(jq -r '.data.memory.usage.limit' <<< "$stdout")" 67108864 "memory.usage.limit"
  [ "$(jq -r '.data.memory.usage.usage' <<< "$stdout")" -gt 0 ] || fail "no memory usage: $stdout"
  assert_eq "$(jq -r '.data.pids.current' <<< "$stdout")" 1 "pids.current"
  assert_eq "$(jq -r '.data.pids.limit' <<< "$stdout")" 20 "pids.limit"
  [ "$(jq -r '.data.cpu.usage.total' <<< "$stdout")" -gt 0 ] || fail "no cpu usage: $stdout"
  assert_eq "$(jq -r '.data.memory.raw | has("rss")' <<< "$stdout")" true "memory.raw from memory.stat"
  capture rt delete -f "$CID"
  assert_status 0
  capture rt events --stats "$CID"
  assert_status 1
}

test_events_streams_stats_and_oom_until_exit () {
  runc_differs "runc events keeps running until the container is deleted"
  need_v1 memory
  cfg '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
  cfg_args sh -c 'sleep 1; x=$(head -c 200000000 /dev/zero | tr "\0" a)'
  start_detached "$CID"
  capture rt events --interval 200ms "$CID"
  assert_status 0
  assert_match "$stdout" '^\{"type":"stats","id":"'"$CID"'","data":\{' "a stats line"
  assert_contains "$stdout" '{"type":"oom","id":"'"$CID"'"}' "the oom event"
  [ "$(grep -c '"type":"stats"' <<< "$stdout")" -ge 2 ] || fail "fewer than 2 stats events in 1 s at 200ms"
  capture rt delete "$CID"
  assert_status 0
}

test_events_rejects_a_bad_interval () {
  cfg_args sleep 1000
  start_detached "$CID"
  capture rt events --interval 0s "$CID"
  assert_status 1
  capture rt delete -f "$CID"
  assert_status 0
}

# ------------------------------------------------------------------ kill --all, delete -f

test_kill_all_reaches_a_background_child () {
  # pid 1 of the namespace ignores TERM (no handler): only --all ends the
  # container, by killing the child it waits for
  cfg_args sh -c 'sleep 1000 & wait'
  start_detached "$CID"
  wait_until "the child" n_procs_is 2
  capture rt kill "$CID" TERM
  assert_status 0
  sleep 0.3
  assert_eq "$(status_of "$CID")" running "after TERM to the init only"
  capture rt kill --all "$CID" TERM
  assert_status 0
  wait_status "$CID" stopped
  capture rt delete "$CID"
  assert_status 0
}

test_delete_force_removes_every_cgroup_directory () {
  cfg_args sh -c 'sleep 1000 & sleep 1001'
  start_detached "$CID"
  path=$(jq -r .linux.cgroupsPath "$BUNDLE/config.json")
  dirs=$(ls -d /sys/fs/cgroup/*"$path" 2> /dev/null | wc -l)
  [ "$dirs" -gt 0 ] || fail "no cgroup directory for $path"
  capture rt delete -f "$CID"
  assert_status 0
  left=$(ls -d /sys/fs/cgroup/*"$path" 2> /dev/null || true)
  assert_eq "$left" "" "cgroup directories after delete -f"
}

# ------------------------------------------------------------------ features

test_features_validates_against_the_schema () {
  capture rt features
  assert_status 0
  echo "$stdout" > "$T/features.json"
  python3 - "$TOP_SRCDIR/tests/fixtures/schema" "$T/features.json" << 'EOF' || fail "features does not validate"
import json, os, sys, warnings
warnings.simplefilter("ignore")
try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is missing"); sys.exit(1)
schema_dir, doc = sys.argv[1], json.load(open(sys.argv[2]))
store = {}
for name in [n for n in os.listdir(schema_dir) if n.endswith(".json")]:
    s = json.load(open(os.path.join(schema_dir, name)))
    store[name] = s
    store["file://" + os.path.join(schema_dir, name)] = s
root = store["features-schema.json"]
resolver = jsonschema.RefResolver("file://" + schema_dir + "/", root, store=store)
jsonschema.Draft4Validator(root, resolver=resolver).validate(doc)
EOF
  assert_eq "$(jq -r .ociVersionMin "$T/features.json")" 1.0.0 "ociVersionMin"
  is_runc && return 0
  assert_eq "$(jq -r .ociVersionMax "$T/features.json")" 1.3.0 "ociVersionMax"
  assert_eq "$(jq -r '.mountOptions | index("rbind") != null' "$T/features.json")" true "mountOptions"
  assert_eq "$(jq -r '.linux.cgroup.v1' "$T/features.json")" true "cgroup v1"
  assert_eq "$(jq -r '.linux.seccomp.enabled' "$T/features.json")" true "seccomp"
  assert_eq "$(jq -r '.annotations["run.oci.runcgo.checkpoint.enabled"]' "$T/features.json")" true "checkpoint"
  assert_eq "$(jq -r '.linux.mountExtensions.idmap.enabled, .linux.netDevices.enabled' "$T/features.json")" \
    $'true\ntrue' "idmap and netDevices"
  # the runtime's support, not the host's (features-linux.md)
  assert_eq "$(jq -r '.linux.apparmor.enabled, .linux.selinux.enabled' "$T/features.json")" $'true\ntrue' "LSMs"
  assert_eq "$(jq -r '.mountOptions | index("tmpcopyup") != null' "$T/features.json")" true "tmpcopyup"
}

test_features_schema_check_can_fail () {
  # the validator above really checks: a document without ociVersionMax fails
  echo '{"ociVersionMin": "1.0.0", "linux": {"namespaces": ["bogus"]}}' > "$T/bad.json"
  if python3 -c 'import jsonschema' 2> /dev/null; then
    python3 - "$TOP_SRCDIR/tests/fixtures/schema" "$T/bad.json" << 'EOF' && fail "an invalid document validated"
import json, os, sys, warnings
warnings.simplefilter("ignore")
import jsonschema
schema_dir, doc = sys.argv[1], json.load(open(sys.argv[2]))
store = {n: json.load(open(os.path.join(schema_dir, n))) for n in os.listdir(schema_dir) if n.endswith(".json")}
root = store["features-schema.json"]
resolver = jsonschema.RefResolver("file://" + schema_dir + "/", root, store=store)
jsonschema.Draft4Validator(root, resolver=resolver).validate(doc)
EOF
  else
    skip "python3-jsonschema is not installed"
  fi
  return 0
}

# ------------------------------------------------------------------ cgroup v2 (private cgroup2 mount)

# v2 CMD...: CMD in a private mount namespace where /sys/fs/cgroup is a
# cgroup2 mount, so that the runtime sees a pure v2 host.  The hierarchy is
# the host's own cgroup2 one (on this hybrid host: few controllers, but
# cgroup.freeze, cgroup.kill and BPF device programs work in any of it).
v2 () {
  unshare -m sh -c 'mount --make-rprivate / && umount -l /sys/fs/cgroup &&
                    mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' v2 "$@"
}
v2rt () {
  v2 timeout -k 5 60 "$RUNCGO" --root "$ROOT" "$@"
}
need_v2 () {
  command -v unshare > /dev/null || skip "unshare is not installed"
  [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && return 0
  [ "$(stat -f -c %T /sys/fs/cgroup/unified 2> /dev/null)" = cgroup2fs ] || skip "no cgroup2 hierarchy"
  v2 true || skip "cannot mount cgroup2 in a private mount namespace"
}
v2_stopped () { [ "$(v2rt state "$CID" | jq -r .status)" = stopped ]; }
v2_dir () {
  local p
  p=$(jq -r .linux.cgroupsPath "$BUNDLE/config.json")
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then echo "/sys/fs/cgroup$p"; else echo "/sys/fs/cgroup/unified$p"; fi
}

test_v2_device_filter_denies_and_update_replaces_it () {
  need_v2
  cfg '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]'
  cfg_args sh -c ': < /dev/fuse && echo opened'
  capture v2rt run -b "$BUNDLE" "$CID"
  assert_status 1
  assert_contains "$output" "Operation not permitted" "eBPF filter: open of a denied device"
  cfg_args sleep 1000
  capture v2rt create -b "$BUNDLE" "$CID"
  assert_status 0
  capture v2rt start "$CID"
  assert_status 0
  capture v2rt exec "$CID" sh -c ': < /dev/fuse'
  assert_status 1
  # an update with device rules swaps the program (no gap, no second program)
  if is_runc; then
    capture v2rt delete -f "$CID"
    skip "runc differs: runc update never changes device rules (it sets SkipDevices)"
  fi
  echo '{"devices": [{"allow": false, "access": "rwm"},
                     {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}]}' > "$T/dev.json"
  capture v2rt update -r "$T/dev.json" "$CID"
  assert_status 0
  capture v2rt exec "$CID" sh -c ': < /dev/fuse && echo opened'
  assert_status 0
  assert_eq "$stdout" opened "open after the update allowed it"
  capture v2rt exec "$CID" sh -c 'head -c1 /dev/zero | wc -c'
  assert_eq "$stdout" 1 "default devices still allowed"
  capture v2rt delete -f "$CID"
  assert_status 0
}

# hugetlb is the controller the cgroup2 hierarchy of a hybrid host has
test_v2_hugepage_limits_and_unified_are_written () {
  need_v2
  [ -e /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2 MB huge pages"
  grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2> /dev/null ||
    grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers || skip "no hugetlb controller in cgroup2"
  cfg '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]
       | .linux.resources.unified = {"hugetlb.2MB.rsvd.max": "2097152"}'
  cfg_args sleep 1000
  capture v2rt run -d -b "$BUNDLE" "$CID"
  assert_status 0
  dir=$(v2_dir)
  assert_eq "$(cat "$dir/hugetlb.2MB.max")" 4194304 "hugetlb.2MB.max"
  assert_eq "$(cat "$dir/hugetlb.2MB.rsvd.max")" 2097152 "hugetlb.2MB.rsvd.max (unified)"
  capture v2rt delete -f "$CID"
  assert_status 0
}

test_v2_pause_stats_kill_all_and_delete () {
  need_v2
  counter_args
  capture v2rt run -d -b "$BUNDLE" "$CID"
  assert_status 0
  wait_until "the counter to run" count_above 2
  dir=$(v2_dir)
  [ -d "$dir" ] || fail "no cgroup2 directory $dir"
  capture v2rt pause "$CID"
  assert_status 0
  assert_eq "$(v2rt state "$CID" | jq -r .status)" paused "status after pause"
  assert_contains "$(cat "$dir/cgroup.events")" "frozen 1" "cgroup.events"
  a=$(count_now)
  sleep 0.3
  assert_eq "$(count_now)" "$a" "counter while frozen"
  capture v2rt resume "$CID"
  assert_status 0
  wait_until "the counter to move again" count_above "$a"
  capture v2rt events --stats "$CID"
  assert_status 0
  [ "$(jq -r .data.cpu.usage.total <<< "$stdout")" -gt 0 ] || fail "no cpu usage from cpu.stat: $stdout"
  [ "$(jq -r .data.pids.current <<< "$stdout")" -ge 1 ] || fail "pids.current from cgroup.procs: $stdout"
  capture v2rt kill --all "$CID" KILL
  assert_status 0
  wait_until "the container to stop" v2_stopped
  capture v2rt delete "$CID"
  assert_status 0
  [ ! -d "$dir" ] || fail "cgroup $dir left after delete"
}

# crun's run.oci.delegate-cgroup: the init moves on into a sub-cgroup that
# the container's root owns; the limits stay on the container's cgroup, and
# the cgroup namespace (made at the clone) is rooted above the sub-cgroup.
test_v2_delegate_cgroup_annotation_moves_the_init_below_the_limits () {
  runc_differs "crun's annotation"
  need_v2
  local limited=false
  grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2> /dev/null ||
    grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers && limited=true
  [ -e /sys/kernel/mm/hugepages/hugepages-2048kB ] || limited=false
  cfg_ns_add cgroup
  cfg '.annotations["run.oci.delegate-cgroup"] = "payload/inner"'
  if $limited; then cfg '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'; fi
  cfg_args sleep 1000
  capture v2rt run -d -b "$BUNDLE" "$CID"
  assert_status 0
  dir=$(v2_dir)
  pid=$(v2rt state "$CID" | jq -r .pid)
  assert_eq "$(cat "$dir/payload/inner/cgroup.procs")" "$pid" "processes of the delegated sub-cgroup"
  assert_eq "$(cat "$dir/cgroup.procs")" "" "processes left in the container's cgroup"
  if $limited; then
    assert_eq "$(cat "$dir/hugetlb.2MB.max")" 4194304 "the limit on the container's cgroup"
    assert_ne "$(cat "$dir/payload/hugetlb.2MB.max")" 4194304 "the sub-cgroup gets the controller, not the limit"
  fi
  # an exec joins the init's cgroup (the container's holds no process now)
  capture v2rt exec "$CID" sh -c 'grep -h ^0:: /proc/1/cgroup /proc/self/cgroup'
  assert_eq "$(echo $stdout)" "0::/payload/inner 0::/payload/inner" "the container's view of the init's and exec's cgroup"
  capture v2rt ps -f json "$CID"
  assert_eq "$(jq -c . <<< "$stdout")" "[$pid]" "processes ps finds below the container's cgroup"
  capture v2rt delete -f "$CID"
  assert_status 0
  [ ! -d "$dir" ] || fail "cgroup $dir left after delete"
  cfg '.annotations["run.oci.delegate-cgroup"] = "../out"'
  expect_error 'run.oci.delegate-cgroup: "../out" is not a relative path' v2rt run -b "$BUNDLE" "$CID-2"
}

test_delegate_cgroup_annotation_is_refused_without_cgroup_v2 () {
  runc_differs "crun's annotation"
  [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || skip "this host is on cgroup v2"
  cfg '.annotations["run.oci.delegate-cgroup"] = "payload"'
  expect_error 'run.oci.delegate-cgroup: this host is not on cgroup v2 alone' rt run -b "$BUNDLE" "$CID"
}

run_tests
