#!/bin/bash
# demo.sh: run one container from a busybox-static rootfs made on the spot and
# show, from inside, that it is isolated (its own hostname, user, process list).
# Run as root after `make`:  sudo tests/lib/demo.sh  (RUNCGO=PATH picks another
# runtime with runc's command line).  Leaves nothing behind.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
runtime=${RUNCGO:-}
if [ -z "$runtime" ]; then
  for r in "$top/src/runcgo" "${TOP_BUILDDIR:-$top}/src/runcgo"; do
    if [ -x "$r" ]; then runtime=$r; break; fi
  done
fi
[ -n "$runtime" ] || { echo "demo: no src/runcgo: run make first (or set RUNCGO)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "demo: run it as root (sudo $0)" >&2; exit 1; }
command -v jq > /dev/null || { echo "demo: jq is needed (apt-get install jq)" >&2; exit 1; }

id=runcgo-demo-$$
work=$(mktemp -d /tmp/runcgo-demo.XXXXXX)
chmod 0755 "$work"
cleanup () {
  "$runtime" --root "$work/state" delete -f "$id" > /dev/null 2>&1 || true
  for d in /sys/fs/cgroup/*/runcgo-demo /sys/fs/cgroup/runcgo-demo; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2> /dev/null
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

"$here/mkrootfs.sh" "$work/bundle/rootfs"
cd "$work/bundle"
"$runtime" spec
# the spec's defaults, with a command that shows where it runs instead of a shell
jq --arg cg "/runcgo-demo/$id" '.process.terminal = false
   | .process.args = ["sh", "-c", "echo \"hostname: $(hostname)\"; echo \"id:       $(id)\"; echo \"ps:\"; ps"]
   | .hostname = "runcgo-demo"
   | .linux.cgroupsPath = $cg' config.json > config.json.new
mv config.json.new config.json

echo "== $runtime run $id   (the host: hostname $(hostname), $(ls -d /proc/[0-9]* | wc -l) processes)"
status=0
"$runtime" --root "$work/state" run "$id" < /dev/null || status=$?
echo "== exit status $status"
exit "$status"
