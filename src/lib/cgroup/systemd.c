/* systemd.c -- the systemd cgroup driver (--systemd-cgroup), runc's semantics:
 * cgroupsPath "slice:prefix:name" names a transient scope "prefix-name.scope"
 * (or a slice) that systemd creates with Delegate=yes and the container's init
 * in it (StartTransientUnit over D-Bus: the system manager for root, the
 * user manager for a rootless caller).  systemd gets every limit it has a
 * property for, so a daemon-reload keeps them; the cgroupfs code then writes
 * all of them (and what systemd does not know) into the unit's directories
 * and does pids/kill/freeze there.  libsystemd is dlopen()ed on first use. */
#include "config.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "cgroup/systemd.h"
#include "core/util.h"

#define F_RES "linux.resources."
#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define JOB_TIMEOUT_USEC (30ULL * 1000000ULL) /* runc waits 30 s for a job too */

/* ================================================================ pure: cgroupsPath */

/* systemd's unit name alphabet (unit-name.c VALID_CHARS, plus '@' of
 * template instances). */
static bool
valid_unit_chars (const char *s)
{
  return s[strspn (s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.\\@")] == '\0';
}

int
runcgo_sd_expand_slice (const char *slice, char **out, runcgo_error_t *err)
{
  static const char suffix[] = ".slice";
  size_t len = strlen (slice), sl = sizeof (suffix) - 1;
  if (len <= sl || strcmp (slice + len - sl, suffix) != 0 || strchr (slice, '/') || !valid_unit_chars (slice))
    return runcgo_fail (err, EINVAL, "slice \"%s\": not a slice unit name (NAME.slice, no \"/\")", slice);
  if (len == sl + 1 && slice[0] == '-')
    {
      *out = xstrdup ("/"); /* "-.slice" is the root slice */
      return 0;
    }
  cleanup_free char *path = xstrdup ("");
  size_t base = len - sl;
  for (size_t i = 0; i <= base; i++)
    {
      if (i < base && slice[i] != '-')
        continue;
      /* "a--b.slice", "-a.slice" and "a-.slice" have an empty component */
      if (i == 0 || slice[i - 1] == '-')
        return runcgo_fail (err, EINVAL, "slice \"%s\": empty component between \"-\"", slice);
      char *next = xasprintf ("%s/%.*s.slice", path, (int)i, slice);
      free (path);
      path = next;
    }
  *out = steal_ptr (&path);
  return 0;
}

void
runcgo_sd_unit_clear (struct runcgo_sd_unit *u)
{
  free (u->slice);
  free (u->unit);
  memset (u, 0, sizeof (*u));
}

static int
path_fail (runcgo_error_t *err, const char *path, const char *what)
{
  return runcgo_fail_hint (err, EINVAL, "systemd's format is \"slice:prefix:name\", e.g. \"system.slice:runcgo:ID\"",
                           "linux.cgroupsPath \"%s\": %s", path, what);
}

static int
check_name_part (const char *path, const char *part, const char *which, bool may_be_empty, runcgo_error_t *err)
{
  if (*part == '\0' && !may_be_empty)
    return runcgo_fail_hint (err, EINVAL, "systemd's format is \"slice:prefix:name\"",
                             "linux.cgroupsPath \"%s\": the %s is empty", path, which);
  if (!valid_unit_chars (part))
    return runcgo_fail_hint (err, EINVAL, "unit names take letters, digits and \":-_.\\@\"",
                             "linux.cgroupsPath \"%s\": the %s \"%s\" has characters a unit name cannot have", path,
                             which, part);
  return 0;
}

int
runcgo_sd_parse_path (const char *cgroups_path, const char *id, bool rootless, struct runcgo_sd_unit *out,
                      runcgo_error_t *err)
{
  memset (out, 0, sizeof (*out));
  const char *path = cgroups_path ? cgroups_path : "";
  cleanup_free char *slice = NULL, *prefix = NULL, *name = NULL;
  if (*path == '\0')
    {
      /* runc: an empty path is "<id>" with its own prefix in the default slice */
      if (id == NULL || *id == '\0')
        return runcgo_fail (err, EINVAL, "cgroup: neither linux.cgroupsPath nor a container id");
      slice = xstrdup ("");
      prefix = xstrdup ("runcgo");
      name = xstrdup (id);
    }
  else
    {
      const char *c1 = strchr (path, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL || strchr (c2 + 1, ':'))
        return path_fail (err, path, "not three fields \"slice:prefix:name\" (the systemd driver's format)");
      slice = xstrndup (path, (size_t)(c1 - path));
      prefix = xstrndup (c1 + 1, (size_t)(c2 - c1 - 1));
      name = xstrdup (c2 + 1);
    }
  if (*slice == '\0')
    {
      free (slice);
      slice = xstrdup (rootless ? "user.slice" : "system.slice");
    }
  cleanup_free char *expanded = NULL;
  if (runcgo_sd_expand_slice (slice, &expanded, err) < 0)
    return runcgo_error_wrap (err, "linux.cgroupsPath \"%s\"", path);
  if (check_name_part (path, prefix, "prefix", true, err) < 0 || check_name_part (path, name, "name", false, err) < 0)
    return -1;
  size_t nl = strlen (name);
  out->is_slice = nl > 6 && strcmp (name + nl - 6, ".slice") == 0;
  if (out->is_slice)
    {
      /* a name ending in .slice makes a slice, and then the prefix is unused (runc) */
      cleanup_free char *sx = NULL;
      if (runcgo_sd_expand_slice (name, &sx, err) < 0)
        return runcgo_error_wrap (err, "linux.cgroupsPath \"%s\": name", path);
      out->unit = xstrdup (name);
    }
  else
    out->unit = *prefix ? xasprintf ("%s-%s.scope", prefix, name) : xasprintf ("%s.scope", name);
  if (strlen (out->unit) > 255)
    {
      runcgo_sd_unit_clear (out);
      return path_fail (err, path, "the unit name is longer than systemd's 255 characters");
    }
  out->slice = steal_ptr (&slice);
  return 0;
}

/* ================================================================ pure: properties */

static struct runcgo_sd_prop *
prop_add (struct runcgo_sd_props *p, const char *name, enum runcgo_sd_type type)
{
  p->p = xrealloc (p->p, (p->n + 1) * sizeof (*p->p));
  struct runcgo_sd_prop *e = &p->p[p->n++];
  memset (e, 0, sizeof (*e));
  e->name = name;
  e->type = type;
  return e;
}

static void
prop_u64 (struct runcgo_sd_props *p, const char *name, uint64_t v)
{
  prop_add (p, name, RUNCGO_SD_U64)->num = v;
}

static void
prop_bool (struct runcgo_sd_props *p, const char *name, bool v)
{
  prop_add (p, name, RUNCGO_SD_BOOL)->num = v;
}

static void
prop_str (struct runcgo_sd_props *p, const char *name, enum runcgo_sd_type type, const char *v)
{
  prop_add (p, name, type)->str = xstrdup (v);
}

void
runcgo_sd_props_free (struct runcgo_sd_props *p)
{
  for (size_t i = 0; p && i < p->n; i++)
    {
      free (p->p[i].str);
      free (p->p[i].bytes);
    }
  if (p)
    {
      free (p->p);
      p->p = NULL;
      p->n = 0;
    }
}

const struct runcgo_sd_prop *
runcgo_sd_props_find (const struct runcgo_sd_props *p, const char *name)
{
  for (size_t i = p->n; i > 0; i--) /* the last one wins, as in systemd */
    if (strcmp (p->p[i - 1].name, name) == 0)
      return &p->p[i - 1];
  return NULL;
}

uint64_t
runcgo_sd_quota_per_sec (int64_t quota, uint64_t period)
{
  if (quota <= 0)
    return RUNCGO_SD_INFINITY;
  if (period == 0)
    period = 100000; /* the kernel's default period */
  /* systemd stores a percentage of one CPU: round up to whole 10 ms per
   * second so that the quota written to the files afterwards fits in it */
  uint64_t v = (uint64_t)quota * 1000000ULL / period;
  if (v % 10000)
    v = (v / 10000 + 1) * 10000;
  return v;
}

int
runcgo_sd_list_to_bits (const char *list, const char *field, unsigned char **out, size_t *n, runcgo_error_t *err)
{
  unsigned char *bits = NULL;
  size_t nb = 0;
  for (const char *s = list; *s;)
    {
      char *end = NULL;
      errno = 0;
      unsigned long a = strtoul (s, &end, 10), b = a;
      if (end == s || errno || *s == '-' || *s == '+')
        goto bad;
      if (*end == '-')
        {
          s = end + 1;
          b = strtoul (s, &end, 10);
          if (end == s || errno || *s == '-' || *s == '+' || b < a)
            goto bad;
        }
      if (b >= 65536) /* far beyond any kernel's NR_CPUS / MAX_NUMNODES */
        goto bad;
      if (b / 8 + 1 > nb)
        {
          bits = xrealloc (bits, b / 8 + 1);
          memset (bits + nb, 0, b / 8 + 1 - nb);
          nb = b / 8 + 1;
        }
      for (unsigned long i = a; i <= b; i++)
        bits[i / 8] |= (unsigned char)(1u << (i % 8));
      s = end + (*end == ',');
      if (*end && *end != ',')
        goto bad;
      if (*end == ',' && *s == '\0')
        goto bad;
    }
  *out = bits;
  *n = nb;
  return 0;
bad:
  free (bits);
  return runcgo_fail (err, EINVAL, "%s: \"%s\" is not a list like \"0-3,7\"", field, list);
}

static int
prop_bits (struct runcgo_sd_props *p, const char *name, const char *list, const char *field, runcgo_error_t *err)
{
  unsigned char *bits = NULL;
  size_t n = 0;
  if (runcgo_sd_list_to_bits (list, field, &bits, &n, err) < 0)
    return -1;
  struct runcgo_sd_prop *e = prop_add (p, name, RUNCGO_SD_BYTES);
  e->bytes = bits;
  e->n_bytes = n;
  return 0;
}

/* -1 (any negative) is "infinity" for a limit; 0 means "unset" (runc). */
static uint64_t
limit_value (int64_t v)
{
  return v < 0 ? RUNCGO_SD_INFINITY : (uint64_t)v;
}

static bool
i64_given (runcgo_opt_i64 o)
{
  return o.set && o.v != 0;
}

static void
props_memory (const struct runcgo_memory *m, bool v2, struct runcgo_sd_props *p)
{
  if (m == NULL)
    return;
  /* legacy hierarchies: MemoryLimit= (memory.limit_in_bytes) */
  if (i64_given (m->limit))
    prop_u64 (p, v2 ? "MemoryMax" : "MemoryLimit", limit_value (m->limit.v));
  if (!v2)
    return;
  if (i64_given (m->reservation))
    prop_u64 (p, "MemoryLow", limit_value (m->reservation.v));
  /* OCI swap is memory+swap; MemorySwapMax is swap alone (runc's conversion) */
  int64_t limit = i64_given (m->limit) ? m->limit.v : 0, swap = i64_given (m->swap) ? m->swap.v : 0;
  if (swap == -1 || (limit == -1 && swap == 0))
    prop_u64 (p, "MemorySwapMax", RUNCGO_SD_INFINITY);
  else if (swap > 0 && limit > 0 && swap >= limit)
    prop_u64 (p, "MemorySwapMax", (uint64_t)(swap - limit));
}

static int
props_cpu (const struct runcgo_cpu *c, bool v2, unsigned version, struct runcgo_sd_props *p, runcgo_error_t *err)
{
  if (c == NULL)
    return 0;
  if (c->shares.set && c->shares.v)
    {
      if (v2)
        prop_u64 (p, "CPUWeight", runcgo_cg_shares_to_weight (c->shares.v));
      else
        prop_u64 (p, "CPUShares", c->shares.v);
    }
  int64_t quota = c->quota.set ? c->quota.v : 0;
  uint64_t period = c->period.set ? c->period.v : 0;
  if (period && version >= 242)
    prop_u64 (p, "CPUQuotaPeriodUSec", period);
  if (quota || period)
    prop_u64 (p, "CPUQuotaPerSecUSec", runcgo_sd_quota_per_sec (quota, period));
  /* AllowedCPUs/AllowedMemoryNodes exist since systemd 244 */
  if (version >= 244 && c->cpus && *c->cpus && prop_bits (p, "AllowedCPUs", c->cpus, F_RES "cpu.cpus", err) < 0)
    return -1;
  if (version >= 244 && c->mems && *c->mems && prop_bits (p, "AllowedMemoryNodes", c->mems, F_RES "cpu.mems", err) < 0)
    return -1;
  return 0;
}

/* runc's unifiedResToSystemdProps, for the keys with a plain mapping. */
static int
props_unified (const struct runcgo_resources *r, unsigned version, struct runcgo_sd_props *p, runcgo_error_t *err)
{
  static const char *const map[][2]
      = { { "memory.max", "MemoryMax" }, { "memory.high", "MemoryHigh" },        { "memory.low", "MemoryLow" },
          { "memory.min", "MemoryMin" }, { "memory.swap.max", "MemorySwapMax" }, { "pids.max", "TasksMax" },
          { "cpu.weight", "CPUWeight" } };
  for (size_t i = 0; i < r->n_unified; i++)
    {
      const char *k = r->unified[i].key, *v = r->unified[i].value;
      for (size_t j = 0; j < ARRAY_SIZE (map); j++)
        {
          if (strcmp (k, map[j][0]) != 0)
            continue;
          cleanup_free char *trim = xstrndup (v, strcspn (v, " \n"));
          uint64_t n = RUNCGO_SD_INFINITY;
          if (strcmp (trim, "max") != 0 && runcgo_parse_u64 (trim, &n) < 0)
            return runcgo_fail (err, EINVAL, F_RES "unified.%s: \"%s\" is not a number or \"max\"", k, v);
          prop_u64 (p, map[j][1], n);
        }
      if (strcmp (k, "cpuset.cpus") == 0 && version >= 244)
        if (prop_bits (p, "AllowedCPUs", v, F_RES "unified.cpuset.cpus", err) < 0)
          return -1;
    }
  return 0;
}

int
runcgo_sd_resource_props (const struct runcgo_resources *r, enum runcgo_cgroup_mode mode, unsigned version,
                          struct runcgo_sd_props *out, runcgo_error_t *err)
{
  /* systemd runs its controllers on v1 on a hybrid host, like runcgo */
  bool v2 = mode == RUNCGO_CGROUP_V2;
  if (r == NULL)
    return 0;
  props_memory (r->memory, v2, out);
  if (props_cpu (r->cpu, v2, version, out, err) < 0)
    return -1;
  /* runc: TasksMax only for a positive limit or -1; 0 is left to pids.max */
  if (r->pids_limit.set && r->pids_limit.v != 0)
    prop_u64 (out, "TasksMax", limit_value (r->pids_limit.v));
  const struct runcgo_block_io *b = r->block_io;
  if (b && b->weight.set && b->weight.v)
    prop_u64 (out, v2 ? "IOWeight" : "BlockIOWeight", v2 ? runcgo_cg_blkio_to_io_weight (b->weight.v) : b->weight.v);
  return v2 ? props_unified (r, version, out, err) : 0;
}

int
runcgo_sd_unit_props (const struct runcgo_sd_unit *u, const char *description, pid_t pid,
                      const struct runcgo_resources *r, enum runcgo_cgroup_mode mode, unsigned version,
                      struct runcgo_sd_props *out, runcgo_error_t *err)
{
  bool v2 = mode == RUNCGO_CGROUP_V2;
  prop_str (out, "Description", RUNCGO_SD_STRING, description);
  if (u->is_slice)
    /* a slice's parent follows from its name; runc orders it after the given one */
    prop_str (out, "Wants", RUNCGO_SD_STR_ONE, u->slice);
  else
    {
      prop_str (out, "Slice", RUNCGO_SD_STRING, u->slice);
      /* the container may manage cgroups below its scope (nested runtimes, systemd) */
      prop_bool (out, "Delegate", true);
      if (pid > 0)
        prop_add (out, "PIDs", RUNCGO_SD_U32_ONE)->num = (uint64_t)pid;
    }
  /* no implicit ordering against shutdown.target & co.: the container's
   * lifetime is the runtime's business */
  prop_bool (out, "DefaultDependencies", false);
  /* accounting on = the controllers are enabled for the unit, so the files
   * the cgroupfs code writes next exist */
  prop_bool (out, "MemoryAccounting", true);
  prop_bool (out, "CPUAccounting", true);
  prop_bool (out, v2 ? "IOAccounting" : "BlockIOAccounting", true);
  prop_bool (out, "TasksAccounting", true);
  if (runcgo_sd_resource_props (r, mode, version, out, err) < 0)
    {
      runcgo_sd_props_free (out);
      return -1;
    }
  return 0;
}

unsigned
runcgo_sd_parse_version (const char *s)
{
  /* "252", "252.38-1~deb12u1", "v255-rc1": skip a leading "v" */
  if (s && *s == 'v')
    s++;
  unsigned v = 0;
  for (; s && *s >= '0' && *s <= '9' && v < 100000; s++)
    v = v * 10 + (unsigned)(*s - '0');
  return v;
}

bool
runcgo_sd_proc_in (const char *proc_cgroup, const char *cgpath)
{
  /* "ID:CONTROLLERS:PATH" lines: the pid is in the unit when any
   * hierarchy systemd tracks it by (name=systemd, or 0:: on v2/hybrid)
   * has exactly that path */
  size_t pl = strlen (cgpath);
  for (const char *line = proc_cgroup; line && *line;)
    {
      size_t len = strcspn (line, "\n");
      const char *c1 = memchr (line, ':', len);
      const char *c2 = c1 ? memchr (c1 + 1, ':', (size_t)(line + len - c1 - 1)) : NULL;
      if (c2 && (size_t)(line + len - c2 - 1) == pl && strncmp (c2 + 1, cgpath, pl) == 0)
        return true;
      line += len;
      line += *line == '\n';
    }
  return false;
}

bool
runcgo_sd_proc_below (const char *proc_cgroup, const char *root)
{
  size_t rl = strlen (root);
  while (rl > 0 && root[rl - 1] == '/')
    rl--; /* "/" is the root of everything */
  for (const char *line = proc_cgroup; line && *line;)
    {
      size_t len = strcspn (line, "\n");
      const char *c1 = memchr (line, ':', len);
      const char *c2 = c1 ? memchr (c1 + 1, ':', (size_t)(line + len - c1 - 1)) : NULL;
      size_t pl = c2 ? (size_t)(line + len - c2 - 1) : 0;
      if (c2 && pl >= rl && strncmp (c2 + 1, root, rl) == 0 && (pl == rl || c2[1 + rl] == '/'))
        return true;
      line += len;
      line += *line == '\n';
    }
  return false;
}

static bool
is_systemd_path (const char *p)
{
  if (p == NULL || *p == '\0')
    return true;
  const char *c1 = strchr (p, ':');
  return p[0] != '/' && c1 && strchr (c1 + 1, ':') && !strchr (strchr (c1 + 1, ':') + 1, ':');
}

bool
runcgo_sd_auto_candidate (const struct runcgo_cgroup_config *cfg, enum runcgo_cgroup_mode mode)
{
  struct runcgo_cgroup_write *w = NULL;
  size_t n = 0;
  runcgo_error_t e = NULL;
  if (!cfg->rootless || cfg->resources == NULL || mode == RUNCGO_CGROUP_V1 || !is_systemd_path (cfg->cgroups_path))
    return false;
  if (runcgo_cgroup_plan_writes (cfg->resources, mode, &w, &n, &e) < 0)
    {
      runcgo_error_release (&e); /* the cgroupfs driver reports it */
      return false;
    }
  bool ok = runcgo_cg_plan_requests (w, n);
  /* a user manager delegates only its cgroup2 subtree: a v1 controller's
   * limit would fail there, where the cgroupfs driver warns and goes on */
  for (size_t i = 0; ok && i < n; i++)
    ok = w[i].controller == NULL || strcmp (w[i].controller, "devices") == 0;
  runcgo_cgroup_writes_free (w, n);
  return ok;
}

/* ================================================================ libsystemd, loaded on first use */

/* Every sd-bus function the driver calls: resolved by dlsym into a table
 * typed from the real prototypes, so a mismatch is a compile error. */
#define SD_SYMBOLS(X)                                                                                                  \
  X (sd_bus_new)                                                                                                       \
  X (sd_bus_set_address)                                                                                               \
  X (sd_bus_set_bus_client)                                                                                            \
  X (sd_bus_start)                                                                                                     \
  X (sd_bus_flush_close_unref)                                                                                         \
  X (sd_bus_call)                                                                                                      \
  X (sd_bus_call_method)                                                                                               \
  X (sd_bus_get_property_string)                                                                                       \
  X (sd_bus_message_new_method_call)                                                                                   \
  X (sd_bus_message_append)                                                                                            \
  X (sd_bus_message_append_array)                                                                                      \
  X (sd_bus_message_open_container)                                                                                    \
  X (sd_bus_message_close_container)                                                                                   \
  X (sd_bus_message_read)                                                                                              \
  X (sd_bus_message_unref)                                                                                             \
  X (sd_bus_error_free)                                                                                                \
  X (sd_bus_add_match)                                                                                                 \
  X (sd_bus_slot_unref)                                                                                                \
  X (sd_bus_process)                                                                                                   \
  X (sd_bus_wait)

static struct
{
#define X(n) __typeof__ (n) *n;
  SD_SYMBOLS (X)
#undef X
} sdl;

static int
load_libsystemd (runcgo_error_t *err)
{
  static void *handle;
  if (handle)
    return 0;
  void *h = dlopen ("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    return runcgo_fail_hint (err, ENOENT, "install libsystemd0, or run without --systemd-cgroup",
                             "systemd cgroup driver: cannot load libsystemd.so.0: %s", dlerror ());
#define X(n)                                                                                                           \
  if ((sdl.n = (__typeof__ (sdl.n))dlsym (h, #n)) == NULL)                                                             \
    {                                                                                                                  \
      dlclose (h);                                                                                                     \
      return runcgo_fail_hint (err, ENOSYS, "install a newer libsystemd0",                                             \
                               "systemd cgroup driver: libsystemd.so.0 has no %s", #n);                                \
    }
  SD_SYMBOLS (X)
#undef X
  handle = h;
  return 0;
}

/* ================================================================ driver state */

struct runcgo_cg_systemd
{
  struct runcgo_sd_unit unit;
  /* the spec's resources: create and enter run in one `create`, while the
   * spec is alive; NULL for a manager re-opened from state.json */
  const struct runcgo_resources *resources;
  char *description;
  bool user;    /* the user manager (rootless) rather than the system one */
  bool started; /* the unit exists: destroy stops it */
  char *subgroup; /* run.oci.systemd.subgroup: the init and limits go to UNIT/SUBGROUP; NULL = the unit */
  unsigned version;
  sd_bus *bus;
};

static void
bus_close (struct runcgo_cg_systemd *sd)
{
  if (sd->bus)
    sdl.sd_bus_flush_close_unref (sd->bus);
  sd->bus = NULL;
}

void
runcgo_cg_systemd_free (struct runcgo_cg_systemd *sd)
{
  if (sd == NULL)
    return;
  bus_close (sd);
  runcgo_sd_unit_clear (&sd->unit);
  free (sd->description);
  free (sd->subgroup);
  free (sd);
}

/* ================================================================ connecting */

static int
bus_open (const char *address, bool bus_client, sd_bus **out)
{
  sd_bus *bus = NULL;
  int r = sdl.sd_bus_new (&bus);
  if (r < 0)
    return r;
  /* a dbus-daemon wants Hello (bus client); systemd's private socket is a
   * direct peer-to-peer connection and does not */
  if ((r = sdl.sd_bus_set_address (bus, address)) < 0 || (r = sdl.sd_bus_set_bus_client (bus, bus_client)) < 0
      || (r = sdl.sd_bus_start (bus)) < 0)
    {
      sdl.sd_bus_flush_close_unref (bus);
      return r;
    }
  *out = bus;
  return 0;
}

/* "unix:path=/run/dbus/system_bus_socket,guid=..." -> the socket path, for messages. */
static char *
address_shown (const char *address)
{
  const char *p = strstr (address, "path=");
  return p ? xstrndup (p + 5, strcspn (p + 5, ",;")) : xstrdup (address);
}

/* The bus first (what runc uses; $DBUS_*_BUS_ADDRESS overrides), then
 * systemd's private socket, which works without a dbus-daemon: the system
 * manager's for root, the user manager's ($XDG_RUNTIME_DIR/systemd/private)
 * for its own user. */
static int
bus_addresses (const struct runcgo_cg_systemd *sd, char **primary, char **private_, runcgo_error_t *err)
{
  const char *env = getenv (sd->user ? "DBUS_SESSION_BUS_ADDRESS" : "DBUS_SYSTEM_BUS_ADDRESS");
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  bool has_env = env && *env, has_xdg = xdg && *xdg;
  if (!sd->user)
    {
      *primary = xstrdup (has_env ? env : "unix:path=/run/dbus/system_bus_socket");
      *private_ = xstrdup ("unix:path=/run/systemd/private");
      return 0;
    }
  if (!has_env && !has_xdg)
    return runcgo_fail_hint (err, ENOENT,
                             "set XDG_RUNTIME_DIR (e.g. /run/user/$(id -u)), or run without "
                             "--systemd-cgroup",
                             "systemd cgroup driver: cannot find the user bus: XDG_RUNTIME_DIR is not set");
  *primary = has_env ? xstrdup (env) : xasprintf ("unix:path=%s/bus", xdg);
  *private_ = has_xdg ? xasprintf ("unix:path=%s/systemd/private", xdg) : NULL;
  return 0;
}

static int
bus_connect (struct runcgo_cg_systemd *sd, runcgo_error_t *err)
{
  cleanup_free char *primary = NULL, *private_ = NULL, *shown = NULL;
  if (sd->bus)
    return 0;
  if (load_libsystemd (err) < 0 || bus_addresses (sd, &primary, &private_, err) < 0)
    return -1;
  int r = bus_open (primary, true, &sd->bus);
  if (r < 0 && private_ && bus_open (private_, false, &sd->bus) == 0)
    r = 0;
  if (r == 0)
    return 0;
  shown = address_shown (primary);
  if (sd->user)
    return runcgo_fail_hint (err, -r,
                             "is a user manager running (systemctl --user status)? `loginctl enable-linger $USER` "
                             "starts one; or use the cgroupfs driver without --systemd-cgroup",
                             "systemd cgroup driver: cannot connect to the user bus at %s", shown);
  return runcgo_fail_hint (err, -r, "is systemd running? use the cgroupfs driver without --systemd-cgroup",
                           "systemd cgroup driver: cannot connect to the system bus at %s", shown);
}

/* A failed call: the D-Bus error's own message names the problem. */
static int
call_fail (runcgo_error_t *err, int r, sd_bus_error *e, const char *what, const char *unit)
{
  int ret;
  if (e->message)
    ret = runcgo_fail_hint (err, 0, NULL, "systemd cgroup driver: %s %s: %s (%s)", what, unit, e->message,
                            e->name ? e->name : "error");
  else
    ret = runcgo_fail (err, -r, "systemd cgroup driver: %s %s", what, unit);
  return ret;
}

static unsigned
manager_version (struct runcgo_cg_systemd *sd)
{
  sd_bus_error e = SD_BUS_ERROR_NULL;
  char *v = NULL;
  unsigned ver = 0;
  if (sdl.sd_bus_get_property_string (sd->bus, SD_DEST, SD_PATH, SD_MANAGER, "Version", &e, &v) >= 0)
    ver = runcgo_sd_parse_version (v);
  free (v);
  sdl.sd_bus_error_free (&e);
  return ver;
}

/* ================================================================ jobs */

struct job_wait
{
  char *job; /* object path of the job, once the call returned it */
  char *result;
};

/* JobRemoved(u id, o job, s unit, s result): every job of the manager comes
 * by; keep the result of ours. */
static int
on_job_removed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  struct job_wait *w = userdata;
  uint32_t id;
  const char *path = NULL, *unit = NULL, *result = NULL;
  (void)ret_error;
  if (sdl.sd_bus_message_read (m, "uoss", &id, &path, &unit, &result) >= 0 && w->job && !w->result
      && strcmp (path, w->job) == 0)
    w->result = xstrdup (result);
  return 0;
}

static uint64_t
now_usec (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* Where to look when a job goes wrong, with the unit's real name. */
static char *
job_hint (const struct runcgo_cg_systemd *sd, bool start)
{
  const char *u = sd->user ? " --user" : "";
  return xasprintf ("see `systemctl%s status %s` and `journalctl%s -u %s`%s", u, sd->unit.unit, u, sd->unit.unit,
                    sd->user && start ? "; a user manager can only move processes of its own cgroup subtree: start "
                                        "runcgo inside the user's session (e.g. under `systemd-run --user --scope`)"
                                      : "");
}

static int
wait_job (struct runcgo_cg_systemd *sd, struct job_wait *w, const char *what, runcgo_error_t *err)
{
  uint64_t deadline = now_usec () + JOB_TIMEOUT_USEC;
  while (w->result == NULL)
    {
      int r = sdl.sd_bus_process (sd->bus, NULL);
      if (r > 0)
        continue;
      uint64_t now = now_usec ();
      if (r == 0 && now < deadline)
        r = sdl.sd_bus_wait (sd->bus, deadline - now);
      if (r < 0 && r != -EINTR)
        return runcgo_fail (err, -r, "systemd cgroup driver: %s %s: waiting for job %s", what, sd->unit.unit, w->job);
      if (now >= deadline)
        {
          cleanup_free char *hint = job_hint (sd, false);
          return runcgo_fail_hint (err, ETIMEDOUT, hint, "systemd cgroup driver: %s %s: job %s did not finish in 30 s",
                                   what, sd->unit.unit, w->job);
        }
    }
  return 0;
}

/* Send a method that queues a job ("o" reply), then wait for its
 * JobRemoved.  The match is registered before the call, so the signal
 * cannot be missed: sd_bus_call() queues what arrives before the reply and
 * sd_bus_process() dispatches it afterwards, when w.job is known.  A failed
 * call sets *errname (the D-Bus error name) for the caller's special cases. */
static int
run_job (struct runcgo_cg_systemd *sd, sd_bus_message *call, const char *what, char **errname, runcgo_error_t *err)
{
  struct job_wait w = { 0 };
  sd_bus_slot *slot = NULL;
  sd_bus_message *reply = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  const char *job = NULL;
  int ret = -1;
  int r = sdl.sd_bus_add_match (sd->bus, &slot,
                                "type='signal',interface='" SD_MANAGER "',member='JobRemoved',path='" SD_PATH "'",
                                on_job_removed, &w);
  if (r < 0)
    {
      runcgo_fail (err, -r, "systemd cgroup driver: %s %s: subscribe to JobRemoved", what, sd->unit.unit);
      goto out;
    }
  r = sdl.sd_bus_call (sd->bus, call, JOB_TIMEOUT_USEC, &e, &reply);
  if (r < 0)
    {
      if (errname && e.name)
        *errname = xstrdup (e.name);
      call_fail (err, r, &e, what, sd->unit.unit);
      goto out;
    }
  if ((r = sdl.sd_bus_message_read (reply, "o", &job)) < 0)
    {
      runcgo_fail (err, -r, "systemd cgroup driver: %s %s: read the job path", what, sd->unit.unit);
      goto out;
    }
  w.job = xstrdup (job);
  if (wait_job (sd, &w, what, err) < 0)
    goto out;
  /* "done" is success; "canceled", "timeout", "failed", "dependency",
   * "skipped" are not (systemd's job_result_to_string) */
  if (strcmp (w.result, "done") != 0)
    {
      cleanup_free char *hint = job_hint (sd, strcmp (what, "start") == 0);
      runcgo_fail_hint (err, EIO, hint, "systemd cgroup driver: %s %s: the job finished with result \"%s\"", what,
                        sd->unit.unit, w.result);
      goto out;
    }
  ret = 0;
out:
  sdl.sd_bus_error_free (&e);
  if (reply)
    sdl.sd_bus_message_unref (reply);
  if (slot)
    sdl.sd_bus_slot_unref (slot);
  free (w.job);
  free (w.result);
  return ret;
}

/* ================================================================ messages */

static int
append_prop (sd_bus_message *m, const struct runcgo_sd_prop *p)
{
  int r;
  switch (p->type)
    {
    case RUNCGO_SD_STRING:
      return sdl.sd_bus_message_append (m, "(sv)", p->name, "s", p->str);
    case RUNCGO_SD_BOOL:
      return sdl.sd_bus_message_append (m, "(sv)", p->name, "b", (int)p->num);
    case RUNCGO_SD_U64:
      return sdl.sd_bus_message_append (m, "(sv)", p->name, "t", p->num);
    case RUNCGO_SD_U32_ONE:
      return sdl.sd_bus_message_append (m, "(sv)", p->name, "au", 1, (uint32_t)p->num);
    case RUNCGO_SD_STR_ONE:
      return sdl.sd_bus_message_append (m, "(sv)", p->name, "as", 1, p->str);
    case RUNCGO_SD_BYTES:
      if ((r = sdl.sd_bus_message_open_container (m, 'r', "sv")) < 0
          || (r = sdl.sd_bus_message_append (m, "s", p->name)) < 0
          || (r = sdl.sd_bus_message_open_container (m, 'v', "ay")) < 0
          || (r = sdl.sd_bus_message_append_array (m, 'y', p->bytes, p->n_bytes)) < 0
          || (r = sdl.sd_bus_message_close_container (m)) < 0)
        return r;
      return sdl.sd_bus_message_close_container (m);
    }
  return -EINVAL;
}

static int
append_props (sd_bus_message *m, const struct runcgo_sd_props *props)
{
  int r = sdl.sd_bus_message_open_container (m, 'a', "(sv)");
  for (size_t i = 0; r >= 0 && i < props->n; i++)
    r = append_prop (m, &props->p[i]);
  return r < 0 ? r : sdl.sd_bus_message_close_container (m);
}

/* Manager.METHOD(unit, ...) with the properties; what names it in errors. */
static int
new_call (struct runcgo_cg_systemd *sd, const char *method, sd_bus_message **out, runcgo_error_t *err)
{
  int r = sdl.sd_bus_message_new_method_call (sd->bus, out, SD_DEST, SD_PATH, SD_MANAGER, method);
  if (r < 0)
    return runcgo_fail (err, -r, "systemd cgroup driver: %s %s: build the call", method, sd->unit.unit);
  return 0;
}

static void
msg_unref (sd_bus_message **m)
{
  if (*m)
    sdl.sd_bus_message_unref (*m);
  *m = NULL;
}

static int
start_unit_once (struct runcgo_cg_systemd *sd, const struct runcgo_sd_props *props, char **errname, runcgo_error_t *err)
{
  sd_bus_message *m = NULL;
  int r;
  if (new_call (sd, "StartTransientUnit", &m, err) < 0)
    return -1;
  /* StartTransientUnit(s name, s mode, a(sv) properties, a(sa(sv)) aux) */
  if ((r = sdl.sd_bus_message_append (m, "ss", sd->unit.unit, "replace")) < 0 || (r = append_props (m, props)) < 0
      || (r = sdl.sd_bus_message_append (m, "a(sa(sv))", 0)) < 0)
    {
      msg_unref (&m);
      return runcgo_fail (err, -r, "systemd cgroup driver: start %s: build the properties", sd->unit.unit);
    }
  r = run_job (sd, m, "start", errname, err);
  msg_unref (&m);
  return r;
}

static void
reset_failed (struct runcgo_cg_systemd *sd)
{
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  sdl.sd_bus_call_method (sd->bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", &e, &reply, "s", sd->unit.unit);
  msg_unref (&reply);
  sdl.sd_bus_error_free (&e);
}

static int
start_unit (struct runcgo_cg_systemd *sd, pid_t pid, runcgo_error_t *err)
{
  struct runcgo_sd_props props = { 0 };
  cleanup_free char *errname = NULL;
  if (runcgo_sd_unit_props (&sd->unit, sd->description, pid, sd->resources, runcgo_cgroup_mode (), sd->version, &props,
                            err)
      < 0)
    return -1;
  int r = start_unit_once (sd, &props, &errname, err);
  if (r < 0 && errname && strcmp (errname, "org.freedesktop.systemd1.UnitExists") == 0)
    {
      /* a unit of a previous container that failed stays loaded under
       * its name until reset (runc does the same) */
      runcgo_error_release (err);
      free (steal_ptr (&errname));
      reset_failed (sd);
      r = start_unit_once (sd, &props, &errname, err);
      if (r < 0 && errname && strcmp (errname, "org.freedesktop.systemd1.UnitExists") == 0)
        {
          runcgo_error_release (err);
          runcgo_fail_hint (err, EEXIST,
                            "another container uses this linux.cgroupsPath: delete it, or pick another name",
                            "systemd cgroup driver: start %s: the unit exists and is active", sd->unit.unit);
        }
    }
  /* a job may have been queued even when waiting for it failed: stop it on cleanup */
  sd->started = r == 0 || errname == NULL;
  runcgo_sd_props_free (&props);
  return r;
}

/* The unit's cgroup as systemd reports it (GetUnit + ControlGroup): right
 * for the system manager and for a user manager wherever its own cgroup is. */
static int
unit_cgroup (struct runcgo_cg_systemd *sd, char **out, runcgo_error_t *err)
{
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  const char *obj = NULL;
  char *cg = NULL;
  int r = sdl.sd_bus_call_method (sd->bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &e, &reply, "s", sd->unit.unit);
  if (r >= 0)
    r = sdl.sd_bus_message_read (reply, "o", &obj);
  if (r >= 0)
    r = sdl.sd_bus_get_property_string (
        sd->bus, SD_DEST, obj, sd->unit.is_slice ? "org.freedesktop.systemd1.Slice" : "org.freedesktop.systemd1.Scope",
        "ControlGroup", &e, &cg);
  if (r < 0)
    call_fail (err, r, &e, "find the cgroup of", sd->unit.unit);
  msg_unref (&reply);
  sdl.sd_bus_error_free (&e);
  if (r < 0)
    return -1;
  if (cg == NULL || cg[0] != '/')
    {
      cleanup_free char *hint = job_hint (sd, false);
      free (cg);
      return runcgo_fail_hint (err, EIO, hint, "systemd cgroup driver: unit %s has no cgroup after it started",
                               sd->unit.unit);
    }
  *out = cg;
  return 0;
}

/* ================================================================ the unit's directories */

/* The StartTransientUnit call can succeed, and even its job, while the pid
 * is elsewhere (it exited and the number was reused, or the manager could
 * not move it: a user manager outside the caller's cgroup subtree). */
static int
verify_pid (const struct runcgo_cg_systemd *sd, pid_t pid, const char *cgpath, runcgo_error_t *err)
{
  cleanup_free char *path = xasprintf ("/proc/%d/cgroup", (int)pid);
  cleanup_free char *text = NULL;
  if (runcgo_read_file_at (AT_FDCWD, path, 0, &text, NULL, err) < 0)
    return runcgo_error_wrap (err, "systemd cgroup driver: verify that pid %d joined %s", (int)pid, sd->unit.unit);
  if (runcgo_sd_proc_in (text, cgpath))
    return 0;
  text[strcspn (text, "\n")] = '\0';
  return runcgo_fail_hint (
      err, EIO,
      sd->user ? "a user manager can only move processes of its own cgroup subtree: run runcgo "
                 "inside the user's session (systemd-run --user --scope)"
               : NULL,
      "systemd cgroup driver: unit %s started, but pid %d is not in its cgroup %s (/proc/%d/cgroup "
      "starts with \"%s\")",
      sd->unit.unit, (int)pid, cgpath, (int)pid, text);
}

static bool
is_dir (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

/* What state.json records: the path when every hierarchy has the unit,
 * else the "CONTROLLERS:PATH;..." form runcgo_cgroup_open() reads. */
static char *
unit_state_path (const struct runcgo_cgroup *cg, size_t n_hiers, const char *cgpath)
{
  if (cg->n_dirs == n_hiers)
    return xstrdup (cgpath);
  cleanup_free char *s = xstrdup ("");
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      char *next = xasprintf ("%s%s%s:%s", s, i ? ";" : "", cg->dirs[i].hier->controllers, cgpath);
      free (s);
      s = next;
    }
  return steal_ptr (&s);
}

/* One directory per hierarchy at the unit's path, as the cgroupfs driver
 * would open them.  systemd made those of the controllers it manages; the
 * others (v1 cpuset, freezer, net_cls, ...) are made here, as runc does,
 * and removed by destroy.  A rootless caller cannot make v1 directories: it
 * keeps what the user manager delegated (the cgroup2 one). */
static int
take_dirs (struct runcgo_cgroup *cg, const char *cgpath, runcgo_error_t *err)
{
  struct runcgo_cgroup *fsm = NULL;
  if (runcgo_cgroup_open (cgpath, RUNCGO_CGROUP_DRIVER_FS, &fsm, err) < 0)
    return runcgo_error_wrap (err, "systemd cgroup driver: unit %s", cg->systemd->unit.unit);
  size_t n_hiers = fsm->n_dirs, k = 0;
  cg->dirs = steal_ptr (&fsm->dirs);
  fsm->n_dirs = 0;
  runcgo_cgroup_free (fsm);
  int ret = 0;
  for (size_t i = 0; i < n_hiers; i++)
    {
      struct runcgo_cg_dir d = cg->dirs[i];
      d.n_created = 0;
      /* a rootless caller makes its subgroup in the delegated cgroup2 unit */
      bool keep = is_dir (d.dir) || !cg->systemd->user || (cg->systemd->subgroup && d.hier->unified);
      if (keep && ret == 0 && !is_dir (d.dir))
        ret = runcgo_cg_mkdir (&d, err) < 0 || runcgo_cg_cpuset_init (&d, err) < 0 ? -1 : 0;
      if (keep)
        cg->dirs[k++] = d;
      else
        {
          free (d.cgpath);
          free (d.dir);
        }
    }
  cg->n_dirs = k;
  free (cg->path);
  cg->path = unit_state_path (cg, n_hiers, cgpath);
  return ret;
}

/* cgroup2: a controller works in the unit only when its parent enables it.
 * systemd enables what the unit's properties use; what it has no property
 * for (hugetlb, rdma, misc, ...) is enabled in the parent here, as runc's
 * fs2 manager does after systemd. */
static int
enable_v2_controllers (struct runcgo_cgroup *cg, runcgo_error_t *err)
{
  const struct runcgo_cg_dir *d = runcgo_cg_dir_for (cg, NULL);
  cleanup_strv char **needed = NULL;
  if (d == NULL || cg->systemd->resources == NULL)
    return 0;
  if (runcgo_cg_v2_controllers (cg->systemd->resources, cg->mode, &needed, err) < 0)
    return -1;
  return runcgo_cg_enable_controllers (d, needed, err);
}

static int
join_dirs (struct runcgo_cgroup *cg, pid_t pid, runcgo_error_t *err)
{
  /* where systemd put it already this is a no-op; elsewhere it joins */
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (runcgo_cg_add_pid (&cg->dirs[i], pid, err) < 0)
      return -1;
  return 0;
}

/* ================================================================ the driver */

int
runcgo_cg_systemd_create (const struct runcgo_cgroup_config *cfg, struct runcgo_cgroup *cg, runcgo_error_t *err)
{
  struct runcgo_cgroup_write *w = NULL;
  struct runcgo_sd_props props = { 0 };
  size_t nw = 0;
  /* everything that can be checked without systemd first: a bad path or
   * resource fails before any bus traffic or clone */
  if (runcgo_cgroup_plan_writes (cfg->resources, cg->mode, &w, &nw, err) < 0)
    return -1;
  runcgo_cgroup_writes_free (w, nw);
  struct runcgo_cg_systemd *sd = cg->systemd = xzalloc (sizeof (*sd));
  if (runcgo_sd_parse_path (cfg->cgroups_path, cfg->id, cfg->rootless, &sd->unit, err) < 0)
    return -1;
  sd->resources = cfg->resources;
  sd->user = cfg->rootless;
  /* crun's run.oci.systemd.subgroup; "" means none (crun) */
  if (cfg->subgroup && *cfg->subgroup)
    {
      if (strchr (cfg->subgroup, '/') || strcmp (cfg->subgroup, ".") == 0 || strcmp (cfg->subgroup, "..") == 0
          || strchr (cfg->subgroup, '\n'))
        return runcgo_fail_hint (err, EINVAL, "name one sub-cgroup, such as \"container\"",
                                 "run.oci.systemd.subgroup: \"%s\" is not a cgroup name", cfg->subgroup);
      sd->subgroup = xstrdup (cfg->subgroup);
    }
  sd->description = xasprintf ("runcgo container %s", cfg->id ? cfg->id : sd->unit.unit);
  if (runcgo_sd_unit_props (&sd->unit, sd->description, 1, sd->resources, cg->mode, 0, &props, err) < 0)
    return -1;
  runcgo_sd_props_free (&props);
  if (bus_connect (sd, err) < 0)
    return -1;
  sd->version = manager_version (sd);
  /* the unit needs the init's pid: runcgo_cgroup_enter() starts it */
  cg->active = true;
  return 0;
}

/* Can this user manager move our processes into a unit?  Those of its own
 * subtree, always; others (a login session's scope is the system
 * manager's) only when it can ask the system manager, which user managers
 * do (systemd >= 238) where systemd is the init.  Otherwise the unit's job
 * would fail after the init was cloned: better not to choose systemd. */
static bool
manager_can_adopt_us (struct runcgo_cg_systemd *sd)
{
  struct stat st;
  if (stat ("/run/systemd/system", &st) == 0 && S_ISDIR (st.st_mode))
    return true;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  runcgo_error_t ignored = NULL;
  char *root = NULL;
  cleanup_free char *self = NULL;
  bool ok = sdl.sd_bus_get_property_string (sd->bus, SD_DEST, SD_PATH, SD_MANAGER, "ControlGroup", &e, &root) >= 0
            && root && runcgo_read_file_at (AT_FDCWD, "/proc/self/cgroup", 0, &self, NULL, &ignored) == 0
            && runcgo_sd_proc_below (self, root);
  runcgo_error_release (&ignored);
  sdl.sd_bus_error_free (&e);
  free (root);
  return ok;
}

bool
runcgo_cg_systemd_auto (const struct runcgo_cgroup_config *cfg, struct runcgo_cgroup *cg)
{
  runcgo_error_t why = NULL;
  if (runcgo_cg_systemd_create (cfg, cg, &why) == 0 && manager_can_adopt_us (cg->systemd))
    {
      cg->driver = RUNCGO_CGROUP_DRIVER_SYSTEMD;
      return true;
    }
  /* no manager, no libsystemd, or one that cannot take us: cgroupfs */
  runcgo_error_release (&why);
  runcgo_cg_systemd_free (cg->systemd);
  cg->systemd = NULL;
  cg->active = false;
  return false;
}

int
runcgo_cg_systemd_enter (struct runcgo_cgroup *cg, pid_t pid, runcgo_error_t *err)
{
  struct runcgo_cg_systemd *sd = cg->systemd;
  cleanup_free char *cgpath = NULL;
  if (sd->started)
    return join_dirs (cg, pid, err); /* a later process (exec) joins the unit's cgroup */
  if (bus_connect (sd, err) < 0 || start_unit (sd, pid, err) < 0 || unit_cgroup (sd, &cgpath, err) < 0)
    return -1;
  /* a slice gets no PIDs= (systemd refuses it): the pid joins by cgroupfs */
  if (!sd->unit.is_slice && verify_pid (sd, pid, cgpath, err) < 0)
    return -1;
  /* run.oci.systemd.subgroup: everything below happens in UNIT/SUBGROUP,
   * which state.json then records (reopened() finds the unit above it) */
  if (sd->subgroup)
    {
      char *sub = xasprintf ("%s/%s", cgpath, sd->subgroup);
      free (cgpath);
      cgpath = sub;
    }
  if (take_dirs (cg, cgpath, err) < 0 || join_dirs (cg, pid, err) < 0 || enable_v2_controllers (cg, err) < 0)
    return -1;
  /* every limit into the files too: what systemd has no property for,
   * and the exact values where its own are rounded (CPU quota) */
  if (runcgo_cg_apply (cg, sd->resources, false, err) < 0)
    return -1;
  /* the connection is not needed while the container runs */
  bus_close (sd);
  return 0;
}

/* A manager re-opened from state.json (kill, delete, update): the unit is
 * the last component of its path; the manager is the user's when the
 * caller is not root (the state root is per user too). */
static int
reopened (struct runcgo_cgroup *cg, runcgo_error_t *err)
{
  if (cg->systemd)
    return 0;
  /* the last component, or the one above it (a run.oci.systemd.subgroup) */
  cleanup_free char *path = xstrdup (cg->path);
  const char *name = path;
  bool scope = false, slice = false;
  int up = 0;
  for (; up < 2 && !scope && !slice; up++)
    {
      char *slash = strrchr (path, '/');
      name = slash ? slash + 1 : path;
      size_t nl = strlen (name);
      scope = nl > 6 && strcmp (name + nl - 6, ".scope") == 0;
      slice = nl > 6 && strcmp (name + nl - 6, ".slice") == 0;
      if (!scope && !slice && slash)
        *slash = '\0';
    }
  if (!scope && !slice)
    return runcgo_fail (err, EINVAL, "systemd cgroup driver: cgroup path \"%s\" from the container state names no unit",
                        cg->path);
  /* a subgroup's directories go, and the unit's in the hierarchies systemd
   * does not manage (made by take_dirs): both are removed by destroy */
  for (size_t i = 0; up == 2 && i < cg->n_dirs; i++)
    cg->dirs[i].n_created = 2;
  struct runcgo_cg_systemd *sd = cg->systemd = xzalloc (sizeof (*sd));
  sd->unit.unit = xstrdup (name);
  sd->unit.slice = xstrdup ("");
  sd->unit.is_slice = slice;
  sd->user = geteuid () != 0;
  sd->started = true;
  return 0;
}

int
runcgo_cg_systemd_update (struct runcgo_cgroup *cg, const struct runcgo_resources *r, runcgo_error_t *err)
{
  struct runcgo_sd_props props = { 0 };
  sd_bus_message *m = NULL, *reply = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  struct runcgo_cgroup_write *w = NULL;
  size_t nw = 0;
  /* a bad value fails before systemd has taken it */
  if (runcgo_cgroup_plan_writes (r, cg->mode, &w, &nw, err) < 0)
    return -1;
  runcgo_cgroup_writes_free (w, nw);
  if (reopened (cg, err) < 0 || bus_connect (cg->systemd, err) < 0)
    return -1;
  struct runcgo_cg_systemd *sd = cg->systemd;
  sd->version = sd->version ? sd->version : manager_version (sd);
  if (runcgo_sd_resource_props (r, cg->mode, sd->version, &props, err) < 0)
    return -1;
  int ret = 0;
  if (props.n && new_call (sd, "SetUnitProperties", &m, err) < 0)
    ret = -1;
  else if (props.n)
    {
      /* SetUnitProperties(s name, b runtime, a(sv)): runtime = not persisted past a reboot */
      int rc = sdl.sd_bus_message_append (m, "sb", sd->unit.unit, 1);
      if (rc >= 0)
        rc = append_props (m, &props);
      if (rc >= 0)
        rc = sdl.sd_bus_call (sd->bus, m, JOB_TIMEOUT_USEC, &e, &reply);
      if (rc < 0)
        ret = call_fail (err, rc, &e, "set the properties of", sd->unit.unit);
    }
  msg_unref (&m);
  msg_unref (&reply);
  sdl.sd_bus_error_free (&e);
  runcgo_sd_props_free (&props);
  bus_close (sd);
  return ret;
}

int
runcgo_cg_systemd_stop (struct runcgo_cgroup *cg, runcgo_error_t *err)
{
  if (reopened (cg, err) < 0)
    return -1;
  struct runcgo_cg_systemd *sd = cg->systemd;
  sd_bus_message *m = NULL;
  cleanup_free char *errname = NULL;
  if (!sd->started)
    return 0;
  if (bus_connect (sd, err) < 0 || new_call (sd, "StopUnit", &m, err) < 0)
    return -1;
  int r = sdl.sd_bus_message_append (m, "ss", sd->unit.unit, "replace");
  if (r < 0)
    {
      msg_unref (&m);
      return runcgo_fail (err, -r, "systemd cgroup driver: stop %s: build the call", sd->unit.unit);
    }
  r = run_job (sd, m, "stop", &errname, err);
  msg_unref (&m);
  /* a scope goes away by itself once its last process exited */
  if (r < 0 && errname && strcmp (errname, "org.freedesktop.systemd1.NoSuchUnit") == 0)
    {
      runcgo_error_release (err);
      r = 0;
    }
  /* a failed unit stays loaded under its name: let the next container have it */
  reset_failed (sd);
  sd->started = r < 0;
  bus_close (sd);
  return r;
}
