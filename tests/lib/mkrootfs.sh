#!/bin/bash
# mkrootfs.sh DIR: build a minimal root filesystem for test and demo containers
# from the host's static busybox (Debian: busybox-static).  No image registry,
# no network: one static binary, its applet links, and the few files in /etc that
# tools like `id`, `ps` and `hostname` read.  DIR must not exist or be empty.
set -euo pipefail

die () { echo "mkrootfs: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: mkrootfs.sh DIR"
dir=$1

busybox=${BUSYBOX:-}
if [ -z "$busybox" ]; then
  for b in /bin/busybox /usr/bin/busybox; do
    [ -x "$b" ] && { busybox=$b; break; }
  done
fi
[ -n "$busybox" ] || die "busybox not found (apt-get install busybox-static)"

# A dynamic busybox would need the host's libc inside the rootfs: refuse it
# with the fix rather than build a rootfs where nothing runs.
if LC_ALL=C ldd "$busybox" 2>&1 | grep -q '=>'; then
  die "$busybox is dynamically linked (apt-get install busybox-static)"
fi

if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
  die "$dir exists and is not empty"
fi

mkdir -p "$dir"
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp root home var/run run
chmod 1777 tmp
cp "$busybox" bin/busybox
chmod 0755 bin/busybox

# Applet links: as root, let busybox install them itself inside the new root
# (one process); otherwise ask it for the list and link each applet by hand.
if [ "$(id -u)" = 0 ] && chroot . /bin/busybox --install -s 2>/dev/null; then
  :
else
  "$busybox" --list-full | while read -r applet; do
    [ -n "$applet" ] || continue
    case $applet in */*) ;; *) applet=bin/$applet ;; esac
    [ -e "$applet" ] || [ -L "$applet" ] || ln -s /bin/busybox "$applet"
  done
fi
[ -e bin/sh ] || ln -s /bin/busybox bin/sh

cat > etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > etc/group <<'GROUP'
root:x:0:
daemon:x:1:
tty:x:5:
users:x:100:
nogroup:x:65534:
GROUP
echo runcgo > etc/hostname
: > etc/hosts
: > etc/resolv.conf
