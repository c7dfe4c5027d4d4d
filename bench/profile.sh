#!/bin/bash
# profile.sh -- where does one `run` of /bin/true spend its time, per syscall
# and per function?  Same bundle, cgroup layout and namespaces as bench.sh.
#
# usage: profile.sh [options] RUNTIME [RUNTIME...]
#   -o DIR     output directory (default ${TMPDIR:-/tmp}/runcgo-bench/profile-<date>)
#   -n N       runs for perf stat and perf record (default 30)
#   -s         profile the seccomp variant (bench/seccomp-default.json in linux.seccomp)
#   -t LIST    tools, letters: s strace -c, t strace -tt + digest, p perf stat,
#              r perf record (kernel+user symbols), c callgrind (default stprc)
#   -U auto|yes|no   hide /sys/fs/cgroup/unified as bench.sh does (default auto)
#
# For each runtime, in DIR:
#   LABEL.strace-c        strace -f -c -S calls of one run (all processes)
#   LABEL.strace-tt       strace -f -ttt -T -s 200 of one run
#   LABEL.by-process      syscall counts per process (runtime, init, ...) and per
#                         name, plus a digest of the "overhead" syscalls that do not
#                         change the container (getpid, fchdir, fdinfo reads, ...)
#   LABEL.perf-stat       perf stat -r N: task-clock, faults, context switches, user/sys
#   LABEL.perf-report     perf record -e cpu-clock -g over N runs: top symbols
#                         (kernel and user), the share of each DSO
#   LABEL.callgrind*      callgrind of the runtime's process(es): instruction counts
#                         are stable on a noisy machine (see the caveats in README.md)
#   summary.txt           one page of all of the above
# strace slows everything down a lot: use the counts and the order of phases,
# never its absolute times; perf stat / record give the real-time picture.
set -uo pipefail
export LC_ALL=C
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
OUT="" N=30 SECCOMP=no TOOLS=stprc HIDE_UNIFIED=auto
ORIG_ARGS=("$@")
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while getopts "o:n:st:U:h" o; do
    case $o in
        o) OUT=$OPTARG ;; n) N=$OPTARG ;; s) SECCOMP=yes ;; t) TOOLS=$OPTARG ;;
        U) HIDE_UNIFIED=$OPTARG ;; h) usage 0 ;; *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
[ "$(id -u)" = 0 ] || { echo "profile.sh: must run as root" >&2; exit 1; }
has() { [[ $TOOLS == *$1* ]]; }

unified_has_controllers() {
    [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] || return 1
    [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] || return 1
    [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]
}
if [ -z "${OCIBENCH_INNER:-}" ]; then
    hide=no
    case $HIDE_UNIFIED in yes) hide=yes ;; no) ;; auto) unified_has_controllers && hide=yes ;; esac
    export OCIBENCH_INNER=1 OCIBENCH_HIDE=$hide OCIBENCH_OUTER_PID=$$
    exec unshare --mount --propagation private --pid --fork --mount-proc -- /bin/bash "$0" "${ORIG_ARGS[@]}"
fi
[ "${OCIBENCH_HIDE:-no}" = yes ] && { umount -l /sys/fs/cgroup/unified || exit 1; }

[ -n "$OUT" ] || OUT=${TMPDIR:-/tmp}/runcgo-bench/profile-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 1
TAG=ociprofile.${OCIBENCH_OUTER_PID}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/$TAG.XXXXXX") || exit 1
cleanup() {
    local s id
    for s in "$WORK"/state/*; do
        [ -d "$s" ] || continue
        for id in "$s"/*; do [ -d "$id" ] && "$(cat "$s.bin")" --root "$s" delete -f "${id##*/}" >/dev/null 2>&1; done
    done
    for d in /sys/fs/cgroup/*/"$TAG"; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
    # crun (legacy mode) writes plain files into the tmpfs under the hidden unified mount
    if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = tmpfs ] && [ -d "/sys/fs/cgroup/unified/$TAG" ]; then
        rm -rf -- "/sys/fs/cgroup/unified/$TAG"
    fi
    rm -rf -- "$WORK"
}
trap cleanup EXIT
"$HERE/make-bundle.sh" "$WORK/bundle" >/dev/null || exit 1
ROOTFS=$WORK/bundle/rootfs
BASE=$(jq -c --arg r "$ROOTFS" '.root.path = $r' "$WORK/bundle/config.json")
if [ "$SECCOMP" = yes ]; then
    BASE=$(jq -c --slurpfile s "$HERE/seccomp-default.json" '.linux.seccomp = $s[0]' <<<"$BASE")
fi
# callgrind variant: the init's profile is written after pivot_root, at its
# execve, to the same path inside the container -> root must be writable and
# the directory must exist in the rootfs.  valgrind lowers RLIMIT_NOFILE's hard
# limit (it keeps fds for itself), so process.rlimits are dropped.
CGDIR=/tmp/ociprofile-cg.$$
CGBASE=$(jq -c '.root.readonly = false | del(.process.rlimits)' <<<"$BASE")

SEQ=0 CTR=""
mkctr() {   # mkctr TEMPLATE -> CTR = a new bundle dir with its own cgroupsPath (no subshell: SEQ counts)
    SEQ=$((SEQ + 1))
    CTR=$WORK/b/$SEQ
    mkdir -p "$CTR"
    jq -c --arg cg "/$TAG/c$SEQ" '.linux.cgroupsPath = $cg' <<<"$1" > "$CTR/config.json"
}

# syscall digest of a strace -f log: per process, per name, and the
# "overhead" calls that do not change the container (getpid, fchdir, ...)
digest() {
    local f=$1 out=$2
    awk -v t1="$out.names" -v t2="$out.notable" '
    { pid=$1; line=$0; sub(/^[0-9]+ +[0-9.]+ /,"",line)
      if (line ~ /^<\.\.\./ || line ~ /^\+\+\+/ || line ~ /^---/) next
      name=line; sub(/\(.*/,"",name)
      if (!(pid in seen)) { seen[pid]=1; order[++np]=pid }
      n[pid]++; c[pid, name]++; names[name]=1; tot++
      if (name=="getpid") ov["getpid"]++
      if (name=="fchdir") ov["fchdir"]++
      if (line ~ /fdinfo\//) ov["open fdinfo/N (mount id check)"]++
      if (line ~ /"\/proc\/self\/cgroup"/) ov["open /proc/self/cgroup"]++
      if (line ~ /"\/proc\/self\/mountinfo"/) ov["open /proc/self/mountinfo"]++
      if (line ~ /"\/proc\/[0-9]+\/stat"/) ov["open /proc/PID/stat"]++
      if (line ~ /\/etc\/localtime/) ov["open /etc/localtime"]++
      if (line ~ /\.so(\.[0-9]+)*"/ && name ~ /open/) ov["open of a shared library"]++
      if (name=="mount") { mounts++; if (line ~ /MS_REMOUNT/) remounts++ }
      if (line ~ /devices\.(allow|deny)/) ov["open devices.allow/deny"]++
      if (line ~ /cgroup\.procs/) ov["open cgroup.procs"]++
      if (name ~ /^(mmap|mprotect|munmap|brk)$/) ov["mmap/mprotect/munmap/brk"]++
      if (name=="prctl" && line ~ /CAPBSET_READ/) ov["prctl(PR_CAPBSET_READ)"]++
      if (name=="prctl" && line ~ /CAPBSET_DROP/) ov["prctl(PR_CAPBSET_DROP)"]++
    }
    END {
      printf "total syscalls %d, processes %d, mount(2) calls %d (of them remounts %d)\n", tot, np, mounts, remounts
      for (i=1;i<=np;i++) printf "  process #%d (pid %s): %d syscalls\n", i, order[i], n[order[i]]
      for (nm in names) { s=0; row=""; for (i=1;i<=np;i++) { row=row sprintf(" %6d", c[order[i],nm]); s+=c[order[i],nm] }
                          printf "%7d  %-22s%s\n", s, nm, row > t1 }
      for (k in ov) printf "%7d  %s\n", ov[k], k > t2
    }' "$f"
    echo "per name (total, then one column per process in order of appearance):"
    sort -rn "$out.names"
    echo "notable counts:"
    sort -rn "$out.notable"
    rm -f "$out.names" "$out.notable"
}

LABELS=()
for r in "$@"; do
    bin=$(readlink -f "$(command -v "$r")") || { echo "profile.sh: no runtime $r" >&2; continue; }
    L=$(basename "$r")
    for x in "${LABELS[@]}"; do [ "$x" = "$L" ] && L="$L#${#LABELS[@]}"; done
    LABELS+=("$L")
    mkdir -p "$WORK/state/$L"; echo "$bin" > "$WORK/state/$L.bin"
    rt=("$bin" --root "$WORK/state/$L")
    echo "== $L ($bin)" >&2
    # warm the page cache and the dentry cache
    for _ in 1 2 3; do mkctr "$BASE"; "${rt[@]}" run -b "$CTR" "w$SEQ" </dev/null >/dev/null 2>>"$OUT/$L.err"; done

    if has s; then
        mkctr "$BASE"; d=$CTR
        strace -f -c -S calls -o "$OUT/$L.strace-c" "${rt[@]}" run -b "$d" "s$SEQ" </dev/null >/dev/null 2>>"$OUT/$L.err"
    fi
    if has t; then
        mkctr "$BASE"; d=$CTR
        strace -f -ttt -T -s 200 -o "$OUT/$L.strace-tt" "${rt[@]}" run -b "$d" "t$SEQ" </dev/null >/dev/null 2>>"$OUT/$L.err"
        digest "$OUT/$L.strace-tt" "$WORK/digest" > "$OUT/$L.by-process"
    fi
    # `run` deletes the container when it exits, so one bundle (one cgroupsPath)
    # and one id serve every repetition: no driver script in the measurement
    if has p && perf stat -e task-clock true >/dev/null 2>&1; then
        mkctr "$BASE"; d=$CTR
        perf stat -r "$N" -e task-clock,page-faults,minor-faults,major-faults,context-switches,cpu-migrations \
            -o "$OUT/$L.perf-stat" "${rt[@]}" run -b "$d" "p$SEQ" </dev/null >/dev/null 2>>"$OUT/$L.err"
    fi
    if has r && perf record -o /dev/null -e cpu-clock true >/dev/null 2>&1; then
        mkctr "$BASE"; d=$CTR
        perf record -q -e cpu-clock -F 20000 -g -o "$OUT/$L.perf.data" -- \
            bash -c "for ((i = 0; i < $N; i++)); do ${rt[*]} run -b $d r$SEQ </dev/null >/dev/null; done" \
            2>>"$OUT/$L.err"
        rep() { perf report -i "$OUT/$L.perf.data" "$@" --stdio 2>/dev/null | grep -v '^#' | grep -v '^$'; }
        {
            echo "# perf record -e cpu-clock -F 20000 -g over $N runs (the driving bash loop is its own comm)"
            echo "## share per command"; rep --no-children --sort comm -g none | head -8
            echo "## share per DSO"; rep --no-children --sort dso -g none | head -12
            echo "## top symbols (self)"; rep --no-children --sort dso,sym -g none | head -45
            echo "## top symbols (children included)"; rep --children --sort sym -g none | head -60
            echo "## callers of the top kernel symbol (irq-enable points absorb samples taken with irqs off)"
            rep --no-children --sort sym -g caller,0.5,callee --percent-limit 5 | head -80
        } > "$OUT/$L.perf-report"
    fi
    # callgrind: the init is a clone of the runtime, so its counters start
    # with the parent's; --dump-before=execve writes the init's profile
    # (inside the container, hence CGDIR in the rootfs) right before execve.
    # The parent's own profile is written at its exit.  valgrind 3.19 does not
    # know openat2 (ENOSYS: safe_path takes its fallback walk) nor
    # pidfd_send_signal: the init's counts include that fallback.
    if has c && command -v valgrind >/dev/null; then
        rm -rf "$CGDIR" "$ROOTFS$CGDIR"; mkdir -p "$CGDIR" "$ROOTFS$CGDIR"
        mkctr "$CGBASE"; d=$CTR
        valgrind --tool=callgrind --dump-before=execve --callgrind-out-file="$CGDIR/callgrind.%p" \
            "${rt[@]}" run -b "$d" "c$SEQ" </dev/null >/dev/null 2>"$OUT/$L.callgrind-log"
        for f in "$CGDIR"/callgrind.* "$ROOTFS$CGDIR"/callgrind.*; do
            [ -s "$f" ] || continue
            case $f in "$ROOTFS"*) k=init ;; *) k=runtime ;; esac
            [ -e "$OUT/$L.callgrind.$k" ] && k=$k.$(basename "$f")
            cp "$f" "$OUT/$L.callgrind.$k"
            callgrind_annotate "$f" 2>/dev/null | sed -n '/PROGRAM TOTALS/,$p' | head -45 > "$OUT/$L.callgrind.$k.self"
            callgrind_annotate --inclusive=yes "$f" 2>/dev/null | sed -n '/PROGRAM TOTALS/,$p' | head -90 > "$OUT/$L.callgrind.$k.incl"
        done
        rm -rf "$CGDIR" "$ROOTFS$CGDIR"
    fi
done

{
    echo "# profile.sh $(date -Is), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), seccomp variant: $SECCOMP"
    for L in "${LABELS[@]}"; do echo "runtime $L: $(cat "$WORK/state/$L.bin") -- $("$(cat "$WORK/state/$L.bin")" --version 2>&1 | head -1)"; done
    echo
    for L in "${LABELS[@]}"; do
        echo "################ $L"
        [ -f "$OUT/$L.by-process" ] && { sed -n '/^per name/q;p' "$OUT/$L.by-process"; sed -n '/^per name/,/^notable/p' "$OUT/$L.by-process" | sed -n '1,16p'; sed -n '/^notable/,$p' "$OUT/$L.by-process"; echo; }
        [ -f "$OUT/$L.perf-stat" ] && { echo "perf stat -r $N:"; grep -E 'task-clock|faults|context|elapsed|user|sys' "$OUT/$L.perf-stat"; echo; }
        [ -f "$OUT/$L.perf-report" ] && { sed -n '/share per command/,/top symbols (self)/p' "$OUT/$L.perf-report" | sed '$d'; sed -n '/top symbols (self)/,/children included/p' "$OUT/$L.perf-report" | sed -n '1,22p'; echo; }
        for f in "$OUT/$L".callgrind.*.incl; do
            [ -f "$f" ] || continue
            echo "callgrind $(basename "${f%.incl}") (inclusive; an init's counts start with its parent's):"
            sed -n '/file:function/,$p' "$f" | sed -n '3,28p'
        done
        echo
    done
} > "$OUT/summary.txt"
cat "$OUT/summary.txt"
echo "profile data: $OUT" >&2
