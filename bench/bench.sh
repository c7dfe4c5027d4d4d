#!/bin/bash
# bench.sh -- start-up benchmark for OCI runtimes with a runc-compatible CLI
# (runcgo's bench/, grown from the team's shared harness).
#
# usage: bench.sh [options] RUNTIME [RUNTIME...]
#   RUNTIME    name or path of a runtime binary (runc, crun, ./runcgo ...).
#              The first one is the reference for the ratio columns.
# options:
#   -n N       sequential iterations for tests a, b, c, s, u  (default 200)
#   -B N       containers per "block" for the 100x total       (default 100)
#   -R N       repetitions of the block / parallel / RSS tests (default 3)
#   -m M       containers per parallel-throughput measurement  (default 64)
#   -k "2 8"   parallelism levels for the throughput test      (default "2 8")
#   -t LIST    tests to run, letters from "abcdefsu" plus "r" (reference rows:
#              fork+exec and floor)                            (default abcdefrsu)
#   -o DIR     where results go (default ${TMPDIR:-/tmp}/ocibench-results/<date>-<pid>)
#   -F PATH    floor binary (default: built from floor.c next to this script
#              into the work directory); "none" to skip
#   -U auto|yes|no   hide /sys/fs/cgroup/unified in the harness' private mount
#              namespace (default auto = when it is a cgroup2 mount that has
#              controllers, i.e. a hybrid layout that crun refuses)
#   -P yes|no  run the harness in a private PID namespace (default yes): every
#              process the harness or a runtime leaves behind is killed by the
#              kernel when the harness exits, orphans are reaped by it.
#   -S FILE    seccomp profile (OCI linux.seccomp object) for test s and -v
#              seccomp (default: seccomp-default.json next to this script)
#   -v plain|seccomp  config of ALL tests: runc spec's, or runc spec's plus
#              the -S profile (default plain; test s compares both anyway)
#   -u USER    unprivileged user for the rootless test u (default: the first
#              user that has ranges in both /etc/subuid and /etc/subgid)
#   -b BYTES   resolution of the memory-limit bisection (default 4096)
#   -T LABEL   also print the issue's targets for runtime LABEL against the
#              reference (the first runtime): measured ratio, target, met?
#   -N TEXT    a note for env.txt (e.g. the commit measured)
#   -C yes|no  copy every runtime binary into the work directory first, so a
#              rebuild during the benchmark cannot change it (default yes)
#
# Tests (all runtimes interleaved A B A B ... inside every loop):
#   a  `RT --root S run -b B ID` of /bin/true, fresh ID each time: median/p90/min/max
#      wall time; and total wall time of blocks of -B sequential runs
#   b  create / start / (wait for exit) / delete, each timed separately
#   c  `RT exec ID /bin/true` into a running `sleep` container
#   d  peak RSS (ru_maxrss via /usr/bin/time) of `run` and of `create`, plus
#      user+sys CPU time of `run`
#   e  throughput: K concurrent workers, M containers total, containers/s
#   f  smallest linux.resources.memory.limit under which `run` still succeeds
#      (bisection to -b bytes; a limit "passes" when 3 runs in a row succeed)
#   s  seccomp: `run` of /bin/true with the -S profile in linux.seccomp (wall
#      time, CPU time, peak RSS), interleaved with the same runs without it
#   u  rootless: `run` of /bin/true as USER (-u), config from `runc spec
#      --rootless` with a user namespace mapping 0 -> USER and 1..65536 -> the
#      user's /etc/subuid and /etc/subgid ranges, so every runtime must use
#      newuidmap/newgidmap; no cgroupsPath (no delegated cgroups here)
#   r  reference rows: fork+exec of host /bin/true, of busybox true, and of the
#      floor program (same timing method as test a)
#
# Timing method: bash $EPOCHREALTIME immediately before and after the command,
# so every figure includes one fork+exec by bash (see reference row r).
# Every container gets its own bundle dir (config.json only, root.path points to
# the shared rootfs) so that it can have its own cgroupsPath
# (/ocibench.<pid>/<id>, absolute, so nothing is created in the harness' own
# cgroup) and its own state dir (--root) per runtime.
# Exit status: 0, or 3 when any runtime command failed (listed at the end),
# 1/2 for harness errors and bad usage.
set -uo pipefail
export LC_ALL=C

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
N=200 BLOCK=100 REPS=3 PAR_M=64 PAR_K="2 8" TESTS=abcdefrsu OUT="" FLOOR="" HIDE_UNIFIED=auto PIDNS=yes
SCPROFILE=$HERE/seccomp-default.json VARIANT=plain RLUSER="" MEMRES=4096 TARGET="" NOTE="" COPY=yes

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
ORIG_ARGS=("$@")
while getopts "n:B:R:m:k:t:o:F:U:P:S:v:u:b:T:N:C:h" o; do
    case $o in
        n) N=$OPTARG ;; B) BLOCK=$OPTARG ;; R) REPS=$OPTARG ;; m) PAR_M=$OPTARG ;;
        k) PAR_K=$OPTARG ;; t) TESTS=$OPTARG ;; o) OUT=$OPTARG ;; F) FLOOR=$OPTARG ;;
        U) HIDE_UNIFIED=$OPTARG ;; P) PIDNS=$OPTARG ;; S) SCPROFILE=$OPTARG ;;
        v) VARIANT=$OPTARG ;; u) RLUSER=$OPTARG ;; b) MEMRES=$OPTARG ;; T) TARGET=$OPTARG ;;
        N) NOTE=$OPTARG ;; C) COPY=$OPTARG ;; h) usage 0 ;; *) usage ;;
    esac
done
case $VARIANT in plain|seccomp) ;; *) echo "bench.sh: -v plain|seccomp" >&2; exit 2 ;; esac
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
[ "$(id -u)" = 0 ] || { echo "bench.sh: must run as root" >&2; exit 1; }
for t in jq awk sort unshare timeout setpriv /usr/bin/time; do
    command -v "$t" >/dev/null || { echo "bench.sh: $t is required" >&2; exit 1; }
done

# ---------------------------------------------------------------- namespaces
unified_has_controllers() {
    [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] || return 1
    [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] || return 1
    [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]
}
if [ -z "${OCIBENCH_INNER:-}" ]; then
    hide=no
    case $HIDE_UNIFIED in
        yes) hide=yes ;; no) ;; auto) unified_has_controllers && hide=yes ;;
        *) echo "bad -U" >&2; exit 2 ;;
    esac
    ns=(--mount --propagation private)
    [ "$PIDNS" = yes ] && ns+=(--pid --fork --mount-proc)
    export OCIBENCH_INNER=1 OCIBENCH_HIDE=$hide OCIBENCH_OUTER_PID=$$
    exec unshare "${ns[@]}" -- /bin/bash "$0" "${ORIG_ARGS[@]}"
fi
NOTES=()
if [ "${OCIBENCH_HIDE:-no}" = yes ]; then
    ctl=$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)
    if umount -l /sys/fs/cgroup/unified; then
        NOTES+=("cgroup2 mount /sys/fs/cgroup/unified (controllers: $ctl) was hidden in the harness' private mount namespace, so every runtime sees a pure cgroup-v1 layout")
    else
        echo "bench.sh: could not hide /sys/fs/cgroup/unified" >&2; exit 1
    fi
fi

# ---------------------------------------------------------------- setup
TAG=ocibench.${OCIBENCH_OUTER_PID:-$$}
[ -n "$OUT" ] || OUT=${TMPDIR:-/tmp}/ocibench-results/$(date +%Y%m%d-%H%M%S)-$TAG
mkdir -p "$OUT/raw" || exit 1
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/$TAG.XXXXXX") || exit 1
LOG=$OUT/errors.log
: > "$LOG"

RT=() LABEL=() ORIGRT=()
for r in "$@"; do
    p=$(command -v -- "$r") || { echo "bench.sh: runtime $r not found" >&2; exit 1; }
    p=$(readlink -f -- "$p")
    l=$(basename -- "$r")
    for x in "${LABEL[@]}"; do [ "$x" = "$l" ] && l="$l#${#LABEL[@]}"; done
    ORIGRT+=("$p")
    # a private copy: other people rebuild src/runcgo while we measure
    if [ "$COPY" = yes ]; then
        mkdir -p "$WORK/bin/${#RT[@]}" && chmod 0755 "$WORK/bin" "$WORK/bin/${#RT[@]}"
        cp -- "$p" "$WORK/bin/${#RT[@]}/$(basename -- "$p")" || { echo "bench.sh: cannot copy $p" >&2; exit 1; }
        p=$WORK/bin/${#RT[@]}/$(basename -- "$p")
    fi
    RT+=("$p") LABEL+=("$l")
done

BUNDLE=$WORK/bundle
"$HERE/make-bundle.sh" "$BUNDLE" >/dev/null || { echo "bench.sh: make-bundle failed" >&2; exit 1; }
ROOTFS=$BUNDLE/rootfs
PLAINCFG=$(jq -c --arg r "$ROOTFS" '.root.path = $r | .linux.cgroupsPath = "@CG@"' "$BUNDLE/config.json")
SCCFG=""
if [[ $TESTS == *s* ]] || [ "$VARIANT" = seccomp ]; then
    [ -r "$SCPROFILE" ] || { echo "bench.sh: seccomp profile $SCPROFILE not readable (-S)" >&2; exit 1; }
    SCCFG=$(jq -c --slurpfile p "$SCPROFILE" '.linux.seccomp = $p[0]' <<<"$PLAINCFG") ||
        { echo "bench.sh: $SCPROFILE is not JSON" >&2; exit 1; }
fi
BASECFG=$PLAINCFG
[ "$VARIANT" = seccomp ] && BASECFG=$SCCFG
SLEEPCFG=$(jq -c '.process.args = ["/bin/sleep", "1000000"]' <<<"$BASECFG")

for i in "${!RT[@]}"; do mkdir -p "$WORK/state/$i"; done

# rootless (test u): an unprivileged user with subordinate ID ranges
RLUID="" RLGID="" ASUSER=() RLSKIP=""
subrange() {   # subrange FILE USER UID -> "start count" of the first range
    awk -F: -v u="$2" -v id="$3" '($1 == u || $1 == id) && NF >= 3 { print $2, $3; exit }' "$1" 2>/dev/null
}
if [[ $TESTS == *u* ]]; then
    if [ -z "$RLUSER" ]; then
        RLUSER=$(awk -F: 'NR == FNR { g[$1] = 1; next } ($1 in g) { print $1; exit }' /etc/subgid /etc/subuid 2>/dev/null)
    fi
    if [ -z "$RLUSER" ] || ! id -u "$RLUSER" >/dev/null 2>&1; then
        RLSKIP="no user with /etc/subuid and /etc/subgid ranges (pass -u USER)"
    elif ! command -v newuidmap >/dev/null || ! command -v newgidmap >/dev/null; then
        RLSKIP="newuidmap/newgidmap not installed (uidmap package)"
    else
        RLUID=$(id -u "$RLUSER") RLGID=$(id -g "$RLUSER")
        read -r SUBU SUBUN <<<"$(subrange /etc/subuid "$RLUSER" "$RLUID")"
        read -r SUBG SUBGN <<<"$(subrange /etc/subgid "$RLUSER" "$RLUID")"
        if [ -z "${SUBU:-}" ] || [ -z "${SUBG:-}" ]; then
            RLSKIP="$RLUSER has no range in /etc/subuid or /etc/subgid"; RLUID=""
        fi
    fi
    if [ -n "$RLUID" ]; then
        U=$WORK/u
        mkdir -p "$U/bundle" "$U/xdg"
        for i in "${!RT[@]}"; do mkdir -p "$U/state/$i"; done
        ( cd "$U/bundle" && "${SPEC_RUNTIME:-runc}" spec --rootless ) || RLSKIP="${SPEC_RUNTIME:-runc} spec --rootless failed"
        # container 0 -> the user, 1..N -> the user's subordinate range: a
        # mapping only newuidmap/newgidmap may write
        jq -c --arg r "$ROOTFS" --argjson u "$RLUID" --argjson g "$RLGID" \
            --argjson su "$SUBU" --argjson sun "$SUBUN" --argjson sg "$SUBG" --argjson sgn "$SUBGN" '
            .root.path = $r | .process.terminal = false | .process.args = ["/bin/true"]
            | .linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: $su, size: $sun}]
            | .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: $sg, size: $sgn}]
            | del(.linux.cgroupsPath) | del(.linux.resources)' "$U/bundle/config.json" > "$U/bundle/c.json" &&
            mv "$U/bundle/c.json" "$U/bundle/config.json"
        printf '%s\n' "${RT[@]}" > "$U/runtimes"
        chown -R "$RLUID:$RLGID" "$U"
        # the user must reach the rootfs and the runtime copies
        chmod 0755 "$WORK" "$BUNDLE"
        ASUSER=(setpriv --reuid="$RLUID" --regid="$RLGID" --init-groups --reset-env env XDG_RUNTIME_DIR="$U/xdg")
        "${ASUSER[@]}" test -r "$ROOTFS/bin/busybox" || RLSKIP="$RLUSER cannot read $ROOTFS"
    fi
    [ -n "$RLSKIP" ] && NOTES+=("test u skipped: $RLSKIP")
fi
exec {SLEEPFD}<> <(:)            # read -t on an empty pipe = builtin sleep
nap() { read -t "$1" -u "$SLEEPFD" _ 2>/dev/null; return 0; }

BGPIDS=()
cleanup() {
    local rc=$? i id p
    trap - EXIT INT TERM
    for p in "${BGPIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    for i in "${!RT[@]}"; do
        local root=$WORK/state/$i
        [ -d "$root" ] || continue
        for id in "$root"/*; do
            [ -d "$id" ] || continue
            id=${id##*/}
            timeout -k 2 20 "${RT[$i]}" --root "$root" kill "$id" KILL >/dev/null 2>&1
            timeout -k 2 20 "${RT[$i]}" --root "$root" delete -f "$id" >/dev/null 2>&1
        done
        # rootless leftovers: removed by their owner
        root=$WORK/u/state/$i
        [ -d "$root" ] && [ -n "${RLUID:-}" ] || continue
        for id in "$root"/*; do
            [ -d "$id" ] || continue
            timeout -k 2 20 "${ASUSER[@]}" "${RT[$i]}" --root "$root" delete -f "${id##*/}" >/dev/null 2>&1
        done
    done
    # last resort: anything still inside our cgroups was started by us
    local d
    for d in /sys/fs/cgroup/*/"$TAG"; do
        [ -d "$d" ] && [ "$(stat -f -c %T "$d")" = cgroupfs ] || continue
        for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    done
    nap 0.2
    for d in /sys/fs/cgroup/*/"$TAG"; do
        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    # With the cgroup2 mount hidden, /sys/fs/cgroup/unified is the plain tmpfs
    # directory underneath it; crun (legacy mode) still creates $TAG/<id>/cgroup.procs
    # there as ordinary files.  Remove them (only ours, and only if it is not cgroupfs).
    if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = tmpfs ] && [ -d "/sys/fs/cgroup/unified/$TAG" ]; then
        rm -rf -- "/sys/fs/cgroup/unified/$TAG"
    fi
    rm -rf -- "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench.sh: interrupted" >&2; exit 130' INT TERM

# container bundle dir for ID, from template $2 (JSON with @CG@), optional memory limit $3
mkctr() {
    mkdir -p "$WORK/b/$1"
    local c=${2//@CG@//$TAG/$1}
    if [ -n "${3:-}" ]; then
        jq -c --argjson m "$3" '.linux.resources.memory.limit = $m' <<<"$c" > "$WORK/b/$1/config.json"
    else
        printf '%s\n' "$c" > "$WORK/b/$1/config.json"
    fi
}
rmctr() { rm -rf -- "$WORK/b/$1"; }
# times are taken inline as ${EPOCHREALTIME/./} (microseconds; LC_ALL=C) -- never
# via $(...), which would put a fork inside the timed interval.
# children CPU time (user+sys, ms resolution from getrusage) without forking:
c0=0 c1=0   # set by cpu_children_us through printf -v
cpu_children_us() {
    times > "$WORK/times"
    local a b
    { read -r a; read -r a b; } < "$WORK/times"
    printf -v "$1" '%s' "$(awk -v u="$a" -v s="$b" 'BEGIN{
        split(u,x,"m"); split(s,y,"m"); printf "%d", (x[1]*60+x[2]+y[1]*60+y[2])*1e6 }')"
}
rtc() { local i=$1; shift; "${RT[$i]}" --root "$WORK/state/$i" "$@"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
FAILS=()
fail() { FAILS+=("$*"); echo "FAIL: $*" >> "$LOG"; }

# stats over a file of numbers: "median p90 min max mean n"
stats() {
    sort -n "$1" | awk '{v[NR]=$1; s+=$1} END {
        if (NR==0) { print "- - - - - 0"; exit }
        m = (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2
        k = int(0.9*NR); if (k < 0.9*NR) k++; if (k<1) k=1
        printf "%s %s %s %s %.1f %d\n", m, v[k], v[1], v[NR], s/NR, NR }'
}
ms() { awk -v x="$1" 'BEGIN { if (x=="-") print "-"; else printf "%.2f", x/1000 }'; }
RES=$OUT/results.tsv      # label \t metric \t value \t detail
: > "$RES"
put() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >> "$RES"; }

say() { printf '%s [load %s] %s\n' "$(date +%T)" "$(loadavg)" "$*" >&2; }
has() { [[ $TESTS == *$1* ]]; }

{
    echo "date: $(date -Is)"; echo "host: $(uname -srm), $(nproc) cpus, $(awk '/MemTotal/{print $2" kB"}' /proc/meminfo)"
    echo "load at start: $(loadavg)"
    for i in "${!RT[@]}"; do echo "runtime ${LABEL[$i]}: ${ORIGRT[$i]} -- $("${RT[$i]}" --version 2>&1 | head -1) (sha256 $(sha256sum < "${RT[$i]}" | cut -c1-12))"; done
    echo "N=$N BLOCK=$BLOCK REPS=$REPS PAR_M=$PAR_M PAR_K=$PAR_K TESTS=$TESTS"
    echo "config variant: $VARIANT; seccomp profile: $SCPROFILE ($(jq '[.syscalls[].names | length] | add' "$SCPROFILE" 2>/dev/null) rules)"
    for n in "${NOTES[@]}"; do echo "note: $n"; done
    [ -n "$NOTE" ] && echo "note: $NOTE"
} > "$OUT/env.txt"
cat "$OUT/env.txt" >&2

# ---------------------------------------------------------------- a: run
if has a; then
    say "a: $N x run /bin/true per runtime, interleaved"
    for ((n = 0; n < N; n++)); do
        for i in "${!RT[@]}"; do
            id=a$i-$n; mkctr "$id" "$BASECFG"
            cpu_children_us c0
            t0=${EPOCHREALTIME/./}; rtc "$i" run -b "$WORK/b/$id" "$id" </dev/null >/dev/null 2>>"$LOG"; rc=$?; t1=${EPOCHREALTIME/./}
            cpu_children_us c1
            [ $rc = 0 ] && echo $((t1 - t0)) >> "$OUT/raw/a.run.${LABEL[$i]}" || fail "a ${LABEL[$i]} run $id rc=$rc"
            [ $rc = 0 ] && echo $((c1 - c0)) >> "$OUT/raw/a.cpu.${LABEL[$i]}"
            rmctr "$id"
        done
    done
    for i in "${!RT[@]}"; do
        put "${LABEL[$i]}" run_us "$(stats "$OUT/raw/a.run.${LABEL[$i]}")"
        put "${LABEL[$i]}" cpu_run_us "$(stats "$OUT/raw/a.cpu.${LABEL[$i]}")"
    done

    say "a: $REPS blocks of $BLOCK sequential runs per runtime, interleaved"
    for ((r = 0; r < REPS; r++)); do
        for i in "${!RT[@]}"; do
            for ((n = 0; n < BLOCK; n++)); do mkctr "A$i-$r-$n" "$BASECFG"; done
            bad=0; t0=${EPOCHREALTIME/./}
            for ((n = 0; n < BLOCK; n++)); do
                rtc "$i" run -b "$WORK/b/A$i-$r-$n" "A$i-$r-$n" </dev/null >/dev/null 2>>"$LOG" || bad=$((bad + 1))
            done
            t1=${EPOCHREALTIME/./}
            [ $bad = 0 ] && echo $((t1 - t0)) >> "$OUT/raw/a.block.${LABEL[$i]}" || fail "a-block ${LABEL[$i]}: $bad failures"
            for ((n = 0; n < BLOCK; n++)); do rmctr "A$i-$r-$n"; done
        done
    done
    for i in "${!RT[@]}"; do put "${LABEL[$i]}" block_us "$(stats "$OUT/raw/a.block.${LABEL[$i]}")"; done
fi

# ---------------------------------------------------------------- r: references
if has r; then
    if [ -z "$FLOOR" ]; then
        # built into the work directory: the source tree may be read-only
        FLOOR=$WORK/floor
        gcc -O2 -static -o "$FLOOR" "$HERE/floor.c" 2>>"$LOG" || gcc -O2 -o "$FLOOR" "$HERE/floor.c" 2>>"$LOG" || FLOOR=none
    fi
    REFS=("fork+exec:/bin/true" "fork+exec:busybox-true")
    [ "$FLOOR" != none ] && REFS+=("floor" "floor+cgroups")
    say "r: $N x reference commands (${REFS[*]}), interleaved"
    for ((n = 0; n < N; n++)); do
        for ref in "${REFS[@]}"; do
            case $ref in
                fork+exec:/bin/true)    t0=${EPOCHREALTIME/./}; /bin/true; rc=$?; t1=${EPOCHREALTIME/./} ;;
                fork+exec:busybox-true) t0=${EPOCHREALTIME/./}; "$ROOTFS/bin/busybox" true; rc=$?; t1=${EPOCHREALTIME/./} ;;
                floor)                  t0=${EPOCHREALTIME/./}; "$FLOOR" "$ROOTFS" 2>>"$LOG"; rc=$?; t1=${EPOCHREALTIME/./} ;;
                floor+cgroups)          t0=${EPOCHREALTIME/./}; "$FLOOR" -c "$TAG" "$ROOTFS" 2>>"$LOG"; rc=$?; t1=${EPOCHREALTIME/./} ;;
            esac
            [ $rc = 0 ] && echo $((t1 - t0)) >> "$OUT/raw/r.${ref//[:\/]/_}" || fail "r $ref rc=$rc"
        done
    done
    # the floor+cgroups variant uses /sys/fs/cgroup/*/$TAG as its cgroup
    for d in /sys/fs/cgroup/*/"$TAG"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
    for ref in "${REFS[@]}"; do put "[$ref]" run_us "$(stats "$OUT/raw/r.${ref//[:\/]/_}")"; done
fi

# ---------------------------------------------------------------- b: split
if has b; then
    say "b: $N x create/start/wait/delete per runtime, interleaved"
    for ((n = 0; n < N; n++)); do
        for i in "${!RT[@]}"; do
            L=${LABEL[$i]} id=b$i-$n; mkctr "$id" "$BASECFG"
            t0=${EPOCHREALTIME/./}; rtc "$i" create -b "$WORK/b/$id" "$id" </dev/null >/dev/null 2>>"$LOG"; rc=$?; t1=${EPOCHREALTIME/./}
            if [ $rc != 0 ]; then fail "b $L create $id rc=$rc"; rtc "$i" delete -f "$id" >/dev/null 2>&1; rmctr "$id"; continue; fi
            pid=$(rtc "$i" state "$id" 2>>"$LOG" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' | head -1)
            t2=${EPOCHREALTIME/./}; rtc "$i" start "$id" </dev/null >/dev/null 2>>"$LOG"; rc=$?; t3=${EPOCHREALTIME/./}
            [ $rc != 0 ] && fail "b $L start $id rc=$rc"
            # wait for the container process to exit (gone, or a zombie), max 10 s
            w=0
            # (fork-free: read builtin; comm of busybox true has no spaces)
            while [ -n "$pid" ] && [ $w -lt 50000 ]; do
                read -r _ _ st _ 2>/dev/null < "/proc/$pid/stat" || break
                [ "$st" = Z ] && break
                nap 0.0002; w=$((w + 1))
            done
            t4=${EPOCHREALTIME/./}
            rtc "$i" delete "$id" </dev/null >/dev/null 2>>"$LOG"; rc=$?; t5=${EPOCHREALTIME/./}
            if [ $rc != 0 ]; then fail "b $L delete $id rc=$rc"; rtc "$i" delete -f "$id" >/dev/null 2>&1; fi
            echo $((t1 - t0)) >> "$OUT/raw/b.create.$L"
            echo $((t3 - t2)) >> "$OUT/raw/b.start.$L"
            echo $((t4 - t3)) >> "$OUT/raw/b.wait.$L"
            echo $((t5 - t4)) >> "$OUT/raw/b.delete.$L"
            rmctr "$id"
        done
    done
    for i in "${!RT[@]}"; do for ph in create start wait delete; do
        put "${LABEL[$i]}" "${ph}_us" "$(stats "$OUT/raw/b.$ph.${LABEL[$i]}")"; done; done
fi

# ---------------------------------------------------------------- c: exec
if has c; then
    say "c: $N x exec /bin/true into a running sleep container, interleaved"
    ok=()
    for i in "${!RT[@]}"; do
        mkctr "c$i" "$SLEEPCFG"
        if rtc "$i" run -d -b "$WORK/b/c$i" "c$i" </dev/null >/dev/null 2>>"$LOG"; then ok+=("$i")
        else fail "c ${LABEL[$i]}: could not start sleep container"; fi
    done
    for ((n = 0; n < N; n++)); do
        for i in "${ok[@]}"; do
            t0=${EPOCHREALTIME/./}; rtc "$i" exec "c$i" /bin/true </dev/null >/dev/null 2>>"$LOG"; rc=$?; t1=${EPOCHREALTIME/./}
            [ $rc = 0 ] && echo $((t1 - t0)) >> "$OUT/raw/c.exec.${LABEL[$i]}" || fail "c ${LABEL[$i]} exec rc=$rc"
        done
    done
    for i in "${!RT[@]}"; do
        rtc "$i" kill "c$i" KILL >/dev/null 2>&1; nap 0.1
        rtc "$i" delete -f "c$i" >/dev/null 2>>"$LOG"; rmctr "c$i"
        put "${LABEL[$i]}" exec_us "$(stats "$OUT/raw/c.exec.${LABEL[$i]}")"
    done
fi

# ---------------------------------------------------------------- d: RSS
if has d; then
    NRSS=$((REPS * 5))
    say "d: peak RSS / CPU of run and create, $NRSS x per runtime, interleaved"
    for ((n = 0; n < NRSS; n++)); do
        for i in "${!RT[@]}"; do
            L=${LABEL[$i]} id=d$i-$n; mkctr "$id" "$BASECFG"
            if /usr/bin/time -o "$WORK/t" -f '%M %R' "${RT[$i]}" --root "$WORK/state/$i" run -b "$WORK/b/$id" "$id" </dev/null >/dev/null 2>>"$LOG"; then
                read -r M F < "$WORK/t"
                echo "$M" >> "$OUT/raw/d.rss_run.$L"
                echo "$F" >> "$OUT/raw/d.minflt_run.$L"
            else fail "d $L run $id"; fi
            id=D$i-$n; mkctr "$id" "$BASECFG"
            if /usr/bin/time -o "$WORK/t" -f '%M' "${RT[$i]}" --root "$WORK/state/$i" create -b "$WORK/b/$id" "$id" </dev/null >/dev/null 2>>"$LOG"; then
                read -r M < "$WORK/t"; echo "$M" >> "$OUT/raw/d.rss_create.$L"
            else fail "d $L create $id"; fi
            rtc "$i" delete -f "$id" >/dev/null 2>>"$LOG"
            rmctr "d$i-$n"; rmctr "$id"
        done
    done
    for i in "${!RT[@]}"; do for m in rss_run minflt_run rss_create; do
        put "${LABEL[$i]}" "$m" "$(stats "$OUT/raw/d.$m.${LABEL[$i]}")"; done; done
fi

# ---------------------------------------------------------------- e: throughput
par_worker() {   # i first step count -> runs containers e$i-$first-... ; writes failures
    local i=$1 w=$2 k=$3 cnt=$4 j bad=0 id
    for ((j = w; j < cnt; j += k)); do
        id=e$i-$j
        "${RT[$i]}" --root "$WORK/state/$i" run -b "$WORK/b/$id" "$id" </dev/null >/dev/null 2>>"$LOG" || bad=$((bad + 1))
    done
    echo "$bad" > "$WORK/par.$w"
}
if has e; then
    say "e: throughput, $PAR_M containers with K in {$PAR_K} workers, $REPS reps, interleaved"
    for ((r = 0; r < REPS; r++)); do
        for K in $PAR_K; do
            for i in "${!RT[@]}"; do
                for ((j = 0; j < PAR_M; j++)); do mkctr "e$i-$j" "$BASECFG"; done
                BGPIDS=(); t0=${EPOCHREALTIME/./}
                for ((w = 0; w < K; w++)); do par_worker "$i" "$w" "$K" "$PAR_M" & BGPIDS+=($!); done
                wait "${BGPIDS[@]}"; t1=${EPOCHREALTIME/./}; BGPIDS=()
                bad=$(cat "$WORK"/par.* | awk '{s+=$1} END{print s+0}'); rm -f "$WORK"/par.*
                if [ "$bad" = 0 ]; then
                    awk -v m="$PAR_M" -v d=$((t1 - t0)) 'BEGIN{printf "%.2f\n", m/(d/1e6)}' >> "$OUT/raw/e.k$K.${LABEL[$i]}"
                else fail "e ${LABEL[$i]} K=$K: $bad of $PAR_M failed"; fi
                for ((j = 0; j < PAR_M; j++)); do rmctr "e$i-$j"; done
            done
        done
    done
    for i in "${!RT[@]}"; do for K in $PAR_K; do
        put "${LABEL[$i]}" "par${K}_cps" "$(stats "$OUT/raw/e.k$K.${LABEL[$i]}")"; done; done
fi

# ---------------------------------------------------------------- f: memory limit
mem_try() {   # i limit -> 0 if `run` succeeds 3 times in a row under that limit
    local i=$1 lim=$2 t id rc
    for t in 1 2 3; do
        id=f$i-$lim-$t; mkctr "$id" "$BASECFG" "$lim"
        timeout -k 5 60 "${RT[$i]}" --root "$WORK/state/$i" run -b "$WORK/b/$id" "$id" </dev/null >/dev/null 2>"$WORK/f.err"; rc=$?
        echo "${LABEL[$i]} limit=$lim try=$t rc=$rc" >> "$OUT/raw/f.log.${LABEL[$i]}"
        if [ $rc != 0 ]; then
            "${RT[$i]}" --root "$WORK/state/$i" delete -f "$id" >/dev/null 2>&1
            tail -n 2 "$WORK/f.err" | sed "s/^/    /" >> "$OUT/raw/f.log.${LABEL[$i]}"
            rmctr "$id"; return 1
        fi
        rmctr "$id"
    done
    return 0
}
if has f; then
    say "f: bisecting the smallest memory limit for run (resolution $MEMRES bytes)"
    for i in "${!RT[@]}"; do
        L=${LABEL[$i]} lo=0 hi=$((256 << 20))
        if ! mem_try "$i" "$hi"; then put "$L" memmin_bytes "- - - - - 0" ">256MiB or unsupported"; continue; fi
        if mem_try "$i" "$MEMRES"; then put "$L" memmin_bytes "$MEMRES $MEMRES $MEMRES $MEMRES $MEMRES 1" "<=${MEMRES}B"; continue; fi
        lo=$MEMRES
        while [ $((hi - lo)) -gt "$MEMRES" ]; do
            mid=$(( (lo + hi) / 2 / MEMRES * MEMRES ))
            if mem_try "$i" "$mid"; then hi=$mid; else lo=$mid; fi
        done
        # stability of the found threshold: 10 runs at hi and at 2*hi
        okh=0; for t in 1 2 3 4 5 6 7 8 9 10; do
            id=F$i-$t; mkctr "$id" "$BASECFG" "$hi"
            timeout -k 5 60 "${RT[$i]}" --root "$WORK/state/$i" run -b "$WORK/b/$id" "$id" </dev/null >/dev/null 2>/dev/null && okh=$((okh + 1)) \
                || "${RT[$i]}" --root "$WORK/state/$i" delete -f "$id" >/dev/null 2>&1
            rmctr "$id"
        done
        put "$L" memmin_bytes "$hi $hi $hi $hi $hi 1" "fails at $lo; $okh/10 ok at $hi"
    done
fi

# ---------------------------------------------------------------- s: seccomp
if has s; then
    NRSS=$((REPS * 5))
    say "s: $N x run with and without the seccomp profile per runtime, interleaved; $NRSS x peak RSS"
    for ((n = 0; n < N; n++)); do
        for i in "${!RT[@]}"; do
            L=${LABEL[$i]}
            for v in sc pl; do
                id=s$v$i-$n
                if [ $v = sc ]; then mkctr "$id" "$SCCFG"; else mkctr "$id" "$PLAINCFG"; fi
                cpu_children_us c0
                t0=${EPOCHREALTIME/./}; rtc "$i" run -b "$WORK/b/$id" "$id" </dev/null >/dev/null 2>>"$LOG"; rc=$?; t1=${EPOCHREALTIME/./}
                cpu_children_us c1
                if [ $rc = 0 ]; then
                    echo $((t1 - t0)) >> "$OUT/raw/s.$v.run.$L"; echo $((c1 - c0)) >> "$OUT/raw/s.$v.cpu.$L"
                else fail "s $L run ($v) $id rc=$rc"; fi
                rmctr "$id"
            done
        done
    done
    for ((n = 0; n < NRSS; n++)); do
        for i in "${!RT[@]}"; do
            L=${LABEL[$i]} id=S$i-$n; mkctr "$id" "$SCCFG"
            if /usr/bin/time -o "$WORK/t" -f '%M' "${RT[$i]}" --root "$WORK/state/$i" run -b "$WORK/b/$id" "$id" </dev/null >/dev/null 2>>"$LOG"; then
                read -r M < "$WORK/t"; echo "$M" >> "$OUT/raw/s.sc.rss_run.$L"
            else fail "s $L rss run $id"; fi
            rmctr "$id"
        done
    done
    for i in "${!RT[@]}"; do
        L=${LABEL[$i]}
        put "$L" sc_run_us "$(stats "$OUT/raw/s.sc.run.$L")"
        put "$L" sc_cpu_run_us "$(stats "$OUT/raw/s.sc.cpu.$L")"
        put "$L" sc_rss_run "$(stats "$OUT/raw/s.sc.rss_run.$L")"
        put "$L" pl_run_us "$(stats "$OUT/raw/s.pl.run.$L")"
        put "$L" pl_cpu_run_us "$(stats "$OUT/raw/s.pl.cpu.$L")"
    done
fi

# ---------------------------------------------------------------- u: rootless
if has u && [ -n "$RLUID" ] && [ -z "$RLSKIP" ]; then
    say "u: $N x rootless run as $RLUSER (uid $RLUID, newuidmap ranges) per runtime, interleaved"
    # the loop itself runs as the user: no setpriv exec inside the timed interval
    cat > "$U/loop.sh" <<'EOS'
#!/bin/bash
# rootless loop of bench.sh test u; runs as the unprivileged user
export LC_ALL=C
mapfile -t RT < "$U_DIR/runtimes"
# children's user+sys time in us; `times` must run in this shell, not in a
# $(...) subshell, which has no children of its own
cpu_us() {
    local a b
    { read -r a; read -r a b; } < "$1"
    awk -v u="$a" -v s="$b" 'BEGIN{ split(u,x,"m"); split(s,y,"m"); printf "%d", (x[1]*60+x[2]+y[1]*60+y[2])*1e6 }'
}
for ((n = 0; n < U_N; n++)); do
    for i in "${!RT[@]}"; do
        id=u$i-$n
        times > "$U_DIR/times0"
        t0=${EPOCHREALTIME/./}; "${RT[$i]}" --root "$U_DIR/state/$i" run -b "$U_DIR/bundle" "$id" </dev/null >/dev/null 2>>"$U_DIR/errors"; rc=$?; t1=${EPOCHREALTIME/./}
        times > "$U_DIR/times1"
        if [ $rc = 0 ]; then
            echo $((t1 - t0)) >> "$U_DIR/run.$i"
            echo $(( $(cpu_us "$U_DIR/times1") - $(cpu_us "$U_DIR/times0") )) >> "$U_DIR/cpu.$i"
        else echo "u ${RT[$i]} run $id rc=$rc" >> "$U_DIR/fails"; fi
    done
done
EOS
    chown "$RLUID:$RLGID" "$U/loop.sh"
    "${ASUSER[@]}" U_DIR="$U" U_N="$N" /bin/bash "$U/loop.sh" </dev/null
    [ -f "$U/errors" ] && cat "$U/errors" >> "$LOG"
    [ -f "$U/fails" ] && while read -r line; do fail "$line"; done < "$U/fails"
    for i in "${!RT[@]}"; do
        L=${LABEL[$i]}
        [ -f "$U/run.$i" ] && cp "$U/run.$i" "$OUT/raw/u.run.$L" && cp "$U/cpu.$i" "$OUT/raw/u.cpu.$L"
        put "$L" rl_run_us "$(stats "$OUT/raw/u.run.$L" 2>/dev/null || echo '- - - - - 0')"
        put "$L" rl_cpu_run_us "$(stats "$OUT/raw/u.cpu.$L" 2>/dev/null || echo '- - - - - 0')"
    done
fi

# ---------------------------------------------------------------- report
say "done"
# metric key -> header, unit converter
table() {
    local cols=("$@") c i L v ref line hdr
    hdr=$(printf '%-22s' runtime)
    for c in "${cols[@]}"; do hdr+=$(printf ' | %-19s' "${c#*:}"); done
    echo "$hdr"; echo "${hdr//[^|]/-}"
    for L in "${LABEL[@]}" $(cut -f1 "$RES" | grep '^\[' | sort -u); do
        line=$(printf '%-22s' "$L"); local any=0
        for c in "${cols[@]}"; do
            local key=${c%%:*} fld=1
            case $key in *.p90) fld=2; key=${key%.p90} ;; *.min) fld=3; key=${key%.min} ;; *.max) fld=4; key=${key%.max} ;; esac
            v=$(awk -F'\t' -v l="$L" -v k="$key" -v f=$fld '$1==l && $2==k {split($3,a," "); print a[f]}' "$RES")
            ref=$(awk -F'\t' -v l="${LABEL[0]}" -v k="$key" -v f=$fld '$1==l && $2==k {split($3,a," "); print a[f]}' "$RES")
            if [ -z "$v" ] || [ "$v" = - ]; then line+=$(printf ' | %-19s' -); continue; fi
            local shown ratio
            case $key in
                *_us) shown=$(ms "$v") ;;
                *rss_*) shown="$(awk -v x="$v" 'BEGIN{printf "%.2fM", x/1024}')" ;;
                memmin_bytes) shown="$(awk -v x="$v" 'BEGIN{printf "%dK", x/1024}')" ;;
                *) shown=$v ;;
            esac
            ratio=$(awk -v a="$v" -v b="${ref:--}" 'BEGIN{ if (b=="-"||b==0) print "-"; else printf "%.2fx", a/b }')
            line+=$(printf ' | %-19s' "$shown ($ratio)"); any=1
        done
        [ $any = 1 ] && echo "$line"
    done
}
# The targets of issue #8 for runtime $1 against the reference (first runtime):
# key, comparison, threshold, what.  Ratios are of medians from this run.
targets() {
    local T=$1 key op thr what v r ratio ok
    echo "Targets for $T against ${LABEL[0]} (ratio of medians from this run):"
    printf '%-36s %-10s %-9s %s\n' "figure" "ratio" "target" "met"
    while IFS='|' read -r key op thr what; do
        v=$(awk -F'\t' -v l="$T" -v k="$key" '$1==l && $2==k {split($3,a," "); print a[1]}' "$RES")
        r=$(awk -F'\t' -v l="${LABEL[0]}" -v k="$key" '$1==l && $2==k {split($3,a," "); print a[1]}' "$RES")
        if [ -z "$v" ] || [ "$v" = - ] || [ -z "$r" ] || [ "$r" = - ]; then
            printf '%-36s %-10s %-9s %s\n' "$what" - "$op$thr" "not measured"; continue
        fi
        ratio=$(awk -v a="$v" -v b="$r" 'BEGIN{ printf "%.2f", (b == 0 ? 0 : a / b) }')
        ok=$(awk -v x="$ratio" -v t="$thr" -v o="$op" 'BEGIN{ print ((o == "<=" && x <= t) || (o == ">=" && x >= t)) ? "yes" : "NO" }')
        printf '%-36s %-10s %-9s %s\n' "$what" "${ratio}x" "$op$thr" "$ok"
    done <<'EOT'
run_us|<=|0.6|run /bin/true (median)
create_us|<=|0.7|create
start_us|<=|0.7|start
delete_us|<=|0.7|delete
exec_us|<=|0.7|exec
rss_run|<=|0.5|peak RSS of run
memmin_bytes|<=|1.0|smallest memory limit for run
par2_cps|>=|1.5|throughput, 2 workers
par8_cps|>=|1.5|throughput, 8 workers
rl_run_us|<=|0.6|rootless run (newuidmap)
sc_run_us|<=|0.6|run with the seccomp profile
sc_rss_run|<=|0.5|peak RSS of run with seccomp
EOT
}
{
    cat "$OUT/env.txt"
    echo "load at end: $(loadavg)"
    echo
    echo "Latencies in ms (median unless marked; ratio to ${LABEL[0]} in parentheses). Each includes one bash fork+exec."
    table run_us:run-median run_us.p90:run-p90 run_us.min:run-min block_us:"${BLOCK}x-run-total" create_us:create start_us:start delete_us:delete exec_us:exec
    echo
    echo "Resources: peak RSS = ru_maxrss (max over the runtime process and every descendant it reaped, i.e. incl. the"
    echo "runtime's init/helper processes; for run also the container process, whose pre-exec peak counts); cpu-ms-run = user+sys ms
of one run (getrusage of children, all processes reaped; from test a); minflt = minor page faults of the run tree;"
    echo "throughput = containers/s (median of $REPS); memmin = smallest memory.limit for which 3 runs in a row succeed."
    cols=(cpu_run_us:cpu-ms-run rss_run:rss-run rss_create:rss-create minflt_run:minflt-run)
    for K in $PAR_K; do cols+=("par${K}_cps:par$K-cps"); done
    cols+=(memmin_bytes:mem-limit-min)
    table "${cols[@]}"
    echo
    grep -P '\tmemmin_bytes\t' "$RES" | awk -F'\t' '{print "memmin " $1 ": " $4}'
    if has s; then
        echo
        echo "Seccomp (test s): the same runs with and without ${SCPROFILE##*/} in linux.seccomp, interleaved; ms, median"
        echo "unless marked; cpu = user+sys of all processes of one run; rss = peak RSS of run with the profile."
        table pl_run_us:run-plain sc_run_us:run-seccomp sc_run_us.p90:run-seccomp-p90 pl_cpu_run_us:cpu-ms-plain \
            sc_cpu_run_us:cpu-ms-seccomp sc_rss_run:rss-run-seccomp
    fi
    if has u; then
        echo
        if [ -n "$RLSKIP" ]; then echo "Rootless (test u): skipped, $RLSKIP"
        else
            echo "Rootless (test u): run as $RLUSER (uid $RLUID) in a user namespace mapped with newuidmap/newgidmap; no cgroups."
            table rl_run_us:run-rootless rl_run_us.p90:run-rootless-p90 rl_run_us.min:run-rootless-min rl_cpu_run_us:cpu-ms-rootless
        fi
    fi
    [ -n "$TARGET" ] && { echo; targets "$TARGET"; }
    echo
    if [ ${#FAILS[@]} -gt 0 ]; then echo "FAILURES (${#FAILS[@]}):"; printf '  %s\n' "${FAILS[@]}" | head -50; else echo "no failures"; fi
    echo "raw data: $OUT/raw, all stats (median p90 min max mean n): $RES"
} | tee "$OUT/summary.txt"
[ ${#FAILS[@]} -eq 0 ] || exit 3
exit 0
