/* systemd.c -- the systemd cgroup driver (--systemd-cgroup), runc's semantics:
 * cgroupsPath "slice:prefix:name" names a transient scope "prefix-name.scope"
 * (or a slice) that systemd creates with Delegate=yes and the container's init
 * in it (StartTransientUnit over D-Bus: the system manager for root, the
 * user manager for a rootless caller).  systemd gets every limit it has a
 * property for, so a daemon-reload keeps them; the cgroupfs code then writes
 * all of them (and what systemd does not know) into the unit's directories
 * and does pids/kill/freeze there.  The bus is spoken by our own small
 * D-Bus client (dbus.c): no libsystemd, so runcgo can be a static binary. */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup/dbus.h"
#include "cgroup/systemd.h"
#include "core/util.h"

#define F_RES "linux.resources."
#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define JOB_TIMEOUT_USEC (30ULL * 1000000ULL)  /* runc waits 30 s for a job too */
#define CALL_TIMEOUT_USEC (25ULL * 1000000ULL) /* sd-bus's default for a method call */

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
  bool matched; /* AddMatch for JobRemoved sent on this connection */
  unsigned version;
  struct runcgo_dbus *bus;
  char *bus_name; /* "the system bus (/run/dbus/system_bus_socket)": for messages */
};

static void
bus_close (struct runcgo_cg_systemd *sd)
{
  runcgo_dbus_close (sd->bus);
  sd->bus = NULL;
  sd->matched = false;
  free (sd->bus_name);
  sd->bus_name = NULL;
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

/* Connect and authenticate; NAME describes the bus in later messages.  A
 * dbus-daemon wants Hello (bus client); systemd's private socket is a
 * direct peer-to-peer connection and does not. */
static int
bus_open (struct runcgo_cg_systemd *sd, const char *address, bool bus_client, char *name, runcgo_error_t *err)
{
  struct runcgo_dbus *bus = NULL;
  if (runcgo_dbus_open (address, &bus, err) < 0)
    {
      free (name);
      return -1;
    }
  if (runcgo_dbus_start (bus, bus_client, CALL_TIMEOUT_USEC, err) < 0)
    {
      runcgo_dbus_close (bus);
      runcgo_error_wrap (err, "systemd cgroup driver: %s", name);
      free (name);
      return -2; /* connected, but the bus did not take us: say why */
    }
  sd->bus = bus;
  sd->bus_name = name;
  return 0;
}

static int
bus_connect (struct runcgo_cg_systemd *sd, runcgo_error_t *err)
{
  cleanup_free char *primary = NULL, *private_ = NULL, *shown = NULL;
  runcgo_error_t why = NULL, why_private = NULL;
  const char *which = sd->user ? "user" : "system";
  if (sd->bus)
    return 0;
  if (bus_addresses (sd, &primary, &private_, err) < 0)
    return -1;
  shown = address_shown (primary);
  int r = bus_open (sd, primary, true, xasprintf ("the %s bus (%s)", which, shown), &why);
  if (r < 0 && private_)
    {
      cleanup_free char *ps = address_shown (private_);
      if (bus_open (sd, private_, false, xasprintf ("the %s manager's private socket (%s)", which, ps), &why_private)
          == 0)
        r = 0;
      runcgo_error_release (&why_private);
    }
  if (r == 0)
    {
      runcgo_error_release (&why);
      return 0;
    }
  if (r == -2) /* the bus answered, and refused: its own reason */
    {
      *err = steal_ptr (&why);
      return -1;
    }
  int status = why->status;
  runcgo_error_release (&why);
  if (sd->user)
    return runcgo_fail_hint (err, status,
                             "is a user manager running (systemctl --user status)? `loginctl enable-linger $USER` "
                             "starts one; or use the cgroupfs driver without --systemd-cgroup",
                             "systemd cgroup driver: cannot connect to the user bus at %s", shown);
  return runcgo_fail_hint (err, status, "is systemd running? use the cgroupfs driver without --systemd-cgroup",
                           "systemd cgroup driver: cannot connect to the system bus at %s", shown);
}

/* ================================================================ calls */

/* METHOD of the manager (or of the object at PATH, interface IFACE) with
 * BODY of signature SIG.  A failure names the step, the unit, the bus and,
 * for an error answer, systemd's error name and message (REPLY keeps
 * them for the caller's special cases). */
static int
sd_call (struct runcgo_cg_systemd *sd, const char *path, const char *iface, const char *method, const char *sig,
         const struct runcgo_dbus_buf *body, struct runcgo_dbus_reply *reply, const char *what, runcgo_error_t *err)
{
  const struct runcgo_dbus_call c = { SD_DEST, path, iface, method, sig };
  if (runcgo_dbus_call (sd->bus, &c, body, CALL_TIMEOUT_USEC, reply, err) == 0)
    return 0;
  return runcgo_error_wrap (err, "systemd cgroup driver: %s %s on %s", what, sd->unit.unit, sd->bus_name);
}

/* Properties.Get of a string property into *OUT. */
static int
get_string (struct runcgo_cg_systemd *sd, const char *path, const char *iface, const char *prop, char **out,
            runcgo_error_t *err)
{
  struct runcgo_dbus_buf body = { 0 };
  struct runcgo_dbus_reply reply;
  const char *v = NULL;
  runcgo_dbus_put_string (&body, iface);
  runcgo_dbus_put_string (&body, prop);
  cleanup_free char *what = xasprintf ("read %s of", prop);
  int r = sd_call (sd, path, "org.freedesktop.DBus.Properties", "Get", "ss", &body, &reply, what, err);
  if (r == 0 && runcgo_dbus_read (&reply.msg, "vs", &v) < 0)
    r = runcgo_fail (err, EPROTO, "systemd cgroup driver: %s %s on %s: the answer is not a string (signature \"%s\")",
                     what, sd->unit.unit, sd->bus_name, reply.msg.signature);
  if (r == 0)
    *out = xstrdup (v);
  runcgo_dbus_reply_free (&reply);
  runcgo_dbus_buf_free (&body);
  return r;
}

static unsigned
manager_version (struct runcgo_cg_systemd *sd)
{
  runcgo_error_t ignored = NULL;
  cleanup_free char *v = NULL;
  unsigned ver = 0;
  if (get_string (sd, SD_PATH, SD_MANAGER, "Version", &v, &ignored) == 0)
    ver = runcgo_sd_parse_version (v);
  runcgo_error_release (&ignored);
  return ver;
}

/* ================================================================ messages */

static void
put_prop (struct runcgo_dbus_buf *b, const struct runcgo_sd_prop *p)
{
  static const char *const sig[] = { [RUNCGO_SD_STRING] = "s", [RUNCGO_SD_BOOL] = "b",     [RUNCGO_SD_U64] = "t",
                                     [RUNCGO_SD_BYTES] = "ay", [RUNCGO_SD_U32_ONE] = "au", [RUNCGO_SD_STR_ONE] = "as" };
  struct runcgo_dbus_array a;
  runcgo_dbus_put_struct (b);
  runcgo_dbus_put_string (b, p->name);
  runcgo_dbus_put_signature (b, sig[p->type]); /* a variant: its type, then the value */
  switch (p->type)
    {
    case RUNCGO_SD_STRING:
      runcgo_dbus_put_string (b, p->str);
      break;
    case RUNCGO_SD_BOOL:
      runcgo_dbus_put_bool (b, p->num != 0);
      break;
    case RUNCGO_SD_U64:
      runcgo_dbus_put_u64 (b, p->num);
      break;
    case RUNCGO_SD_U32_ONE:
      a = runcgo_dbus_array_begin (b, 'u');
      runcgo_dbus_put_u32 (b, (uint32_t)p->num);
      runcgo_dbus_array_end (b, a);
      break;
    case RUNCGO_SD_STR_ONE:
      a = runcgo_dbus_array_begin (b, 's');
      runcgo_dbus_put_string (b, p->str);
      runcgo_dbus_array_end (b, a);
      break;
    case RUNCGO_SD_BYTES:
      a = runcgo_dbus_array_begin (b, 'y');
      for (size_t i = 0; i < p->n_bytes; i++)
        runcgo_dbus_put_byte (b, p->bytes[i]);
      runcgo_dbus_array_end (b, a);
      break;
    }
}

void
runcgo_sd_put_props (struct runcgo_dbus_buf *b, const struct runcgo_sd_props *props)
{
  struct runcgo_dbus_array a = runcgo_dbus_array_begin (b, '(');
  for (size_t i = 0; i < props->n; i++)
    put_prop (b, &props->p[i]);
  runcgo_dbus_array_end (b, a);
}

void
runcgo_sd_start_body (const char *unit, const struct runcgo_sd_props *props, struct runcgo_dbus_buf *b)
{
  /* StartTransientUnit(s name, s mode, a(sv) properties, a(sa(sv)) aux) */
  runcgo_dbus_put_string (b, unit);
  runcgo_dbus_put_string (b, "replace");
  runcgo_sd_put_props (b, props);
  runcgo_dbus_array_end (b, runcgo_dbus_array_begin (b, '(')); /* no auxiliary units */
}

/* ================================================================ jobs */

#define MAX_EARLY 64

struct job_wait
{
  char *job; /* object path of the job, once the call returned it */
  char *result;
  bool done;
  /* JobRemoved signals seen before the call's answer: (path, result) */
  char *early[2 * MAX_EARLY];
  size_t n_early;
};

/* JobRemoved(u id, o job, s unit, s result): every job of the manager comes
 * by; keep the result of ours.  On a bus, a broadcast from the name
 * systemd owns (the match says so); a signal sent to us alone (a
 * destination) could come from anyone and is ignored. */
static void
on_job_removed (const struct runcgo_dbus_msg *m, void *data)
{
  struct job_wait *w = data;
  uint32_t id;
  const char *path = NULL, *unit = NULL, *result = NULL;
  if (w->done || m->destination || strcmp (m->member, "JobRemoved") != 0 || strcmp (m->interface, SD_MANAGER) != 0
      || strcmp (m->path, SD_PATH) != 0 || runcgo_dbus_read (m, "uoss", &id, &path, &unit, &result) < 0)
    return;
  if (w->job == NULL && w->n_early < MAX_EARLY)
    {
      w->early[2 * w->n_early] = xstrdup (path);
      w->early[2 * w->n_early++ + 1] = xstrdup (result);
    }
  else if (w->job && strcmp (path, w->job) == 0)
    {
      w->result = xstrdup (result);
      w->done = true;
    }
}

static void
job_wait_clear (struct job_wait *w)
{
  free (w->job);
  free (w->result);
  for (size_t i = 0; i < 2 * w->n_early; i++)
    free (w->early[i]);
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
  for (size_t i = 0; i < w->n_early && !w->done; i++)
    if (strcmp (w->early[2 * i], w->job) == 0)
      {
        w->result = xstrdup (w->early[2 * i + 1]);
        w->done = true;
      }
  runcgo_error_t why = NULL;
  if (w->done || runcgo_dbus_wait (sd->bus, runcgo_dbus_now () + JOB_TIMEOUT_USEC, &w->done, &why) == 0)
    return 0;
  if (why->status != ETIMEDOUT)
    {
      *err = steal_ptr (&why);
      return runcgo_error_wrap (err, "systemd cgroup driver: %s %s: waiting for job %s on %s", what, sd->unit.unit,
                                w->job, sd->bus_name);
    }
  runcgo_error_release (&why);
  cleanup_free char *hint = job_hint (sd, false);
  return runcgo_fail_hint (err, ETIMEDOUT, hint, "systemd cgroup driver: %s %s: job %s did not finish in 30 s", what,
                           sd->unit.unit, w->job);
}

/* The bus delivers a broadcast only to those who asked: once per connection. */
static int
add_match (struct runcgo_cg_systemd *sd, const char *what, runcgo_error_t *err)
{
  static const struct runcgo_dbus_call c
      = { "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch", "s" };
  struct runcgo_dbus_buf body = { 0 };
  struct runcgo_dbus_reply reply;
  if (sd->matched || !runcgo_dbus_is_bus (sd->bus))
    return 0; /* systemd's private socket sends every signal to its peers */
  runcgo_dbus_put_string (&body, "type='signal',sender='" SD_DEST "',interface='" SD_MANAGER
                                 "',member='JobRemoved',path='" SD_PATH "'");
  int r = runcgo_dbus_call (sd->bus, &c, &body, CALL_TIMEOUT_USEC, &reply, err);
  runcgo_dbus_reply_free (&reply);
  runcgo_dbus_buf_free (&body);
  if (r < 0)
    return runcgo_error_wrap (err, "systemd cgroup driver: %s %s: subscribe to JobRemoved on %s", what, sd->unit.unit,
                              sd->bus_name);
  sd->matched = true;
  return 0;
}

/* Call a method that queues a job (an "o" answer), then wait for its
 * JobRemoved.  The match is in place before the call, so the signal cannot
 * be missed; one that comes before the answer is kept until the job's path
 * is known.  A failed call sets *errname (the D-Bus error name) for the
 * caller's special cases. */
static int
run_job (struct runcgo_cg_systemd *sd, const char *method, const char *sig, const struct runcgo_dbus_buf *body,
         const char *what, char **errname, runcgo_error_t *err)
{
  struct job_wait w = { 0 };
  struct runcgo_dbus_reply reply = { 0 };
  const char *job = NULL;
  int ret = -1;
  if (add_match (sd, what, err) < 0)
    return -1;
  runcgo_dbus_on_signal (sd->bus, on_job_removed, &w);
  if (sd_call (sd, SD_PATH, SD_MANAGER, method, sig, body, &reply, what, err) < 0)
    {
      if (errname && reply.error_name)
        *errname = xstrdup (reply.error_name);
      goto out;
    }
  if (runcgo_dbus_read (&reply.msg, "o", &job) < 0)
    {
      runcgo_fail (err, EPROTO, "systemd cgroup driver: %s %s on %s: the answer has no job path", what, sd->unit.unit,
                   sd->bus_name);
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
  runcgo_dbus_on_signal (sd->bus, NULL, NULL);
  runcgo_dbus_reply_free (&reply);
  job_wait_clear (&w);
  return ret;
}

static int
start_unit_once (struct runcgo_cg_systemd *sd, const struct runcgo_sd_props *props, char **errname, runcgo_error_t *err)
{
  struct runcgo_dbus_buf body = { 0 };
  runcgo_sd_start_body (sd->unit.unit, props, &body);
  int r = run_job (sd, "StartTransientUnit", "ssa(sv)a(sa(sv))", &body, "start", errname, err);
  runcgo_dbus_buf_free (&body);
  return r;
}

static void
reset_failed (struct runcgo_cg_systemd *sd)
{
  struct runcgo_dbus_buf body = { 0 };
  struct runcgo_dbus_reply reply;
  runcgo_error_t ignored = NULL;
  runcgo_dbus_put_string (&body, sd->unit.unit);
  sd_call (sd, SD_PATH, SD_MANAGER, "ResetFailedUnit", "s", &body, &reply, "reset", &ignored);
  runcgo_error_release (&ignored);
  runcgo_dbus_reply_free (&reply);
  runcgo_dbus_buf_free (&body);
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
  struct runcgo_dbus_buf body = { 0 };
  struct runcgo_dbus_reply reply;
  const char *obj = NULL;
  cleanup_free char *cg = NULL;
  runcgo_dbus_put_string (&body, sd->unit.unit);
  int r = sd_call (sd, SD_PATH, SD_MANAGER, "GetUnit", "s", &body, &reply, "find the cgroup of", err);
  if (r == 0 && runcgo_dbus_read (&reply.msg, "o", &obj) < 0)
    r = runcgo_fail (err, EPROTO, "systemd cgroup driver: find the cgroup of %s on %s: GetUnit answered no object",
                     sd->unit.unit, sd->bus_name);
  if (r == 0)
    r = get_string (sd, obj, sd->unit.is_slice ? "org.freedesktop.systemd1.Slice" : "org.freedesktop.systemd1.Scope",
                    "ControlGroup", &cg, err);
  runcgo_dbus_reply_free (&reply);
  runcgo_dbus_buf_free (&body);
  if (r < 0)
    return -1;
  if (cg[0] != '/')
    {
      cleanup_free char *hint = job_hint (sd, false);
      return runcgo_fail_hint (err, EIO, hint, "systemd cgroup driver: unit %s has no cgroup after it started",
                               sd->unit.unit);
    }
  *out = steal_ptr (&cg);
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
  runcgo_error_t ignored = NULL;
  cleanup_free char *root = NULL, *self = NULL;
  bool ok = get_string (sd, SD_PATH, SD_MANAGER, "ControlGroup", &root, &ignored) == 0
            && runcgo_read_file_at (AT_FDCWD, "/proc/self/cgroup", 0, &self, NULL, &ignored) == 0
            && runcgo_sd_proc_below (self, root);
  runcgo_error_release (&ignored);
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
  struct runcgo_dbus_buf body = { 0 };
  struct runcgo_dbus_reply reply = { 0 };
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
  if (props.n)
    {
      /* SetUnitProperties(s name, b runtime, a(sv)): runtime = not persisted past a reboot */
      runcgo_dbus_put_string (&body, sd->unit.unit);
      runcgo_dbus_put_bool (&body, true);
      runcgo_sd_put_props (&body, &props);
      ret = sd_call (sd, SD_PATH, SD_MANAGER, "SetUnitProperties", "sba(sv)", &body, &reply, "set the properties of",
                     err);
    }
  runcgo_dbus_reply_free (&reply);
  runcgo_dbus_buf_free (&body);
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
  struct runcgo_dbus_buf body = { 0 };
  cleanup_free char *errname = NULL;
  if (!sd->started)
    return 0;
  if (bus_connect (sd, err) < 0)
    return -1;
  /* StopUnit(s name, s mode) */
  runcgo_dbus_put_string (&body, sd->unit.unit);
  runcgo_dbus_put_string (&body, "replace");
  int r = run_job (sd, "StopUnit", "ss", &body, "stop", &errname, err);
  runcgo_dbus_buf_free (&body);
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
