#!/bin/bash
# systemd-rootfs.sh -- a Debian bookworm rootfs that boots systemd as PID 1,
# for the systemd cgroup driver test (tests/integration/systemd.sh).
#
#   systemd-rootfs.sh TARBALL     build it (debootstrap, ~2.5 minutes) unless
#                                 TARBALL exists; exit 3 when the mirror is
#                                 unreachable (the caller skips), else 0/1.
#
# The tarball is a cache (default /var/cache/runcgo-test/): the guest's
# contents depend only on this file, so its name carries a hash of it.
set -euo pipefail

out=${1:?usage: systemd-rootfs.sh TARBALL}
[ -s "$out" ] && exit 0

# The mirror this machine's apt uses (deb822 or one-line sources).
mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2> /dev/null |
  sed -n -e 's/^URIs: *\(http[^ ]*\/debian\/*\)$/\1/p' \
    -e 's/^deb  *\(\[[^]]*\] *\)\{0,1\}\(http[^ ]*\/debian\/*\) .*/\2/p' | head -n 1 || true)
mirror=${mirror:-http://deb.debian.org/debian}

if ! command -v debootstrap > /dev/null; then
  apt-get install -y -qq debootstrap > /dev/null 2>&1 || { echo "cannot install debootstrap" >&2; exit 3; }
fi
if ! timeout 20 bash -c "exec 3<>/dev/tcp/$(echo "$mirror" | sed 's|^[a-z]*://||; s|/.*||')/80" 2> /dev/null; then
  echo "mirror $mirror unreachable" >&2
  exit 3
fi

work=$(mktemp -d /var/tmp/runcgo-systemd-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
# libseccomp2, libcap2, libjson-c5: what the host-built runcgo links against,
# so the binary copied into the guest runs as is.
if ! debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,libseccomp2,libcap2,libjson-c5 \
  bookworm "$work/rootfs" "$mirror" > "$work/log" 2>&1; then
  tail -n 20 "$work/log" >&2
  grep -qiE 'resolv|connect|fetch|download' "$work/log" && exit 3
  exit 1
fi
r=$work/rootfs
# A guest that boots fast and quietly: no getty on a console it does not
# have, no units that need hardware or the network.
for u in getty.target console-getty.service systemd-logind.service apt-daily.timer apt-daily-upgrade.timer \
  e2scrub_all.timer fstrim.timer systemd-timesyncd.service; do
  ln -sf /dev/null "$r/etc/systemd/system/$u"
done
echo runcgo-guest > "$r/etc/hostname"
: > "$r/etc/machine-id"
rm -rf "$r/var/cache/apt/archives"/*.deb "$r/var/lib/apt/lists"/*
mkdir -p "$(dirname "$out")"
tar -C "$r" -czf "$out.tmp" .
mv "$out.tmp" "$out"
