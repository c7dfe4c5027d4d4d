/* load.c -- config.json (and exec's process.json) into struct runcgo_spec.
 *
 * Owns the JSON side of the spec: reading the file, tokenizing with a depth
 * limit, rejecting what json-c would silently accept (integers clamped to 64
 * bits, NUL bytes inside strings, fractions where the schema wants integers),
 * and the typed reader (runcgo_jr_*) that names the exact field path in every
 * error.  The linux object is in load_linux.c; semantics are in validate.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util.h"
#include "spec/spec.h"
#include "spec/spec_internal.h"

/* Deeper than any real config (about 6) yet far from json-c's recursion. */
#define JSON_MAX_DEPTH 64
#define CONFIG_MAX_SIZE (16u << 20)

/* ---------------------------------------------------------------- paths and errors */

static int jr_failv (struct runcgo_jr *jr, const char *hint, const char *fmt, va_list ap)
    __attribute__ ((format (printf, 3, 0)));
static size_t jr_append (struct runcgo_jr *jr, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static int
jr_failv (struct runcgo_jr *jr, const char *hint, const char *fmt, va_list ap)
{
  cleanup_free char *msg = NULL;
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  if (jr->len == 0)
    return runcgo_fail_hint (jr->err, 0, hint, "%s", msg);
  return runcgo_fail_hint (jr->err, 0, hint, "%s: %s", jr->path, msg);
}

int
runcgo_jr_fail (struct runcgo_jr *jr, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  jr_failv (jr, NULL, fmt, ap);
  va_end (ap);
  return -1;
}

int
runcgo_jr_fail_hint (struct runcgo_jr *jr, const char *hint, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  jr_failv (jr, hint, fmt, ap);
  va_end (ap);
  return -1;
}

/* Appends are truncated at the buffer end: the message then shows a clipped
 * path instead of overflowing. */
static size_t
jr_append (struct runcgo_jr *jr, const char *fmt, ...)
{
  size_t mark = jr->len;
  va_list ap;
  va_start (ap, fmt);
  int n = vsnprintf (jr->path + jr->len, sizeof (jr->path) - jr->len, fmt, ap);
  va_end (ap);
  if (n > 0)
    jr->len += (size_t)n < sizeof (jr->path) - jr->len ? (size_t)n : sizeof (jr->path) - jr->len - 1;
  return mark;
}

size_t
runcgo_jr_push (struct runcgo_jr *jr, const char *key)
{
  return jr_append (jr, jr->len ? ".%s" : "%s", key);
}

size_t
runcgo_jr_push_index (struct runcgo_jr *jr, size_t i)
{
  return jr_append (jr, "[%zu]", i);
}

size_t
runcgo_jr_push_name (struct runcgo_jr *jr, const char *name)
{
  return jr_append (jr, "[\"%s\"]", name);
}

void
runcgo_jr_pop (struct runcgo_jr *jr, size_t mark)
{
  jr->len = mark;
  jr->path[mark] = '\0';
}

/* ---------------------------------------------------------------- scalar conversion */

static const char *
json_kind (json_object *v)
{
  switch (json_object_get_type (v))
    {
    case json_type_null:
      return "null";
    case json_type_boolean:
      return "boolean";
    case json_type_double:
      return "a non-integer number";
    case json_type_int:
      return "integer";
    case json_type_object:
      return "object";
    case json_type_array:
      return "array";
    case json_type_string:
      return "string";
    }
  return "unknown";
}

static int
conv_string (struct runcgo_jr *jr, json_object *v, char **out)
{
  if (!json_object_is_type (v, json_type_string))
    return runcgo_jr_fail (jr, "expected a string, got %s", json_kind (v));
  const char *s = json_object_get_string (v);
  size_t len = (size_t)json_object_get_string_len (v);
  /* "\u0000" decodes to a NUL byte; C would silently cut the string there,
   * so "/bin/sh\u0000junk" must not become "/bin/sh" unnoticed. */
  if (strlen (s) != len)
    return runcgo_jr_fail (jr, "string contains a NUL byte (\\u0000) at position %zu", strlen (s));
  *out = xstrndup (s, len);
  return 1;
}

static int
conv_uint (struct runcgo_jr *jr, json_object *v, uint64_t max, uint64_t *out)
{
  if (!json_object_is_type (v, json_type_int))
    return runcgo_jr_fail (jr, "expected a non-negative integer, got %s", json_kind (v));
  int64_t i = json_object_get_int64 (v);
  if (i < 0)
    return runcgo_jr_fail (jr, "expected a non-negative integer, got %" PRId64, i);
  uint64_t u = json_object_get_uint64 (v);
  if (u > max)
    return runcgo_jr_fail (jr, "%" PRIu64 " is out of range (maximum %" PRIu64 ")", u, max);
  *out = u;
  return 1;
}

static int
conv_int (struct runcgo_jr *jr, json_object *v, int64_t min, int64_t max, int64_t *out)
{
  if (!json_object_is_type (v, json_type_int))
    return runcgo_jr_fail (jr, "expected an integer, got %s", json_kind (v));
  int64_t i = json_object_get_int64 (v);
  uint64_t u = json_object_get_uint64 (v);
  /* json-c keeps values above INT64_MAX as unsigned; get_int64 clamps them */
  if (i >= 0 && u > (uint64_t)INT64_MAX)
    return runcgo_jr_fail (jr, "%" PRIu64 " is out of range (maximum %" PRId64 ")", u, max);
  if (i < min || i > max)
    return runcgo_jr_fail (jr, "%" PRId64 " is out of range (%" PRId64 " to %" PRId64 ")", i, min, max);
  *out = i;
  return 1;
}

/* ---------------------------------------------------------------- typed getters */

int
runcgo_jr_field (struct runcgo_jr *jr, json_object *obj, const char *key, bool required, json_object **out)
{
  json_object *v = NULL;
  if (!json_object_object_get_ex (obj, key, &v) || v == NULL)
    {
      if (!required)
        return 0;
      size_t mark = runcgo_jr_push (jr, key);
      runcgo_jr_fail (jr, "required field is missing");
      runcgo_jr_pop (jr, mark);
      return -1;
    }
  *out = v;
  return 1;
}

/* Look KEY up, push it on the path and run CONV on it: the common shape of
 * every scalar getter. */
#define JR_SCALAR(jr, obj, key, required, conv_call)                                                                   \
  ({                                                                                                                   \
    json_object *v_ = NULL;                                                                                            \
    int r_ = runcgo_jr_field ((jr), (obj), (key), (required), &v_);                                                    \
    if (r_ > 0)                                                                                                        \
      {                                                                                                                \
        size_t mark_ = runcgo_jr_push ((jr), (key));                                                                   \
        json_object *v = v_;                                                                                           \
        r_ = (conv_call);                                                                                              \
        runcgo_jr_pop ((jr), mark_);                                                                                   \
      }                                                                                                                \
    r_;                                                                                                                \
  })

int
runcgo_jr_object (struct runcgo_jr *jr, json_object *obj, const char *key, bool required, json_object **out)
{
  json_object *v = NULL;
  int r = runcgo_jr_field (jr, obj, key, required, &v);
  if (r <= 0)
    return r;
  if (!json_object_is_type (v, json_type_object))
    {
      size_t mark = runcgo_jr_push (jr, key);
      runcgo_jr_fail (jr, "expected an object, got %s", json_kind (v));
      runcgo_jr_pop (jr, mark);
      return -1;
    }
  *out = v;
  return 1;
}

int
runcgo_jr_string (struct runcgo_jr *jr, json_object *obj, const char *key, bool required, char **out)
{
  char *s = NULL;
  int r = JR_SCALAR (jr, obj, key, required, conv_string (jr, v, &s));
  if (r > 0)
    {
      free (*out); /* a duplicated key must not leak the first value */
      *out = s;
    }
  return r;
}

static int
conv_bool (struct runcgo_jr *jr, json_object *v, bool *out)
{
  if (!json_object_is_type (v, json_type_boolean))
    return runcgo_jr_fail (jr, "expected a boolean, got %s", json_kind (v));
  *out = json_object_get_boolean (v);
  return 1;
}

int
runcgo_jr_bool (struct runcgo_jr *jr, json_object *obj, const char *key, bool *out)
{
  return JR_SCALAR (jr, obj, key, false, conv_bool (jr, v, out));
}

int
runcgo_jr_opt_bool (struct runcgo_jr *jr, json_object *obj, const char *key, runcgo_opt_bool *out)
{
  int r = JR_SCALAR (jr, obj, key, false, conv_bool (jr, v, &out->v));
  out->set = r > 0;
  return r;
}

int
runcgo_jr_u64 (struct runcgo_jr *jr, json_object *obj, const char *key, bool required, uint64_t max, uint64_t *out)
{
  return JR_SCALAR (jr, obj, key, required, conv_uint (jr, v, max, out));
}

int
runcgo_jr_u32 (struct runcgo_jr *jr, json_object *obj, const char *key, bool required, uint32_t *out)
{
  uint64_t u = 0;
  int r = JR_SCALAR (jr, obj, key, required, conv_uint (jr, v, UINT32_MAX, &u));
  if (r > 0)
    *out = (uint32_t)u;
  return r;
}

int
runcgo_jr_i64 (struct runcgo_jr *jr, json_object *obj, const char *key, bool required, int64_t min, int64_t max,
               int64_t *out)
{
  return JR_SCALAR (jr, obj, key, required, conv_int (jr, v, min, max, out));
}

int
runcgo_jr_i32 (struct runcgo_jr *jr, json_object *obj, const char *key, int32_t *out)
{
  int64_t i = 0;
  int r = JR_SCALAR (jr, obj, key, false, conv_int (jr, v, INT32_MIN, INT32_MAX, &i));
  if (r > 0)
    *out = (int32_t)i;
  return r;
}

int
runcgo_jr_opt_u64 (struct runcgo_jr *jr, json_object *obj, const char *key, uint64_t max, runcgo_opt_u64 *out)
{
  int r = JR_SCALAR (jr, obj, key, false, conv_uint (jr, v, max, &out->v));
  out->set = r > 0;
  return r;
}

int
runcgo_jr_opt_i64 (struct runcgo_jr *jr, json_object *obj, const char *key, runcgo_opt_i64 *out)
{
  int r = JR_SCALAR (jr, obj, key, false, conv_int (jr, v, INT64_MIN, INT64_MAX, &out->v));
  out->set = r > 0;
  return r;
}

/* ---------------------------------------------------------------- containers */

static int
jr_array (struct runcgo_jr *jr, json_object *obj, const char *key, json_object **out, size_t *n)
{
  json_object *v = NULL;
  int r = runcgo_jr_field (jr, obj, key, false, &v);
  if (r <= 0)
    return r;
  if (!json_object_is_type (v, json_type_array))
    {
      size_t mark = runcgo_jr_push (jr, key);
      runcgo_jr_fail (jr, "expected an array, got %s", json_kind (v));
      runcgo_jr_pop (jr, mark);
      return -1;
    }
  *out = v;
  *n = json_object_array_length (v);
  return 1;
}

int
runcgo_jr_strv (struct runcgo_jr *jr, json_object *obj, const char *key, char ***out)
{
  json_object *arr = NULL;
  size_t n = 0;
  int r = jr_array (jr, obj, key, &arr, &n);
  if (r <= 0)
    return r;
  runcgo_strv_free (*out);
  char **v = *out = xzalloc ((n + 1) * sizeof (char *));
  size_t mark = runcgo_jr_push (jr, key);
  for (size_t i = 0; i < n; i++)
    {
      size_t m = runcgo_jr_push_index (jr, i);
      if (conv_string (jr, json_object_array_get_idx (arr, i), &v[i]) < 0)
        return -1;
      runcgo_jr_pop (jr, m);
    }
  runcgo_jr_pop (jr, mark);
  return 1;
}

static int
jr_map (struct runcgo_jr *jr, json_object *obj, const char *key, json_object **out, size_t *n)
{
  int r = runcgo_jr_object (jr, obj, key, false, out);
  if (r > 0)
    *n = (size_t)json_object_object_length (*out);
  return r;
}

int
runcgo_jr_kv (struct runcgo_jr *jr, json_object *obj, const char *key, struct runcgo_kv **out, size_t *n)
{
  json_object *map = NULL;
  size_t count = 0;
  int r = jr_map (jr, obj, key, &map, &count);
  if (r <= 0)
    return r;
  struct runcgo_kv *kv = *out = xzalloc (count * sizeof (*kv));
  *n = 0;
  size_t mark = runcgo_jr_push (jr, key);
  json_object_object_foreach (map, k, v)
  {
    size_t m = runcgo_jr_push_name (jr, k);
    kv[*n].key = xstrdup (k);
    if (conv_string (jr, v, &kv[(*n)++].value) < 0)
      return -1;
    runcgo_jr_pop (jr, m);
  }
  runcgo_jr_pop (jr, mark);
  return 1;
}

static int
jr_item (struct runcgo_jr *jr, const char *name, json_object *value, void *item, runcgo_jr_item_fn fn)
{
  if (!json_object_is_type (value, json_type_object))
    return runcgo_jr_fail (jr, "expected an object, got %s", json_kind (value));
  return fn (jr, name, value, item);
}

int
runcgo_jr_array_of (struct runcgo_jr *jr, json_object *obj, const char *key, size_t size, runcgo_jr_item_fn fn,
                    void *out, size_t *n)
{
  json_object *arr = NULL;
  size_t count = 0;
  int r = jr_array (jr, obj, key, &arr, &count);
  if (r <= 0)
    return r;
  char *items = xzalloc (count * size);
  *(void **)out = items;
  *n = count;
  size_t mark = runcgo_jr_push (jr, key);
  for (size_t i = 0; i < count; i++)
    {
      size_t m = runcgo_jr_push_index (jr, i);
      if (jr_item (jr, NULL, json_object_array_get_idx (arr, i), items + i * size, fn) < 0)
        return -1;
      runcgo_jr_pop (jr, m);
    }
  runcgo_jr_pop (jr, mark);
  return 1;
}

int
runcgo_jr_map_of (struct runcgo_jr *jr, json_object *obj, const char *key, size_t size, runcgo_jr_item_fn fn, void *out,
                  size_t *n)
{
  json_object *map = NULL;
  size_t count = 0;
  int r = jr_map (jr, obj, key, &map, &count);
  if (r <= 0)
    return r;
  char *items = xzalloc (count * size);
  *(void **)out = items;
  *n = count;
  size_t mark = runcgo_jr_push (jr, key);
  size_t i = 0;
  json_object_object_foreach (map, k, v)
  {
    size_t m = runcgo_jr_push_name (jr, k);
    if (v == NULL)
      return runcgo_jr_fail (jr, "expected an object, got null");
    if (jr_item (jr, k, v, items + i++ * size, fn) < 0)
      return -1;
    runcgo_jr_pop (jr, m);
  }
  runcgo_jr_pop (jr, mark);
  return 1;
}

static int
idmap_item (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_idmap *m = item;
  if (runcgo_jr_u32 (jr, o, "containerID", true, &m->container_id) < 0
      || runcgo_jr_u32 (jr, o, "hostID", true, &m->host_id) < 0 || runcgo_jr_u32 (jr, o, "size", true, &m->size) < 0)
    return -1;
  return 1;
}

int
runcgo_jr_idmaps (struct runcgo_jr *jr, json_object *obj, const char *key, struct runcgo_idmap **out, size_t *n)
{
  return runcgo_jr_array_of (jr, obj, key, sizeof (**out), idmap_item, out, n);
}

int
runcgo_jr_sub (struct runcgo_jr *jr, json_object *obj, const char *key, runcgo_jr_item_fn fn, void *item)
{
  json_object *o = NULL;
  int r = runcgo_jr_object (jr, obj, key, false, &o);
  if (r <= 0)
    return r;
  size_t mark = runcgo_jr_push (jr, key);
  if (fn (jr, NULL, o, item) < 0)
    return -1;
  runcgo_jr_pop (jr, mark);
  return 1;
}

int
runcgo_jr_sub_new (struct runcgo_jr *jr, json_object *obj, const char *key, size_t size, runcgo_jr_item_fn fn,
                   void *out)
{
  json_object *o = NULL;
  int r = runcgo_jr_object (jr, obj, key, false, &o);
  if (r <= 0)
    return r;
  void *item = *(void **)out = xzalloc (size);
  size_t mark = runcgo_jr_push (jr, key);
  if (fn (jr, NULL, o, item) < 0)
    return -1;
  runcgo_jr_pop (jr, mark);
  return 1;
}

/* ---------------------------------------------------------------- process */

static int
gids_parse (struct runcgo_jr *jr, json_object *o, struct runcgo_user *u)
{
  json_object *arr = NULL;
  size_t n = 0;
  int r = jr_array (jr, o, "additionalGids", &arr, &n);
  if (r <= 0)
    return r;
  size_t mark = runcgo_jr_push (jr, "additionalGids");
  u->additional_gids = xzalloc (n * sizeof (uint32_t));
  u->n_additional_gids = n;
  for (size_t i = 0; i < n; i++)
    {
      uint64_t g = 0;
      size_t m = runcgo_jr_push_index (jr, i);
      if (conv_uint (jr, json_object_array_get_idx (arr, i), UINT32_MAX, &g) < 0)
        return -1;
      u->additional_gids[i] = (uint32_t)g;
      runcgo_jr_pop (jr, m);
    }
  runcgo_jr_pop (jr, mark);
  return 1;
}

static int
user_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_user *u = item;
  if (runcgo_jr_u32 (jr, o, "uid", false, &u->uid) < 0 || runcgo_jr_u32 (jr, o, "gid", false, &u->gid) < 0
      || runcgo_jr_opt_u64 (jr, o, "umask", UINT32_MAX, &u->umask) < 0
      || runcgo_jr_string (jr, o, "username", false, &u->username) < 0 || gids_parse (jr, o, u) < 0)
    return -1;
  return 1;
}

static int
caps_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_caps *c = item;
  if (runcgo_jr_strv (jr, o, "bounding", &c->bounding) < 0 || runcgo_jr_strv (jr, o, "effective", &c->effective) < 0
      || runcgo_jr_strv (jr, o, "inheritable", &c->inheritable) < 0
      || runcgo_jr_strv (jr, o, "permitted", &c->permitted) < 0 || runcgo_jr_strv (jr, o, "ambient", &c->ambient) < 0)
    return -1;
  return 1;
}

static int
rlimit_item (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_rlimit *rl = item;
  if (runcgo_jr_string (jr, o, "type", true, &rl->type) < 0
      || runcgo_jr_u64 (jr, o, "soft", true, UINT64_MAX, &rl->soft) < 0
      || runcgo_jr_u64 (jr, o, "hard", true, UINT64_MAX, &rl->hard) < 0)
    return -1;
  rl->resource = runcgo_rlimit_from_name (rl->type);
  return 1;
}

static int
console_size_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_process *p = item;
  if (runcgo_jr_u32 (jr, o, "height", true, &p->console_height) < 0
      || runcgo_jr_u32 (jr, o, "width", true, &p->console_width) < 0)
    return -1;
  p->has_console_size = true;
  return 1;
}

static int
scheduler_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_scheduler *s = item;
  if (runcgo_jr_string (jr, o, "policy", true, &s->policy) < 0 || runcgo_jr_i32 (jr, o, "nice", &s->nice) < 0
      || runcgo_jr_i32 (jr, o, "priority", &s->priority) < 0 || runcgo_jr_strv (jr, o, "flags", &s->flags) < 0
      || runcgo_jr_u64 (jr, o, "runtime", false, UINT64_MAX, &s->runtime) < 0
      || runcgo_jr_u64 (jr, o, "deadline", false, UINT64_MAX, &s->deadline) < 0
      || runcgo_jr_u64 (jr, o, "period", false, UINT64_MAX, &s->period) < 0)
    return -1;
  return 1;
}

static int
io_priority_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_io_priority *io = item;
  if (runcgo_jr_string (jr, o, "class", true, &io->klass) < 0 || runcgo_jr_i32 (jr, o, "priority", &io->priority) < 0)
    return -1;
  return 1;
}

static int
cpu_affinity_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_process *p = item;
  if (runcgo_jr_string (jr, o, "initial", false, &p->exec_cpu_affinity_initial) < 0
      || runcgo_jr_string (jr, o, "final", false, &p->exec_cpu_affinity_final) < 0)
    return -1;
  return 1;
}

/* The path of JR names O (e.g. "process") when this runs. */
static int
process_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_process *p = item;
  if (runcgo_jr_bool (jr, o, "terminal", &p->terminal) < 0
      || runcgo_jr_sub (jr, o, "consoleSize", console_size_fill, p) < 0
      || runcgo_jr_sub (jr, o, "user", user_fill, &p->user) < 0 || runcgo_jr_strv (jr, o, "args", &p->args) < 0
      || runcgo_jr_string (jr, o, "commandLine", false, &p->command_line) < 0
      || runcgo_jr_strv (jr, o, "env", &p->env) < 0 || runcgo_jr_string (jr, o, "cwd", true, &p->cwd) < 0
      || runcgo_jr_sub_new (jr, o, "capabilities", sizeof (*p->capabilities), caps_fill, &p->capabilities) < 0
      || runcgo_jr_array_of (jr, o, "rlimits", sizeof (*p->rlimits), rlimit_item, &p->rlimits, &p->n_rlimits) < 0
      || runcgo_jr_bool (jr, o, "noNewPrivileges", &p->no_new_privileges) < 0
      || runcgo_jr_string (jr, o, "apparmorProfile", false, &p->apparmor_profile) < 0
      || runcgo_jr_opt_i64 (jr, o, "oomScoreAdj", &p->oom_score_adj) < 0
      || runcgo_jr_string (jr, o, "selinuxLabel", false, &p->selinux_label) < 0
      || runcgo_jr_sub_new (jr, o, "scheduler", sizeof (*p->scheduler), scheduler_fill, &p->scheduler) < 0
      || runcgo_jr_sub_new (jr, o, "ioPriority", sizeof (*p->io_priority), io_priority_fill, &p->io_priority) < 0
      || runcgo_jr_sub (jr, o, "execCPUAffinity", cpu_affinity_fill, p) < 0)
    return -1;
  return 1;
}

/* ---------------------------------------------------------------- mounts, hooks, root */

static int
mount_item (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_mount *m = item;
  if (runcgo_jr_string (jr, o, "destination", true, &m->destination) < 0
      || runcgo_jr_string (jr, o, "type", false, &m->type) < 0
      || runcgo_jr_string (jr, o, "source", false, &m->source) < 0 || runcgo_jr_strv (jr, o, "options", &m->options) < 0
      || runcgo_jr_idmaps (jr, o, "uidMappings", &m->uid_mappings, &m->n_uid_mappings) < 0
      || runcgo_jr_idmaps (jr, o, "gidMappings", &m->gid_mappings, &m->n_gid_mappings) < 0)
    return -1;
  return 1;
}

static int
hook_item (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_hook *h = item;
  if (runcgo_jr_string (jr, o, "path", true, &h->path) < 0 || runcgo_jr_strv (jr, o, "args", &h->args) < 0
      || runcgo_jr_strv (jr, o, "env", &h->env) < 0)
    return -1;
  int r = runcgo_jr_i64 (jr, o, "timeout", false, INT64_MIN, INT64_MAX, &h->timeout.v);
  h->timeout.set = r > 0;
  return r < 0 ? -1 : 1;
}

static int
hooks_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_hooks *h = item;
  for (int k = 0; k < RUNCGO_HOOK_KINDS; k++)
    if (runcgo_jr_array_of (jr, o, runcgo_hook_kind_names[k], sizeof (struct runcgo_hook), hook_item, &h->list[k],
                            &h->n[k])
        < 0)
      return -1;
  return 1;
}

static int
root_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_spec *s = item;
  if (runcgo_jr_string (jr, o, "path", true, &s->root_path) < 0
      || runcgo_jr_bool (jr, o, "readonly", &s->root_readonly) < 0)
    return -1;
  return 1;
}

static int
spec_fill (struct runcgo_jr *jr, json_object *o, struct runcgo_spec *s)
{
  if (runcgo_jr_string (jr, o, "ociVersion", true, &s->oci_version) < 0
      || runcgo_jr_sub (jr, o, "root", root_fill, s) < 0
      || runcgo_jr_sub_new (jr, o, "process", sizeof (*s->process), process_fill, &s->process) < 0
      || runcgo_jr_string (jr, o, "hostname", false, &s->hostname) < 0
      || runcgo_jr_string (jr, o, "domainname", false, &s->domainname) < 0
      || runcgo_jr_array_of (jr, o, "mounts", sizeof (*s->mounts), mount_item, &s->mounts, &s->n_mounts) < 0
      || runcgo_jr_sub (jr, o, "hooks", hooks_fill, &s->hooks) < 0
      || runcgo_jr_kv (jr, o, "annotations", &s->annotations, &s->n_annotations) < 0
      || runcgo_jr_sub_new (jr, o, "linux", sizeof (*s->linux_), runcgo_jr_linux_fill, &s->linux_) < 0)
    return -1;
  return 0;
}

/* ---------------------------------------------------------------- JSON text */

static void
line_column (const char *text, size_t off, size_t *line, size_t *col)
{
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off; i++)
    {
      if (text[i] == '\n')
        {
          (*line)++;
          *col = 1;
        }
      else
        (*col)++;
    }
}

/* json-c clamps integers beyond 64 bits to INT64_MIN / UINT64_MAX without
 * reporting it, which would turn a typo into "unlimited".  The text is
 * already known to be valid JSON here, so a tiny lexer finds every integer
 * literal outside strings and range-checks it. */
static int
check_integer_literals (const char *text, size_t len, runcgo_error_t *err)
{
  for (size_t i = 0; i < len; i++)
    {
      if (text[i] == '"')
        {
          for (i++; i < len && text[i] != '"'; i++)
            if (text[i] == '\\')
              i++;
          continue;
        }
      if (text[i] != '-' && (text[i] < '0' || text[i] > '9'))
        continue;
      size_t start = i;
      bool fraction = false;
      for (i++; i < len && text[i] != '\0' && strchr ("0123456789.eE+-", text[i]); i++)
        fraction |= text[i] == '.' || text[i] == 'e' || text[i] == 'E';
      if (fraction)
        continue;
      char buf[32];
      size_t n = i - start;
      bool fits = n < sizeof (buf);
      if (fits)
        {
          memcpy (buf, text + start, n);
          buf[n] = '\0';
          errno = 0;
          if (buf[0] == '-')
            (void)strtoll (buf, NULL, 10);
          else
            (void)strtoull (buf, NULL, 10);
          fits = errno != ERANGE;
        }
      if (!fits)
        {
          size_t line, col;
          line_column (text, start, &line, &col);
          return runcgo_fail_hint (err, 0, "JSON integers must fit in 64 bits",
                                   "integer at line %zu, column %zu is out of range: %.*s", line, col,
                                   (int)(n > 40 ? 40 : n), text + start);
        }
      i--;
    }
  return 0;
}

static int
json_parse_text (const char *text, size_t len, json_object **out, runcgo_error_t *err)
{
  if (memchr (text, '\0', len) != NULL)
    {
      size_t line, col, off = (size_t)((const char *)memchr (text, '\0', len) - text);
      line_column (text, off, &line, &col);
      return runcgo_fail (err, 0, "malformed JSON at line %zu, column %zu: NUL byte in the text", line, col);
    }
  struct json_tokener *tok = json_tokener_new_ex (JSON_MAX_DEPTH);
  if (tok == NULL)
    return runcgo_fail (err, ENOMEM, "allocate the JSON tokener");
  /* strict: no comments, single quotes, trailing commas or trailing data */
  json_tokener_set_flags (tok, JSON_TOKENER_STRICT);
  json_object *obj = json_tokener_parse_ex (tok, text, (int)len);
  enum json_tokener_error jerr = json_tokener_get_error (tok);
  size_t off = json_tokener_get_parse_end (tok);
  json_tokener_free (tok);
  if (obj == NULL || jerr != json_tokener_success)
    {
      json_object_put (obj);
      size_t line, col;
      line_column (text, off, &line, &col);
      const char *why = jerr == json_tokener_continue ? "unexpected end of input" : json_tokener_error_desc (jerr);
      return runcgo_fail (err, 0, "malformed JSON at line %zu, column %zu: %s", line, col, why);
    }
  if (check_integer_literals (text, len, err) < 0)
    {
      json_object_put (obj);
      return -1;
    }
  if (!json_object_is_type (obj, json_type_object))
    {
      runcgo_fail (err, 0, "the top-level JSON value must be an object, got %s", json_kind (obj));
      json_object_put (obj);
      return -1;
    }
  *out = obj;
  return 0;
}

/* ---------------------------------------------------------------- public */

int
runcgo_spec_parse (const char *json, size_t len, struct runcgo_spec **out, runcgo_error_t *err)
{
  json_object *obj = NULL;
  if (len > CONFIG_MAX_SIZE)
    return runcgo_fail (err, EFBIG, "config is larger than %u bytes", CONFIG_MAX_SIZE);
  if (json_parse_text (json, len, &obj, err) < 0)
    return -1;
  struct runcgo_jr jr = { .err = err };
  struct runcgo_spec *s = xzalloc (sizeof (*s));
  int r = spec_fill (&jr, obj, s);
  json_object_put (obj);
  if (r < 0)
    {
      runcgo_spec_free (s);
      return -1;
    }
  *out = s;
  return 0;
}

int
runcgo_jr_parse_text (const char *text, size_t len, json_object **out, runcgo_error_t *err)
{
  return json_parse_text (text, len, out, err);
}

int
runcgo_process_parse (const char *json, size_t len, struct runcgo_process **out, runcgo_error_t *err)
{
  json_object *obj = NULL;
  if (len > CONFIG_MAX_SIZE)
    return runcgo_fail (err, EFBIG, "process JSON is larger than %u bytes", CONFIG_MAX_SIZE);
  if (json_parse_text (json, len, &obj, err) < 0)
    return -1;
  struct runcgo_jr jr = { .err = err };
  runcgo_jr_push (&jr, "process");
  struct runcgo_process *p = xzalloc (sizeof (*p));
  int r = process_fill (&jr, NULL, obj, p);
  json_object_put (obj);
  if (r < 0)
    {
      runcgo_process_free (p);
      return -1;
    }
  *out = p;
  return 0;
}

static int
read_config (int fd, const char *path, char **out, size_t *len, runcgo_error_t *err)
{
  size_t cap = 16384, n = 0;
  cleanup_free char *buf = xmalloc (cap + 1);
  for (;;)
    {
      if (n == cap)
        {
          if (cap > CONFIG_MAX_SIZE)
            return runcgo_fail_hint (err, EFBIG, "a config.json is normally a few KiB",
                                     "read `%s`: larger than %u bytes", path,
                                     CONFIG_MAX_SIZE);
          /* one byte past the limit tells "too large" from "exactly full" */
          cap = cap * 2 > CONFIG_MAX_SIZE ? CONFIG_MAX_SIZE + 1 : cap * 2;
          buf = xrealloc (buf, cap + 1);
        }
      ssize_t r = read (fd, buf + n, cap - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return runcgo_fail (err, errno, "read `%s`", path);
      if (r == 0)
        break;
      n += (size_t)r;
    }
  buf[n] = '\0';
  *len = n;
  *out = steal_ptr (&buf);
  return 0;
}

int
runcgo_spec_load (const char *bundle, struct runcgo_spec **out, runcgo_error_t *err)
{
  return runcgo_spec_load_file (bundle, NULL, out, err);
}

static void
mount_set (struct runcgo_mount *m, const char *dest, const char *type, const char *const *options, size_t n)
{
  memset (m, 0, sizeof (*m));
  m->destination = xstrdup (dest);
  m->type = xstrdup (type);
  m->source = xstrdup (type);
  m->options = xzalloc ((n + 1) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    m->options[i] = xstrdup (options[i]);
}

/* run.oci.systemd.force_cgroup_v1=/PATH (crun): the config's mount on PATH
 * (its cgroup mount) becomes a small tmpfs holding PATH/systemd, the v1
 * hierarchy "name=systemd" (for a systemd in the container that knows no
 * cgroup v2; the host must have that hierarchy). */
static int
force_cgroup_v1 (struct runcgo_spec *spec, runcgo_error_t *err)
{
  static const char *const tmpfs[] = { "nosuid", "nodev", "noexec", "size=1024k", "mode=755" };
  static const char *const named[] = { "none", "name=systemd", "xattr", "nosuid", "nodev", "noexec" };
  const char *path = runcgo_spec_annotation (spec, RUNCGO_ANN_FORCE_CGROUP_V1);
  size_t i = 0;
  while (path && i < spec->n_mounts && strcmp (spec->mounts[i].destination, path) != 0)
    i++;
  if (path == NULL)
    return 0;
  if (i == spec->n_mounts)
    return runcgo_fail_hint (err, EINVAL, "name the destination of the config's cgroup mount, e.g. /sys/fs/cgroup",
                             "%s: no mount in the config has the destination `%s`", RUNCGO_ANN_FORCE_CGROUP_V1, path);
  cleanup_free char *dest = xstrdup (path), *sub = xasprintf ("%s/systemd", path);
  spec->mounts = xrealloc (spec->mounts, (spec->n_mounts + 1) * sizeof (*spec->mounts));
  memmove (&spec->mounts[i + 2], &spec->mounts[i + 1], (spec->n_mounts - i - 1) * sizeof (*spec->mounts));
  spec->n_mounts++;
  struct runcgo_mount *old = &spec->mounts[i];
  free (old->destination);
  free (old->type);
  free (old->source);
  runcgo_strv_free (old->options);
  free (old->uid_mappings);
  free (old->gid_mappings);
  mount_set (&spec->mounts[i], dest, "tmpfs", tmpfs, ARRAY_SIZE (tmpfs));
  mount_set (&spec->mounts[i + 1], sub, "cgroup", named, ARRAY_SIZE (named));
  return 0;
}

/* run.oci.mount_context_type names the SELinux mount option that carries
 * linux.mountLabel (fs/mount_opts.c); what crun refuses is refused. */
static int
check_mount_context_type (const struct runcgo_spec *spec, runcgo_error_t *err)
{
  static const char *const types[] = { "context", "fscontext", "defcontext", "rootcontext" };
  const char *t = runcgo_spec_annotation (spec, RUNCGO_ANN_MOUNT_CONTEXT_TYPE);
  for (size_t i = 0; t && i < ARRAY_SIZE (types); i++)
    if (strcmp (t, types[i]) == 0)
      return 0;
  if (t == NULL)
    return 0;
  return runcgo_fail_hint (err, EINVAL, "use context, fscontext, defcontext or rootcontext",
                           "%s: unknown context type \"%s\"", RUNCGO_ANN_MOUNT_CONTEXT_TYPE, t);
}

/* run.oci.seccomp.plugins: PLUGIN[:PLUGIN...], each an absolute path or a
 * bare file name that the dynamic linker looks up (crun's rule: a relative
 * path would depend on the directory the helper runs in).  Like crun, the
 * plugins are the agent: a receiver as well (listenerPath, the receiver
 * annotation or RUN_OCI_SECCOMP_RECEIVER) is an error, not a choice. */
static int
apply_seccomp_plugins (const struct runcgo_spec *spec, struct runcgo_seccomp *s, const char *receiver,
                       runcgo_error_t *err)
{
  const char *list = runcgo_spec_annotation (spec, RUNCGO_ANN_SECCOMP_PLUGINS);
  if (list == NULL)
    return 0;
  if (*list == '\0')
    return runcgo_fail_hint (err, 0, "name the plugins, e.g. /usr/lib/plugin.so[:plugin2.so]",
                             "%s: empty", RUNCGO_ANN_SECCOMP_PLUGINS);
  for (const char *p = list; *p;)
    {
      size_t n = strcspn (p, ":");
      if (n == 0)
        return runcgo_fail_hint (err, 0, "separate the plugins with one ':'", "%s: empty plugin name in `%s`",
                                 RUNCGO_ANN_SECCOMP_PLUGINS, list);
      if (p[0] != '/' && memchr (p, '/', n))
        return runcgo_fail_hint (err, 0, "give an absolute path, or a bare file name for the library search path",
                                 "%s: `%.*s` is a relative path", RUNCGO_ANN_SECCOMP_PLUGINS, (int) n, p);
      p += n + (p[n] == ':');
    }
  if (s == NULL)
    return 0;
  if (s->listener_path || (receiver && *receiver))
    return runcgo_fail_hint (err, 0,
                             "drop linux.seccomp.listenerPath, " RUNCGO_ANN_SECCOMP_RECEIVER
                             " and RUN_OCI_SECCOMP_RECEIVER, or the plugins",
                             "%s: the seccomp plugins and a seccomp receiver (%s) cannot be used together",
                             RUNCGO_ANN_SECCOMP_PLUGINS,
                             s->listener_path ? "linux.seccomp.listenerPath"
                             : runcgo_spec_annotation (spec, RUNCGO_ANN_SECCOMP_RECEIVER)
                                 ? RUNCGO_ANN_SECCOMP_RECEIVER
                                 : "RUN_OCI_SECCOMP_RECEIVER");
  s->plugins = xstrdup (list);
  return 0;
}

/* crun's run.oci.* annotations that change what the config says, applied
 * once here so that create, exec and start see the same: keep_original_groups,
 * systemd.force_cgroup_v1, mount_context_type, seccomp_fail_unknown_syscall,
 * seccomp.plugins and seccomp.receiver (or crun's environment variable
 * RUN_OCI_SECCOMP_RECEIVER): the listenerPath when the config has none. */
static int
apply_crun_annotations (struct runcgo_spec *spec, runcgo_error_t *err)
{
  if (spec->process)
    spec->process->user.keep_groups = runcgo_spec_keeps_groups (spec);
  if (force_cgroup_v1 (spec, err) < 0 || check_mount_context_type (spec, err) < 0)
    return -1;
  struct runcgo_seccomp *s = spec->linux_ ? spec->linux_->seccomp : NULL;
  const char *receiver = runcgo_spec_annotation (spec, RUNCGO_ANN_SECCOMP_RECEIVER);
  if (receiver == NULL)
    receiver = getenv ("RUN_OCI_SECCOMP_RECEIVER");
  if (apply_seccomp_plugins (spec, s, receiver, err) < 0)
    return -1;
  if (s == NULL)
    return 0;
  const char *fail = runcgo_spec_annotation (spec, RUNCGO_ANN_SECCOMP_FAIL_UNKNOWN);
  s->fail_unknown = fail && strcmp (fail, "0") != 0;
  if (s->listener_path || receiver == NULL || *receiver == '\0')
    return 0;
  if (receiver[0] != '/')
    return runcgo_fail_hint (err, EINVAL, "give the absolute path of the agent's socket",
                             "%s: `%s` is not an absolute path", RUNCGO_ANN_SECCOMP_RECEIVER, receiver);
  s->listener_path = xstrdup (receiver);
  return 0;
}

/* CONFIG (create/run --config, crun's -f) replaces BUNDLE/config.json; the
 * bundle stays the base of a relative root.path. */
int
runcgo_spec_load_file (const char *bundle, const char *config, struct runcgo_spec **out, runcgo_error_t *err)
{
  if (bundle == NULL || *bundle == '\0')
    bundle = ".";
  cleanup_free char *path = config ? xstrdup (config) : xasprintf ("%s/config.json", bundle);
  const char *what = config ? "--config" : "config.json in bundle";
  const char *name = config ? config : bundle;
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 && errno == ENOENT)
    return runcgo_fail_hint (err, errno,
                             config ? "pass an existing file to --config"
                                    : "run 'runcgo spec' to create one, or pass --bundle",
                             "open %s \"%s\"", what, name);
  if (fd < 0)
    return runcgo_fail (err, errno, "open %s \"%s\"", what, name);
  cleanup_free char *text = NULL;
  size_t len = 0;
  if (read_config (fd, path, &text, &len, err) < 0)
    return -1;
  if (runcgo_spec_parse (text, len, out, err) < 0)
    return runcgo_error_wrap (err, "%s", path);
  if (apply_crun_annotations (*out, err) < 0)
    {
      runcgo_spec_free (*out);
      *out = NULL;
      return runcgo_error_wrap (err, "%s", path);
    }
  return 0;
}
