#!/bin/bash
# install.sh: runcgo as users get it.  `make install DESTDIR=scratch` of the
# build tree puts every file where it belongs, the installed binary runs the
# demo container (tests/lib/demo.sh), and `make uninstall` takes everything
# back.  With RUNCGO_TEST_DEB=1 and dpkg-buildpackage installed, the .deb is
# built (`make deb`), unpacked into a scratch root with `dpkg-deb -x`, and
# its runcgo runs the demo too (lintian's errors fail the test when lintian
# is installed; the build skips the unit tests: DEB_BUILD_OPTIONS=nocheck).  Needs the build tree (TOP_BUILDDIR, as make check sets
# it) and root, like the demo.
. "$(dirname "$0")/../lib/common.sh"

# make_in_build ARGS...: make in the build tree, quietly, as a fresh make
# (not a job of the make check that runs this script).
make_in_build () {
  [ -n "$TOP_BUILDDIR" ] && [ -f "$TOP_BUILDDIR/Makefile" ] || skip "no build tree (TOP_BUILDDIR)"
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP_BUILDDIR" "$@" > "$T/make.log" 2>&1 ||
    { tail -n 40 "$T/make.log" >&2; fail "make $* failed"; }
}

# run_demo RUNTIME: tests/lib/demo.sh with RUNTIME; checks what it shows.
run_demo () {
  local out st=0
  out=$(RUNCGO=$1 "$TOP_SRCDIR/tests/lib/demo.sh" 2>&1 < /dev/null) || st=$?
  sed 's/^/  | /' <<< "$out" >&2
  assert_eq "$st" 0 "exit status of the demo with $1"
  assert_contains "$out" "hostname: runcgo-demo" "demo output"
  assert_match "$out" 'id: +uid=0' "demo output"
  assert_contains "$out" "== exit status 0" "demo output"
}

# check_man_page FILE: a rendered roff page (not the crude fallback) that
# man can format, with a section for each command.
check_man_page () {
  local text
  if [[ $1 == *.gz ]]; then text=$(zcat "$1"); else text=$(cat "$1"); fi
  assert_match "$text" '^\.TH "RUNCGO" "8"' "man page header"
  if command -v man > /dev/null; then
    text=$(MANWIDTH=100 man -l "$1" 2> /dev/null)
    assert_match "$text" '^RUNCGO\(8\)' "formatted man page"
  fi
  for cmd in create run exec checkpoint restore update check; do
    assert_match "$text" "^\.?(SS )?\"?$cmd( |\"|$)|^ +$cmd " "man page section of $cmd"
  done
}

test_make_install_destdir_installs_everything_and_runs_the_demo () {
  local dest=$T/dest bin f
  make_in_build install DESTDIR="$dest"
  bin=$(find "$dest" -path '*/bin/runcgo' -type f)
  [ -x "$bin" ] || fail "no bin/runcgo under $dest"
  local prefix=${bin%/bin/runcgo}
  for f in share/man/man8/runcgo.8 share/bash-completion/completions/runcgo share/zsh/site-functions/_runcgo \
           share/fish/vendor_completions.d/runcgo.fish share/doc/runcgo/README.md share/doc/runcgo/CHANGELOG.md \
           share/doc/runcgo/engines.md share/doc/runcgo/rootless.md share/doc/runcgo/design/cgroups.md; do
    [ -s "$prefix/$f" ] || fail "make install did not install $f"
  done
  check_man_page "$prefix/share/man/man8/runcgo.8"
  capture "$bin" --version
  assert_status 0
  assert_match "$stdout" '^runcgo version [0-9]+\.[0-9]+\.[0-9]+' "installed runcgo --version"
  # the installed completion works with the installed binary
  out=$(bash -c 'source "$1"; COMP_WORDS=(runcgo chec); COMP_CWORD=1; _runcgo; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$prefix/share/bash-completion/completions/runcgo")
  assert_eq "$(sort <<< "$out" | tr '\n' ' ')" "check checkpoint " "bash completion of 'runcgo chec'"
  run_demo "$bin"
}

test_make_uninstall_removes_every_installed_file () {
  local dest=$T/dest left
  make_in_build install DESTDIR="$dest"
  [ -n "$(find "$dest" -type f)" ] || fail "make install installed nothing"
  make_in_build uninstall DESTDIR="$dest"
  left=$(find "$dest" -type f -o -type l)
  assert_eq "$left" "" "files left after make uninstall"
}

test_deb_installs_into_a_scratch_root_and_runs_the_demo () {
  [ "${RUNCGO_TEST_DEB:-}" = 1 ] || skip "set RUNCGO_TEST_DEB=1 to build the .deb (make deb-test)"
  command -v dpkg-buildpackage > /dev/null || skip "dpkg-buildpackage is not installed (apt-get install dpkg-dev debhelper)"
  local deb root=$T/debroot lint t0
  # make check has run the unit tests already: the package build skips them
  t0=$SECONDS
  DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}" make_in_build deb DEB_OUT="$T/deb"
  echo "make deb: $((SECONDS - t0)) s" >&2
  deb=$(ls "$T"/deb/runcgo_*.deb)
  [ -f "$deb" ] || fail "make deb made no runcgo_*.deb"
  capture dpkg-deb -f "$deb" Package Depends
  local depends=$stdout
  dpkg-deb -x "$deb" "$root"
  # shlibs: every shared library the binaries need comes from a package the
  # .deb depends on (json-c, libseccomp, libcap may be linked statically)
  local bin lib pkg
  for bin in "$root"/usr/bin/runcgo "$root"/usr/libexec/runcgo/*; do
    [ -f "$bin" ] || continue
    for lib in $(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
      pkg=$(dpkg -S "*/$lib" 2> /dev/null | head -1 | cut -d: -f1)
      [ -n "$pkg" ] || fail "no package of this host has $lib, which $(basename "$bin") needs"
      assert_match "$depends" "Depends:.*\\<$pkg\\>" "Depends of the .deb (from shlibs) for $lib"
    done
  done
  for f in usr/bin/runcgo usr/share/man/man8/runcgo.8.gz usr/share/bash-completion/completions/runcgo \
           usr/share/zsh/vendor-completions/_runcgo usr/share/fish/vendor_completions.d/runcgo.fish \
           usr/share/doc/runcgo/copyright usr/share/doc/runcgo/engines.md; do
    # dh_compress gzips the larger docs
    [ -e "$root/$f" ] || [ -e "$root/$f.gz" ] || fail "the .deb has no /$f"
  done
  check_man_page "$root/usr/share/man/man8/runcgo.8.gz"
  capture "$root/usr/bin/runcgo" --version
  assert_status 0
  assert_match "$stdout" '^runcgo version [0-9]' "runcgo --version from the .deb"
  run_demo "$root/usr/bin/runcgo"
  if command -v lintian > /dev/null; then
    t0=$SECONDS
    lint=$(lintian --fail-on error --info --suppress-tags bad-distribution-in-changes-file "$deb" 2>&1) ||
      fail "lintian reports errors: $lint"
    echo "lintian ($((SECONDS - t0)) s): ${lint:-clean}" >&2
  fi
}

run_tests
