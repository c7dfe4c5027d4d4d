#!/bin/bash
# slirp.sh -- a host port forwarded into a container: runcgo-slirp (--net
# slirp -p) against slirp4netns (the helper Podman used before pasta), in
# the same run, on the same container and bundle, both with MTU 65520 and
# the host's loopback closed.  Measures:
#   bulk      SIZE MB sent by the host through the forward into `nc -l >
#             /dev/null` in the container, until the container has read it
#             all (MB/s; median of REPS, interleaved)
#   latency   N sequential HTTP requests (new connection each) to busybox
#             httpd in the container through the forward, curl's time_total
#             (median and p90, ms)
# Traffic stays on 127.0.0.1 and the container's namespace.  Needs root,
# curl, python3, jq, busybox-static and slirp4netns (without it only
# runcgo-slirp is measured).
#
#   bench/slirp.sh [-s MB] [-r REPS] [-n N] [-o DIR] RUNCGO
set -euo pipefail

SIZE=200 REPS=5 N=200 OUT=
usage () { sed -n '2,16s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }
while getopts s:r:n:o:h opt; do
  case $opt in
    s) SIZE=$OPTARG ;; r) REPS=$OPTARG ;; n) N=$OPTARG ;; o) OUT=$OPTARG ;;
    h) usage ;; *) usage 1 ;;
  esac
done
shift $((OPTIND - 1))
[ $# = 1 ] || usage 1
RUNCGO=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "slirp.sh: run as root" >&2; exit 1; }
for t in curl python3 jq; do
  command -v "$t" > /dev/null || { echo "slirp.sh: $t is required" >&2; exit 1; }
done
S4N=$(command -v slirp4netns || true)
if [ -z "${RUNCGO_SLIRP_HELPER:-}" ] && [ -x "$(dirname "$RUNCGO")/../helpers/runcgo-slirp" ]; then
  RUNCGO_SLIRP_HELPER=$(dirname "$RUNCGO")/../helpers/runcgo-slirp
  export RUNCGO_SLIRP_HELPER
fi

TMP=$(mktemp -d /tmp/runcgo-bench-slirp.XXXXXX)
ROOT=$TMP/root
S4N_PID=
finish () {
  [ -z "$S4N_PID" ] || kill "$S4N_PID" 2> /dev/null || true
  for id in bs-runcgo bs-s4n; do
    "$RUNCGO" --root "$ROOT" delete -f "$id" > /dev/null 2>&1 || true
  done
  rm -rf --one-file-system "$TMP"
}
trap finish EXIT

free_port () {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# bulk PORT: seconds to push $SIZE MB through 127.0.0.1:PORT until the
# container's nc closes (it has read everything).
bulk () {
  python3 - "$1" "$SIZE" << 'EOF'
import socket, sys, time
port, mb = int(sys.argv[1]), int(sys.argv[2])
buf = b"\0" * (1 << 20)
for _ in range(100):  # nc may not listen again yet
    try:
        s = socket.create_connection(("127.0.0.1", port)); break
    except OSError:
        time.sleep(0.05)
t0 = time.monotonic()
for _ in range(mb):
    s.sendall(buf)
s.shutdown(socket.SHUT_WR)
while s.recv(65536):
    pass
print("%.4f" % (time.monotonic() - t0))
EOF
}

# latency PORT: N curl time_total values in ms, one per line
latency () {
  local i
  for ((i = 0; i < N; i++)); do
    curl -s -o /dev/null --noproxy '*' -w '%{time_total}\n' "http://127.0.0.1:$1/"
  done | awk '{ printf "%.3f\n", $1 * 1000 }'
}

median () { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
p90 () { sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.9); if (i < 1) i = 1; print v[i] }'; }

wait_page () {
  local i
  for ((i = 0; i < 250; i++)); do
    curl -sf --noproxy '*' -m 2 -o /dev/null "http://127.0.0.1:$1/" && return 0
    sleep 0.02
  done
  echo "slirp.sh: no page on port $1" >&2
  return 1
}

# ---------------------------------------------------------------- setup
SPEC_RUNTIME=$RUNCGO "$HERE/make-bundle.sh" "$TMP/bundle" > /dev/null
mkdir -p "$TMP/bundle/rootfs/www"
echo bench-page > "$TMP/bundle/rootfs/www/index.html"
jq '.process.args = ["sh", "-c", "httpd -p 80 -h /www; while :; do nc -l -p 5001 > /dev/null; done"]' \
  "$TMP/bundle/config.json" > "$TMP/c.json" && mv "$TMP/c.json" "$TMP/bundle/config.json"

declare -A HTTP DATA
labels=(runcgo-slirp)
HTTP[runcgo-slirp]=$(free_port)
DATA[runcgo-slirp]=$(free_port)
"$RUNCGO" --root "$ROOT" run -d -b "$TMP/bundle" --net slirp -p "127.0.0.1:${HTTP[runcgo-slirp]}:80" \
  -p "127.0.0.1:${DATA[runcgo-slirp]}:5001" bs-runcgo > /dev/null

if [ -n "$S4N" ]; then
  labels+=(slirp4netns)
  HTTP[slirp4netns]=$(free_port)
  DATA[slirp4netns]=$(free_port)
  "$RUNCGO" --root "$ROOT" run -d -b "$TMP/bundle" bs-s4n > /dev/null
  pid=$("$RUNCGO" --root "$ROOT" state bs-s4n | jq -r .pid)
  "$S4N" --configure --mtu=65520 --disable-host-loopback --api-socket "$TMP/api.sock" "$pid" tap0 \
    > "$TMP/s4n.log" 2>&1 &
  S4N_PID=$!
  for ((i = 0; i < 250; i++)); do [ -S "$TMP/api.sock" ] && break; sleep 0.02; done
  for p in "${HTTP[slirp4netns]}:80" "${DATA[slirp4netns]}:5001"; do
    python3 - "$TMP/api.sock" "${p%:*}" "${p#*:}" << 'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(json.dumps({"execute": "add_hostfwd", "arguments": {"proto": "tcp", "host_addr": "127.0.0.1",
                      "host_port": int(sys.argv[2]), "guest_port": int(sys.argv[3])}}).encode())
r = json.loads(s.recv(4096))
if "error" in r: sys.exit("slirp4netns add_hostfwd: %s" % r["error"])
EOF
  done
else
  echo "# slirp4netns not installed: measuring runcgo-slirp alone" >&2
fi
for l in "${labels[@]}"; do wait_page "${HTTP[$l]}"; done

# ---------------------------------------------------------------- runs (interleaved)
declare -A BULK LAT
for ((r = 0; r < REPS; r++)); do
  for l in "${labels[@]}"; do
    BULK[$l]+="$(bulk "${DATA[$l]}")"$'\n'
  done
done
for l in "${labels[@]}"; do
  latency "${HTTP[$l]}" > /dev/null # warm-up (ARP, first connection)
done
for l in "${labels[@]}"; do
  LAT[$l]=$(latency "${HTTP[$l]}")
done

# ---------------------------------------------------------------- report
{
  echo "# slirp port forward: $SIZE MB bulk x $REPS, $N HTTP requests; $(nproc) CPUs, $(uname -r)"
  echo "# $("$RUNCGO" --version | head -n 1); slirp4netns: ${S4N:+$("$S4N" --version | head -n 1)}"
  printf '%-14s %12s %12s %14s %14s\n' helper "bulk MB/s" "bulk s" "latency ms" "p90 ms"
  for l in "${labels[@]}"; do
    s=$(printf '%s' "${BULK[$l]}" | median)
    printf '%-14s %12.0f %12.3f %14s %14s\n' "$l" "$(awk -v m="$SIZE" -v s="$s" 'BEGIN { print m / s }')" "$s" \
      "$(median <<< "${LAT[$l]}")" "$(p90 <<< "${LAT[$l]}")"
  done
} | tee "${OUT:-/dev/null}"
