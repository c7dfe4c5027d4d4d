#!/bin/bash
# counts.sh -- deterministic cost of each command: instructions, syscalls and
# peak RSS, which (unlike wall-clock times) are stable on a shared, noisy
# machine.  Use it to compare two builds of runcgo (before/after a change).
#
# usage: counts.sh [-s] [-r] RUNTIME [RUNTIME...]      (as root)
#   -s   also `run` with bench/seccomp-default.json (first run, then a warm one)
#   -r   also a rootless `run` as user rtest (0 -> 1001, 1..65536 -> 100000..,
#        newuidmap/newgidmap; needs the user and its /etc/subuid ranges)
#
# One line per runtime and command:
#   instr   user-space instructions of the runtime process (callgrind, the
#           dynamic loader included; not the container init after its clone);
#           marked * when the command fails under valgrind 3.19, which has no
#           pidfd_open (`start`, `exec`): then counted by single-stepping it
#           (bench/icount.c; about 13 % below callgrind's count of the same run)
#   sys     syscalls of the runtime process / of every process (strace -c / -f -c)
#   rss     peak RSS in KiB of the runtime and what it reaped (GNU time %M)
# valgrind does not know openat2 (safe_path falls back to its walk) and lowers
# RLIMIT_NOFILE, so `run` under callgrind drops process.rlimits.
set -uo pipefail
export LC_ALL=C
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
SECCOMP=no ROOTLESS=no
while getopts "sr" o; do
    case $o in s) SECCOMP=yes ;; r) ROOTLESS=yes ;; *) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] && [ "$(id -u)" = 0 ] || { echo "usage: counts.sh [-s] [-r] RUNTIME... (as root)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/runcgo-counts.XXXXXX) && chmod 755 "$WORK" || exit 1
CG=runcgo-counts-$$
cleanup() {
    local s id
    for s in "$WORK"/state-*; do
        for id in "$s"/*; do [ -d "$id" ] && "$(cat "$s.bin")" --root "$s" delete -f "${id##*/}" >/dev/null 2>&1; done
    done
    for d in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"; do
        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    rm -rf -- "$WORK"
}
trap cleanup EXIT
"$HERE/make-bundle.sh" "$WORK/bundle" >/dev/null || exit 1
ICOUNT=$WORK/icount
gcc -O2 -o "$ICOUNT" "$HERE/icount.c" || ICOUNT=
BASE=$(jq -c --arg r "$WORK/bundle/rootfs" '.root.path = $r | del(.process.rlimits)' "$WORK/bundle/config.json")
SC=$(jq -c --slurpfile s "$HERE/seccomp-default.json" '.linux.seccomp = $s[0]' <<<"$BASE")

N=0 B=""
bundle() {  # bundle CONFIG-JSON [ARGS-JSON]: a new bundle dir in $B with its own cgroup
    N=$((N + 1)); B=$WORK/b$N; mkdir -p "$B"
    jq -c --arg cg "/$CG/c$N" --argjson a "${2:-null}" \
        '.linux.cgroupsPath = $cg | if $a then .process.args = $a else . end' <<<"$1" > "$B/config.json"
}

# measure LABEL CMD...: run CMD three times (callgrind, strace, time); the
# caller's `prep` function recreates whatever the command consumes.  $WRAP
# (e.g. setpriv to the rootless user) goes in front of each tool; NOFOLLOW=1
# skips strace -f (a traced setuid newuidmap loses its privilege).
WRAP=() NOFOLLOW=0 WARM=0
O=$WORK/out; mkdir -p "$O"; chmod 1777 "$O"   # the tools' output, writable by a wrapped user
# tool CMD...: one measured run, after an unmeasured one under the same tool
# when WARM=1 (a cache keyed by the executable, as the seccomp cache is,
# sees valgrind's tool as the executable)
tool() {
    if [ "$WARM" = 1 ]; then prep; "${WRAP[@]}" "$@" </dev/null >/dev/null 2>&1; fi
    prep; "${WRAP[@]}" "$@" </dev/null >/dev/null 2>>"$O/err"
}
measure() {
    local label=$1; shift
    local ir sys_rt sys_all=- rss ic
    rm -f "$O"/*
    if tool valgrind --tool=callgrind --trace-children=no --callgrind-out-file="$O/cg" "$@"; then
        ir=$(awk '/^summary:/ { print $2 }' "$O/cg" 2>/dev/null)
    elif [ -n "$ICOUNT" ] && tool "$ICOUNT" -o "$O/ic" "$@"; then
        read -r ir ic < "$O/ic"
        ir="$ir*"
        [ "$ic" = 0 ] || ir="$ir(exit $ic)"
    fi
    tool strace -c -o "$O/st1" "$@"
    sys_rt=$(awk '/^100.00/ { print $4 }' "$O/st1" 2>/dev/null)
    if [ "$NOFOLLOW" = 0 ]; then
        tool strace -f -c -o "$O/st2" "$@"
        sys_all=$(awk '/^100.00/ { print $4 }' "$O/st2" 2>/dev/null)
    fi
    # (-o: `create` hands its stdio to the container, a pipe would stay open)
    tool /usr/bin/time -o "$O/rss" -f %M "$@"
    rss=$(tail -n 1 "$O/rss" 2>/dev/null)
    printf '%-24s %-16s instr %9s  sys %4s / %4s  rss %5s KiB\n' "$RT_LABEL" "$label" "${ir:-?}" "${sys_rt:-?}" "${sys_all:-?}" "${rss:-?}"
    [ -n "$ir" ] && [ -n "$rss" ] || sed 's/^/    | /' "$O/err" "$O/cg" 2>/dev/null | head -5
}

for r in "$@"; do
    bin=$(readlink -f "$(command -v "$r")") || { echo "counts.sh: no runtime $r" >&2; continue; }
    RT_LABEL=$bin
    [ ${#RT_LABEL} -gt 24 ] && RT_LABEL=...${RT_LABEL: -21}
    S=$WORK/state-$N; mkdir -p "$S"; echo "$bin" > "$S.bin"
    rt=("$bin" --root "$S")
    bundle "$BASE"
    "${rt[@]}" run -b "$B" c </dev/null >/dev/null 2>&1    # warm the page and dentry caches
    prep() { :; }
    measure run "${rt[@]}" run -b "$B" c
    prep() { "${rt[@]}" delete -f c >/dev/null 2>&1; }
    NOFOLLOW=1   # strace -f would follow the created init until it is deleted
    measure create "${rt[@]}" create -b "$B" c
    NOFOLLOW=0
    prep() { "${rt[@]}" delete -f c >/dev/null 2>&1; "${rt[@]}" create -b "$B" c </dev/null >/dev/null 2>&1; }
    measure start "${rt[@]}" start c
    prep() {
        "${rt[@]}" delete -f c >/dev/null 2>&1; "${rt[@]}" create -b "$B" c </dev/null >/dev/null 2>&1
        "${rt[@]}" start c >/dev/null 2>&1; sleep 0.2
    }
    measure delete "${rt[@]}" delete c
    "${rt[@]}" delete -f c >/dev/null 2>&1
    bundle "$BASE" '["/bin/sleep","1000"]'
    "${rt[@]}" run -d -b "$B" e </dev/null >/dev/null 2>&1
    prep() { :; }
    measure exec "${rt[@]}" exec e /bin/true
    "${rt[@]}" delete -f e >/dev/null 2>&1
    if [ "$SECCOMP" = yes ]; then
        # a fresh state root each time: a cold filter cache, where there is one
        S2=$WORK/state-s$N; echo "$bin" > "$S2.bin"
        bundle "$SC"
        prep() { rm -rf "$S2"; mkdir -p "$S2"; }
        measure run-seccomp-1st "$bin" --root "$S2" run -b "$B" c
        prep() { :; }
        WARM=1
        measure run-seccomp "$bin" --root "$S2" run -b "$B" c
        WARM=0
    fi
    if [ "$ROOTLESS" = yes ] && id rtest >/dev/null 2>&1; then
        RL=$(jq -c '.linux.namespaces += [{"type": "user"}] | del(.linux.resources) | del(.linux.cgroupsPath)
                    | .linux.uidMappings = [{"containerID": 0, "hostID": 1001, "size": 1}, {"containerID": 1, "hostID": 100000, "size": 65536}]
                    | .linux.gidMappings = .linux.uidMappings' <<<"$BASE")
        [ -d /run/user/1001 ] || install -d -o rtest -m 700 /run/user/1001
        S3=$WORK/state-u$N; mkdir -p "$S3"; chown rtest "$S3"; echo "$bin" > "$S3.bin"
        N=$((N + 1)); B=$WORK/b$N; mkdir -p "$B"; echo "$RL" > "$B/config.json"; chown -R rtest "$B"
        WRAP=(setpriv --reuid=1001 --regid=1001 --init-groups env XDG_RUNTIME_DIR=/run/user/1001 HOME=/tmp) NOFOLLOW=1
        prep() { :; }
        measure rootless-run "$bin" --root "$S3" run -b "$B" c
        WRAP=() NOFOLLOW=0
    fi
done
