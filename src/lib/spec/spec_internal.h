/* spec_internal.h -- helpers shared by the files of src/lib/spec only.
 *
 * runcgo_jr_*: the typed JSON reader used by load.c and load_linux.c.  It
 * keeps the JSON path of the value being read ("linux.namespaces[2].type")
 * so every type error names the field exactly.  Getters return 1 when the key
 * was present, 0 when absent (a JSON null counts as absent, as in Go's
 * encoding/json that runc and podman use), and -1 with *err set. */
#ifndef RUNCGO_SPEC_INTERNAL_H
#define RUNCGO_SPEC_INTERNAL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "spec/spec.h"

struct runcgo_jr
{
  runcgo_error_t *err;
  size_t len;
  char path[1024];
};

int runcgo_jr_fail (struct runcgo_jr *jr, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
int runcgo_jr_fail_hint (struct runcgo_jr *jr, const char *hint, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Path bookkeeping: push returns a mark that pop restores. */
size_t runcgo_jr_push (struct runcgo_jr *jr, const char *key);
size_t runcgo_jr_push_index (struct runcgo_jr *jr, size_t i);
size_t runcgo_jr_push_name (struct runcgo_jr *jr, const char *name); /* ["name"] */
void runcgo_jr_pop (struct runcgo_jr *jr, size_t mark);

/* Look up KEY in OBJ; with required, absence is an error. */
int runcgo_jr_field (struct runcgo_jr *jr, json_object *obj, const char *key, bool required, json_object **out);
int runcgo_jr_object (struct runcgo_jr *jr, json_object *obj, const char *key, bool required, json_object **out);

int runcgo_jr_string (struct runcgo_jr *jr, json_object *obj, const char *key, bool required, char **out);
int runcgo_jr_bool (struct runcgo_jr *jr, json_object *obj, const char *key, bool *out);
int runcgo_jr_opt_bool (struct runcgo_jr *jr, json_object *obj, const char *key, runcgo_opt_bool *out);
int runcgo_jr_u64 (struct runcgo_jr *jr, json_object *obj, const char *key, bool required, uint64_t max, uint64_t *out);
int runcgo_jr_u32 (struct runcgo_jr *jr, json_object *obj, const char *key, bool required, uint32_t *out);
int runcgo_jr_i64 (struct runcgo_jr *jr, json_object *obj, const char *key, bool required, int64_t min, int64_t max,
                   int64_t *out);
int runcgo_jr_i32 (struct runcgo_jr *jr, json_object *obj, const char *key, int32_t *out);
int runcgo_jr_opt_u64 (struct runcgo_jr *jr, json_object *obj, const char *key, uint64_t max, runcgo_opt_u64 *out);
int runcgo_jr_opt_i64 (struct runcgo_jr *jr, json_object *obj, const char *key, runcgo_opt_i64 *out);

/* Array of strings -> NULL-terminated vector (present but empty: { NULL }). */
int runcgo_jr_strv (struct runcgo_jr *jr, json_object *obj, const char *key, char ***out);
/* Object of strings -> key/value pairs, in document order. */
int runcgo_jr_kv (struct runcgo_jr *jr, json_object *obj, const char *key, struct runcgo_kv **out, size_t *n);

/* Arrays of objects, and objects of objects keyed by name: allocate n items
 * of SIZE (zeroed, *out and *n set first so a failed parse still frees), then
 * call FN on each (NAME is NULL for arrays). */
typedef int (*runcgo_jr_item_fn) (struct runcgo_jr *jr, const char *name, json_object *value, void *item);
int runcgo_jr_array_of (struct runcgo_jr *jr, json_object *obj, const char *key, size_t size, runcgo_jr_item_fn fn,
                        void *out, size_t *n);
int runcgo_jr_map_of (struct runcgo_jr *jr, json_object *obj, const char *key, size_t size, runcgo_jr_item_fn fn,
                      void *out, size_t *n);

/* KEY holds an object: fill ITEM from it (sub), or allocate SIZE zeroed
 * bytes into *(void **) out first and fill that (sub_new).  Absent: 0. */
int runcgo_jr_sub (struct runcgo_jr *jr, json_object *obj, const char *key, runcgo_jr_item_fn fn, void *item);
int runcgo_jr_sub_new (struct runcgo_jr *jr, json_object *obj, const char *key, size_t size, runcgo_jr_item_fn fn,
                       void *out);

int runcgo_jr_idmaps (struct runcgo_jr *jr, json_object *obj, const char *key, struct runcgo_idmap **out, size_t *n);

/* load.c: strict JSON text -> object (errors give line and column). */
int runcgo_jr_parse_text (const char *text, size_t len, json_object **out, runcgo_error_t *err);

/* load_linux.c */
/* Fill a struct runcgo_linux (ITEM) from the linux object O. */
int runcgo_jr_linux_fill (struct runcgo_jr *jr, const char *name, json_object *o, void *item);

/* ---------------------------------------------------------------- validate*.c */

/* True when a ".." component climbs above the start of PATH ("/../x",
 * "a/../../x"): such a path names something outside the container root. */
bool runcgo_vpath_escapes (const char *path);
/* FIELD: non-empty, absolute, not escaping through "..". */
int runcgo_vcheck_abs_path (const char *field, const char *path, runcgo_error_t *err);
/* S is one of the NULL-terminated LIST. */
bool runcgo_vin_list (const char *s, const char *const *list);
/* The list as "a, b, c" for hints (static buffer: single-threaded validation). */
const char *runcgo_vlist_text (const char *const *list);
/* Namespace KIND is in the config; *joined tells whether it has a path. */
bool runcgo_vhas_ns (const struct runcgo_spec *spec, enum runcgo_ns_kind kind, bool *joined);
/* ID map ranges: sizes > 0, no wrap past 2^32, no overlap on either side. */
int runcgo_vcheck_idmaps (const char *field, const struct runcgo_idmap *m, size_t n, runcgo_error_t *err);

/* validate_linux.c: everything under "linux" except namespaces and id maps. */
int runcgo_validate_linux (const struct runcgo_spec *spec, unsigned flags, runcgo_error_t *err);

#endif
