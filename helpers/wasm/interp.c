/* interp.c -- instantiation and the interpreter of runcgo-wasm.  It runs
 * validated code straight from the binary (decode.c's side table gives the
 * end/else of every block), on one operand stack of 64-bit slots, a label
 * stack and a frame stack, all bounded: a call that would overflow any of
 * them traps ("call stack exhausted") instead of crashing, and the C stack
 * never grows with wasm recursion.  Every linear memory access is checked
 * against the current memory size. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm.h"

/* the fuzz harness (fuzz/fuzz_wasm.c) runs random validated code: small
 * stacks, and fuel so that a loop ends */
#ifdef WASM_FUZZ
#define VSTACK_SLOTS (64u << 10)
#define CTL_SLOTS (16u << 10)
#define MAX_FRAMES 1000
#define FUEL 20000
#else
#define VSTACK_SLOTS (4u << 20) /* 32 MiB, touched only as far as used */
#define CTL_SLOTS (1u << 20)
#define MAX_FRAMES 100000
#endif

struct label
{
  uint32_t cont;   /* code offset a branch continues at */
  uint32_t height; /* operand stack height at block entry */
  uint8_t arity;   /* values a branch carries */
  uint8_t loop;    /* a branch keeps the label (loop) or pops it */
};

struct frame
{
  uint32_t func;
  uint32_t ret_pc; /* offset in the function's code to resume at */
  uint32_t locals; /* first slot of the locals (parameters first) */
  uint32_t ctl_base;
};

struct engine
{
  uint64_t *S;
  struct label *ctl;
  struct frame *frames;
};

/* ---------------------------------------------------------------- instantiation */

int
wasm_instantiate (struct wasm_instance *in, struct wasm_module *m, char *err, size_t err_size)
{
  in->m = m;
  for (uint32_t i = 0; i < m->n_imported; i++)
    if (m->funcs[i].host == NULL)
      return snprintf (err, err_size, "unresolved import %s.%s", m->funcs[i].imp_module, m->funcs[i].imp_field), -1;
  in->mem_size = (uint64_t)m->mem_min * WASM_PAGE;
  in->mem = calloc (in->mem_size ? in->mem_size : 1, 1);
  in->table_size = m->table_min;
  in->table = malloc ((size_t)in->table_size * sizeof (uint32_t) + 1);
  in->globals = calloc (m->n_globals + 1, sizeof (uint64_t));
  in->data_dropped = calloc (m->n_datas + 1, sizeof (bool));
  if (in->mem == NULL || in->table == NULL || in->globals == NULL || in->data_dropped == NULL)
    return snprintf (err, err_size, "cannot allocate %u pages of linear memory", m->mem_min), -1;
  memset (in->table, 0xff, (size_t)in->table_size * sizeof (uint32_t));
  for (uint32_t i = 0; i < m->n_globals; i++)
    in->globals[i] = m->globals[i].value;
  for (uint32_t i = 0; i < m->n_elems; i++)
    {
      const struct wasm_segment *s = &m->elems[i];
      if ((uint64_t)s->offset + s->len > in->table_size)
        return snprintf (err, err_size, "element segment %u does not fit in the table", i), -1;
      memcpy (in->table + s->offset, s->funcs, (size_t)s->len * sizeof (uint32_t));
    }
  for (uint32_t i = 0; i < m->n_datas; i++)
    {
      const struct wasm_segment *s = &m->datas[i];
      if (!s->active)
        continue;
      if ((uint64_t)s->offset + s->len > in->mem_size)
        return snprintf (err, err_size, "data segment %u does not fit in memory", i), -1;
      memcpy (in->mem + s->offset, s->bytes, s->len);
      in->data_dropped[i] = true; /* active segments are dropped once applied */
    }
  return 0;
}

void
wasm_instance_free (struct wasm_instance *in)
{
  free (in->mem), free (in->table), free (in->globals), free (in->data_dropped);
  in->mem = NULL, in->table = NULL, in->globals = NULL, in->data_dropped = NULL;
}

/* ---------------------------------------------------------------- numerics */

static inline uint32_t
leb_u32 (const uint8_t **pp)
{
  const uint8_t *p = *pp;
  uint32_t v = 0;
  int shift = 0;
  uint8_t b;
  do
    {
      b = *p++;
      v |= (uint32_t)(b & 0x7f) << (shift & 31);
      shift += 7;
    }
  while (b & 0x80);
  *pp = p;
  return v;
}

static inline uint64_t
leb_s64 (const uint8_t **pp)
{
  const uint8_t *p = *pp;
  uint64_t v = 0;
  int shift = 0;
  uint8_t b;
  do
    {
      b = *p++;
      if (shift < 64)
        v |= (uint64_t)(b & 0x7f) << shift;
      shift += 7;
    }
  while (b & 0x80);
  if (shift < 64 && (b & 0x40))
    v |= ~(uint64_t)0 << shift;
  *pp = p;
  return v;
}

static inline float
f32_of (uint64_t v)
{
  uint32_t u = (uint32_t)v;
  float f;
  memcpy (&f, &u, 4);
  return f;
}

static inline uint64_t
of_f32 (float f)
{
  uint32_t u;
  memcpy (&u, &f, 4);
  return u;
}

static inline double
f64_of (uint64_t v)
{
  double d;
  memcpy (&d, &v, 8);
  return d;
}

static inline uint64_t
of_f64 (double d)
{
  uint64_t u;
  memcpy (&u, &d, 8);
  return u;
}

/* min/max: NaN wins, and -0 < +0 (C's fmin does neither reliably) */
static double
wmin (double a, double b)
{
  if (isnan (a) || isnan (b))
    return a + b;
  if (a == b)
    return signbit (a) ? a : b;
  return a < b ? a : b;
}

static double
wmax (double a, double b)
{
  if (isnan (a) || isnan (b))
    return a + b;
  if (a == b)
    return signbit (a) ? b : a;
  return a > b ? a : b;
}

static inline uint32_t
rotl32 (uint32_t a, uint32_t n)
{
  n &= 31;
  return (a << n) | (a >> ((32 - n) & 31));
}

static inline uint64_t
rotl64 (uint64_t a, uint64_t n)
{
  n &= 63;
  return (a << n) | (a >> ((64 - n) & 63));
}

/* Float -> integer bounds: valid when lo < d < hi (exclusive, exact in double). */
enum trunc_kind
{
  TO_I32,
  TO_U32,
  TO_I64,
  TO_U64
};
static const double trunc_lo[] = { -2147483649.0, -1.0, -9223372036854777856.0, -1.0 };
static const double trunc_hi[] = { 2147483648.0, 4294967296.0, 9223372036854775808.0, 18446744073709551616.0 };

static const char *
trunc_checked (double d, enum trunc_kind k, uint64_t *out)
{
  if (isnan (d))
    return "invalid conversion to integer";
  if (!(d > trunc_lo[k] && d < trunc_hi[k]))
    return "integer overflow";
  switch (k)
    {
    case TO_I32:
      *out = (uint32_t)(int32_t)d;
      break;
    case TO_U32:
      *out = (uint32_t)d;
      break;
    case TO_I64:
      *out = (uint64_t)(int64_t)d;
      break;
    case TO_U64:
      *out = (uint64_t)d;
      break;
    }
  return NULL;
}

static uint64_t
trunc_sat (double d, enum trunc_kind k)
{
  static const uint64_t lo[] = { 0x80000000u, 0, 0x8000000000000000u, 0 };
  static const uint64_t hi[] = { 0x7fffffffu, 0xffffffffu, 0x7fffffffffffffffu, ~(uint64_t)0 };
  uint64_t v = 0;
  if (isnan (d))
    return 0;
  if (d <= trunc_lo[k])
    return lo[k];
  if (d >= trunc_hi[k])
    return hi[k];
  trunc_checked (d, k, &v);
  return v;
}

/* i32/i64 arithmetic that can trap: returns the reason or NULL */
static const char *
int_divrem (uint8_t op, uint64_t a, uint64_t b, uint64_t *out)
{
  bool is64 = op >= 0x7f;
  if (!is64)
    a = (uint32_t)a, b = (uint32_t)b;
  if (b == 0)
    return "integer divide by zero";
  int64_t sa = is64 ? (int64_t)a : (int32_t)a, sb = is64 ? (int64_t)b : (int32_t)b;
  int64_t min = is64 ? INT64_MIN : INT32_MIN;
  switch (is64 ? op - 0x7f + 0x6d : op)
    {
    case 0x6d:
      if (sa == min && sb == -1)
        return "integer overflow";
      *out = (uint64_t)(sa / sb);
      break;
    case 0x6e:
      *out = a / b;
      break;
    case 0x6f:
      *out = sb == -1 ? 0 : (uint64_t)(sa % sb);
      break;
    case 0x70:
      *out = a % b;
      break;
    }
  if (!is64)
    *out = (uint32_t)*out;
  return NULL;
}

static uint32_t
i32_binop (uint8_t op, uint32_t a, uint32_t b)
{
  switch (op)
    {
    case 0x6a:
      return a + b;
    case 0x6b:
      return a - b;
    case 0x6c:
      return a * b;
    case 0x71:
      return a & b;
    case 0x72:
      return a | b;
    case 0x73:
      return a ^ b;
    case 0x74:
      return a << (b & 31);
    case 0x75:
      return (uint32_t)((int32_t)a >> (b & 31));
    case 0x76:
      return a >> (b & 31);
    case 0x77:
      return rotl32 (a, b);
    default:
      return rotl32 (a, 32 - (b & 31));
    }
}

static uint64_t
i64_binop (uint8_t op, uint64_t a, uint64_t b)
{
  switch (op)
    {
    case 0x7c:
      return a + b;
    case 0x7d:
      return a - b;
    case 0x7e:
      return a * b;
    case 0x83:
      return a & b;
    case 0x84:
      return a | b;
    case 0x85:
      return a ^ b;
    case 0x86:
      return a << (b & 63);
    case 0x87:
      return (uint64_t)((int64_t)a >> (b & 63));
    case 0x88:
      return a >> (b & 63);
    case 0x89:
      return rotl64 (a, b);
    default:
      return rotl64 (a, 64 - (b & 63));
    }
}

/* comparisons 0x46..0x5a: i32 then i64, same order */
static uint32_t
int_compare (uint8_t op, uint64_t a, uint64_t b)
{
  bool is64 = op >= 0x51;
  int64_t sa = is64 ? (int64_t)a : (int32_t)a, sb = is64 ? (int64_t)b : (int32_t)b;
  if (!is64)
    a = (uint32_t)a, b = (uint32_t)b;
  switch (is64 ? op - 0x51 + 0x46 : op)
    {
    case 0x46:
      return a == b;
    case 0x47:
      return a != b;
    case 0x48:
      return sa < sb;
    case 0x49:
      return a < b;
    case 0x4a:
      return sa > sb;
    case 0x4b:
      return a > b;
    case 0x4c:
      return sa <= sb;
    case 0x4d:
      return a <= b;
    case 0x4e:
      return sa >= sb;
    default:
      return a >= b;
    }
}

static uint32_t
float_compare (uint8_t k, double a, double b)
{
  switch (k)
    {
    case 0:
      return a == b;
    case 1:
      return a != b;
    case 2:
      return a < b;
    case 3:
      return a > b;
    case 4:
      return a <= b;
    default:
      return a >= b;
    }
}

/* unary 0..6 abs neg ceil floor trunc nearest sqrt, binary 7..13 add sub
 * mul div min max copysign; abs/neg/copysign act on the sign bit only */
static double
float_op (uint8_t k, double a, double b)
{
  switch (k)
    {
    case 2:
      return ceil (a);
    case 3:
      return floor (a);
    case 4:
      return trunc (a);
    case 5:
      return nearbyint (a);
    case 6:
      return sqrt (a);
    case 7:
      return a + b;
    case 8:
      return a - b;
    case 9:
      return a * b;
    case 10:
      return a / b;
    case 11:
      return wmin (a, b);
    default:
      return wmax (a, b);
    }
}

static uint64_t
f32_op (uint8_t k, uint64_t a, uint64_t b)
{
  uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
  if (k == 0)
    return ua & 0x7fffffffu;
  if (k == 1)
    return ua ^ 0x80000000u;
  if (k == 13)
    return (ua & 0x7fffffffu) | (ub & 0x80000000u);
  if (k >= 7 && k <= 10)
    {
      /* in single precision: double rounding would differ for + - * / */
      float x = f32_of (a), y = f32_of (b);
      return of_f32 (k == 7 ? x + y : k == 8 ? x - y : k == 9 ? x * y : x / y);
    }
  if (k == 6)
    return of_f32 (sqrtf (f32_of (a)));
  return of_f32 ((float)float_op (k, f32_of (a), f32_of (b)));
}

static uint64_t
f64_op (uint8_t k, uint64_t a, uint64_t b)
{
  const uint64_t sign = 0x8000000000000000u;
  if (k == 0)
    return a & ~sign;
  if (k == 1)
    return a ^ sign;
  if (k == 13)
    return (a & ~sign) | (b & sign);
  return of_f64 (float_op (k, f64_of (a), f64_of (b)));
}

/* conversions 0xa7..0xc4 that cannot trap (the trapping truncations are
 * handled by the caller) */
static uint64_t
convert (uint8_t op, uint64_t a)
{
  switch (op)
    {
    case 0xa7:
      return (uint32_t)a;
    case 0xac:
      return (uint64_t)(int64_t)(int32_t)a;
    case 0xad:
      return (uint32_t)a;
    case 0xb2:
      return of_f32 ((float)(int32_t)a);
    case 0xb3:
      return of_f32 ((float)(uint32_t)a);
    case 0xb4:
      return of_f32 ((float)(int64_t)a);
    case 0xb5:
      return of_f32 ((float)a);
    case 0xb6:
      return of_f32 ((float)f64_of (a));
    case 0xb7:
      return of_f64 ((double)(int32_t)a);
    case 0xb8:
      return of_f64 ((double)(uint32_t)a);
    case 0xb9:
      return of_f64 ((double)(int64_t)a);
    case 0xba:
      return of_f64 ((double)a);
    case 0xbb:
      return of_f64 ((double)f32_of (a));
    case 0xbc:
    case 0xbe:
      return (uint32_t)a;
    case 0xc0:
      return (uint32_t)(int32_t)(int8_t)a;
    case 0xc1:
      return (uint32_t)(int32_t)(int16_t)a;
    case 0xc2:
      return (uint64_t)(int64_t)(int8_t)a;
    case 0xc3:
      return (uint64_t)(int64_t)(int16_t)a;
    case 0xc4:
      return (uint64_t)(int64_t)(int32_t)a;
    default:
      return a; /* 0xbd, 0xbf: the bits stay */
    }
}

/* 0xa8..0xb1: which truncation, from which float width */
static const char *
truncate_op (uint8_t op, uint64_t a, uint64_t *out)
{
  static const enum trunc_kind kind[] = { TO_I32, TO_U32, TO_I32, TO_U32, 0, 0, TO_I64, TO_U64, TO_I64, TO_U64 };
  bool from32 = op == 0xa8 || op == 0xa9 || op == 0xae || op == 0xaf;
  return trunc_checked (from32 ? f32_of (a) : f64_of (a), kind[op - 0xa8], out);
}

static uint64_t
numeric_unop (uint8_t op, uint64_t a)
{
  switch (op)
    {
    case 0x45:
      return (uint32_t)a == 0;
    case 0x50:
      return a == 0;
    case 0x67:
      return (uint32_t)a ? (uint64_t)__builtin_clz ((uint32_t)a) : 32;
    case 0x68:
      return (uint32_t)a ? (uint64_t)__builtin_ctz ((uint32_t)a) : 32;
    case 0x69:
      return (uint64_t)__builtin_popcount ((uint32_t)a);
    case 0x79:
      return a ? (uint64_t)__builtin_clzll (a) : 64;
    case 0x7a:
      return a ? (uint64_t)__builtin_ctzll (a) : 64;
    case 0x7b:
      return (uint64_t)__builtin_popcountll (a);
    }
  if (op >= 0x8b && op <= 0x91)
    return f32_op (op - 0x8b, a, 0);
  if (op >= 0x99 && op <= 0x9f)
    return f64_op (op - 0x99, a, 0);
  return convert (op, a);
}

static uint64_t
numeric_binop (uint8_t op, uint64_t a, uint64_t b)
{
  if (op <= 0x5a)
    return int_compare (op, a, b);
  if (op <= 0x60)
    return float_compare (op - 0x5b, f32_of (a), f32_of (b));
  if (op <= 0x66)
    return float_compare (op - 0x61, f64_of (a), f64_of (b));
  if (op <= 0x78)
    return i32_binop (op, (uint32_t)a, (uint32_t)b);
  if (op <= 0x8a)
    return i64_binop (op, a, b);
  if (op <= 0x98)
    return f32_op (op - 0x92 + 7, a, b);
  return f64_op (op - 0xa0 + 7, a, b);
}

static bool
is_binop (uint8_t op)
{
  return (op >= 0x46 && op <= 0x4f) || (op >= 0x51 && op <= 0x66) || (op >= 0x6a && op <= 0x78)
         || (op >= 0x7c && op <= 0x8a) || (op >= 0x92 && op <= 0x98) || (op >= 0xa0 && op <= 0xa6);
}

/* ---------------------------------------------------------------- memory */

static const char oob[] = "out of bounds memory access";

static const char *
mem_load (struct wasm_instance *in, uint8_t op, uint64_t addr, uint64_t *v)
{
  static const uint8_t size[] = { 4, 8, 4, 8, 1, 1, 2, 2, 1, 1, 2, 2, 4, 4 };
  uint8_t n = size[op - 0x28];
  if (addr + n > in->mem_size)
    return oob;
  uint64_t raw = 0;
  memcpy (&raw, in->mem + addr, n);
  switch (op)
    {
    case 0x2c:
      *v = (uint32_t)(int32_t)(int8_t)raw;
      break;
    case 0x2e:
      *v = (uint32_t)(int32_t)(int16_t)raw;
      break;
    case 0x30:
      *v = (uint64_t)(int64_t)(int8_t)raw;
      break;
    case 0x32:
      *v = (uint64_t)(int64_t)(int16_t)raw;
      break;
    case 0x34:
      *v = (uint64_t)(int64_t)(int32_t)raw;
      break;
    default:
      *v = raw;
      break;
    }
  return NULL;
}

static const char *
mem_store (struct wasm_instance *in, uint8_t op, uint64_t addr, uint64_t v)
{
  static const uint8_t size[] = { 4, 8, 4, 8, 1, 2, 1, 2, 4 };
  uint8_t n = size[op - 0x36];
  if (addr + n > in->mem_size)
    return oob;
  memcpy (in->mem + addr, &v, n);
  return NULL;
}

static uint32_t
mem_grow (struct wasm_instance *in, uint32_t delta)
{
  uint64_t old = in->mem_size / WASM_PAGE;
  if (old + delta > in->m->mem_max)
    return UINT32_MAX;
  uint64_t size = (old + delta) * WASM_PAGE;
  uint8_t *p = delta ? realloc (in->mem, size ? size : 1) : in->mem;
  if (p == NULL)
    return UINT32_MAX;
  memset (p + in->mem_size, 0, size - in->mem_size);
  in->mem = p, in->mem_size = size;
  return (uint32_t)old;
}

/* 0xfc 8..11: memory.init, data.drop, memory.copy, memory.fill */
static const char *
bulk_op (struct wasm_instance *in, uint32_t sub, uint32_t seg, uint64_t *S, uint32_t *sp)
{
  if (sub == 9)
    return in->data_dropped[seg] = true, NULL;
  uint64_t n = (uint32_t)S[*sp - 1], b = (uint32_t)S[*sp - 2], d = (uint32_t)S[*sp - 3];
  *sp -= 3;
  if (d + n > in->mem_size)
    return oob;
  if (sub == 8)
    {
      const struct wasm_segment *s = &in->m->datas[seg];
      uint64_t len = in->data_dropped[seg] ? 0 : s->len;
      if (b + n > len)
        return oob;
      memcpy (in->mem + d, s->bytes + b, n);
    }
  else if (sub == 10)
    {
      if (b + n > in->mem_size)
        return oob;
      memmove (in->mem + d, in->mem + b, n);
    }
  else
    memset (in->mem + d, (int)(uint8_t)b, n);
  return NULL;
}

static bool
same_type (const struct wasm_type *a, const struct wasm_type *b)
{
  return a->nparams == b->nparams && a->nresults == b->nresults && (a->nresults == 0 || a->result == b->result)
         && memcmp (a->params, b->params, a->nparams) == 0;
}

/* ---------------------------------------------------------------- the loop */

#define TRAP(why)                                                                                                      \
  do                                                                                                                   \
    {                                                                                                                  \
      trap = (why);                                                                                                    \
      goto trapped;                                                                                                    \
    }                                                                                                                  \
  while (0)

/* Run FUNC with its arguments at e->S[0..nparams); the result lands in
 * e->S[0].  One C frame for any depth of wasm calls. */
static const char *
run (struct wasm_instance *in, struct engine *e, uint32_t func)
{
  const struct wasm_module *m = in->m;
  uint64_t *S = e->S;
  struct label *ctl = e->ctl;
  const struct wasm_type *t = &m->types[m->funcs[func].type];
  uint32_t sp = t->nparams, ctl_top = 0, depth = 0, ctl_base = 0;
  const uint8_t *code = NULL, *pc = NULL;
  const uint32_t *side = NULL;
  uint64_t *L = S;
  const char *trap = NULL;
  uint32_t callee = func, cur = func;
#ifdef FUEL
  uint32_t fuel = FUEL;
#endif
  goto enter;

  for (;;)
    {
#ifdef FUEL
      if (fuel-- == 0)
        TRAP ("out of fuel");
#endif
      uint8_t op = *pc++;
      uint32_t at = (uint32_t)(pc - 1 - code), l;
      uint64_t a, b;
      switch (op)
        {
        case 0x00:
          TRAP ("unreachable executed");
        case 0x01:
          continue;
        case 0x02:
          ctl[ctl_top++] = (struct label){ side[at] + 1, sp, *pc++ != 0x40, 0 };
          continue;
        case 0x03:
          pc++;
          ctl[ctl_top++] = (struct label){ (uint32_t)(pc - code), sp, 0, 1 };
          continue;
        case 0x04:
          {
            uint32_t cond = (uint32_t)S[--sp], els = side[at + 1];
            ctl[ctl_top++] = (struct label){ side[at] + 1, sp, *pc++ != 0x40, 0 };
            if (!cond)
              pc = code + (els ? els + 1 : side[at]);
            continue;
          }
        case 0x05:
          pc = code + side[side[at]];
          continue; /* end of the then-branch: to the if's end */
        case 0x0b:
          if (ctl_top == ctl_base)
            goto do_return;
          ctl_top--;
          continue;
        case 0x0c:
          l = leb_u32 (&pc);
          goto do_br;
        case 0x0d:
          l = leb_u32 (&pc);
          if ((uint32_t)S[--sp])
            goto do_br;
          continue;
        case 0x0e:
          {
            uint32_t n = leb_u32 (&pc), i = (uint32_t)S[--sp], pick = i < n ? i : n;
            for (uint32_t k = 0; k < pick; k++)
              leb_u32 (&pc);
            l = leb_u32 (&pc);
            goto do_br;
          }
        case 0x0f:
          goto do_return;
        case 0x10:
          callee = leb_u32 (&pc);
          goto call;
        case 0x11:
          {
            uint32_t ti = leb_u32 (&pc), i = (uint32_t)S[--sp];
            pc++; /* table 0 */
            if (i >= in->table_size)
              TRAP ("undefined element (call_indirect index out of table)");
            callee = in->table[i];
            if (callee == UINT32_MAX)
              TRAP ("uninitialized element");
            if (!same_type (&m->types[m->funcs[callee].type], &m->types[ti]))
              TRAP ("indirect call type mismatch");
            goto call;
          }
        case 0x1a:
          sp--;
          continue;
        case 0x1c:
          leb_u32 (&pc); /* the count (validated: 1) may be a padded LEB128 */
          pc++;          /* fall through */
        case 0x1b:
          {
            uint32_t cond = (uint32_t)S[--sp];
            b = S[--sp];
            if (!cond)
              S[sp - 1] = b;
            continue;
          }
        case 0x20:
          S[sp++] = L[leb_u32 (&pc)];
          continue;
        case 0x21:
          L[leb_u32 (&pc)] = S[--sp];
          continue;
        case 0x22:
          L[leb_u32 (&pc)] = S[sp - 1];
          continue;
        case 0x23:
          S[sp++] = in->globals[leb_u32 (&pc)];
          continue;
        case 0x24:
          in->globals[leb_u32 (&pc)] = S[--sp];
          continue;
        case 0x3f:
          pc++;
          S[sp++] = in->mem_size / WASM_PAGE;
          continue;
        case 0x40:
          pc++;
          S[sp - 1] = mem_grow (in, (uint32_t)S[sp - 1]);
          continue;
        case 0x41:
          S[sp++] = (uint32_t)leb_s64 (&pc);
          continue;
        case 0x42:
          S[sp++] = leb_s64 (&pc);
          continue;
        case 0x43:
          a = 0, memcpy (&a, pc, 4), pc += 4, S[sp++] = a;
          continue;
        case 0x44:
          memcpy (&a, pc, 8), pc += 8, S[sp++] = a;
          continue;
        /* the commonest i32 operations, without the generic dispatch below */
        case 0x45:
          S[sp - 1] = (uint32_t)S[sp - 1] == 0;
          continue;
        case 0x46:
          sp--, S[sp - 1] = (uint32_t)S[sp - 1] == (uint32_t)S[sp];
          continue;
        case 0x47:
          sp--, S[sp - 1] = (uint32_t)S[sp - 1] != (uint32_t)S[sp];
          continue;
        case 0x48:
          sp--, S[sp - 1] = (int32_t)S[sp - 1] < (int32_t)S[sp];
          continue;
        case 0x49:
          sp--, S[sp - 1] = (uint32_t)S[sp - 1] < (uint32_t)S[sp];
          continue;
        case 0x6a:
          sp--, S[sp - 1] = (uint32_t)(S[sp - 1] + S[sp]);
          continue;
        case 0x6b:
          sp--, S[sp - 1] = (uint32_t)(S[sp - 1] - S[sp]);
          continue;
        case 0x71:
          sp--, S[sp - 1] = (uint32_t)(S[sp - 1] & S[sp]);
          continue;
        case 0x28:
          {
            leb_u32 (&pc);
            uint64_t ea = (uint64_t)(uint32_t)S[sp - 1] + leb_u32 (&pc);
            uint32_t v;
            if (ea + 4 > in->mem_size)
              TRAP (oob);
            memcpy (&v, in->mem + ea, 4);
            S[sp - 1] = v;
            continue;
          }
        case 0x36:
          {
            leb_u32 (&pc);
            uint64_t ea = (uint64_t)(uint32_t)S[sp - 2] + leb_u32 (&pc);
            uint32_t v = (uint32_t)S[sp - 1];
            sp -= 2;
            if (ea + 4 > in->mem_size)
              TRAP (oob);
            memcpy (in->mem + ea, &v, 4);
            continue;
          }
        case 0xfc:
          {
            uint32_t sub = leb_u32 (&pc), seg = 0;
            if (sub < 8)
              {
                static const enum trunc_kind kind[]
                    = { TO_I32, TO_U32, TO_I32, TO_U32, TO_I64, TO_U64, TO_I64, TO_U64 };
                bool from32 = sub == 0 || sub == 1 || sub == 4 || sub == 5;
                S[sp - 1] = trunc_sat (from32 ? f32_of (S[sp - 1]) : f64_of (S[sp - 1]), kind[sub]);
                continue;
              }
            if (sub == 8 || sub == 9)
              seg = leb_u32 (&pc);
            pc += sub == 9 ? 0 : sub == 10 ? 2 : 1;
            if ((trap = bulk_op (in, sub, seg, S, &sp)))
              goto trapped;
            continue;
          }
        }
      if (op >= 0x28 && op <= 0x3e)
        {
          leb_u32 (&pc); /* alignment: a hint */
          uint32_t off = leb_u32 (&pc);
          if (op <= 0x35)
            {
              if ((trap = mem_load (in, op, (uint64_t)(uint32_t)S[sp - 1] + off, &S[sp - 1])))
                goto trapped;
            }
          else
            {
              sp -= 2;
              if ((trap = mem_store (in, op, (uint64_t)(uint32_t)S[sp] + off, S[sp + 1])))
                goto trapped;
            }
          continue;
        }
      if ((op >= 0x6d && op <= 0x70) || (op >= 0x7f && op <= 0x82))
        {
          b = S[--sp];
          if ((trap = int_divrem (op, S[sp - 1], b, &S[sp - 1])))
            goto trapped;
          continue;
        }
      if (op >= 0xa8 && op <= 0xb1 && op != 0xac && op != 0xad)
        {
          if ((trap = truncate_op (op, S[sp - 1], &S[sp - 1])))
            goto trapped;
          continue;
        }
      if (is_binop (op))
        {
          b = S[--sp];
          S[sp - 1] = numeric_binop (op, S[sp - 1], b);
          continue;
        }
      S[sp - 1] = numeric_unop (op, S[sp - 1]);
      continue;

    do_br:
      if (l == ctl_top - ctl_base)
        goto do_return;
      {
        struct label *c = &ctl[ctl_top - 1 - l];
        if (c->arity)
          S[c->height] = S[sp - 1];
        sp = c->height + c->arity;
        pc = code + c->cont;
        ctl_top = ctl_top - 1 - l + c->loop;
      }
      continue;

    call:
      e->frames[depth - 1].ret_pc = (uint32_t)(pc - code);
    enter:
      {
        const struct wasm_func *f = &m->funcs[callee];
        t = &m->types[f->type];
        if (f->host)
          {
            uint64_t r = 0;
            if ((trap = f->host (in, S + sp - t->nparams, &r)))
              {
                cur = callee;
                goto trapped;
              }
            sp -= t->nparams;
            if (t->nresults)
              S[sp++] = r;
            if (depth == 0)
              return NULL;
            continue;
          }
        uint32_t base = sp - t->nparams;
        if (depth == MAX_FRAMES || (uint64_t)sp + f->nlocals + f->max_vals + 1 > VSTACK_SLOTS
            || (uint64_t)ctl_top + f->max_ctl > CTL_SLOTS)
          TRAP ("call stack exhausted");
        memset (S + sp, 0, f->nlocals * sizeof (uint64_t));
        sp += f->nlocals;
        e->frames[depth++] = (struct frame){ callee, 0, base, ctl_top };
        cur = callee, ctl_base = ctl_top, L = S + base;
        code = f->code, pc = code, side = f->side;
      }
      continue;

    do_return:
      {
        struct frame *fr = &e->frames[depth - 1];
        t = &m->types[m->funcs[fr->func].type];
        if (t->nresults)
          S[fr->locals] = S[sp - 1];
        sp = fr->locals + t->nresults;
        ctl_top = fr->ctl_base;
        if (--depth == 0)
          return NULL;
        fr--;
        const struct wasm_func *f = &m->funcs[fr->func];
        cur = fr->func, ctl_base = fr->ctl_base, L = S + fr->locals;
        code = f->code, pc = code + fr->ret_pc, side = f->side;
      }
      continue;
    }

trapped:
  in->trap_func = cur;
  return trap;
}

const char *
wasm_call (struct wasm_instance *in, uint32_t func, const uint64_t *args, uint64_t *ret)
{
  const struct wasm_type *t = &in->m->types[in->m->funcs[func].type];
  struct engine e = { calloc (VSTACK_SLOTS, sizeof (uint64_t)), calloc (CTL_SLOTS, sizeof (struct label)),
                      calloc (MAX_FRAMES, sizeof (struct frame)) };
  const char *why = "out of memory for the interpreter stacks";
  if (e.S && e.ctl && e.frames)
    {
      /* _start and the start function take nothing, and main passes no
       * array for them: memcpy from NULL is undefined even for 0 bytes */
      if (t->nparams)
        memcpy (e.S, args, t->nparams * sizeof (uint64_t));
      in->trap_func = func;
      why = run (in, &e, func);
      if (why == NULL && t->nresults && ret)
        *ret = e.S[0];
    }
  free (e.S), free (e.ctl), free (e.frames);
  return why;
}
