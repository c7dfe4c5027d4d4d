#!/bin/sh
# sub-build.sh DIR CONFIGURE-ARGS...: keep DIR/src a configured copy of the
# distributed sources (make distdir, run from the main build directory), for
# make check-asan and make fuzz.  Only files that changed are copied (with
# their times), so a rerun rebuilds just what changed.
set -e
dir=$1
shift
rm -rf "$dir/new"
mkdir -p "$dir/src"
${MAKE:-make} distdir distdir="$dir/new" > "$dir/distdir.log" 2>&1 || { cat "$dir/distdir.log"; exit 1; }
(cd "$dir/new" && find . -type f) | while IFS= read -r f; do
  if ! cmp -s "$dir/new/$f" "$dir/src/$f"; then
    mkdir -p "$(dirname "$dir/src/$f")"
    cp -p "$dir/new/$f" "$dir/src/$f"
  fi
done
rm -rf "$dir/new"
cd "$dir/src"
test -f config.status || ./configure "$@"
