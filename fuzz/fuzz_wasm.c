/* fuzz_wasm.c -- helpers/runcgo-wasm's loader and interpreter on hostile
 * modules: wasm_decode (binary format + validation) must reject or accept
 * any input without touching memory it does not own; a module it accepts is
 * instantiated (every import resolved to a stub) and its start function and
 * first exported functions run with zero arguments, with fuel and small
 * stacks (WASM_FUZZ), so that whatever validation lets through the
 * interpreter runs safely: traps are fine, crashes are not. */
#include "config.h"

#include "fuzz.h"
#include "wasm.h"

static const char *
stub (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  (void)in, (void)args;
  *ret = 0;
  return NULL;
}

static void
run_some (struct wasm_instance *in, const struct wasm_module *m)
{
  static uint64_t zeros[1000];
  if (m->start >= 0 && wasm_call (in, (uint32_t)m->start, zeros, zeros) != NULL)
    return;
  for (uint32_t i = 0, runs = 0; i < m->n_exports && runs < 4; i++)
    if (m->exports[i].kind == 0)
      {
        uint64_t ret;
        wasm_call (in, m->exports[i].index, zeros, &ret);
        runs++;
      }
}

static size_t
put_leb (uint8_t *out, size_t v)
{
  size_t n = 0;
  do
    {
      out[n++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
      v >>= 7;
    }
  while (v);
  return n;
}

/* An input that does not start like a module (a module starts with NUL) is
 * the body of a function of type data[0] % 3 in a fixed module that has
 * everything code can touch: an import, a table, memory, a mutable global,
 * a data segment and a second function to call.  Random bytes rarely make
 * a valid module; this way the validator and the interpreter get code. */
static uint8_t *
wrap_body (const uint8_t *data, size_t size, size_t *out_size)
{
  /* clang-format off */
  static const uint8_t head[] = {
    0, 'a', 's', 'm', 1, 0, 0, 0,
    1, 16, 3, 0x60, 0, 0, 0x60, 2, 0x7f, 0x7f, 1, 0x7f, 0x60, 2, 0x7e, 0x7c, 1, 0x7c, /* types */
    2, 7, 1, 1, 'm', 1, 'f', 0, 1,                                                    /* import */
    3, 3, 2, 0xff, 1,                                                                 /* functions */
    4, 4, 1, 0x70, 0, 2,                                                              /* table */
    5, 3, 1, 0, 1,                                                                    /* memory */
    6, 6, 1, 0x7f, 1, 0x41, 0, 0x0b,                                                 /* global */
    7, 5, 1, 1, 'f', 0, 1,                                                            /* export */
    9, 8, 1, 0, 0x41, 0, 0x0b, 2, 1, 2,                                               /* elements */
    12, 1, 1,                                                                         /* data count */
  };
  /* clang-format on */
  static const uint8_t helper[] = { 4, 0, 0x20, 0, 0x0b };
  static const uint8_t tail[] = { 11, 10, 1, 0, 0x41, 0, 0x0b, 4, 'd', 'a', 't', 'a' };
  uint8_t leb[10];
  size_t body = size + 3, code = 1 + put_leb (leb, body) + body + sizeof (helper);
  uint8_t *m = malloc (sizeof (head) + 1 + sizeof (leb) + code + sizeof (tail));
  size_t n = sizeof (head);
  memcpy (m, head, n);
  m[(const uint8_t *)memchr (head, 0xff, sizeof (head)) - head] = data[0] % 3; /* the body's type */
  m[n++] = 10;
  n += put_leb (m + n, code);
  m[n++] = 2;
  n += put_leb (m + n, body);
  m[n++] = 1, m[n++] = 3, m[n++] = 0x7f; /* three i32 locals */
  memcpy (m + n, data + 1, size - 1);
  n += size - 1;
  m[n++] = 0x0b;
  memcpy (m + n, helper, sizeof (helper));
  n += sizeof (helper);
  memcpy (m + n, tail, sizeof (tail));
  *out_size = n + sizeof (tail);
  return m;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char err[256] = "";
  uint8_t *wrapped = NULL;
  if (size > 0 && data[0] != 0)
    data = wrapped = wrap_body (data, size, &size);
  struct wasm_module *m = wasm_decode (data, size, err, sizeof (err));
  free (wrapped);
  if (m == NULL)
    {
      if (err[0] == '\0')
        abort (); /* every rejection says why */
      return 0;
    }
  for (uint32_t i = 0; i < m->n_imported; i++)
    m->funcs[i].host = stub;
  struct wasm_instance in = { 0 };
  /* a module may ask for 4 GiB of memory or a huge table: only small ones run */
  if (m->mem_min <= 16 && m->table_min <= 65536 && wasm_instantiate (&in, m, err, sizeof (err)) == 0)
    run_some (&in, m);
  wasm_instance_free (&in);
  wasm_module_free (m);
  return 0;
}
