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
  if (version >= 244 && c->mems && *c->mems
      && prop_bits (p, "AllowedMemoryNodes", c->mems, F_RES "cpu.mems", err) < 0)
    return -1;
  return 0;
}

/* runc's unifiedResToSystemdProps, for the keys with a plain mapping. */
static int
props_unified (const struct runcgo_resources *r, unsigned version, struct runcgo_sd_props *p, runcgo_error_t *err)
{
  static const char *const map[][2] = { { "memory.max", "MemoryMax" },     { "memory.high", "MemoryHigh" },
                                        { "memory.low", "MemoryLow" },     { "memory.min", "MemoryMin" },
                                        { "memory.swap.max", "MemorySwapMax" }, { "pids.max", "TasksMax" },
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
    prop_u64 (out, v2 ? "IOWeight" : "BlockIOWeight",
              v2 ? runcgo_cg_blkio_to_io_weight (b->weight.v) : b->weight.v);
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
