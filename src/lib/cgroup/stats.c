/* stats.c -- what `runcgo events` reports about a container's cgroup:
 * memory, cpu, pids, blkio and hugetlb usage read from the v1 controller
 * files or their cgroup v2 counterparts (a hybrid host mixes both: each
 * controller is read where it is mounted), converted to runc's units and
 * meanings (libcontainer's cgroups stats), plus OOM notifications (v1
 * memory.oom_control eventfd, v2 memory.events watched with inotify).
 * The text parsers are pure and unit-tested. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "core/util.h"

/* ---------------------------------------------------------------- small readers */

/* "max" reads as UINT64_MAX, as runc's GetCgroupParamUint. */
static int
parse_value (const char *s, uint64_t *out)
{
  if (strcmp (s, "max") == 0)
    {
      *out = UINT64_MAX;
      return 0;
    }
  int64_t neg;
  /* v1 reports a few "unset" values as -1 */
  if (s[0] == '-' && runcgo_parse_i64 (s, &neg) == 0)
    {
      *out = 0;
      return 0;
    }
  return runcgo_parse_u64 (s, out);
}

/* Read one number.  Returns 1 when read, 0 when the file does not exist. */
static int
read_u64 (const char *dir, const char *file, uint64_t *out, runcgo_error_t *err)
{
  cleanup_free char *text = NULL;
  if (runcgo_cg_read (dir, file, &text, err) < 0)
    {
      if ((*err)->status != ENOENT)
        return -1;
      runcgo_error_release (err);
      return 0;
    }
  text[strcspn (text, "\n")] = '\0';
  if (parse_value (text, out) < 0)
    return runcgo_fail (err, EINVAL, "read %s/%s: \"%s\" is not a number", dir, file, text);
  return 1;
}

/* Read a whole file; 0 (and *out NULL) when it does not exist. */
static int
read_text (const char *dir, const char *file, char **out, runcgo_error_t *err)
{
  *out = NULL;
  if (runcgo_cg_read (dir, file, out, err) == 0)
    return 1;
  if ((*err)->status != ENOENT)
    return -1;
  runcgo_error_release (err);
  return 0;
}

bool
runcgo_cg_keyed_value (const char *text, const char *key, uint64_t *out)
{
  size_t kl = strlen (key);
  for (const char *line = text; line && *line; line = strchr (line, '\n'), line = line ? line + 1 : NULL)
    if (strncmp (line, key, kl) == 0 && line[kl] == ' ')
      {
        char buf[32];
        size_t n = strcspn (line + kl + 1, "\n");
        snprintf (buf, sizeof (buf), "%.*s", (int)n, line + kl + 1);
        return parse_value (buf, out) == 0;
      }
  return false;
}

static uint64_t *
u64_list (const char *text, size_t *n)
{
  uint64_t *v = NULL;
  *n = 0;
  for (const char *s = text; s && *s;)
    {
      s += strspn (s, " \t\n");
      size_t len = strcspn (s, " \t\n");
      if (len == 0)
        break;
      char buf[32];
      uint64_t x = 0;
      snprintf (buf, sizeof (buf), "%.*s", (int)len, s);
      if (runcgo_parse_u64 (buf, &x) == 0)
        {
          v = xrealloc (v, (*n + 1) * sizeof (*v));
          v[(*n)++] = x;
        }
      s += len;
    }
  return v;
}

/* ---------------------------------------------------------------- pure parsers */

void
runcgo_cg_parse_memory_stat (const char *text, struct runcgo_cgroup_stats *s)
{
  for (const char *line = text; line && *line;)
    {
      size_t len = strcspn (line, "\n");
      const char *sp = memchr (line, ' ', len);
      char buf[32];
      uint64_t v;
      if (sp && (size_t)(line + len - sp - 1) < sizeof (buf))
        {
          snprintf (buf, sizeof (buf), "%.*s", (int)(line + len - sp - 1), sp + 1);
          if (runcgo_parse_u64 (buf, &v) == 0)
            {
              s->memory.raw = xrealloc (s->memory.raw, (s->memory.n_raw + 1) * sizeof (*s->memory.raw));
              s->memory.raw[s->memory.n_raw].key = xstrndup (line, (size_t)(sp - line));
              s->memory.raw[s->memory.n_raw++].value = v;
            }
        }
      line += len;
      line += *line == '\n';
    }
}

void
runcgo_cg_parse_cpu_stat (const char *text, bool v2, struct runcgo_cgroup_stats *s)
{
  uint64_t v;
  /* v2 counts microseconds; runc reports nanoseconds everywhere */
  if (v2 && runcgo_cg_keyed_value (text, "usage_usec", &v))
    s->cpu.total = v * 1000;
  if (v2 && runcgo_cg_keyed_value (text, "user_usec", &v))
    s->cpu.user = v * 1000;
  if (v2 && runcgo_cg_keyed_value (text, "system_usec", &v))
    s->cpu.kernel = v * 1000;
  if (runcgo_cg_keyed_value (text, "nr_periods", &v))
    s->cpu.periods = v;
  if (runcgo_cg_keyed_value (text, "nr_throttled", &v))
    s->cpu.throttled_periods = v;
  if (v2 && runcgo_cg_keyed_value (text, "throttled_usec", &v))
    s->cpu.throttled_time = v * 1000;
  if (!v2 && runcgo_cg_keyed_value (text, "throttled_time", &v))
    s->cpu.throttled_time = v;
}

static void
blkio_add (struct runcgo_cgroup_stats *s, int kind, uint64_t major, uint64_t minor, const char *op, uint64_t value)
{
  struct runcgo_cgroup_blkio_list *l = &s->blkio[kind];
  l->e = xrealloc (l->e, (l->n + 1) * sizeof (*l->e));
  struct runcgo_cgroup_blkio_entry *e = &l->e[l->n++];
  e->major = major;
  e->minor = minor;
  e->value = value;
  snprintf (e->op, sizeof (e->op), "%s", op);
}

/* "MAJ:MIN [Op] VALUE" lines; the "Total N" line is skipped (runc). */
int
runcgo_cg_parse_blkio_v1 (const char *text, int kind, struct runcgo_cgroup_stats *s)
{
  int added = 0;
  for (const char *line = text; line && *line;)
    {
      size_t len = strcspn (line, "\n");
      cleanup_free char *copy = xstrndup (line, len);
      char *f[4] = { NULL };
      int nf = 0;
      for (char *save = NULL, *t = strtok_r (copy, " :", &save); t && nf < 4; t = strtok_r (NULL, " :", &save))
        f[nf++] = t;
      uint64_t major, minor, value;
      const char *op = nf == 4 ? f[2] : "";
      if ((nf == 3 || nf == 4) && runcgo_parse_u64 (f[0], &major) == 0 && runcgo_parse_u64 (f[1], &minor) == 0
          && runcgo_parse_u64 (f[nf - 1], &value) == 0)
        {
          blkio_add (s, kind, major, minor, op, value);
          added++;
        }
      line += len;
      line += *line == '\n';
    }
  return added;
}

/* io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." -> v1's tables. */
void
runcgo_cg_parse_io_stat (const char *text, struct runcgo_cgroup_stats *s)
{
  static const struct
  {
    const char *key;
    int kind;
    const char *op;
  } map[] = { { "rbytes", RUNCGO_BLKIO_SERVICE_BYTES, "Read" },
              { "wbytes", RUNCGO_BLKIO_SERVICE_BYTES, "Write" },
              { "rios", RUNCGO_BLKIO_SERVICED, "Read" },
              { "wios", RUNCGO_BLKIO_SERVICED, "Write" } };
  for (const char *line = text; line && *line;)
    {
      size_t len = strcspn (line, "\n");
      cleanup_free char *copy = xstrndup (line, len);
      char *save = NULL, *dev = strtok_r (copy, " ", &save);
      unsigned maj, min;
      if (dev && runcgo_parse_dev (dev, &maj, &min))
        for (char *kv = strtok_r (NULL, " ", &save); kv; kv = strtok_r (NULL, " ", &save))
          {
            char *eq = strchr (kv, '=');
            uint64_t v;
            if (eq == NULL || runcgo_parse_u64 (eq + 1, &v) < 0)
              continue;
            *eq = '\0';
            for (size_t k = 0; k < ARRAY_SIZE (map); k++)
              if (strcmp (kv, map[k].key) == 0)
                blkio_add (s, map[k].kind, maj, min, map[k].op, v);
          }
      line += len;
      line += *line == '\n';
    }
}

/* "hugepages-2048kB" -> "2MB", the kernel's hugetlb.<size> naming. */
char *
runcgo_cg_hugepage_name (const char *dirent)
{
  uint64_t kb;
  if (strncmp (dirent, "hugepages-", 10) != 0)
    return NULL;
  cleanup_free char *num = xstrndup (dirent + 10, strcspn (dirent + 10, "k"));
  if (strcmp (dirent + 10 + strlen (num), "kB") != 0 || runcgo_parse_u64 (num, &kb) < 0 || kb == 0)
    return NULL;
  if (kb % (1024 * 1024) == 0)
    return xasprintf ("%" PRIu64 "GB", kb / (1024 * 1024));
  if (kb % 1024 == 0)
    return xasprintf ("%" PRIu64 "MB", kb / 1024);
  return xasprintf ("%" PRIu64 "KB", kb);
}

/* ---------------------------------------------------------------- memory */

static int
mem_entry_v1 (const char *dir, const char *prefix, struct runcgo_cgroup_mem_entry *e, runcgo_error_t *err)
{
  char f[64];
  snprintf (f, sizeof (f), "%s.usage_in_bytes", prefix);
  int r = read_u64 (dir, f, &e->usage, err);
  if (r <= 0)
    return r; /* memsw and kmem are optional in the kernel */
  snprintf (f, sizeof (f), "%s.max_usage_in_bytes", prefix);
  if (read_u64 (dir, f, &e->max, err) < 0)
    return -1;
  snprintf (f, sizeof (f), "%s.failcnt", prefix);
  if (read_u64 (dir, f, &e->failcnt, err) < 0)
    return -1;
  snprintf (f, sizeof (f), "%s.limit_in_bytes", prefix);
  return read_u64 (dir, f, &e->limit, err) < 0 ? -1 : 0;
}

static int
memory_v1 (const char *dir, struct runcgo_cgroup_stats *s, runcgo_error_t *err)
{
  if (mem_entry_v1 (dir, "memory", &s->memory.usage, err) < 0
      || mem_entry_v1 (dir, "memory.memsw", &s->memory.swap, err) < 0
      || mem_entry_v1 (dir, "memory.kmem", &s->memory.kernel, err) < 0
      || mem_entry_v1 (dir, "memory.kmem.tcp", &s->memory.kernel_tcp, err) < 0)
    return -1;
  return 0;
}

static int
mem_entry_v2 (const char *dir, const char *prefix, struct runcgo_cgroup_mem_entry *e, runcgo_error_t *err)
{
  char f[64];
  snprintf (f, sizeof (f), "%s.current", prefix);
  int r = read_u64 (dir, f, &e->usage, err);
  if (r <= 0)
    return r;
  snprintf (f, sizeof (f), "%s.max", prefix);
  if (read_u64 (dir, f, &e->limit, err) < 0)
    return -1;
  snprintf (f, sizeof (f), "%s.peak", prefix); /* 5.19+ (swap: 6.5+) */
  return read_u64 (dir, f, &e->max, err) < 0 ? -1 : 0;
}

static int
memory_v2 (const char *dir, struct runcgo_cgroup_stats *s, runcgo_error_t *err)
{
  struct runcgo_cgroup_mem_entry swap = { 0 };
  if (mem_entry_v2 (dir, "memory", &s->memory.usage, err) < 0 || mem_entry_v2 (dir, "memory.swap", &swap, err) < 0)
    return -1;
  /* v1 reports swap as memory+swap; runc adds the two up on v2 for the
   * same meaning (the peak cannot be combined: 0) */
  s->memory.swap.usage = swap.usage + s->memory.usage.usage;
  s->memory.swap.limit = swap.limit == UINT64_MAX || s->memory.usage.limit == UINT64_MAX
                             ? UINT64_MAX
                             : swap.limit + s->memory.usage.limit;
  uint64_t v;
  cleanup_free char *events = NULL;
  if (read_text (dir, "memory.events", &events, err) < 0)
    return -1;
  if (events && runcgo_cg_keyed_value (events, "max", &v))
    s->memory.usage.failcnt = v; /* times the limit was hit, v1's failcnt */
  return 0;
}

static int
stat_memory (const struct runcgo_cgroup *cg, struct runcgo_cgroup_stats *s, runcgo_error_t *err)
{
  const struct runcgo_cg_dir *d = cg->mode == RUNCGO_CGROUP_V2 ? NULL : runcgo_cg_dir_for (cg, "memory");
  bool v2 = d == NULL;
  if (v2)
    d = runcgo_cg_dir_for (cg, NULL);
  cleanup_free char *text = NULL;
  int r = d ? read_text (d->dir, "memory.stat", &text, err) : 0;
  if (r <= 0)
    return r; /* no memory controller */
  runcgo_cg_parse_memory_stat (text, s);
  for (size_t i = 0; i < s->memory.n_raw; i++)
    if (strcmp (s->memory.raw[i].key, v2 ? "file" : "cache") == 0)
      s->memory.cache = s->memory.raw[i].value;
  return v2 ? memory_v2 (d->dir, s, err) : memory_v1 (d->dir, s, err);
}

/* ---------------------------------------------------------------- cpu */

static int
cpuacct_v1 (const char *dir, struct runcgo_cgroup_stats *s, runcgo_error_t *err)
{
  cleanup_free char *stat = NULL, *percpu = NULL, *all = NULL;
  if (read_u64 (dir, "cpuacct.usage", &s->cpu.total, err) < 0 || read_text (dir, "cpuacct.stat", &stat, err) < 0
      || read_text (dir, "cpuacct.usage_percpu", &percpu, err) < 0
      || read_text (dir, "cpuacct.usage_all", &all, err) < 0)
    return -1;
  /* cpuacct.stat counts clock ticks */
  long hz = sysconf (_SC_CLK_TCK);
  uint64_t v;
  if (stat && hz > 0 && runcgo_cg_keyed_value (stat, "user", &v))
    s->cpu.user = v * 1000000000ULL / (uint64_t)hz;
  if (stat && hz > 0 && runcgo_cg_keyed_value (stat, "system", &v))
    s->cpu.kernel = v * 1000000000ULL / (uint64_t)hz;
  if (percpu)
    s->cpu.percpu = u64_list (percpu, &s->cpu.n_percpu);
  /* "cpu user system" header, then one line per cpu */
  for (const char *line = all ? strchr (all, '\n') : NULL; line && line[1]; line = strchr (line + 1, '\n'))
    {
      uint64_t cpu, user, sys;
      const char *p = line + 1;
      if (!runcgo_scan_u64 (&p, &cpu) || !runcgo_scan_u64 (&p, &user) || !runcgo_scan_u64 (&p, &sys))
        continue;
      s->cpu.percpu_user = xrealloc (s->cpu.percpu_user, (s->cpu.n_percpu_modes + 1) * sizeof (uint64_t));
      s->cpu.percpu_kernel = xrealloc (s->cpu.percpu_kernel, (s->cpu.n_percpu_modes + 1) * sizeof (uint64_t));
      s->cpu.percpu_user[s->cpu.n_percpu_modes] = user;
      s->cpu.percpu_kernel[s->cpu.n_percpu_modes++] = sys;
    }
  return 0;
}

static int
stat_cpu (const struct runcgo_cgroup *cg, struct runcgo_cgroup_stats *s, runcgo_error_t *err)
{
  const struct runcgo_cg_dir *acct = cg->mode == RUNCGO_CGROUP_V2 ? NULL : runcgo_cg_dir_for (cg, "cpuacct");
  const struct runcgo_cg_dir *cpu = cg->mode == RUNCGO_CGROUP_V2 ? NULL : runcgo_cg_dir_for (cg, "cpu");
  const struct runcgo_cg_dir *v2 = runcgo_cg_dir_for (cg, NULL);
  cleanup_free char *text = NULL;
  if (acct && cpuacct_v1 (acct->dir, s, err) < 0)
    return -1;
  if (cpu && read_text (cpu->dir, "cpu.stat", &text, err) < 0)
    return -1;
  if (text)
    runcgo_cg_parse_cpu_stat (text, false, s);
  else if (!acct && v2)
    {
      /* v2's cpu.stat exists even without the cpu controller (usage only) */
      if (read_text (v2->dir, "cpu.stat", &text, err) < 0)
        return -1;
      if (text)
        runcgo_cg_parse_cpu_stat (text, true, s);
    }
  return 0;
}

/* ---------------------------------------------------------------- pids */

static int
stat_pids (const struct runcgo_cgroup *cg, struct runcgo_cgroup_stats *s, runcgo_error_t *err)
{
  const struct runcgo_cg_dir *d = cg->mode == RUNCGO_CGROUP_V2 ? NULL : runcgo_cg_dir_for (cg, "pids");
  if (d == NULL)
    d = runcgo_cg_dir_for (cg, NULL);
  int r = d ? read_u64 (d->dir, "pids.current", &s->pids.current, err) : 0;
  if (r < 0)
    return -1;
  if (r > 0)
    {
      if (read_u64 (d->dir, "pids.max", &s->pids.limit, err) < 0)
        return -1;
      if (s->pids.limit == UINT64_MAX)
        s->pids.limit = 0; /* runc: no limit is 0 */
    }
  else
    {
      /* no pids controller: count the processes (runc does the same) */
      cleanup_free pid_t *pids = NULL;
      size_t n = 0;
      if (runcgo_cgroup_pids (cg, &pids, &n, err) < 0)
        return -1;
      s->pids.current = n;
    }
  return 0;
}

/* ---------------------------------------------------------------- blkio */

/* runc's order of preference: BFQ's files, CFQ's (gone in 5.0), then the
 * throttle ones, which count every device.  A group is used when its first
 * file has entries. */
static int
blkio_v1 (const char *dir, struct runcgo_cgroup_stats *s, runcgo_error_t *err)
{
  static const struct
  {
    const char *file;
    int kind;
  } groups[][2] = {
    { { "blkio.bfq.io_serviced_recursive", RUNCGO_BLKIO_SERVICED },
      { "blkio.bfq.io_service_bytes_recursive", RUNCGO_BLKIO_SERVICE_BYTES } },
    { { "blkio.io_serviced_recursive", RUNCGO_BLKIO_SERVICED },
      { "blkio.io_service_bytes_recursive", RUNCGO_BLKIO_SERVICE_BYTES } },
    { { "blkio.throttle.io_serviced_recursive", RUNCGO_BLKIO_SERVICED },
      { "blkio.throttle.io_service_bytes_recursive", RUNCGO_BLKIO_SERVICE_BYTES } },
    { { "blkio.throttle.io_serviced", RUNCGO_BLKIO_SERVICED },
      { "blkio.throttle.io_service_bytes", RUNCGO_BLKIO_SERVICE_BYTES } },
  };
  for (size_t g = 0; g < ARRAY_SIZE (groups); g++)
    {
      cleanup_free char *first = NULL, *second = NULL;
      if (read_text (dir, groups[g][0].file, &first, err) < 0)
        return -1;
      if (first == NULL || runcgo_cg_parse_blkio_v1 (first, groups[g][0].kind, s) == 0)
        continue;
      if (read_text (dir, groups[g][1].file, &second, err) < 0)
        return -1;
      if (second)
        runcgo_cg_parse_blkio_v1 (second, groups[g][1].kind, s);
      break;
    }
  return 0;
}

static int
stat_blkio (const struct runcgo_cgroup *cg, struct runcgo_cgroup_stats *s, runcgo_error_t *err)
{
  const struct runcgo_cg_dir *d = cg->mode == RUNCGO_CGROUP_V2 ? NULL : runcgo_cg_dir_for (cg, "blkio");
  if (d)
    return blkio_v1 (d->dir, s, err);
  d = runcgo_cg_dir_for (cg, NULL);
  cleanup_free char *text = NULL;
  if (d && read_text (d->dir, "io.stat", &text, err) < 0)
    return -1;
  if (text)
    runcgo_cg_parse_io_stat (text, s);
  return 0;
}

/* ---------------------------------------------------------------- hugetlb */

static int
hugetlb_one (const char *dir, bool v2, const char *size, struct runcgo_cgroup_hugetlb *h, runcgo_error_t *err)
{
  /* the reservation counters (5.7+) when present, as runc */
  const char *cur = v2 ? "current" : "usage_in_bytes";
  cleanup_free char *rsvd = xasprintf ("hugetlb.%s.rsvd.%s", size, cur);
  cleanup_free char *plain = xasprintf ("hugetlb.%s.%s", size, cur);
  int r = read_u64 (dir, rsvd, &h->usage, err);
  if (r == 0)
    r = read_u64 (dir, plain, &h->usage, err);
  if (r <= 0)
    return r;
  if (v2)
    {
      cleanup_free char *f = xasprintf ("hugetlb.%s.events", size), *ev = NULL;
      if (read_text (dir, f, &ev, err) < 0)
        return -1;
      if (ev)
        runcgo_cg_keyed_value (ev, "max", &h->failcnt);
      return 1;
    }
  cleanup_free char *max = xasprintf ("hugetlb.%s.max_usage_in_bytes", size);
  cleanup_free char *fail = xasprintf ("hugetlb.%s.failcnt", size);
  if (read_u64 (dir, max, &h->max, err) < 0 || read_u64 (dir, fail, &h->failcnt, err) < 0)
    return -1;
  return 1;
}

static int
stat_hugetlb (const struct runcgo_cgroup *cg, struct runcgo_cgroup_stats *s, runcgo_error_t *err)
{
  const struct runcgo_cg_dir *d = cg->mode == RUNCGO_CGROUP_V2 ? NULL : runcgo_cg_dir_for (cg, "hugetlb");
  bool v2 = d == NULL;
  if (v2)
    d = runcgo_cg_dir_for (cg, NULL);
  DIR *dp = d ? opendir ("/sys/kernel/mm/hugepages") : NULL;
  struct dirent *de;
  int ret = 0;
  while (ret == 0 && dp && (de = readdir (dp)))
    {
      cleanup_free char *size = runcgo_cg_hugepage_name (de->d_name);
      struct runcgo_cgroup_hugetlb h = { 0 };
      if (size == NULL)
        continue;
      int r = hugetlb_one (d->dir, v2, size, &h, err);
      if (r < 0)
        ret = -1;
      else if (r > 0)
        {
          h.page_size = steal_ptr (&size);
          s->hugetlb = xrealloc (s->hugetlb, (s->n_hugetlb + 1) * sizeof (*s->hugetlb));
          s->hugetlb[s->n_hugetlb++] = h;
        }
    }
  if (dp)
    closedir (dp);
  return ret;
}

/* ---------------------------------------------------------------- stats */

void
runcgo_cgroup_stats_clear (struct runcgo_cgroup_stats *s)
{
  free (s->cpu.percpu);
  free (s->cpu.percpu_kernel);
  free (s->cpu.percpu_user);
  for (size_t i = 0; i < s->memory.n_raw; i++)
    free (s->memory.raw[i].key);
  free (s->memory.raw);
  for (int k = 0; k < RUNCGO_BLKIO_KINDS; k++)
    free (s->blkio[k].e);
  for (size_t i = 0; i < s->n_hugetlb; i++)
    free (s->hugetlb[i].page_size);
  free (s->hugetlb);
  memset (s, 0, sizeof (*s));
}

int
runcgo_cgroup_stats (const struct runcgo_cgroup *cg, struct runcgo_cgroup_stats *s, runcgo_error_t *err)
{
  memset (s, 0, sizeof (*s));
  if (!runcgo_cgroup_is_active (cg))
    return runcgo_fail_hint (err, ENOTSUP, "the container was created without a cgroup (disabled or rootless)",
                             "read statistics: the container has no cgroup");
  if (stat_memory (cg, s, err) < 0 || stat_cpu (cg, s, err) < 0 || stat_pids (cg, s, err) < 0
      || stat_blkio (cg, s, err) < 0 || stat_hugetlb (cg, s, err) < 0)
    {
      runcgo_cgroup_stats_clear (s);
      return runcgo_error_wrap (err, "read the statistics of cgroup %s", cg->path);
    }
  return 0;
}

/* ---------------------------------------------------------------- OOM notifications */

struct runcgo_cgroup_oom
{
  int fd; /* v1: eventfd; v2: inotify */
  bool v2;
  char *dir;       /* the memory cgroup directory */
  uint64_t killed; /* v2: oom_kill count seen so far */
};

static int
oom_open_v1 (struct runcgo_cgroup_oom *o, runcgo_error_t *err)
{
  o->fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (o->fd < 0)
    return runcgo_fail (err, errno, "OOM notification: eventfd");
  cleanup_free char *path = xasprintf ("%s/memory.oom_control", o->dir);
  cleanup_close int ctl = open (path, O_RDONLY | O_CLOEXEC);
  if (ctl < 0)
    return runcgo_fail (err, errno, "OOM notification: open %s", path);
  /* the kernel signals the eventfd at every OOM of the cgroup, and once
   * more when the cgroup is removed */
  char cmd[32];
  snprintf (cmd, sizeof (cmd), "%d %d", o->fd, ctl);
  return runcgo_cg_write (o->dir, "cgroup.event_control", cmd, err);
}

static int
oom_count_v2 (const char *dir, uint64_t *n)
{
  cleanup_free char *ev = NULL;
  runcgo_error_t e = NULL;
  if (runcgo_cg_read (dir, "memory.events", &ev, &e) < 0)
    {
      int st = e->status;
      runcgo_error_release (&e);
      return -st;
    }
  *n = 0;
  runcgo_cg_keyed_value (ev, "oom_kill", n);
  return 0;
}

static int
oom_open_v2 (struct runcgo_cgroup_oom *o, runcgo_error_t *err)
{
  int e = -oom_count_v2 (o->dir, &o->killed);
  if (e)
    return runcgo_fail_hint (err, e, e == ENOENT ? "enable the memory controller for the container's cgroup" : NULL,
                             "OOM notification: read %s/memory.events", o->dir);
  o->fd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  if (o->fd < 0)
    return runcgo_fail (err, errno, "OOM notification: inotify_init1");
  cleanup_free char *path = xasprintf ("%s/memory.events", o->dir);
  if (inotify_add_watch (o->fd, path, IN_MODIFY) < 0)
    return runcgo_fail (err, errno, "OOM notification: watch %s", path);
  return 0;
}

void
runcgo_cgroup_oom_close (struct runcgo_cgroup_oom *o)
{
  if (o == NULL)
    return;
  if (o->fd >= 0)
    close (o->fd);
  free (o->dir);
  free (o);
}

int
runcgo_cgroup_oom_open (const struct runcgo_cgroup *cg, struct runcgo_cgroup_oom **out, runcgo_error_t *err)
{
  const struct runcgo_cg_dir *d = cg->mode == RUNCGO_CGROUP_V2 ? NULL : runcgo_cg_dir_for (cg, "memory");
  bool v2 = d == NULL;
  if (v2)
    d = runcgo_cg_dir_for (cg, NULL);
  if (!runcgo_cgroup_is_active (cg) || d == NULL)
    return runcgo_fail (err, ENOTSUP, "OOM notification: the container has no memory cgroup");
  struct runcgo_cgroup_oom *o = xzalloc (sizeof (*o));
  o->fd = -1;
  o->v2 = v2;
  o->dir = xstrdup (d->dir);
  if ((v2 ? oom_open_v2 (o, err) : oom_open_v1 (o, err)) < 0)
    {
      runcgo_cgroup_oom_close (o);
      return -1;
    }
  *out = o;
  return 0;
}

int
runcgo_cgroup_oom_fd (const struct runcgo_cgroup_oom *o)
{
  return o->fd;
}

int
runcgo_cgroup_oom_read (struct runcgo_cgroup_oom *o, bool *gone, runcgo_error_t *err)
{
  *gone = false;
  if (!o->v2)
    {
      uint64_t n = 0;
      if (read (o->fd, &n, sizeof (n)) < 0 && errno != EAGAIN)
        return runcgo_fail (err, errno, "OOM notification: read eventfd");
      /* removal of the cgroup signals the eventfd too: not an OOM */
      cleanup_free char *ctl = xasprintf ("%s/cgroup.event_control", o->dir);
      if (access (ctl, F_OK) < 0)
        {
          *gone = true;
          return 0;
        }
      return (int)(n > INT32_MAX ? INT32_MAX : n);
    }
  char buf[4096];
  while (read (o->fd, buf, sizeof (buf)) > 0)
    ; /* drain: the counter below is what counts */
  uint64_t now = 0;
  int e = -oom_count_v2 (o->dir, &now);
  if (e == ENOENT || e == ENODEV)
    {
      *gone = true;
      return 0;
    }
  if (e)
    return runcgo_fail (err, e, "OOM notification: read %s/memory.events", o->dir);
  uint64_t n = now > o->killed ? now - o->killed : 0;
  o->killed = now;
  return (int)(n > INT32_MAX ? INT32_MAX : n);
}
