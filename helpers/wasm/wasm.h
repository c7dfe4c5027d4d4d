/* wasm.h -- runcgo-wasm, the WebAssembly engine of the wasm handler: the
 * decoded module (decode.c: binary format + validation), the instance and
 * its interpreter (interp.c) and the WASI preview1 host (wasi.c).
 * Everything here trusts only what decode.c validated: the interpreter reads
 * validated code without bounds checks but checks every memory access, the
 * stack and call depths, and indirect call types. */
#ifndef RUNCGO_WASM_H
#define RUNCGO_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "runcgo-wasm keeps linear memory in host byte order: little-endian hosts only"
#endif

enum
{
  WASM_I32 = 0x7f,
  WASM_I64 = 0x7e,
  WASM_F32 = 0x7d,
  WASM_F64 = 0x7c,
  WASM_FUNCREF = 0x70,
  WASM_PAGE = 65536,
  WASM_MAX_PAGES = 65536,
};

struct wasm_type
{
  uint32_t nparams, nresults; /* nresults <= 1 (MVP) */
  uint8_t *params;
  uint8_t result;
};

struct wasm_instance;
/* A host function: arguments in args[0..nparams), the result (if any) in
 * *ret.  Returns NULL, or the reason of a trap. */
typedef const char *(*wasm_host_fn) (struct wasm_instance *, const uint64_t *args, uint64_t *ret);

struct wasm_func
{
  uint32_t type;
  /* imported */
  char *imp_module, *imp_field;
  wasm_host_fn host;
  /* defined: code[0..len) is the body after the locals (ends with `end`) */
  uint32_t nlocals; /* besides the parameters */
  const uint8_t *code;
  uint32_t len;
  uint32_t *side;    /* per code offset: block/if/else -> offset of `end`; if+1 -> offset of `else` */
  uint32_t max_vals; /* deepest operand stack (locals excluded) */
  uint32_t max_ctl;  /* deepest block nesting */
};

struct wasm_global
{
  uint8_t type;
  bool mut;
  uint64_t value; /* init value after decode */
};

struct wasm_export
{
  char *name;
  uint8_t kind; /* 0 func, 1 table, 2 memory, 3 global */
  uint32_t index;
};

struct wasm_segment
{
  bool active;
  uint32_t offset; /* evaluated constant expression */
  uint32_t len;
  const uint8_t *bytes; /* data */
  uint32_t *funcs;      /* elements */
};

struct wasm_module
{
  uint8_t *bytes; /* owned copy of the binary: code and data point into it */
  size_t size;
  struct wasm_type *types;
  uint32_t n_types;
  struct wasm_func *funcs;
  uint32_t n_funcs, n_imported;
  bool has_table, has_memory;
  uint32_t table_min, table_max, mem_min, mem_max;
  struct wasm_global *globals;
  uint32_t n_globals;
  struct wasm_export *exports;
  uint32_t n_exports;
  int64_t start; /* -1 = none */
  struct wasm_segment *elems, *datas;
  uint32_t n_elems, n_datas;
  bool has_datacount;
};

/* Decode and validate BYTES (copied).  Returns NULL and writes the reason
 * (with the byte offset) into ERR. */
struct wasm_module *wasm_decode (const uint8_t *bytes, size_t size, char *err, size_t err_size);
void wasm_module_free (struct wasm_module *m);
const struct wasm_export *wasm_find_export (const struct wasm_module *m, const char *name, uint8_t kind);

struct wasm_instance
{
  struct wasm_module *m;
  uint8_t *mem;
  uint64_t mem_size; /* bytes */
  uint32_t *table;   /* function indices, UINT32_MAX = null */
  uint32_t table_size;
  uint64_t *globals;
  bool *data_dropped;
  uint32_t trap_func; /* the function that trapped */
  void *host;         /* WASI state */
};

/* Memory of the instance as seen by host functions: a pointer to LEN bytes
 * at ADDR, or NULL when any of them is outside linear memory. */
static inline void *
wasm_mem (struct wasm_instance *in, uint64_t addr, uint64_t len)
{
  if (addr > in->mem_size || len > in->mem_size - addr)
    return NULL;
  return in->mem + addr;
}

/* Allocate memory, table and globals and apply the segments; imports must be
 * resolved (func->host set) by the caller.  <0 with ERR on failure. */
int wasm_instantiate (struct wasm_instance *in, struct wasm_module *m, char *err, size_t err_size);
/* Call function FUNC (a [] -> [] or [args] -> [result]).  Returns NULL or the
 * reason of a trap (in->trap_func says where). */
const char *wasm_call (struct wasm_instance *in, uint32_t func, const uint64_t *args, uint64_t *ret);
void wasm_instance_free (struct wasm_instance *in);

/* WASI preview1 (wasi.c): resolve the module's imports, or fail naming the
 * first one that is not provided. */
int wasi_link (struct wasm_instance *in, struct wasm_module *m, int argc, char **argv, char **envp, char *err,
               size_t err_size);

#endif
