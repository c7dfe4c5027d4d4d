/* ops.c -- pause, resume, update, ps and events: the commands that act on a
 * living container through its cgroup.  Each is a list of named steps over
 * runcgo_container_load() and the cgroup manager; the formats are runc's
 * (events: libcontainer's types/events.go; ps: the filtered ps(1) table). */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include <json-c/json.h>

#include "cgroup/cgroup.h"
#include "core/log.h"
#include "core/state.h"
#include "core/util.h"
#include "lifecycle/container.h"
#include "lifecycle/ops.h"
#include "linux/intelrdt.h"
#include "net/slirp.h"
#include "spec/spec.h"

/* ---------------------------------------------------------------- shared steps */

/* The container and its cgroup manager; a container without one is an
 * error naming what could not be done. */
struct target
{
  struct runcgo_loaded l;
  struct runcgo_cgroup *cg;
};

static void
target_release (struct target *t)
{
  if (t->cg)
    runcgo_cgroup_free (t->cg);
  runcgo_loaded_release (&t->l);
}

static int
target_open (struct runcgo_context *ctx, const char *id, bool lock, const char *what, struct target *t,
             runcgo_error_t *err)
{
  t->cg = NULL;
  if (runcgo_container_load (ctx, id, lock, &t->l, err) < 0)
    return -1;
  if (runcgo_container_open_cgroup (t->l.st, &t->cg, err) < 0)
    return -1;
  if (t->cg == NULL || !runcgo_cgroup_is_active (t->cg))
    return runcgo_fail_hint (err, ENOTSUP,
                             "it was created without cgroups (rootless without systemd or a delegated cgroup v2 "
                             "subtree, or cgroups disabled)",
                             "container \"%s\" has no cgroup: cannot %s", id, what);
  return 0;
}

static int
need_status (const struct target *t, const char *id, bool created_ok, runcgo_error_t *err)
{
  int s = t->l.status;
  if (s == RUNCGO_STATUS_RUNNING || s == RUNCGO_STATUS_PAUSED || (created_ok && s == RUNCGO_STATUS_CREATED))
    return 0;
  return runcgo_fail (err, 0, "container \"%s\" is not running", id);
}

/* ---------------------------------------------------------------- pause, resume */

int
runcgo_container_pause (struct runcgo_context *ctx, const char *id, runcgo_error_t *err)
{
  struct target t;
  int r = -1;
  if (target_open (ctx, id, true, "pause", &t, err) < 0 || need_status (&t, id, true, err) < 0)
    goto out;
  if (t.l.status == RUNCGO_STATUS_PAUSED || runcgo_cgroup_is_frozen (t.cg))
    {
      runcgo_fail (err, 0, "container \"%s\" is already paused", id);
      goto out;
    }
  r = runcgo_cgroup_freeze (t.cg, true, err);
out:
  target_release (&t);
  return r;
}

int
runcgo_container_resume (struct runcgo_context *ctx, const char *id, runcgo_error_t *err)
{
  struct target t;
  int r = -1;
  if (target_open (ctx, id, true, "resume", &t, err) < 0 || need_status (&t, id, true, err) < 0)
    goto out;
  /* frozen is read from the cgroup: a created container can be paused too */
  if (!runcgo_cgroup_is_frozen (t.cg))
    {
      runcgo_fail (err, 0, "container \"%s\" is not paused", id);
      goto out;
    }
  r = runcgo_cgroup_freeze (t.cg, false, err);
out:
  target_release (&t);
  return r;
}

/* ---------------------------------------------------------------- update */

int
runcgo_container_update (struct runcgo_context *ctx, const char *id, const struct runcgo_resources *r,
                         runcgo_error_t *err)
{
  struct target t;
  int ret = -1;
  if (runcgo_resources_validate (r, err) < 0)
    return -1;
  if (target_open (ctx, id, true, "update its resources", &t, err) == 0 && need_status (&t, id, true, err) == 0)
    ret = runcgo_cgroup_update (t.cg, r, err);
  target_release (&t);
  return ret;
}

int
runcgo_container_update_rdt (struct runcgo_context *ctx, const char *id, const char *l3, const char *mem_bw,
                             runcgo_error_t *err)
{
  struct runcgo_loaded l = { .dir_fd = -1 };
  struct runcgo_spec *spec = NULL;
  int r = -1;
  if (runcgo_container_load (ctx, id, true, &l, err) < 0)
    goto out;
  if (l.status == RUNCGO_STATUS_STOPPED)
    {
      runcgo_fail (err, 0, "container \"%s\" is not running", id);
      goto out;
    }
  if (runcgo_state_load_spec (l.st, &spec, err) < 0)
    {
      runcgo_error_wrap (err, "update: the container's config");
      goto out;
    }
  const struct runcgo_intel_rdt *rdt = spec->linux_ ? spec->linux_->intel_rdt : NULL;
  if (rdt && runcgo_intelrdt_check (rdt, RUNCGO_RESCTRL_ROOT, err) < 0)
    goto out;
  r = runcgo_intelrdt_update (rdt, id, RUNCGO_RESCTRL_ROOT, l3, mem_bw, err);
out:
  runcgo_spec_free (spec);
  runcgo_loaded_release (&l);
  return r;
}

/* ---------------------------------------------------------------- ps */

int
runcgo_container_ps (struct runcgo_context *ctx, const char *id, pid_t **pids, size_t *n, runcgo_error_t *err)
{
  struct target t;
  int r = -1;
  *pids = NULL;
  *n = 0;
  if (target_open (ctx, id, false, "list its processes", &t, err) == 0)
    r = runcgo_cgroup_pids (t.cg, pids, n, err);
  target_release (&t);
  return r;
}

/* Index of the "PID" column of a ps header, -1 when there is none. */
static int
pid_column (const char *header, size_t len)
{
  int col = 0;
  for (size_t i = 0; i < len; col++)
    {
      while (i < len && isspace ((unsigned char)header[i]))
        i++;
      size_t start = i;
      while (i < len && !isspace ((unsigned char)header[i]))
        i++;
      if (i > start && i - start == 3 && strncmp (header + start, "PID", 3) == 0)
        return col;
      if (i == start)
        break;
    }
  return -1;
}

/* Field `col` of a line as a number; -1 when absent or not a number. */
static long
field_number (const char *line, size_t len, int col)
{
  size_t i = 0;
  for (int c = 0; i < len; c++)
    {
      while (i < len && isspace ((unsigned char)line[i]))
        i++;
      size_t start = i;
      while (i < len && !isspace ((unsigned char)line[i]))
        i++;
      if (c == col && i > start)
        {
          char buf[24];
          int64_t v;
          snprintf (buf, sizeof (buf), "%.*s", (int)(i - start), line + start);
          return runcgo_parse_i64 (buf, &v) == 0 ? (long)v : -1;
        }
    }
  return -1;
}

int
runcgo_ps_filter (const char *ps_output, const pid_t *pids, size_t n, char **out, runcgo_error_t *err)
{
  size_t hl = strcspn (ps_output, "\n");
  int col = pid_column (ps_output, hl);
  if (col < 0)
    return runcgo_fail_hint (err, EINVAL, "keep the PID column in the ps options (e.g. -ef, aux, -o pid,cmd)",
                             "ps: couldn't find PID field in ps output");
  cleanup_free char *buf = xasprintf ("%.*s\n", (int)hl, ps_output);
  for (const char *line = ps_output + hl + (ps_output[hl] == '\n'); *line;)
    {
      size_t len = strcspn (line, "\n");
      long pid = len ? field_number (line, len, col) : 0;
      if (len && pid < 0)
        return runcgo_fail (err, EINVAL, "ps: unable to parse pid in \"%.*s\"", (int)len, line);
      for (size_t i = 0; len && i < n; i++)
        if (pids[i] == (pid_t)pid)
          {
            char *next = xasprintf ("%s%.*s\n", buf, (int)len, line);
            free (buf);
            buf = next;
            break;
          }
      line += len;
      line += *line == '\n';
    }
  *out = steal_ptr (&buf);
  return 0;
}

/* ---------------------------------------------------------------- events: runc's JSON */

static void
add_u64 (json_object *o, const char *key, uint64_t v, bool omitempty)
{
  if (v || !omitempty)
    json_object_object_add (o, key, json_object_new_uint64 (v));
}

static void
add_u64_array (json_object *o, const char *key, const uint64_t *v, size_t n)
{
  if (n == 0)
    return; /* omitempty */
  json_object *a = json_object_new_array ();
  for (size_t i = 0; i < n; i++)
    json_object_array_add (a, json_object_new_uint64 (v[i]));
  json_object_object_add (o, key, a);
}

static json_object *
cpu_json (const struct runcgo_cgroup_stats *s)
{
  json_object *cpu = json_object_new_object (), *usage = json_object_new_object (), *thr = json_object_new_object ();
  add_u64 (usage, "total", s->cpu.total, true);
  add_u64_array (usage, "percpu", s->cpu.percpu, s->cpu.n_percpu);
  add_u64_array (usage, "percpu_kernel", s->cpu.percpu_kernel, s->cpu.n_percpu_modes);
  add_u64_array (usage, "percpu_user", s->cpu.percpu_user, s->cpu.n_percpu_modes);
  add_u64 (usage, "kernel", s->cpu.kernel, false);
  add_u64 (usage, "user", s->cpu.user, false);
  add_u64 (thr, "periods", s->cpu.periods, true);
  add_u64 (thr, "throttledPeriods", s->cpu.throttled_periods, true);
  add_u64 (thr, "throttledTime", s->cpu.throttled_time, true);
  json_object_object_add (cpu, "usage", usage);
  json_object_object_add (cpu, "throttling", thr);
  return cpu;
}

static json_object *
mem_entry_json (const struct runcgo_cgroup_mem_entry *e)
{
  json_object *o = json_object_new_object ();
  add_u64 (o, "limit", e->limit, false);
  add_u64 (o, "usage", e->usage, true);
  add_u64 (o, "max", e->max, true);
  add_u64 (o, "failcnt", e->failcnt, false);
  return o;
}

static int
kv_cmp (const void *a, const void *b)
{
  return strcmp ((*(const struct runcgo_cgroup_stat_kv *const *)a)->key,
                 (*(const struct runcgo_cgroup_stat_kv *const *)b)->key);
}

static json_object *
memory_json (const struct runcgo_cgroup_stats *s)
{
  json_object *m = json_object_new_object ();
  add_u64 (m, "cache", s->memory.cache, true);
  json_object_object_add (m, "usage", mem_entry_json (&s->memory.usage));
  json_object_object_add (m, "swap", mem_entry_json (&s->memory.swap));
  json_object_object_add (m, "kernel", mem_entry_json (&s->memory.kernel));
  json_object_object_add (m, "kernelTCP", mem_entry_json (&s->memory.kernel_tcp));
  if (s->memory.n_raw)
    {
      /* Go encodes a map with its keys sorted: so does runc's "raw" */
      cleanup_free const struct runcgo_cgroup_stat_kv **sorted = xmalloc (s->memory.n_raw * sizeof (*sorted));
      json_object *raw = json_object_new_object ();
      for (size_t i = 0; i < s->memory.n_raw; i++)
        sorted[i] = &s->memory.raw[i];
      qsort (sorted, s->memory.n_raw, sizeof (*sorted), kv_cmp);
      for (size_t i = 0; i < s->memory.n_raw; i++)
        json_object_object_add (raw, sorted[i]->key, json_object_new_uint64 (sorted[i]->value));
      json_object_object_add (m, "raw", raw);
    }
  return m;
}

static json_object *
blkio_json (const struct runcgo_cgroup_stats *s)
{
  static const char *const names[RUNCGO_BLKIO_KINDS] = { "ioServiceBytesRecursive", "ioServicedRecursive" };
  json_object *b = json_object_new_object ();
  for (int k = 0; k < RUNCGO_BLKIO_KINDS; k++)
    {
      if (s->blkio[k].n == 0)
        continue;
      json_object *a = json_object_new_array ();
      for (size_t i = 0; i < s->blkio[k].n; i++)
        {
          const struct runcgo_cgroup_blkio_entry *e = &s->blkio[k].e[i];
          json_object *o = json_object_new_object ();
          add_u64 (o, "major", e->major, true);
          add_u64 (o, "minor", e->minor, true);
          if (*e->op)
            json_object_object_add (o, "op", json_object_new_string (e->op));
          add_u64 (o, "value", e->value, true);
          json_object_array_add (a, o);
        }
      json_object_object_add (b, names[k], a);
    }
  return b;
}

char *
runcgo_stats_json (const struct runcgo_cgroup_stats *s)
{
  json_object *d = json_object_new_object (), *pids = json_object_new_object (), *huge = json_object_new_object ();
  json_object_object_add (d, "cpu", cpu_json (s));
  json_object_object_add (d, "memory", memory_json (s));
  add_u64 (pids, "current", s->pids.current, true);
  add_u64 (pids, "limit", s->pids.limit, true);
  json_object_object_add (d, "pids", pids);
  json_object_object_add (d, "blkio", blkio_json (s));
  for (size_t i = 0; i < s->n_hugetlb; i++)
    {
      json_object *h = json_object_new_object ();
      add_u64 (h, "usage", s->hugetlb[i].usage, true);
      add_u64 (h, "max", s->hugetlb[i].max, true);
      add_u64 (h, "failcnt", s->hugetlb[i].failcnt, false);
      json_object_object_add (huge, s->hugetlb[i].page_size, h);
    }
  json_object_object_add (d, "hugetlb", huge);
  /* runcgo has no Intel RDT support, and like runc reads no interfaces */
  json_object_object_add (d, "intel_rdt", json_object_new_object ());
  json_object_object_add (d, "network_interfaces", NULL);
  char *text = xstrdup (json_object_to_json_string_ext (d, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (d);
  return text;
}

/* ---------------------------------------------------------------- events: the loop */

/* One JSON line, flushed at once: events is read through pipes. */
static int
emit_event (FILE *out, const char *type, const char *id, const char *data, runcgo_error_t *err)
{
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "type", json_object_new_string (type));
  json_object_object_add (o, "id", json_object_new_string (id));
  const char *head = json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  /* splice "data" in as text: it is JSON already */
  int r = data ? fprintf (out, "%.*s,\"data\":%s}\n", (int)strlen (head) - 1, head, data) : fprintf (out, "%s\n", head);
  json_object_put (o);
  if (r < 0 || fflush (out) != 0)
    return runcgo_fail (err, errno, "events: write the %s event", type);
  return 0;
}

static int
emit_stats (FILE *out, const char *id, const struct runcgo_cgroup *cg, runcgo_error_t *err)
{
  struct runcgo_cgroup_stats s;
  if (runcgo_cgroup_stats (cg, &s, err) < 0)
    return -1;
  cleanup_free char *data = runcgo_stats_json (&s);
  runcgo_cgroup_stats_clear (&s);
  return emit_event (out, "stats", id, data, err);
}

static uint64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* OOM kills since the last call as "oom" events; *gone once the cgroup
 * was removed. */
static int
emit_ooms (FILE *out, const char *id, struct runcgo_cgroup_oom *oom, bool *gone, runcgo_error_t *err)
{
  int n = oom ? runcgo_cgroup_oom_read (oom, gone, err) : 0;
  for (int i = 0; n > 0 && i < n; i++)
    if (emit_event (out, "oom", id, NULL, err) < 0)
      return -1;
  return n < 0 ? -1 : 0;
}

/* Without a memory controller there is nothing to watch: events still
 * reports stats (runc would refuse to run at all). */
static struct runcgo_cgroup_oom *
open_oom (const struct runcgo_cgroup *cg)
{
  struct runcgo_cgroup_oom *oom = NULL;
  runcgo_error_t e = NULL;
  if (runcgo_cgroup_oom_open (cg, &oom, &e) < 0)
    {
      runcgo_debug ("events: no OOM notifications: %s", runcgo_error_text (e));
      runcgo_error_release (&e);
    }
  return oom;
}

/* Stats every interval, OOM kills as they happen, until the init exits
 * (the pidfd polls readable) or the cgroup is removed. */
/* A slirp helper gone while the container runs: the container lost its
 * network.  One "network" event when that is first seen. */
static int
emit_network_loss (FILE *out, const struct target *t, bool *reported, runcgo_error_t *err)
{
  pid_t pid = 0;
  if (*reported || runcgo_slirp_status (t->l.dir_fd, &pid) != RUNCGO_SLIRP_EXITED)
    return 0;
  *reported = true;
  char data[96];
  snprintf (data, sizeof (data), "{\"helper\":\"runcgo-slirp\",\"pid\":%d,\"status\":\"exited\"}", (int) pid);
  return emit_event (out, "network", t->l.st->id, data, err);
}

static int
events_loop (FILE *out, const char *id, const struct target *t, uint64_t interval, runcgo_error_t *err)
{
  cleanup_close int pidfd = (int)syscall (SYS_pidfd_open, t->l.st->pid, 0);
  if (pidfd < 0 || !runcgo_pid_is_alive (t->l.st->pid, t->l.st->start_time))
    return 0; /* exited meanwhile */
  struct runcgo_cgroup_oom *oom = open_oom (t->cg);
  uint64_t next = now_ms () + interval;
  bool gone = false, net_reported = false;
  int ret = emit_network_loss (out, t, &net_reported, err);
  while (ret == 0 && !gone)
    {
      struct pollfd p[2]
          = { { .fd = pidfd, .events = POLLIN }, { .fd = oom ? runcgo_cgroup_oom_fd (oom) : -1, .events = POLLIN } };
      uint64_t now = now_ms ();
      int r = poll (p, 2, now >= next ? 0 : (int)(next - now));
      if (r < 0 && errno != EINTR)
        ret = runcgo_fail (err, errno, "events: poll");
      else if (r > 0 && p[1].revents)
        ret = emit_ooms (out, id, oom, &gone, err);
      else if (r > 0 && p[0].revents)
        {
          /* the init is gone: report the OOM kill that may have ended it */
          ret = emit_ooms (out, id, oom, &gone, err);
          gone = true;
        }
      else if (r == 0)
        {
          runcgo_error_t e = NULL;
          if (emit_stats (out, id, t->cg, &e) < 0)
            runcgo_warn ("events: %s", runcgo_error_text (e)); /* runc logs and goes on */
          runcgo_error_release (&e);
          next += interval;
          ret = emit_network_loss (out, t, &net_reported, err);
        }
    }
  runcgo_cgroup_oom_close (oom);
  return ret;
}

int
runcgo_container_events (struct runcgo_context *ctx, const char *id, const struct runcgo_events_opts *o, FILE *out,
                         runcgo_error_t *err)
{
  struct target t;
  int r = -1;
  if (o->interval_ms == 0)
    return runcgo_fail (err, EINVAL, "events: duration interval must be greater than 0");
  if (target_open (ctx, id, false, "report events", &t, err) < 0)
    goto out;
  if (t.l.status == RUNCGO_STATUS_STOPPED)
    {
      runcgo_fail (err, 0, "container \"%s\" is not running", id);
      goto out;
    }
  r = o->stats_only ? emit_stats (out, id, t.cg, err) : events_loop (out, id, &t, o->interval_ms, err);
out:
  target_release (&t);
  return r;
}

/* ---------------------------------------------------------------- CLI values */

int
runcgo_parse_memory_size (const char *s, int64_t *out)
{
  /* ^[0-9]+(\.[0-9]+)? ?[kmgtp]?i?b?$ (case-insensitive), 1024-based */
  static const char units[] = "kmgtp";
  if (strcmp (s, "-1") == 0)
    {
      *out = -1;
      return 0;
    }
  char *end = NULL;
  if (!isdigit ((unsigned char)*s))
    return -1;
  errno = 0;
  double v = strtod (s, &end);
  if (errno || end == s || strchr (s, 'e') || strchr (s, 'E') || strchr (s, 'x') || strchr (s, 'X'))
    return -1;
  if (*end == ' ')
    end++;
  double mult = 1;
  const char *u = *end ? strchr (units, tolower ((unsigned char)*end)) : NULL;
  if (u)
    {
      for (const char *k = units; k <= u; k++)
        mult *= 1024;
      end++;
    }
  if (*end == 'i' || *end == 'I')
    end++;
  if (*end == 'b' || *end == 'B')
    end++;
  if (*end != '\0' || v * mult >= 9223372036854775807.0)
    return -1;
  *out = (int64_t)(v * mult);
  return 0;
}

int
runcgo_parse_duration_ms (const char *s, uint64_t *out)
{
  static const struct
  {
    const char *unit;
    double ms;
  } units[]
      = { { "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 }, { "ms", 1 }, { "s", 1e3 }, { "m", 6e4 }, { "h", 3.6e6 } };
  double total = 0;
  if (strcmp (s, "0") == 0)
    {
      *out = 0;
      return 0;
    }
  if (*s == '\0')
    return -1;
  while (*s)
    {
      char *end = NULL;
      if (!isdigit ((unsigned char)*s) && *s != '.')
        return -1;
      double v = strtod (s, &end);
      if (end == s)
        return -1;
      size_t best = 0, best_len = 0;
      for (size_t i = 0; i < ARRAY_SIZE (units); i++)
        {
          size_t l = strlen (units[i].unit);
          if (strncmp (end, units[i].unit, l) == 0 && l > best_len)
            best = i, best_len = l;
        }
      if (best_len == 0)
        return -1; /* Go: "missing unit in duration" */
      total += v * units[best].ms;
      s = end + best_len;
    }
  if (total >= 1.8e16)
    return -1;
  /* the poll loop counts milliseconds: a shorter positive interval is 1 ms */
  *out = total > 0 && total < 1 ? 1 : (uint64_t)total;
  return 0;
}
