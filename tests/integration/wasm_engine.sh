#!/bin/bash
# helpers/runcgo-wasm by itself, no container and no root: modules written
# here in the text format (wat2wasm, package wabt) check the interpreter's
# arithmetic edge cases (division and truncation traps, rotations, min/max
# and nearest of -0 and NaN, single-precision rounding), linear memory
# bounds, bulk memory, indirect call checks, deep recursion that must trap
# and not crash, and the loader's errors on malformed or unsupported
# modules.  Exit codes: proc_exit's, 134 on a trap, 1 when a module cannot
# be loaded.  TAP; `tests/integration/wasm_engine.sh REGEX` runs some.
set -uo pipefail

TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
ENGINE=${RUNCGO_WASM_HELPER:-}
# a sanitizer build (make check-asan) also has the engine with ASan + UBSan
# (helpers/runcgo-wasm is static and so has none): that one, then
for h in ${TOP_BUILDDIR:+"$TOP_BUILDDIR/tests/tools/asan/runcgo-wasm" "$TOP_BUILDDIR/helpers/runcgo-wasm"} \
  "$TOP_SRCDIR/helpers/runcgo-wasm"; do
  if [ -z "$ENGINE" ] && [ -x "$h" ]; then ENGINE=$h; fi
done
if [ ! -x "$ENGINE" ]; then
  echo "1..0 # SKIP helpers/runcgo-wasm is not built"
  exit 0
fi
if ! command -v wat2wasm > /dev/null; then
  echo "1..0 # SKIP wat2wasm is missing (package: wabt)"
  exit 0
fi
echo "# engine: $ENGINE"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/runcgo-wasm-engine.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
N=0 FAILED=0

# The prelude of every module: proc_exit, one page of memory (at most two),
# and assertions that exit with their number N when GOT differs from WANT.
PRELUDE='
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1 2)
  (func $eq32 (param $got i32) (param $want i32) (param $n i32)
    (if (i32.ne (local.get $got) (local.get $want)) (then (call $exit (local.get $n)))))
  (func $eq64 (param $got i64) (param $want i64) (param $n i32)
    (if (i64.ne (local.get $got) (local.get $want)) (then (call $exit (local.get $n)))))
  (func $f32 (param f32 i32 i32) (call $eq32 (i32.reinterpret_f32 (local.get 0)) (local.get 1) (local.get 2)))
  (func $f64 (param f64 i64 i32) (call $eq64 (i64.reinterpret_f64 (local.get 0)) (local.get 1) (local.get 2)))'

# run_module NAME WAT [WAT2WASM-FLAGS]: compile (with the prelude; a first
# line of imports goes before it) and run; sets $status and $err.
run_module () {
  local imports='' body=$2
  if [[ $body == '(import '* ]]; then imports=${body%%$'\n'*} body=${body#*$'\n'}; fi
  printf '(module %s %s\n%s)\n' "$imports" "$PRELUDE" "$body" > "$TMP/$1.wat"
  if ! wat2wasm ${3:-} "$TMP/$1.wat" -o "$TMP/$1.wasm" 2> "$TMP/$1.wat.err"; then
    err="wat2wasm: $(cat "$TMP/$1.wat.err")"
    status=-1
    return
  fi
  status=0
  timeout 60 "$ENGINE" "$TMP/$1.wasm" > "$TMP/$1.out" 2> "$TMP/$1.err" < /dev/null || status=$?
  err=$(cat "$TMP/$1.err")
}

# t NAME EXPECTED-STATUS STDERR-ERE WAT [WAT2WASM-FLAGS]: one TAP test.
t () {
  local name=$1 want=$2 re=$3
  if [ -n "${FILTER:-}" ] && ! [[ $name =~ $FILTER ]]; then return; fi
  N=$((N + 1))
  run_module "$name" "$4" "${5:-}"
  if [ "$status" = "$want" ] && { [ -z "$re" ] || grep -Eq -- "$re" <<< "$err"; }; then
    echo "ok $N - $name"
  else
    echo "not ok $N - $name"
    echo "# expected status $want${re:+ and stderr /$re/}, got $status: $err"
    [ "$want" = 0 ] && [ "$status" -gt 0 ] && [ "$status" -lt 128 ] && echo "# (assertion $status failed)"
    FAILED=$((FAILED + 1))
  fi
}
FILTER=${1:-}
TRAP=134

# ------------------------------------------------------------------ integers

t i32_edge_cases 0 '' '(func (export "_start")
  (call $eq32 (i32.rotl (i32.const 0x80000001) (i32.const 1)) (i32.const 3) (i32.const 1))
  (call $eq32 (i32.rotr (i32.const 1) (i32.const 1)) (i32.const 0x80000000) (i32.const 2))
  (call $eq32 (i32.rotl (i32.const 1) (i32.const 33)) (i32.const 2) (i32.const 3))
  (call $eq32 (i32.rotr (i32.const 0x12345678) (i32.const 32)) (i32.const 0x12345678) (i32.const 4))
  (call $eq32 (i32.clz (i32.const 0)) (i32.const 32) (i32.const 5))
  (call $eq32 (i32.ctz (i32.const 0)) (i32.const 32) (i32.const 6))
  (call $eq32 (i32.popcnt (i32.const -1)) (i32.const 32) (i32.const 7))
  (call $eq32 (i32.shr_s (i32.const -8) (i32.const 1)) (i32.const -4) (i32.const 8))
  (call $eq32 (i32.shl (i32.const 1) (i32.const 33)) (i32.const 2) (i32.const 9))
  (call $eq32 (i32.rem_s (i32.const 0x80000000) (i32.const -1)) (i32.const 0) (i32.const 10))
  (call $eq32 (i32.div_u (i32.const -1) (i32.const 2)) (i32.const 0x7fffffff) (i32.const 11))
  (call $eq32 (i32.rem_s (i32.const -7) (i32.const 2)) (i32.const -1) (i32.const 12))
  (call $eq32 (i32.extend8_s (i32.const 0x80)) (i32.const -128) (i32.const 13))
  (call $eq32 (i32.extend16_s (i32.const 0x18000)) (i32.const -32768) (i32.const 14))
  (call $eq32 (i32.wrap_i64 (i64.const 0x1ffffffff)) (i32.const -1) (i32.const 15))
  (call $eq32 (i32.mul (i32.const 0x10000) (i32.const 0x10000)) (i32.const 0) (i32.const 16))
  (call $eq32 (i32.lt_s (i32.const -1) (i32.const 0)) (i32.const 1) (i32.const 17))
  (call $eq32 (i32.lt_u (i32.const -1) (i32.const 0)) (i32.const 0) (i32.const 18))
  (call $eq32 (i32.add (i32.const 0x7fffffff) (i32.const 1)) (i32.const 0x80000000) (i32.const 19)))'

t i64_edge_cases 0 '' '(func (export "_start")
  (call $eq64 (i64.rotl (i64.const 0x8000000000000001) (i64.const 1)) (i64.const 3) (i32.const 1))
  (call $eq64 (i64.rotr (i64.const 1) (i64.const 1)) (i64.const 0x8000000000000000) (i32.const 2))
  (call $eq64 (i64.rotl (i64.const 1) (i64.const 65)) (i64.const 2) (i32.const 3))
  (call $eq64 (i64.clz (i64.const 0)) (i64.const 64) (i32.const 4))
  (call $eq64 (i64.ctz (i64.const 0x100000000)) (i64.const 32) (i32.const 5))
  (call $eq64 (i64.rem_s (i64.const 0x8000000000000000) (i64.const -1)) (i64.const 0) (i32.const 6))
  (call $eq64 (i64.extend_i32_s (i32.const -1)) (i64.const -1) (i32.const 7))
  (call $eq64 (i64.extend_i32_u (i32.const -1)) (i64.const 0xffffffff) (i32.const 8))
  (call $eq64 (i64.extend32_s (i64.const 0x80000000)) (i64.const 0xffffffff80000000) (i32.const 9))
  (call $eq64 (i64.shr_u (i64.const -1) (i64.const 64)) (i64.const -1) (i32.const 10))
  (call $eq64 (i64.div_s (i64.const -9) (i64.const 2)) (i64.const -4) (i32.const 11))
  (call $eq64 (i64.div_u (i64.const -1) (i64.const 3)) (i64.const 0x5555555555555555) (i32.const 12))
  (call $eq64 (i64.popcnt (i64.const 0x8000000000000001)) (i64.const 2) (i32.const 13))
  (call $eq32 (i64.eqz (i64.const 0x100000000)) (i32.const 0) (i32.const 14))
  (call $eq32 (i64.gt_s (i64.const -1) (i64.const 1)) (i32.const 0) (i32.const 15)))'

t i32_div_by_zero_traps $TRAP 'trap: integer divide by zero in function' '(func (export "_start")
  (drop (i32.div_s (i32.const 1) (i32.const 0))))'
t i64_rem_by_zero_traps $TRAP 'trap: integer divide by zero' '(func (export "_start")
  (drop (i64.rem_u (i64.const 1) (i64.const 0))))'
t i32_div_overflow_traps $TRAP 'trap: integer overflow' '(func (export "_start")
  (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))'
t i64_div_overflow_traps $TRAP 'trap: integer overflow' '(func (export "_start")
  (drop (i64.div_s (i64.const 0x8000000000000000) (i64.const -1))))'

# ------------------------------------------------------------------ floats

t f32_edge_cases 0 '' '(func (export "_start")
  (call $f32 (f32.min (f32.const -0) (f32.const 0)) (i32.const 0x80000000) (i32.const 1))
  (call $f32 (f32.max (f32.const -0) (f32.const 0)) (i32.const 0) (i32.const 2))
  (call $f32 (f32.min (f32.const 0) (f32.const -0)) (i32.const 0x80000000) (i32.const 3))
  (call $eq32 (i32.and (i32.reinterpret_f32 (f32.min (f32.const nan) (f32.const 1))) (i32.const 0x7fc00000))
    (i32.const 0x7fc00000) (i32.const 4))
  (call $eq32 (i32.and (i32.reinterpret_f32 (f32.max (f32.const 1) (f32.const nan))) (i32.const 0x7fc00000))
    (i32.const 0x7fc00000) (i32.const 5))
  (call $f32 (f32.nearest (f32.const 2.5)) (i32.const 0x40000000) (i32.const 6))
  (call $f32 (f32.nearest (f32.const 3.5)) (i32.const 0x40800000) (i32.const 7))
  (call $f32 (f32.nearest (f32.const -0.5)) (i32.const 0x80000000) (i32.const 8))
  (call $f32 (f32.add (f32.const 16777216) (f32.const 1)) (i32.const 0x4b800000) (i32.const 9))
  (call $f32 (f32.copysign (f32.const 1) (f32.const -0)) (i32.const 0xbf800000) (i32.const 10))
  (call $f32 (f32.convert_i64_u (i64.const -1)) (i32.const 0x5f800000) (i32.const 11))
  (call $f32 (f32.neg (f32.const 0)) (i32.const 0x80000000) (i32.const 12))
  (call $f32 (f32.demote_f64 (f64.const 0x1p-149)) (i32.const 1) (i32.const 13))
  (call $eq32 (f32.eq (f32.const nan) (f32.const nan)) (i32.const 0) (i32.const 14))
  (call $f32 (f32.sqrt (f32.const 2)) (i32.const 0x3fb504f3) (i32.const 15))
  (call $f32 (f32.trunc (f32.const -1.5)) (i32.const 0xbf800000) (i32.const 16))
  (call $f32 (f32.ceil (f32.const -0.5)) (i32.const 0x80000000) (i32.const 17)))'

t f64_edge_cases 0 '' '(func (export "_start")
  (call $f64 (f64.min (f64.const -0) (f64.const 0)) (i64.const 0x8000000000000000) (i32.const 1))
  (call $f64 (f64.max (f64.const -0) (f64.const 0)) (i64.const 0) (i32.const 2))
  (call $f64 (f64.nearest (f64.const -1.5)) (i64.const 0xc000000000000000) (i32.const 3))
  (call $f64 (f64.nearest (f64.const 0.5)) (i64.const 0) (i32.const 4))
  (call $eq64 (i64.and (i64.reinterpret_f64 (f64.max (f64.const nan) (f64.const 1))) (i64.const 0x7ff8000000000000))
    (i64.const 0x7ff8000000000000) (i32.const 5))
  (call $f64 (f64.sqrt (f64.const 4)) (i64.const 0x4000000000000000) (i32.const 6))
  (call $f64 (f64.abs (f64.const -0)) (i64.const 0) (i32.const 7))
  (call $eq32 (i32.trunc_f64_s (f64.const -2147483648.9)) (i32.const 0x80000000) (i32.const 8))
  (call $eq32 (i32.trunc_f32_u (f32.const 4294967040)) (i32.const 0xffffff00) (i32.const 9))
  (call $eq64 (i64.trunc_f64_u (f64.const -0.9)) (i64.const 0) (i32.const 10))
  (call $eq32 (i32.trunc_sat_f32_s (f32.const nan)) (i32.const 0) (i32.const 11))
  (call $eq32 (i32.trunc_sat_f64_s (f64.const 1e10)) (i32.const 0x7fffffff) (i32.const 12))
  (call $eq64 (i64.trunc_sat_f64_u (f64.const -5)) (i64.const 0) (i32.const 13))
  (call $eq32 (i32.trunc_sat_f32_u (f32.const inf)) (i32.const -1) (i32.const 14))
  (call $eq64 (i64.trunc_sat_f64_s (f64.const -inf)) (i64.const 0x8000000000000000) (i32.const 15))
  (call $eq64 (i64.trunc_f64_s (f64.const -9223372036854775808)) (i64.const 0x8000000000000000) (i32.const 16))
  (call $f64 (f64.convert_i64_u (i64.const -1)) (i64.const 0x43f0000000000000) (i32.const 17))
  (call $f64 (f64.promote_f32 (f32.const -0)) (i64.const 0x8000000000000000) (i32.const 18))
  (call $f64 (f64.copysign (f64.const 2) (f64.const -1)) (i64.const 0xc000000000000000) (i32.const 19))
  (call $eq32 (f64.lt (f64.const nan) (f64.const 1)) (i32.const 0) (i32.const 20)))'

t trunc_f32_overflow_traps $TRAP 'trap: integer overflow' '(func (export "_start")
  (drop (i32.trunc_f32_s (f32.const 2147483648))))'
t trunc_f64_u_negative_traps $TRAP 'trap: integer overflow' '(func (export "_start")
  (drop (i32.trunc_f64_u (f64.const -1))))'
t trunc_i64_overflow_traps $TRAP 'trap: integer overflow' '(func (export "_start")
  (drop (i64.trunc_f64_s (f64.const 9223372036854775808))))'
t trunc_nan_traps $TRAP 'trap: invalid conversion to integer' '(func (export "_start")
  (drop (i64.trunc_f32_u (f32.const nan))))'

# ------------------------------------------------------------------ memory

t memory_grow_bounds_and_bulk_ops 0 '' '(data (i32.const 300) "\01\02")
 (func (export "_start")
  (call $eq32 (memory.grow (i32.const 1)) (i32.const 1) (i32.const 1))
  (call $eq32 (memory.size) (i32.const 2) (i32.const 2))
  (call $eq32 (memory.grow (i32.const 1)) (i32.const -1) (i32.const 3))
  (i32.store (i32.const 131068) (i32.const 0x11223344))
  (call $eq32 (i32.load (i32.const 131068)) (i32.const 0x11223344) (i32.const 4))
  (memory.fill (i32.const 100) (i32.const 0xab) (i32.const 4))
  (call $eq32 (i32.load (i32.const 100)) (i32.const 0xabababab) (i32.const 5))
  (i32.store (i32.const 200) (i32.const 0x04030201))
  (memory.copy (i32.const 201) (i32.const 200) (i32.const 4))
  (call $eq32 (i32.load (i32.const 201)) (i32.const 0x04030201) (i32.const 6))
  (i32.store8 (i32.const 400) (i32.const 0xff))
  (call $eq64 (i64.load8_s (i32.const 400)) (i64.const -1) (i32.const 7))
  (call $eq64 (i64.load8_u (i32.const 400)) (i64.const 255) (i32.const 8))
  (call $eq32 (i32.load16_u (i32.const 300)) (i32.const 0x0201) (i32.const 9))
  (i64.store32 (i32.const 500) (i64.const 0x1234567887654321))
  (call $eq64 (i64.load (i32.const 500)) (i64.const 0x87654321) (i32.const 10))
  (call $eq32 (i32.load offset=65532 (i32.const 0)) (i32.const 0) (i32.const 11)))'

t passive_data_memory_init_and_drop 0 '' '(data $p "xyz")
 (func (export "_start")
  (memory.init $p (i32.const 600) (i32.const 1) (i32.const 2))
  (call $eq32 (i32.load16_u (i32.const 600)) (i32.const 0x7a79) (i32.const 1))
  (memory.init $p (i32.const 700) (i32.const 3) (i32.const 0))
  (data.drop $p)
  (memory.init $p (i32.const 700) (i32.const 0) (i32.const 0)))'
t memory_init_after_drop_traps $TRAP 'trap: out of bounds memory access' '(data $p "xyz")
 (func (export "_start") (data.drop $p) (memory.init $p (i32.const 0) (i32.const 0) (i32.const 1)))'

t load_past_the_end_traps $TRAP 'trap: out of bounds memory access' '(func (export "_start")
  (drop (i32.load (i32.const 65533))))'
t offset_does_not_wrap_around $TRAP 'trap: out of bounds memory access' '(func (export "_start")
  (drop (i32.load8_u offset=0xffffffff (i32.const 1))))'
t i32_store_past_the_end_traps $TRAP 'trap: out of bounds memory access' '(func (export "_start")
  (i32.store offset=2 (i32.const 65531) (i32.const 0)))'
t store_past_the_end_traps $TRAP 'trap: out of bounds memory access' '(func (export "_start")
  (i64.store (i32.const -1) (i64.const 0)))'
t memory_fill_past_the_end_traps $TRAP 'trap: out of bounds memory access' '(func (export "_start")
  (memory.fill (i32.const 65530) (i32.const 0) (i32.const 7)))'
t memory_copy_from_past_the_end_traps $TRAP 'trap: out of bounds memory access' '(func (export "_start")
  (memory.copy (i32.const 0) (i32.const 65535) (i32.const 2)))'

# ------------------------------------------------------------------ control, calls

t control_flow_and_calls 0 '' '(type $ii (func (param i32) (result i32)))
 (table 3 funcref)
 (elem (i32.const 0) $double $fact32)
 (global $g (mut i32) (i32.const 40))
 (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
 (func $fact32 (type $ii) (if (result i32) (i32.le_u (local.get 0) (i32.const 1))
   (then (i32.const 1)) (else (i32.mul (local.get 0) (call $fact32 (i32.sub (local.get 0) (i32.const 1)))))))
 (func $fact (param i64) (result i64) (if (result i64) (i64.le_u (local.get 0) (i64.const 1))
   (then (i64.const 1)) (else (i64.mul (local.get 0) (call $fact (i64.sub (local.get 0) (i64.const 1)))))))
 (func $pick (param i32) (result i32)
   (block $d (block $b1 (block $b0 (br_table $b0 $b1 $d (local.get 0)))
     (return (i32.const 100))) (return (i32.const 101))) (i32.const 102))
 (func $sum (param $n i32) (result i32) (local $s i32)
   (block $out (loop $top
     (br_if $out (i32.eqz (local.get $n)))
     (local.set $s (i32.add (local.get $s) (local.get $n)))
     (local.set $n (i32.sub (local.get $n) (i32.const 1)))
     (br $top)))
   (local.get $s))
 (func $early (param i32) (result i32)
   (block (result i32) (br_if 0 (i32.const 7) (local.get 0)) (drop) (i32.const 8)))
 (func (export "_start")
  (call $eq32 (call $pick (i32.const 0)) (i32.const 100) (i32.const 1))
  (call $eq32 (call $pick (i32.const 1)) (i32.const 101) (i32.const 2))
  (call $eq32 (call $pick (i32.const 9)) (i32.const 102) (i32.const 3))
  (call $eq32 (call $sum (i32.const 100)) (i32.const 5050) (i32.const 4))
  (call $eq64 (call $fact (i64.const 20)) (i64.const 2432902008176640000) (i32.const 5))
  (call $eq32 (call_indirect (type $ii) (i32.const 21) (i32.const 0)) (i32.const 42) (i32.const 6))
  (call $eq32 (call_indirect (type $ii) (i32.const 5) (i32.const 1)) (i32.const 120) (i32.const 7))
  (call $eq32 (select (i32.const 1) (i32.const 2) (i32.const 0)) (i32.const 2) (i32.const 8))
  (global.set $g (i32.add (global.get $g) (i32.const 2)))
  (call $eq32 (global.get $g) (i32.const 42) (i32.const 9))
  (call $eq32 (call $early (i32.const 1)) (i32.const 7) (i32.const 10))
  (call $eq32 (call $early (i32.const 0)) (i32.const 8) (i32.const 11))
  (call $eq32 (select (result i32) (i32.const 1) (i32.const 2) (i32.const 1)) (i32.const 1) (i32.const 12))
  (call $exit (i32.const 0)))'

t proc_exit_code_is_the_exit_status 42 '' '(func (export "_start") (call $exit (i32.const 42)))'
t return_from_start_exits_0 0 '' '(func (export "_start") (nop))'

t call_indirect_type_mismatch_traps $TRAP 'trap: indirect call type mismatch' '(table 1 funcref)
 (elem (i32.const 0) $f)
 (func $f (param i64) (result i64) (local.get 0))
 (func (export "_start") (drop (call_indirect (param i32) (result i32) (i32.const 1) (i32.const 0))))'
t call_indirect_null_element_traps $TRAP 'trap: uninitialized element' '(table 2 funcref)
 (func (export "_start") (call_indirect (i32.const 1)))'
t call_indirect_past_the_table_traps $TRAP 'trap: undefined element' '(table 2 funcref)
 (func (export "_start") (call_indirect (i32.const 2)))'
t deep_recursion_traps_not_crashes $TRAP 'trap: call stack exhausted' '(func $r (param i32) (result i32)
   (i32.add (call $r (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
 (func (export "_start") (drop (call $r (i32.const 0))))'
t deep_recursion_with_big_frames_traps $TRAP 'trap: call stack exhausted' "(func \$r $(printf '(local i64 i64 i64 i64 i64 i64 i64 i64)%.0s' {1..100})
   (call \$r))
 (func (export \"_start\") (call \$r))"
t unreachable_traps $TRAP 'trap: unreachable executed in function 5' '(func (export "_start") (unreachable))'

# ------------------------------------------------------------------ loading

t type_mismatch_is_rejected_at_load 1 'invalid module: .*type mismatch' \
  '(func (export "_start") (drop (i32.add (i64.const 1) (i32.const 1))))' --no-check
t stack_underflow_is_rejected_at_load 1 'invalid module: .*operand stack empty' \
  '(func (export "_start") (drop))' --no-check
t unknown_import_names_module_and_field 1 'unknown import: module "env", field "clock"' \
  '(import "env" "clock" (func (result i64)))
   (func (export "_start"))'
t unknown_wasi_function_names_it 1 'unknown import: module "wasi_snapshot_preview1", field "sock_accept"' \
  '(import "wasi_snapshot_preview1" "sock_accept" (func (param i32 i32 i32) (result i32)))
   (func (export "_start"))'
t wrong_wasi_signature_is_rejected 1 'wasi_snapshot_preview1.fd_write: wrong function type' \
  '(import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32)))
   (func (export "_start"))'
t no_start_export_is_an_error 1 'exports no _start function' '(func (export "main"))'
t data_segment_out_of_memory_fails_instantiation 1 'data segment 0 does not fit in memory' \
  '(data (i32.const 65535) "ab") (func (export "_start"))'

# malformed binaries, not from wat2wasm
malformed () {
  local name=$1 re=$2
  if [ -n "${FILTER:-}" ] && ! [[ $name =~ $FILTER ]]; then return; fi
  N=$((N + 1))
  status=0
  "$ENGINE" "$TMP/$name.wasm" > /dev/null 2> "$TMP/$name.err" < /dev/null || status=$?
  if [ "$status" = 1 ] && grep -Eq -- "$re" "$TMP/$name.err"; then
    echo "ok $N - $name"
  else
    echo "not ok $N - $name"
    echo "# expected status 1 and /$re/, got $status: $(cat "$TMP/$name.err")"
    FAILED=$((FAILED + 1))
  fi
}
printf '\0asm\1\0\0\0' > "$TMP/empty_module.wasm"
malformed empty_module 'exports no _start'
printf '\0asm\2\0\0\0' > "$TMP/bad_version.wasm"
malformed bad_version 'not a WebAssembly module'
printf '(module %s (func (export "_start") (call $eq32 (i32.const 1) (i32.const 1) (i32.const 1))))' "$PRELUDE" > "$TMP/full.wat"
wat2wasm -o "$TMP/full.wasm" "$TMP/full.wat"
head -c $(($(stat -c %s "$TMP/full.wasm") - 3)) "$TMP/full.wasm" > "$TMP/truncated.wasm"
malformed truncated 'invalid module: at byte [0-9]+: (unexpected end|section)'
# a section that claims more bytes than the file has
printf '\0asm\1\0\0\0\1\377\377\377\377\17' > "$TMP/huge_section.wasm"
malformed huge_section 'invalid module: at byte [0-9]+: unexpected end'
# a type count of 2^32-1 in a 1-byte section: refused before any allocation
printf '\0asm\1\0\0\0\1\5\377\377\377\377\17' > "$TMP/huge_count.wasm"
malformed huge_count 'count 4294967295 exceeds the section'
# an over-long LEB128
printf '\0asm\1\0\0\0\1\6\200\200\200\200\200\0' > "$TMP/long_leb.wasm"
malformed long_leb 'integer (representation too long|too large)'

echo "1..$N"
[ "$FAILED" = 0 ]
