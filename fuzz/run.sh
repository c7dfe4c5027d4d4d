#!/bin/sh
# run.sh fuzz|merge BUILD CORPUS SECONDS FLAGS TARGET...: run the libFuzzer
# harnesses of BUILD/src (make fuzz, make fuzz-merge).
#   fuzz   each TARGET for SECONDS at nice 19 on one core; new inputs go to
#          BUILD/work/TARGET (the checked-in CORPUS/TARGET is only read),
#          crashes to BUILD/crashes/TARGET-*; exits 1 when one crashed
#   merge  CORPUS/TARGET := the minimal set covering it plus BUILD/work/TARGET
set -u
mode=$1 build=$2 corpus=$3 seconds=$4 flags=$5
shift 5
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=
for t in "$@"; do
  bin=$build/src/fuzz/fuzz_$t
  mkdir -p "$build/work/$t" "$build/crashes"
  case $mode in
    fuzz)
      echo "== fuzz $t for ${seconds}s"
      # shellcheck disable=SC2086
      nice -n 19 "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$build/crashes/$t-" $flags "$build/work/$t" "$corpus/$t" \
        > "$build/fuzz-$t.log" 2>&1 || { failed="$failed $t"; tail -n 40 "$build/fuzz-$t.log"; }
      grep -E '^(stat::number_of_executed_units|#[0-9]+ +DONE)' "$build/fuzz-$t.log" | tail -n 2
      ;;
    merge)
      rm -rf "$build/merged-$t"
      mkdir -p "$build/merged-$t"
      # shellcheck disable=SC2086
      "$bin" -merge=1 $flags "$build/merged-$t" "$corpus/$t" "$build/work/$t" > "$build/merge-$t.log" 2>&1 \
        || { failed="$failed $t"; tail -n 20 "$build/merge-$t.log"; continue; }
      rm -rf "${corpus:?}/$t"
      mv "$build/merged-$t" "$corpus/$t"
      echo "== $t: $(ls "$corpus/$t" | wc -l) inputs, $(du -sk "$corpus/$t" | cut -f1) KiB"
      ;;
  esac
done
if [ -n "$failed" ]; then
  echo "failed:$failed (see $build/fuzz-TARGET.log and $build/crashes/)"
  exit 1
fi
