/* decode.c -- the WebAssembly binary format (MVP, plus sign extension,
 * saturating truncation and bulk memory) into struct wasm_module, validated
 * as the spec's appendix algorithm does: every function body is type-checked
 * against an operand/control stack, which also yields the side table the
 * interpreter uses for branches and the stack depths it reserves per call.
 * Input is hostile: every read is bounded, every count is checked against
 * the bytes left before anything is allocated for it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm.h"

#define MAX_LOCALS 50000
#define MAX_NESTING 4096
#define MAX_PARAMS 1000

struct reader
{
  const uint8_t *base, *p, *end;
  jmp_buf fail;
  char *err;
  size_t err_size;
};

static void __attribute__ ((noreturn, format (printf, 2, 3))) fail (struct reader *r, const char *fmt, ...)
{
  va_list ap;
  int n = snprintf (r->err, r->err_size, "at byte %zu: ", (size_t)(r->p - r->base));
  va_start (ap, fmt);
  if (n >= 0 && (size_t)n < r->err_size)
    vsnprintf (r->err + n, r->err_size - n, fmt, ap);
  va_end (ap);
  longjmp (r->fail, 1);
}

static void *
zalloc (struct reader *r, size_t n, size_t size)
{
  void *p = calloc (n ? n : 1, size);
  if (p == NULL)
    fail (r, "out of memory");
  return p;
}

static uint8_t
rd_u8 (struct reader *r)
{
  if (r->p >= r->end)
    fail (r, "unexpected end");
  return *r->p++;
}

static uint64_t
rd_leb (struct reader *r, int bits, bool sign)
{
  uint64_t v = 0;
  int shift = 0;
  for (;;)
    {
      uint8_t b = rd_u8 (r);
      if (shift >= bits)
        fail (r, "integer representation too long");
      int left = bits - shift; /* bits still unfilled */
      if (left < 7)
        {
          /* the unused bits of the last byte must be a sign/zero extension */
          uint8_t extra = (uint8_t)(b & 0x7f) >> (left - (sign ? 1 : 0));
          uint8_t all = (uint8_t)(0x7f >> (left - (sign ? 1 : 0)));
          if ((b & 0x80) || (extra != 0 && (!sign || extra != all)))
            fail (r, "integer too large");
        }
      v |= (uint64_t)(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80))
        break;
    }
  if (sign && shift < 64 && (v >> (shift - 1)) & 1)
    v |= ~(uint64_t)0 << shift;
  if (bits == 32)
    v = sign ? (uint64_t)(uint32_t)v : v;
  return v;
}

static uint32_t
rd_u32 (struct reader *r)
{
  return (uint32_t)rd_leb (r, 32, false);
}

/* A count of items that take at least one byte each. */
static uint32_t
rd_count (struct reader *r)
{
  uint32_t n = rd_u32 (r);
  if (n > (size_t)(r->end - r->p))
    fail (r, "count %u exceeds the section", n);
  return n;
}

static const uint8_t *
rd_bytes (struct reader *r, uint32_t n)
{
  if (n > (size_t)(r->end - r->p))
    fail (r, "unexpected end");
  const uint8_t *p = r->p;
  r->p += n;
  return p;
}

static char *
rd_name (struct reader *r)
{
  uint32_t n = rd_u32 (r);
  const uint8_t *s = rd_bytes (r, n);
  if (memchr (s, 0, n))
    fail (r, "name contains NUL");
  char *out = zalloc (r, (size_t)n + 1, 1);
  memcpy (out, s, n);
  return out;
}

static uint8_t
rd_valtype (struct reader *r)
{
  uint8_t t = rd_u8 (r);
  if (t != WASM_I32 && t != WASM_I64 && t != WASM_F32 && t != WASM_F64)
    fail (r, "unsupported value type 0x%02x", t);
  return t;
}

static void
rd_limits (struct reader *r, uint32_t *min, uint32_t *max, uint32_t cap, const char *what)
{
  uint8_t flag = rd_u8 (r);
  if (flag > 1)
    fail (r, "%s: unsupported limits flag 0x%02x", what, flag);
  *min = rd_u32 (r);
  *max = flag ? rd_u32 (r) : cap;
  if (*min > cap || *max > cap || *min > *max)
    fail (r, "%s: limits %u..%u out of range", what, *min, *max);
}

/* ---------------------------------------------------------------- module sections */

static void
sec_types (struct reader *r, struct wasm_module *m)
{
  m->n_types = rd_count (r);
  m->types = zalloc (r, m->n_types, sizeof (*m->types));
  for (uint32_t i = 0; i < m->n_types; i++)
    {
      struct wasm_type *t = &m->types[i];
      if (rd_u8 (r) != 0x60)
        fail (r, "type %u: not a function type", i);
      t->nparams = rd_count (r);
      if (t->nparams > MAX_PARAMS)
        fail (r, "type %u: too many parameters", i);
      t->params = zalloc (r, t->nparams, 1);
      for (uint32_t k = 0; k < t->nparams; k++)
        t->params[k] = rd_valtype (r);
      t->nresults = rd_count (r);
      if (t->nresults > 1)
        fail (r, "type %u: multiple results are not supported", i);
      if (t->nresults)
        t->result = rd_valtype (r);
    }
}

static uint32_t
rd_typeidx (struct reader *r, struct wasm_module *m)
{
  uint32_t t = rd_u32 (r);
  if (t >= m->n_types)
    fail (r, "unknown type %u", t);
  return t;
}

static void
sec_imports (struct reader *r, struct wasm_module *m)
{
  uint32_t n = rd_count (r);
  m->funcs = zalloc (r, n, sizeof (*m->funcs));
  for (uint32_t i = 0; i < n; i++)
    {
      static const char *kinds[] = { "function", "table", "memory", "global" };
      struct wasm_func *f = &m->funcs[m->n_funcs++];
      f->imp_module = rd_name (r);
      f->imp_field = rd_name (r);
      uint8_t kind = rd_u8 (r);
      if (kind != 0)
        fail (r, "import %s.%s: %s imports are not supported", f->imp_module, f->imp_field,
              kind < 4 ? kinds[kind] : "unknown");
      f->type = rd_typeidx (r, m);
    }
  m->n_imported = m->n_funcs;
}

static void
sec_functions (struct reader *r, struct wasm_module *m)
{
  uint32_t n = rd_count (r);
  struct wasm_func *f = zalloc (r, (size_t)m->n_funcs + n, sizeof (*f));
  if (m->n_funcs)
    memcpy (f, m->funcs, m->n_funcs * sizeof (*f));
  free (m->funcs);
  m->funcs = f;
  for (uint32_t i = 0; i < n; i++)
    m->funcs[m->n_funcs++].type = rd_typeidx (r, m);
}

static void
sec_table (struct reader *r, struct wasm_module *m)
{
  uint32_t n = rd_count (r);
  if (n > 1 || (n == 1 && m->has_table))
    fail (r, "at most one table is supported");
  if (n == 0)
    return;
  if (rd_u8 (r) != WASM_FUNCREF)
    fail (r, "table: only funcref tables are supported");
  rd_limits (r, &m->table_min, &m->table_max, 10000000, "table");
  m->has_table = true;
}

static void
sec_memory (struct reader *r, struct wasm_module *m)
{
  uint32_t n = rd_count (r);
  if (n > 1)
    fail (r, "at most one memory is supported");
  if (n == 0)
    return;
  rd_limits (r, &m->mem_min, &m->mem_max, WASM_MAX_PAGES, "memory");
  m->has_memory = true;
}

/* A constant expression of type T: one const or global.get, then end. */
static uint64_t
rd_const_expr (struct reader *r, struct wasm_module *m, uint8_t t, uint32_t n_globals_before)
{
  uint8_t op = rd_u8 (r), got;
  uint64_t v;
  switch (op)
    {
    case 0x41:
      got = WASM_I32, v = (uint32_t)rd_leb (r, 32, true);
      break;
    case 0x42:
      got = WASM_I64, v = rd_leb (r, 64, true);
      break;
    case 0x43:
      got = WASM_F32, v = 0, memcpy (&v, rd_bytes (r, 4), 4);
      break;
    case 0x44:
      got = WASM_F64, memcpy (&v, rd_bytes (r, 8), 8);
      break;
    case 0x23:
      {
        uint32_t g = rd_u32 (r);
        if (g >= n_globals_before || m->globals[g].mut)
          fail (r, "constant expression: global %u is unknown or mutable", g);
        got = m->globals[g].type, v = m->globals[g].value;
        break;
      }
    default:
      fail (r, "constant expression: unsupported opcode 0x%02x", op);
    }
  if (got != t)
    fail (r, "constant expression: type mismatch");
  if (rd_u8 (r) != 0x0b)
    fail (r, "constant expression: expected end");
  return v;
}

static void
sec_globals (struct reader *r, struct wasm_module *m)
{
  m->n_globals = rd_count (r);
  m->globals = zalloc (r, m->n_globals, sizeof (*m->globals));
  for (uint32_t i = 0; i < m->n_globals; i++)
    {
      struct wasm_global *g = &m->globals[i];
      g->type = rd_valtype (r);
      uint8_t mut = rd_u8 (r);
      if (mut > 1)
        fail (r, "global %u: bad mutability", i);
      g->mut = mut;
      g->value = rd_const_expr (r, m, g->type, i);
    }
}

static void
sec_exports (struct reader *r, struct wasm_module *m)
{
  m->n_exports = rd_count (r);
  m->exports = zalloc (r, m->n_exports, sizeof (*m->exports));
  for (uint32_t i = 0; i < m->n_exports; i++)
    {
      struct wasm_export *e = &m->exports[i];
      e->name = rd_name (r);
      e->kind = rd_u8 (r);
      e->index = rd_u32 (r);
      uint32_t limit = e->kind == 0   ? m->n_funcs
                       : e->kind == 1 ? m->has_table
                       : e->kind == 2 ? m->has_memory
                       : e->kind == 3 ? m->n_globals
                                      : 0;
      if (e->index >= limit)
        fail (r, "export \"%s\": unknown index %u", e->name, e->index);
    }
}

static uint32_t
rd_funcidx (struct reader *r, struct wasm_module *m)
{
  uint32_t f = rd_u32 (r);
  if (f >= m->n_funcs)
    fail (r, "unknown function %u", f);
  return f;
}

static void
sec_start (struct reader *r, struct wasm_module *m)
{
  uint32_t f = rd_funcidx (r, m);
  const struct wasm_type *t = &m->types[m->funcs[f].type];
  if (t->nparams || t->nresults)
    fail (r, "start function %u must take and return nothing", f);
  m->start = f;
}

static void
sec_elements (struct reader *r, struct wasm_module *m)
{
  m->n_elems = rd_count (r);
  m->elems = zalloc (r, m->n_elems, sizeof (*m->elems));
  for (uint32_t i = 0; i < m->n_elems; i++)
    {
      struct wasm_segment *s = &m->elems[i];
      uint32_t flags = rd_u32 (r);
      if (flags != 0)
        fail (r, "element segment %u: kind %u is not supported (only active funcref segments)", i, flags);
      if (!m->has_table)
        fail (r, "element segment %u: no table", i);
      s->active = true;
      s->offset = (uint32_t)rd_const_expr (r, m, WASM_I32, m->n_globals);
      s->len = rd_count (r);
      s->funcs = zalloc (r, s->len, sizeof (uint32_t));
      for (uint32_t k = 0; k < s->len; k++)
        s->funcs[k] = rd_funcidx (r, m);
    }
}

static void
sec_data (struct reader *r, struct wasm_module *m)
{
  uint32_t n = rd_count (r);
  if (m->has_datacount && n != m->n_datas)
    fail (r, "data count section says %u segments, data section has %u", m->n_datas, n);
  m->n_datas = n;
  m->datas = zalloc (r, n, sizeof (*m->datas));
  for (uint32_t i = 0; i < n; i++)
    {
      struct wasm_segment *s = &m->datas[i];
      uint32_t flags = rd_u32 (r);
      if (flags == 2 && rd_u32 (r) != 0)
        fail (r, "data segment %u: unknown memory", i);
      if (flags > 2)
        fail (r, "data segment %u: unknown kind %u", i, flags);
      s->active = flags != 1;
      if (s->active && !m->has_memory)
        fail (r, "data segment %u: no memory", i);
      if (s->active)
        s->offset = (uint32_t)rd_const_expr (r, m, WASM_I32, m->n_globals);
      s->len = rd_u32 (r);
      s->bytes = rd_bytes (r, s->len);
    }
}

/* ---------------------------------------------------------------- function bodies */

#define T_ANY 0 /* an operand of unknown type, below unreachable code */

struct vctl
{
  uint8_t op;     /* 0x02 block, 0x03 loop, 0x04 if, 0 function */
  uint8_t result; /* 0 = none */
  bool unreachable;
  uint32_t height; /* operand stack height at entry */
  uint32_t at;     /* code offset of the opcode */
};

struct validator
{
  struct reader *r;
  struct wasm_module *m;
  struct wasm_func *f;
  const uint8_t *code;
  uint8_t *locals;
  uint32_t n_locals;
  uint8_t *vals;
  uint32_t n_vals, cap_vals;
  struct vctl *ctl;
  uint32_t n_ctl;
};

static void
push (struct validator *v, uint8_t t)
{
  if (v->n_vals == v->cap_vals)
    {
      if (v->cap_vals >= (1u << 20))
        fail (v->r, "operand stack too deep");
      v->cap_vals = v->cap_vals ? v->cap_vals * 2 : 64;
      uint8_t *nv = realloc (v->vals, v->cap_vals);
      if (nv == NULL)
        fail (v->r, "out of memory");
      v->vals = nv;
    }
  v->vals[v->n_vals++] = t;
  if (v->n_vals > v->f->max_vals)
    v->f->max_vals = v->n_vals;
}

static uint8_t
pop (struct validator *v, uint8_t expect)
{
  struct vctl *c = &v->ctl[v->n_ctl - 1];
  if (v->n_vals == c->height)
    {
      if (c->unreachable)
        return expect;
      fail (v->r, "type mismatch: operand stack empty in function %u", (uint32_t)(v->f - v->m->funcs));
    }
  uint8_t t = v->vals[--v->n_vals];
  if (expect != T_ANY && t != T_ANY && t != expect)
    fail (v->r, "type mismatch in function %u: expected 0x%02x, got 0x%02x", (uint32_t)(v->f - v->m->funcs), expect, t);
  return t == T_ANY ? expect : t;
}

/* called with the block type read: the opcode is the byte before it */
static void
push_ctl (struct validator *v, uint8_t op, uint8_t result)
{
  if (v->n_ctl == MAX_NESTING)
    fail (v->r, "blocks nested too deeply");
  v->ctl[v->n_ctl++] = (struct vctl){ op, result, false, v->n_vals, (uint32_t)(v->r->p - v->code - 2) };
  if (v->n_ctl > v->f->max_ctl)
    v->f->max_ctl = v->n_ctl;
}

static void
unreachable_rest (struct validator *v)
{
  struct vctl *c = &v->ctl[v->n_ctl - 1];
  v->n_vals = c->height;
  c->unreachable = true;
}

/* The types a branch to label L carries: none for a loop (MVP), else the result. */
static uint8_t
label_type (struct validator *v, uint32_t l)
{
  if (l >= v->n_ctl)
    fail (v->r, "unknown label %u", l);
  struct vctl *c = &v->ctl[v->n_ctl - 1 - l];
  return c->op == 0x03 ? 0 : c->result;
}

static uint8_t
rd_blocktype (struct validator *v)
{
  uint8_t b = rd_u8 (v->r);
  if (b == 0x40)
    return 0;
  if (b == WASM_I32 || b == WASM_I64 || b == WASM_F32 || b == WASM_F64)
    return b;
  fail (v->r, "unsupported block type 0x%02x (multi-value blocks are not supported)", b);
}

static void
check_memarg (struct validator *v, uint32_t size)
{
  if (!v->m->has_memory)
    fail (v->r, "memory access without a memory");
  uint32_t align = rd_u32 (v->r);
  if (align >= 32 || (1u << align) > size)
    fail (v->r, "alignment 2^%u larger than natural (%u)", align, size);
  rd_u32 (v->r); /* offset */
}

static uint8_t
local_type (struct validator *v)
{
  uint32_t i = rd_u32 (v->r);
  if (i >= v->n_locals)
    fail (v->r, "unknown local %u", i);
  return v->locals[i];
}

/* Numeric and conversion opcodes 0x45..0xc4: operand and result types as
 * a string "in in -> out" with i I f F for i32 i64 f32 f64. */
static const char *
numeric_sig (uint8_t op)
{
  if (op == 0x45)
    return "i i";
  if (op <= 0x4f)
    return "iii";
  if (op == 0x50)
    return "I i";
  if (op <= 0x5a)
    return "IIi";
  if (op <= 0x60)
    return "ffi";
  if (op <= 0x66)
    return "FFi";
  if (op <= 0x69)
    return "i i";
  if (op <= 0x78)
    return "iii";
  if (op <= 0x7b)
    return "I I";
  if (op <= 0x8a)
    return "III";
  if (op <= 0x91)
    return "f f";
  if (op <= 0x98)
    return "fff";
  if (op <= 0x9f)
    return "F F";
  if (op <= 0xa6)
    return "FFF";
  static const char *conv[] = {
    "I i", "f i", "f i", "F i", "F i", "i I", "i I", "f I", "f I", "F I", "F I", /* a7..b1 */
    "i f", "i f", "I f", "I f", "F f",                                           /* b2..b6 */
    "i F", "i F", "I F", "I F", "f F",                                           /* b7..bb */
    "f i", "F I", "i f", "I F",                                                  /* bc..bf */
    "i i", "i i", "I I", "I I", "I I",                                           /* c0..c4 */
  };
  if (op <= 0xc4)
    return conv[op - 0xa7];
  return NULL;
}

static uint8_t
type_char (char c)
{
  return c == 'i' ? WASM_I32 : c == 'I' ? WASM_I64 : c == 'f' ? WASM_F32 : WASM_F64;
}

static void
apply_sig (struct validator *v, const char *sig)
{
  if (sig[1] != ' ')
    pop (v, type_char (sig[1]));
  pop (v, type_char (sig[0]));
  push (v, type_char (sig[2]));
}

static void
check_call (struct validator *v, const struct wasm_type *t)
{
  for (uint32_t k = t->nparams; k-- > 0;)
    pop (v, t->params[k]);
  if (t->nresults)
    push (v, t->result);
}

static void validate_op (struct validator *v, uint8_t op);

static void
validate_prefixed (struct validator *v)
{
  uint32_t sub = rd_u32 (v->r);
  static const char *sat[] = { "f i", "f i", "F i", "F i", "f I", "f I", "F I", "F I" };
  if (sub < 8)
    return apply_sig (v, sat[sub]);
  if (sub > 11)
    fail (v->r, "unsupported instruction 0xfc %u", sub);
  if (!v->m->has_memory)
    fail (v->r, "bulk memory instruction without a memory");
  if (sub == 8 || sub == 9)
    {
      uint32_t d = rd_u32 (v->r);
      if (!v->m->has_datacount || d >= v->m->n_datas)
        fail (v->r, "unknown data segment %u (or no data count section)", d);
      if (sub == 9)
        return;
    }
  /* memory.copy names two memories, the others one: all must be 0 */
  for (int k = sub == 10 ? 2 : 1; k > 0; k--)
    if (rd_u8 (v->r) != 0)
      fail (v->r, "bulk memory instruction: unknown memory");
  pop (v, WASM_I32), pop (v, WASM_I32), pop (v, WASM_I32);
}

static void
validate_end (struct validator *v)
{
  struct vctl *c = &v->ctl[v->n_ctl - 1];
  uint32_t at = (uint32_t)(v->r->p - v->code - 1);
  if (c->op == 0x04 && c->result && v->f->side[c->at + 1] == 0)
    fail (v->r, "if without else must not produce a value");
  if (c->result)
    pop (v, c->result);
  if (v->n_vals != c->height)
    fail (v->r, "type mismatch: values left on the stack at the end of a block");
  if (c->op != 0)
    v->f->side[c->at] = at;
  v->n_ctl--;
  if (c->result)
    push (v, c->result);
}

static void
validate_branch_ops (struct validator *v, uint8_t op)
{
  if (op == 0x0c || op == 0x0d)
    {
      uint32_t l = rd_u32 (v->r);
      uint8_t t = label_type (v, l);
      if (op == 0x0d)
        pop (v, WASM_I32);
      if (t)
        pop (v, t);
      if (op == 0x0c)
        return unreachable_rest (v);
      if (t)
        push (v, t);
      return;
    }
  /* br_table */
  uint32_t n = rd_count (v->r);
  uint8_t t = 0;
  for (uint32_t k = 0; k <= n; k++)
    {
      uint8_t lt = label_type (v, rd_u32 (v->r));
      if (k > 0 && lt != t)
        fail (v->r, "br_table: labels of different types");
      t = lt;
    }
  pop (v, WASM_I32);
  if (t)
    pop (v, t);
  unreachable_rest (v);
}

static void
validate_control (struct validator *v, uint8_t op)
{
  struct wasm_module *m = v->m;
  switch (op)
    {
    case 0x00:
      unreachable_rest (v);
      return;
    case 0x01:
      return;
    case 0x02:
    case 0x03:
      {
        uint8_t t = rd_blocktype (v);
        push_ctl (v, op, t);
        return;
      }
    case 0x04:
      {
        pop (v, WASM_I32);
        uint8_t t = rd_blocktype (v);
        push_ctl (v, op, t);
        return;
      }
    case 0x05:
      {
        struct vctl *c = &v->ctl[v->n_ctl - 1];
        uint32_t at = (uint32_t)(v->r->p - v->code - 1);
        if (c->op != 0x04 || v->f->side[c->at + 1] != 0)
          fail (v->r, "else without if");
        if (c->result)
          pop (v, c->result);
        if (v->n_vals != c->height)
          fail (v->r, "type mismatch: values left on the stack before else");
        v->f->side[c->at + 1] = at;
        /* the else opcode remembers its if: its end is known only at `end` */
        v->f->side[at] = c->at;
        c->unreachable = false;
        return;
      }
    case 0x0b:
      validate_end (v);
      return;
    case 0x0c:
    case 0x0d:
    case 0x0e:
      validate_branch_ops (v, op);
      return;
    case 0x0f:
      if (v->ctl[0].result)
        pop (v, v->ctl[0].result);
      unreachable_rest (v);
      return;
    case 0x10:
      check_call (v, &m->types[m->funcs[rd_funcidx (v->r, m)].type]);
      return;
    case 0x11:
      {
        uint32_t t = rd_typeidx (v->r, m);
        if (rd_u8 (v->r) != 0 || !m->has_table)
          fail (v->r, "call_indirect: unknown table");
        pop (v, WASM_I32);
        check_call (v, &m->types[t]);
        return;
      }
    }
  fail (v->r, "unknown opcode 0x%02x", op);
}

static void
validate_variable (struct validator *v, uint8_t op)
{
  switch (op)
    {
    case 0x1a:
      pop (v, T_ANY);
      return;
    case 0x1b:
    case 0x1c:
      {
        uint8_t want = T_ANY;
        if (op == 0x1c)
          {
            if (rd_u32 (v->r) != 1)
              fail (v->r, "select: expected one type");
            want = rd_valtype (v->r);
          }
        pop (v, WASM_I32);
        uint8_t a = pop (v, want);
        uint8_t b = pop (v, a);
        push (v, b);
        return;
      }
    case 0x20:
      push (v, local_type (v));
      return;
    case 0x21:
      pop (v, local_type (v));
      return;
    case 0x22:
      {
        uint8_t t = local_type (v);
        pop (v, t);
        push (v, t);
        return;
      }
    case 0x23:
    case 0x24:
      {
        uint32_t g = rd_u32 (v->r);
        if (g >= v->m->n_globals)
          fail (v->r, "unknown global %u", g);
        if (op == 0x23)
          return push (v, v->m->globals[g].type);
        if (!v->m->globals[g].mut)
          fail (v->r, "global.set of immutable global %u", g);
        pop (v, v->m->globals[g].type);
        return;
      }
    }
  fail (v->r, "unknown opcode 0x%02x", op);
}

static void
validate_memory (struct validator *v, uint8_t op)
{
  static const uint8_t load_size[] = { 4, 8, 4, 8, 1, 1, 2, 2, 1, 1, 2, 2, 4, 4 };
  static const char load_type[] = "iIfFiiiiIIIIII";
  static const uint8_t store_size[] = { 4, 8, 4, 8, 1, 2, 1, 2, 4 };
  static const char store_type[] = "iIfFiiIII";
  if (op >= 0x28 && op <= 0x35)
    {
      check_memarg (v, load_size[op - 0x28]);
      pop (v, WASM_I32);
      push (v, type_char (load_type[op - 0x28]));
      return;
    }
  if (op >= 0x36 && op <= 0x3e)
    {
      check_memarg (v, store_size[op - 0x36]);
      pop (v, type_char (store_type[op - 0x36]));
      pop (v, WASM_I32);
      return;
    }
  if (!v->m->has_memory || rd_u8 (v->r) != 0)
    fail (v->r, "memory.size/grow: unknown memory");
  if (op == 0x40)
    pop (v, WASM_I32);
  push (v, WASM_I32);
}

static void
validate_op (struct validator *v, uint8_t op)
{
  if (op <= 0x11)
    return validate_control (v, op);
  if (op >= 0x1a && op <= 0x24)
    return validate_variable (v, op);
  if (op >= 0x28 && op <= 0x40)
    return validate_memory (v, op);
  switch (op)
    {
    case 0x41:
      rd_leb (v->r, 32, true);
      push (v, WASM_I32);
      return;
    case 0x42:
      rd_leb (v->r, 64, true);
      push (v, WASM_I64);
      return;
    case 0x43:
      rd_bytes (v->r, 4);
      push (v, WASM_F32);
      return;
    case 0x44:
      rd_bytes (v->r, 8);
      push (v, WASM_F64);
      return;
    case 0xfc:
      validate_prefixed (v);
      return;
    }
  const char *sig = op >= 0x45 ? numeric_sig (op) : NULL;
  if (sig == NULL)
    fail (v->r, "unknown opcode 0x%02x", op);
  apply_sig (v, sig);
}

static void
rd_locals (struct validator *v, const struct wasm_type *t)
{
  uint32_t groups = rd_count (v->r);
  uint64_t total = t->nparams;
  const uint8_t *save = v->r->p;
  for (uint32_t g = 0; g < groups; g++)
    {
      total += rd_u32 (v->r);
      rd_valtype (v->r);
      if (total > MAX_LOCALS)
        fail (v->r, "too many locals");
    }
  v->r->p = save;
  v->n_locals = (uint32_t)total;
  v->locals = zalloc (v->r, total, 1);
  memcpy (v->locals, t->params, t->nparams);
  for (uint32_t g = 0, at = t->nparams; g < groups; g++)
    {
      uint32_t n = rd_u32 (v->r);
      uint8_t ty = rd_valtype (v->r);
      memset (v->locals + at, ty, n);
      at += n;
    }
  v->f->nlocals = v->n_locals - t->nparams;
}

static void
validate_body (struct reader *r, struct wasm_module *m, struct wasm_func *f, struct validator *v)
{
  const struct wasm_type *t = &m->types[f->type];
  *v = (struct validator){ .r = r, .m = m, .f = f };
  rd_locals (v, t);
  v->code = r->p;
  f->code = r->p;
  f->len = (uint32_t)(r->end - r->p);
  f->side = zalloc (r, f->len, sizeof (uint32_t));
  v->ctl = zalloc (r, MAX_NESTING, sizeof (*v->ctl));
  v->ctl[v->n_ctl++] = (struct vctl){ 0, t->nresults ? t->result : 0, false, 0, 0 };
  f->max_ctl = 1;
  while (v->n_ctl > 0)
    validate_op (v, rd_u8 (r));
  if (r->p != r->end)
    fail (r, "function %u: code after the final end", (uint32_t)(f - m->funcs));
}

static void
sec_code (struct reader *r, struct wasm_module *m)
{
  uint32_t n = rd_count (r);
  if (n != m->n_funcs - m->n_imported)
    fail (r, "code section has %u bodies for %u functions", n, m->n_funcs - m->n_imported);
  for (uint32_t i = 0; i < n; i++)
    {
      uint32_t size = rd_u32 (r);
      struct reader body = *r;
      body.end = rd_bytes (r, size) + size;
      body.p = body.end - size;
      struct validator v = { 0 };
      /* the body's reader shares our jmp_buf through a copy of it: catch
       * and rethrow so the scratch buffers are freed either way */
      if (setjmp (body.fail) == 0)
        validate_body (&body, m, &m->funcs[m->n_imported + i], &v);
      else
        {
          free (v.vals), free (v.ctl), free (v.locals);
          longjmp (r->fail, 1);
        }
      free (v.vals), free (v.ctl), free (v.locals);
    }
}

/* ---------------------------------------------------------------- module */

static int
section_rank (uint8_t id)
{
  static const int rank[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10 };
  return id < 13 ? rank[id] : -1;
}

static void
decode_sections (struct reader *r, struct wasm_module *m)
{
  static const uint8_t magic[8] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
  if (memcmp (rd_bytes (r, 8), magic, 8) != 0)
    fail (r, "not a WebAssembly module (version 1)");
  int last = 0;
  bool have_code = false;
  while (r->p < r->end)
    {
      uint8_t id = rd_u8 (r);
      uint32_t size = rd_u32 (r);
      struct reader s = *r;
      s.p = rd_bytes (r, size);
      s.end = s.p + size;
      memcpy (s.fail, r->fail, sizeof (jmp_buf));
      int rank = section_rank (id);
      if (rank < 0)
        fail (r, "unknown section %u", id);
      if (id == 0)
        {
          free (rd_name (&s)); /* a custom section: name, then anything */
          continue;
        }
      if (rank <= last)
        fail (r, "section %u out of order or repeated", id);
      last = rank;
      switch (id)
        {
        case 1:
          sec_types (&s, m);
          break;
        case 2:
          sec_imports (&s, m);
          break;
        case 3:
          sec_functions (&s, m);
          break;
        case 4:
          sec_table (&s, m);
          break;
        case 5:
          sec_memory (&s, m);
          break;
        case 6:
          sec_globals (&s, m);
          break;
        case 7:
          sec_exports (&s, m);
          break;
        case 8:
          sec_start (&s, m);
          break;
        case 9:
          sec_elements (&s, m);
          break;
        case 10:
          sec_code (&s, m);
          have_code = true;
          break;
        case 11:
          sec_data (&s, m);
          break;
        case 12:
          m->n_datas = rd_u32 (&s);
          m->has_datacount = true;
          break;
        }
      if (s.p != s.end)
        fail (&s, "section %u: size mismatch", id);
    }
  if (!have_code && m->n_funcs > m->n_imported)
    fail (r, "function section without a code section");
  if (m->has_datacount && m->datas == NULL && m->n_datas != 0)
    fail (r, "data count section without data");
}

struct wasm_module *
wasm_decode (const uint8_t *bytes, size_t size, char *err, size_t err_size)
{
  /* volatile: read again after longjmp */
  struct wasm_module *volatile m = calloc (1, sizeof (*m));
  uint8_t *copy = malloc (size ? size : 1);
  if (m == NULL || copy == NULL)
    {
      free (m), free (copy);
      snprintf (err, err_size, "out of memory");
      return NULL;
    }
  memcpy (copy, bytes, size);
  m->bytes = copy, m->size = size, m->start = -1;
  struct reader r = { .base = copy, .p = copy, .end = copy + size, .err = err, .err_size = err_size };
  if (setjmp (r.fail) != 0)
    {
      wasm_module_free (m);
      return NULL;
    }
  decode_sections (&r, m);
  return m;
}

void
wasm_module_free (struct wasm_module *m)
{
  if (m == NULL)
    return;
  for (uint32_t i = 0; i < m->n_types; i++)
    free (m->types[i].params);
  for (uint32_t i = 0; i < m->n_funcs; i++)
    free (m->funcs[i].imp_module), free (m->funcs[i].imp_field), free (m->funcs[i].side);
  for (uint32_t i = 0; i < m->n_exports; i++)
    free (m->exports[i].name);
  for (uint32_t i = 0; i < m->n_elems; i++)
    free (m->elems[i].funcs);
  free (m->types), free (m->funcs), free (m->globals), free (m->exports), free (m->elems), free (m->datas);
  free (m->bytes);
  free (m);
}

const struct wasm_export *
wasm_find_export (const struct wasm_module *m, const char *name, uint8_t kind)
{
  for (uint32_t i = 0; i < m->n_exports; i++)
    if (m->exports[i].kind == kind && strcmp (m->exports[i].name, name) == 0)
      return &m->exports[i];
  return NULL;
}
