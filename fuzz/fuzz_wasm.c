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

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char err[256] = "";
  struct wasm_module *m = wasm_decode (data, size, err, sizeof (err));
  if (m == NULL)
    {
      if (err[0] == '\0')
        abort (); /* every rejection says why */
      return 0;
    }
  for (uint32_t i = 0; i < m->n_imported; i++)
    m->funcs[i].host = stub;
  struct wasm_instance in = { 0 };
  /* a module may ask for 4 GiB of memory: only small ones run */
  if (m->mem_min <= 16 && wasm_instantiate (&in, m, err, sizeof (err)) == 0)
    run_some (&in, m);
  wasm_instance_free (&in);
  wasm_module_free (m);
  return 0;
}
