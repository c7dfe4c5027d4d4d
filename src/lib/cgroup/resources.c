/* resources.c -- linux.resources -> cgroup file writes, and writing them.
 *
 * runcgo_cgroup_plan_writes is pure (unit-tested for v1 and v2): it turns the
 * OCI struct into an ordered list of (controller, file, value) with the
 * conversions runc applies on v2.  runcgo_cg_apply writes a plan into a
 * manager's directories and owns the few decisions that need the live kernel:
 * optional files, blkio/io weight file fallbacks, EINVAL-ordering retries,
 * v1 controllers that a hybrid host only has on its cgroup2 mount, and the
 * checkBeforeUpdate usage check. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgroup/internal.h"
#include "core/util.h"

#define F_MEM "linux.resources.memory."
#define F_CPU "linux.resources.cpu."
#define F_BLK "linux.resources.blockIO."

struct plan
{
  struct runcgo_cgroup_write *w;
  size_t n, cap;
};

static void
plan_add (struct plan *p, const char *ctrl, const char *field, unsigned flags, char *file, char *value)
{
  if (p->n == p->cap)
    {
      p->cap = p->cap ? p->cap * 2 : 16;
      p->w = xrealloc (p->w, p->cap * sizeof (*p->w));
    }
  p->w[p->n++] = (struct runcgo_cgroup_write){ ctrl, file, value, field, flags };
}

/* ctrl is ignored (NULL) on v2: the file name alone says the controller. */
#define ADD(p, v2, ctrl, field, flags, file, ...)                                                                      \
  plan_add ((p), (v2) ? NULL : (ctrl), (field), (flags), xstrdup (file), xasprintf (__VA_ARGS__))

uint64_t
runcgo_cg_shares_to_weight (uint64_t shares)
{
  /* runc's ConvertCPUSharesToCgroupV2Value: maps [2, 262144] onto
   * [1, 10000] linearly; the kernel clamps shares to that range on v1. */
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
runcgo_cg_blkio_to_io_weight (uint64_t weight)
{
  /* runc's ConvertBlkIOToIOWeightValue: blkio [10, 1000] -> io [1, 10000]. */
  if (weight == 0)
    return 0;
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  return 1 + ((weight - 10) * 9999) / 990;
}

/* "max" for negative (unlimited) values, the v2 spelling. */
static char *
v2_limit (int64_t v)
{
  return v < 0 ? xstrdup ("max") : xasprintf ("%" PRId64, v);
}

/* ---------------------------------------------------------------- memory */

/* Like runc, a 0 limit/reservation/swap means "not set": Go tools emit 0 for
 * an absent value, and writing 0 to memory.max would OOM the container at once. */
static bool
mem_set (runcgo_opt_i64 o)
{
  return o.set && o.v != 0;
}

static int
check_swap (const struct runcgo_memory *m, runcgo_error_t *err)
{
  if (!mem_set (m->swap) || m->swap.v == -1)
    return 0;
  if (m->swap.v < -1)
    return runcgo_fail (err, EINVAL, F_MEM "swap: %" PRId64 " is not a limit (use -1 for unlimited)", m->swap.v);
  if (mem_set (m->limit) && m->limit.v > 0 && m->swap.v < m->limit.v)
    return runcgo_fail_hint (err, EINVAL, "swap is the memory+swap total: set it to at least memory.limit",
                             F_MEM "swap: %" PRId64 " must be >= memory.limit (%" PRId64 ")", m->swap.v, m->limit.v);
  return 0;
}

static int
plan_memory_v1 (const struct runcgo_memory *m, struct plan *p, runcgo_error_t *err)
{
  if (check_swap (m, err) < 0)
    return -1;
  /* memory.limit_in_bytes <= memory.memsw.limit_in_bytes at all times: which
   * one must be written first depends on the current values (runc reads
   * them).  Both are RETRY: an EINVAL on the first is retried after the
   * second, which covers raising and lowering alike. */
  if (mem_set (m->limit))
    ADD (p, false, "memory", F_MEM "limit", RUNCGO_CGROUP_WRITE_RETRY, "memory.limit_in_bytes", "%" PRId64, m->limit.v);
  if (mem_set (m->swap))
    ADD (p, false, "memory", F_MEM "swap", RUNCGO_CGROUP_WRITE_RETRY, "memory.memsw.limit_in_bytes", "%" PRId64,
         m->swap.v);
  else if (mem_set (m->limit) && m->limit.v == -1)
    /* runc: unlimited memory with swap unset means unlimited swap too, when
     * the kernel accounts swap at all (optional). */
    ADD (p, false, "memory", F_MEM "limit", RUNCGO_CGROUP_WRITE_RETRY | RUNCGO_CGROUP_WRITE_OPTIONAL,
         "memory.memsw.limit_in_bytes", "-1");
  if (mem_set (m->reservation))
    ADD (p, false, "memory", F_MEM "reservation", 0, "memory.soft_limit_in_bytes", "%" PRId64, m->reservation.v);
  /* memory.kernel: kmem limits are deprecated and ignored by runc and crun. */
  if (mem_set (m->kernel_tcp))
    /* gone from recent kernels: written only where the file exists */
    ADD (p, false, "memory", F_MEM "kernelTCP", RUNCGO_CGROUP_WRITE_OPTIONAL, "memory.kmem.tcp.limit_in_bytes",
         "%" PRId64, m->kernel_tcp.v);
  /* swappiness -1 arrives as UINT64_MAX: "leave the default", as runc */
  if (m->swappiness.set && m->swappiness.v != UINT64_MAX)
    {
      if (m->swappiness.v > 100)
        return runcgo_fail (err, EINVAL, F_MEM "swappiness: %" PRIu64 " is out of range 0-100", m->swappiness.v);
      ADD (p, false, "memory", F_MEM "swappiness", 0, "memory.swappiness", "%" PRIu64, m->swappiness.v);
    }
  if (m->disable_oom_killer.set && m->disable_oom_killer.v)
    ADD (p, false, "memory", F_MEM "disableOOMKiller", 0, "memory.oom_control", "1");
  /* useHierarchy: always on since Linux 5.x (writing 0 fails); ignored. */
  return 0;
}

/* runc's ConvertMemorySwapToCgroupV2Value: v2's memory.swap.max is swap
 * alone, OCI's swap is memory+swap.  Sets *out to -1 for "max"; returns 1
 * when memory.swap.max is to be written. */
static int
swap_v2_value (const struct runcgo_memory *m, int64_t *out, runcgo_error_t *err)
{
  int64_t limit = mem_set (m->limit) ? m->limit.v : 0;
  int64_t swap = mem_set (m->swap) ? m->swap.v : 0;
  if (limit == -1 && swap == 0)
    {
      *out = -1; /* unlimited memory and no swap limit: unlimited swap */
      return 1;
    }
  if (swap == 0)
    return 0;
  if (swap == -1)
    {
      *out = -1;
      return 1;
    }
  if (limit <= 0)
    return runcgo_fail_hint (err, EINVAL, "set linux.resources.memory.limit too",
                             F_MEM "swap: a swap limit needs a memory limit on cgroup v2");
  if (check_swap (m, err) < 0)
    return -1;
  *out = swap - limit;
  return 1;
}

static int
plan_memory_v2 (const struct runcgo_memory *m, struct plan *p, runcgo_error_t *err)
{
  int64_t swap = 0;
  int r = swap_v2_value (m, &swap, err);
  if (r < 0)
    return -1;
  if (r > 0)
    /* "max" and "0" are harmless to skip where the kernel has no swap
     * accounting (no swap = no swap use); a real limit is not. */
    plan_add (p, NULL, F_MEM "swap", swap <= 0 ? RUNCGO_CGROUP_WRITE_OPTIONAL : 0, xstrdup ("memory.swap.max"),
              v2_limit (swap));
  if (mem_set (m->limit))
    plan_add (p, NULL, F_MEM "limit", 0, xstrdup ("memory.max"), v2_limit (m->limit.v));
  if (mem_set (m->reservation))
    plan_add (p, NULL, F_MEM "reservation", 0, xstrdup ("memory.low"), v2_limit (m->reservation.v));
  /* kernel (deprecated) and kernelTCP: v2 charges kernel and TCP memory to
   * memory.max; there is nothing separate to set. */
  if (m->swappiness.set && m->swappiness.v != UINT64_MAX)
    return runcgo_fail_hint (err, ENOTSUP, "remove linux.resources.memory.swappiness",
                             F_MEM "swappiness: cgroup v2 has no per-cgroup swappiness");
  if (m->disable_oom_killer.set && m->disable_oom_killer.v)
    return runcgo_fail_hint (err, ENOTSUP, "remove linux.resources.memory.disableOOMKiller (or use memory.oom.group)",
                             F_MEM "disableOOMKiller: cgroup v2 cannot disable the OOM killer");
  return 0;
}

/* ---------------------------------------------------------------- cpu, cpuset */

static int
plan_cpu_v1 (const struct runcgo_cpu *c, struct plan *p, runcgo_error_t *err)
{
  if (c->shares.set && c->shares.v)
    ADD (p, false, "cpu", F_CPU "shares", 0, "cpu.shares", "%" PRIu64, c->shares.v);
  /* A smaller period can be refused (EINVAL) while the old quota/new period
   * ratio exceeds the parent's: RETRY writes it again after the quota. */
  if (c->period.set && c->period.v)
    ADD (p, false, "cpu", F_CPU "period", RUNCGO_CGROUP_WRITE_RETRY, "cpu.cfs_period_us", "%" PRIu64, c->period.v);
  if (c->quota.set && c->quota.v)
    ADD (p, false, "cpu", F_CPU "quota", 0, "cpu.cfs_quota_us", "%" PRId64, c->quota.v < 0 ? -1 : c->quota.v);
  if (c->burst.set)
    ADD (p, false, "cpu", F_CPU "burst", RUNCGO_CGROUP_WRITE_RETRY, "cpu.cfs_burst_us", "%" PRIu64, c->burst.v);
  if (c->idle.set)
    ADD (p, false, "cpu", F_CPU "idle", 0, "cpu.idle", "%" PRId64, c->idle.v);
  /* RT bandwidth before any task joins: a SCHED_RR task cannot join a
   * cgroup without RT runtime (the plan is applied before enter). */
  if (c->realtime_period.set && c->realtime_period.v)
    ADD (p, false, "cpu", F_CPU "realtimePeriod", 0, "cpu.rt_period_us", "%" PRIu64, c->realtime_period.v);
  if (c->realtime_runtime.set && c->realtime_runtime.v)
    ADD (p, false, "cpu", F_CPU "realtimeRuntime", 0, "cpu.rt_runtime_us", "%" PRId64, c->realtime_runtime.v);
  return 0;
}

static int
plan_cpu_v2 (const struct runcgo_cpu *c, struct plan *p, runcgo_error_t *err)
{
  if (c->idle.set)
    ADD (p, true, NULL, F_CPU "idle", 0, "cpu.idle", "%" PRId64, c->idle.v);
  if (c->shares.set && c->shares.v)
    ADD (p, true, NULL, F_CPU "shares", 0, "cpu.weight", "%" PRIu64, runcgo_cg_shares_to_weight (c->shares.v));
  if (c->burst.set)
    ADD (p, true, NULL, F_CPU "burst", RUNCGO_CGROUP_WRITE_RETRY, "cpu.max.burst", "%" PRIu64, c->burst.v);
  int64_t quota = c->quota.set ? c->quota.v : 0;
  uint64_t period = c->period.set ? c->period.v : 0;
  if (quota != 0 || period != 0)
    {
      /* "$QUOTA $PERIOD"; a period alone keeps the quota unlimited ("max
       * 100000"), a quota alone keeps the kernel's period (runc's format). */
      char *q = quota > 0 ? xasprintf ("%" PRId64, quota) : xstrdup ("max");
      char *v = period ? xasprintf ("%s %" PRIu64, q, period) : xstrdup (q);
      free (q);
      plan_add (p, NULL, quota ? F_CPU "quota" : F_CPU "period", 0, xstrdup ("cpu.max"), v);
    }
  if ((c->realtime_period.set && c->realtime_period.v) || (c->realtime_runtime.set && c->realtime_runtime.v))
    return runcgo_fail_hint (err, ENOTSUP, "remove linux.resources.cpu.realtimePeriod/realtimeRuntime",
                             F_CPU "realtimeRuntime: cgroup v2 has no realtime group scheduling");
  return 0;
}

static void
plan_cpuset (const struct runcgo_cpu *c, bool v2, struct plan *p)
{
  if (c->cpus && *c->cpus)
    ADD (p, v2, "cpuset", F_CPU "cpus", 0, "cpuset.cpus", "%s", c->cpus);
  if (c->mems && *c->mems)
    ADD (p, v2, "cpuset", F_CPU "mems", 0, "cpuset.mems", "%s", c->mems);
}

/* ---------------------------------------------------------------- pids */

static void
plan_pids (runcgo_opt_i64 limit, bool v2, struct plan *p)
{
  /* runtime-spec 1.3: -1 (any negative) is "max"; 0 is a real limit. */
  if (limit.set)
    plan_add (p, v2 ? NULL : "pids", "linux.resources.pids.limit", 0, xstrdup ("pids.max"), v2_limit (limit.v));
}

/* ---------------------------------------------------------------- blockIO */

static const char *const throttle_v1[4] = { "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
                                            "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device" };
static const char *const throttle_v2[4] = { "rbps", "wbps", "riops", "wiops" };
static const char *const throttle_field[4] = { F_BLK "throttleReadBpsDevice", F_BLK "throttleWriteBpsDevice",
                                               F_BLK "throttleReadIOPSDevice", F_BLK "throttleWriteIOPSDevice" };

static int
plan_blkio_v1 (const struct runcgo_block_io *b, struct plan *p, runcgo_error_t *err)
{
  /* blkio.weight belonged to CFQ (gone in 5.0); runcgo_cg_apply falls back to
   * blkio.bfq.weight(_device) where only BFQ provides weights. */
  if (b->weight.set && b->weight.v)
    ADD (p, false, "blkio", F_BLK "weight", 0, "blkio.weight", "%" PRIu64, b->weight.v);
  if (b->leaf_weight.set && b->leaf_weight.v)
    ADD (p, false, "blkio", F_BLK "leafWeight", 0, "blkio.leaf_weight", "%" PRIu64, b->leaf_weight.v);
  for (size_t i = 0; i < b->n_weight_device; i++)
    {
      const struct runcgo_block_weight_device *d = &b->weight_device[i];
      if (d->weight.set && d->weight.v)
        ADD (p, false, "blkio", F_BLK "weightDevice", 0, "blkio.weight_device", "%" PRId64 ":%" PRId64 " %" PRIu64,
             d->major, d->minor, d->weight.v);
      if (d->leaf_weight.set && d->leaf_weight.v)
        ADD (p, false, "blkio", F_BLK "weightDevice", 0, "blkio.leaf_weight_device", "%" PRId64 ":%" PRId64 " %" PRIu64,
             d->major, d->minor, d->leaf_weight.v);
    }
  for (int k = 0; k < 4; k++)
    for (size_t i = 0; i < b->n_throttle[k]; i++)
      ADD (p, false, "blkio", throttle_field[k], 0, throttle_v1[k], "%" PRId64 ":%" PRId64 " %" PRIu64,
           b->throttle[k][i].major, b->throttle[k][i].minor, b->throttle[k][i].rate);
  return 0;
}

static int
plan_io_v2 (const struct runcgo_block_io *b, struct plan *p, runcgo_error_t *err)
{
  bool leaf = b->leaf_weight.set && b->leaf_weight.v;
  for (size_t i = 0; i < b->n_weight_device; i++)
    leaf = leaf || (b->weight_device[i].leaf_weight.set && b->weight_device[i].leaf_weight.v);
  if (leaf)
    return runcgo_fail_hint (err, ENOTSUP, "remove the leafWeight settings",
                             F_BLK "leafWeight: leaf weights (CFQ) do not exist on cgroup v2");
  /* BFQ's io.bfq.weight takes the blkio scale as is; without BFQ,
   * runcgo_cg_apply converts to io.weight (runc does the same). */
  if (b->weight.set && b->weight.v)
    ADD (p, true, NULL, F_BLK "weight", 0, "io.bfq.weight", "%" PRIu64, b->weight.v);
  for (size_t i = 0; i < b->n_weight_device; i++)
    {
      const struct runcgo_block_weight_device *d = &b->weight_device[i];
      if (d->weight.set && d->weight.v)
        ADD (p, true, NULL, F_BLK "weightDevice", 0, "io.bfq.weight", "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
             d->minor, d->weight.v);
    }
  for (int k = 0; k < 4; k++)
    for (size_t i = 0; i < b->n_throttle[k]; i++)
      ADD (p, true, NULL, throttle_field[k], 0, "io.max", "%" PRId64 ":%" PRId64 " %s=%" PRIu64,
           b->throttle[k][i].major, b->throttle[k][i].minor, throttle_v2[k], b->throttle[k][i].rate);
  return 0;
}

/* ---------------------------------------------------------------- hugetlb, network, rdma */

static bool
valid_page_size (const char *s)
{
  /* "<digits><K|M|G>B", the kernel's hugetlb.<size>.* naming */
  size_t d = strspn (s, "0123456789");
  return d > 0 && s[d] && strchr ("KMG", s[d]) && s[d + 1] == 'B' && s[d + 2] == '\0';
}

static int
plan_hugetlb (const struct runcgo_resources *r, bool v2, struct plan *p, runcgo_error_t *err)
{
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    {
      const struct runcgo_hugepage_limit *h = &r->hugepage_limits[i];
      if (h->page_size == NULL || !valid_page_size (h->page_size))
        return runcgo_fail_hint (err, EINVAL, "write it as the kernel names it: 64KB, 2MB, 1GB",
                                 "linux.resources.hugepageLimits[%zu].pageSize: invalid page size \"%s\"", i,
                                 h->page_size ? h->page_size : "");
      const char *suffix = v2 ? "max" : "limit_in_bytes";
      /* runc: the usage (fault) limit, then the reservation limit where the
       * kernel has it (5.7+), so both accountings agree. */
      plan_add (p, v2 ? NULL : "hugetlb", "linux.resources.hugepageLimits", 0,
                xasprintf ("hugetlb.%s.%s", h->page_size, suffix), xasprintf ("%" PRIu64, h->limit));
      plan_add (p, v2 ? NULL : "hugetlb", "linux.resources.hugepageLimits", RUNCGO_CGROUP_WRITE_OPTIONAL,
                xasprintf ("hugetlb.%s.rsvd.%s", h->page_size, suffix), xasprintf ("%" PRIu64, h->limit));
    }
  return 0;
}

static int
plan_network (const struct runcgo_resources *r, bool v2, struct plan *p, runcgo_error_t *err)
{
  if (!r->net_class_id.set && r->n_net_priorities == 0)
    return 0;
  if (v2)
    return runcgo_fail_hint (err, ENOTSUP, "remove linux.resources.network (use eBPF or tc filters instead)",
                             "linux.resources.network: net_cls and net_prio do not exist on cgroup v2");
  if (r->net_class_id.set)
    ADD (p, false, "net_cls", "linux.resources.network.classID", 0, "net_cls.classid", "%" PRIu64, r->net_class_id.v);
  for (size_t i = 0; i < r->n_net_priorities; i++)
    {
      const char *name = r->net_priorities[i].name;
      if (name == NULL || *name == '\0' || strpbrk (name, " \t\n"))
        return runcgo_fail (err, EINVAL, "linux.resources.network.priorities[%zu].name: invalid interface name", i);
      ADD (p, false, "net_prio", "linux.resources.network.priorities", 0, "net_prio.ifpriomap", "%s %" PRIu32, name,
           r->net_priorities[i].priority);
    }
  return 0;
}

static int
plan_rdma (const struct runcgo_resources *r, bool v2, struct plan *p, runcgo_error_t *err)
{
  for (size_t i = 0; i < r->n_rdma; i++)
    {
      const struct runcgo_rdma *d = &r->rdma[i];
      if (d->device == NULL || *d->device == '\0' || strpbrk (d->device, " \t\n"))
        return runcgo_fail (err, EINVAL, "linux.resources.rdma: invalid device name");
      if (!d->hca_handles.set && !d->hca_objects.set)
        return runcgo_fail (err, EINVAL, "linux.resources.rdma.%s: set hcaHandles or hcaObjects", d->device);
      char handles[48] = "", objects[48] = "";
      if (d->hca_handles.set)
        snprintf (handles, sizeof (handles), " hca_handle=%" PRIu64, d->hca_handles.v);
      if (d->hca_objects.set)
        snprintf (objects, sizeof (objects), " hca_object=%" PRIu64, d->hca_objects.v);
      ADD (p, v2, "rdma", "linux.resources.rdma", 0, "rdma.max", "%s%s%s", d->device, handles, objects);
    }
  return 0;
}

/* ---------------------------------------------------------------- unified */

/* Interface files of the cgroup core that would move processes, change the
 * tree or bypass the runtime's own freeze/kill: never from config.json. */
static const char *const unified_forbidden[] = {
  "cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "cgroup.type", "cgroup.kill", "cgroup.freeze", NULL
};

static int
check_unified_key (const char *key, runcgo_error_t *err)
{
  const char *dot = key ? strchr (key, '.') : NULL;
  if (key == NULL || dot == NULL || dot == key || dot[1] == '\0' || strchr (key, '/') || strchr (key, '\n'))
    return runcgo_fail_hint (err, EINVAL, "keys are cgroup v2 file names such as \"memory.high\"",
                             "linux.resources.unified: \"%s\" is not a cgroup file name", key ? key : "");
  if (runcgo_strv_contains ((char *const *)unified_forbidden, key))
    return runcgo_fail (err, EPERM, "linux.resources.unified: \"%s\" is managed by the runtime and cannot be set", key);
  return 0;
}

static int
plan_unified (const struct runcgo_resources *r, enum runcgo_cgroup_mode mode, struct plan *p, runcgo_error_t *err)
{
  if (r->n_unified == 0)
    return 0;
  if (mode == RUNCGO_CGROUP_V1)
    return runcgo_fail_hint (err, ENOTSUP, "use the v1 resource fields, or run on a cgroup v2 host",
                             "linux.resources.unified: this host has no cgroup v2 hierarchy");
  for (size_t i = 0; i < r->n_unified; i++)
    {
      const char *key = r->unified[i].key, *val = r->unified[i].value ? r->unified[i].value : "";
      if (check_unified_key (key, err) < 0)
        return -1;
      /* Files such as io.max take one "MAJ:MIN ..." line per write: a
       * multi-line value (the spec's own example) is written line by line. */
      const char *s = val;
      do
        {
          const char *nl = strchr (s, '\n');
          size_t len = nl ? (size_t)(nl - s) : strlen (s);
          if (len > 0 || s == val)
            plan_add (p, NULL, "linux.resources.unified", 0, xstrdup (key), xstrndup (s, len));
          s = nl ? nl + 1 : NULL;
        }
      while (s && *s);
    }
  return 0;
}

/* ---------------------------------------------------------------- devices (v1) */

/* The spec's default devices (null, random, full, tty, zero, urandom,
 * console, ptmx, pts) plus mknod of anything and /dev/net/tun: appended after
 * the config's rules, exactly as runc and crun do, so a leading deny-all rule
 * does not take /dev/null away. */
static const char *const default_allow[]
    = { "c *:* m",   "b *:* m",   "c 1:3 rwm", "c 1:8 rwm",   "c 1:7 rwm", "c 5:0 rwm",
        "c 1:5 rwm", "c 1:9 rwm", "c 5:1 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm" };

static char *
dev_num (runcgo_opt_i64 n)
{
  return n.set && n.v >= 0 ? xasprintf ("%" PRId64, n.v) : xstrdup ("*");
}

static int
plan_device_rule (const struct runcgo_device_cgroup *d, size_t i, struct plan *p, runcgo_error_t *err)
{
  const char *type = d->type && *d->type ? d->type : "a";
  const char *access = d->access && *d->access ? d->access : "rwm";
  if (strlen (type) != 1 || !strchr ("abc", type[0]))
    return runcgo_fail (err, EINVAL, "linux.resources.devices[%zu].type: \"%s\" is not a, b or c", i, type);
  if (strspn (access, "rwm") != strlen (access))
    return runcgo_fail (err, EINVAL, "linux.resources.devices[%zu].access: \"%s\" is not a subset of rwm", i, access);
  const char *file = d->allow ? "devices.allow" : "devices.deny";
  bool wild = !(d->major.set && d->major.v >= 0) && !(d->minor.set && d->minor.v >= 0);
  bool all_access = strchr (access, 'r') && strchr (access, 'w') && strchr (access, 'm');
  cleanup_free char *maj = dev_num (d->major);
  cleanup_free char *min = dev_num (d->minor);
  if (type[0] == 'a' && wild && all_access)
    ADD (p, false, "devices", "linux.resources.devices", 0, file, "a");
  else if (type[0] == 'a')
    {
      /* The kernel reads any line starting with 'a' as "everything, rwm":
       * "a 5:1 r" would allow ALL devices.  Spell it as c and b rules. */
      ADD (p, false, "devices", "linux.resources.devices", 0, file, "c %s:%s %s", maj, min, access);
      ADD (p, false, "devices", "linux.resources.devices", 0, file, "b %s:%s %s", maj, min, access);
    }
  else
    ADD (p, false, "devices", "linux.resources.devices", 0, file, "%s %s:%s %s", type, maj, min, access);
  return 0;
}

static int
plan_devices_v1 (const struct runcgo_resources *r, struct plan *p, runcgo_error_t *err)
{
  /* Start from deny-all (a new cgroup inherits its parent's list), then
   * the config's rules in order (the spec requires it), then the defaults. */
  ADD (p, false, "devices", "linux.resources.devices", 0, "devices.deny", "a");
  for (size_t i = 0; r && i < r->n_devices; i++)
    if (plan_device_rule (&r->devices[i], i, p, err) < 0)
      return -1;
  for (size_t i = 0; i < ARRAY_SIZE (default_allow); i++)
    ADD (p, false, "devices", "linux.resources.devices", 0, "devices.allow", "%s", default_allow[i]);
  return 0;
}

/* ---------------------------------------------------------------- the plan */

void
runcgo_cgroup_writes_free (struct runcgo_cgroup_write *w, size_t n)
{
  for (size_t i = 0; w && i < n; i++)
    {
      free (w[i].file);
      free (w[i].value);
    }
  free (w);
}

static int
plan_all (const struct runcgo_resources *r, enum runcgo_cgroup_mode mode, struct plan *p, runcgo_error_t *err)
{
  bool v2 = mode == RUNCGO_CGROUP_V2;
  if (!v2 && plan_devices_v1 (r, p, err) < 0)
    return -1;
  /* v2: device rules become an eBPF program (ebpf.c), not file writes */
  if (r == NULL)
    return 0;
  if (r->memory && (v2 ? plan_memory_v2 (r->memory, p, err) : plan_memory_v1 (r->memory, p, err)) < 0)
    return -1;
  if (r->cpu && (v2 ? plan_cpu_v2 (r->cpu, p, err) : plan_cpu_v1 (r->cpu, p, err)) < 0)
    return -1;
  if (r->cpu)
    plan_cpuset (r->cpu, v2, p);
  plan_pids (r->pids_limit, v2, p);
  if (r->block_io && (v2 ? plan_io_v2 (r->block_io, p, err) : plan_blkio_v1 (r->block_io, p, err)) < 0)
    return -1;
  if (plan_hugetlb (r, v2, p, err) < 0 || plan_network (r, v2, p, err) < 0 || plan_rdma (r, v2, p, err) < 0)
    return -1;
  /* last, so that raw v2 keys override the translated fields (as runc) */
  return plan_unified (r, mode, p, err);
}

int
runcgo_cgroup_plan_writes (const struct runcgo_resources *r, enum runcgo_cgroup_mode mode,
                           struct runcgo_cgroup_write **out, size_t *n, runcgo_error_t *err)
{
  struct plan p = { 0 };
  if (plan_all (r, mode, &p, err) < 0)
    {
      runcgo_cgroup_writes_free (p.w, p.n);
      return -1;
    }
  *out = p.w;
  *n = p.n;
  return 0;
}

bool
runcgo_cg_plan_requests (const struct runcgo_cgroup_write *w, size_t n)
{
  /* the devices writes are there for every v1 container: not a request */
  for (size_t i = 0; i < n; i++)
    if (w[i].controller == NULL || strcmp (w[i].controller, "devices") != 0)
      return true;
  return false;
}

/* ---------------------------------------------------------------- hybrid: v1 controllers on cgroup2 */

/* The v2 name of a v1 controller, when v2 has it at all. */
static const char *
v2_controller_of (const char *v1)
{
  static const char *const same[] = { "memory", "cpu", "cpuset", "pids", "hugetlb", "rdma", "misc", NULL };
  if (strcmp (v1, "blkio") == 0)
    return "io";
  return runcgo_strv_contains ((char *const *)same, v1) ? v1 : NULL;
}

/* The part of r that the v1 controller ctrl applies, for planning it as v2. */
static void
resources_only (const struct runcgo_resources *r, const char *ctrl, struct runcgo_resources *out,
                struct runcgo_cpu *cpu)
{
  memset (out, 0, sizeof (*out));
  if (strcmp (ctrl, "memory") == 0)
    out->memory = r->memory;
  else if (strcmp (ctrl, "cpu") == 0 && r->cpu)
    {
      *cpu = *r->cpu;
      cpu->cpus = cpu->mems = NULL;
      out->cpu = cpu;
    }
  else if (strcmp (ctrl, "cpuset") == 0 && r->cpu)
    {
      memset (cpu, 0, sizeof (*cpu));
      cpu->cpus = r->cpu->cpus;
      cpu->mems = r->cpu->mems;
      out->cpu = cpu;
    }
  else if (strcmp (ctrl, "pids") == 0)
    out->pids_limit = r->pids_limit;
  else if (strcmp (ctrl, "blkio") == 0)
    out->block_io = r->block_io;
  else if (strcmp (ctrl, "hugetlb") == 0)
    {
      out->hugepage_limits = r->hugepage_limits;
      out->n_hugepage_limits = r->n_hugepage_limits;
    }
  else if (strcmp (ctrl, "rdma") == 0)
    {
      out->rdma = r->rdma;
      out->n_rdma = r->n_rdma;
    }
}

static bool
v1_mounted (const struct runcgo_cg_hier *h, size_t nh, const char *ctrl)
{
  for (size_t i = 0; i < nh; i++)
    if (!h[i].unified && runcgo_cg_has_controller (h[i].controllers, ctrl))
      return true;
  return false;
}

static bool
unified_offers (const struct runcgo_cg_hier *h, size_t nh, const char *v2ctrl)
{
  for (size_t i = 0; i < nh; i++)
    if (h[i].unified)
      {
        cleanup_free char *list = NULL;
        runcgo_error_t e = NULL;
        if (runcgo_cg_read (h[i].mount, "cgroup.controllers", &list, &e) < 0)
          {
            runcgo_error_release (&e);
            return false;
          }
        return runcgo_cg_has_controller (list, v2ctrl);
      }
  return false;
}

/* Move the writes of v1 controller ctrl to the plan of its v2 twin (or drop
 * them when they are all optional); error when the host has neither. */
static int
replace_missing (const struct runcgo_resources *r, const char *ctrl, const char *field, bool offered, struct plan *p,
                 runcgo_error_t *err)
{
  struct plan q = { 0 };
  bool all_optional = true;
  for (size_t i = 0; i < p->n; i++)
    if (p->w[i].controller && strcmp (p->w[i].controller, ctrl) == 0)
      all_optional = all_optional && (p->w[i].flags & RUNCGO_CGROUP_WRITE_OPTIONAL);
  if (!offered && !all_optional)
    return runcgo_fail_hint (err, ENOTSUP, "remove it, or mount the controller",
                             "%s: the %s controller is not available on this host", field, ctrl);
  if (offered && r)
    {
      struct runcgo_resources sub;
      struct runcgo_cpu cpu;
      resources_only (r, ctrl, &sub, &cpu);
      if (plan_all (&sub, RUNCGO_CGROUP_V2, &q, err) < 0)
        {
          runcgo_cgroup_writes_free (q.w, q.n);
          return -1;
        }
    }
  size_t k = 0;
  for (size_t i = 0; i < p->n; i++)
    if (p->w[i].controller && strcmp (p->w[i].controller, ctrl) == 0)
      {
        free (p->w[i].file);
        free (p->w[i].value);
      }
    else
      p->w[k++] = p->w[i];
  p->n = k;
  for (size_t i = 0; i < q.n; i++)
    plan_add (p, NULL, q.w[i].field, q.w[i].flags, q.w[i].file, q.w[i].value);
  free (q.w);
  return 0;
}

/* The plan as this host applies it: a v1 controller without a v1 hierarchy
 * is planned as v2 on a hybrid host's cgroup2 mount when that has it (on
 * this project's CI host hugetlb lives there only), else it is an error. */
static int
host_plan (const struct runcgo_resources *r, enum runcgo_cgroup_mode mode, struct plan *p, runcgo_error_t *err)
{
  if (plan_all (r, mode, p, err) < 0)
    return -1;
  if (mode == RUNCGO_CGROUP_V2)
    return 0;
  const struct runcgo_cg_hier *h;
  size_t nh;
  if (runcgo_cg_hierarchies (mode, &h, &nh, err) < 0)
    return -1;
  for (size_t i = 0; i < p->n; i++)
    {
      const char *ctrl = p->w[i].controller;
      if (ctrl == NULL || v1_mounted (h, nh, ctrl))
        continue;
      const char *v2 = v2_controller_of (ctrl);
      bool offered = mode == RUNCGO_CGROUP_HYBRID && v2 && unified_offers (h, nh, v2);
      if (replace_missing (r, ctrl, p->w[i].field, offered, p, err) < 0)
        return -1;
      i = (size_t)-1; /* the list changed: start over (few controllers, tiny lists) */
    }
  return 0;
}

int
runcgo_cg_v2_controllers (const struct runcgo_resources *r, enum runcgo_cgroup_mode mode, char ***out,
                          runcgo_error_t *err)
{
  struct plan p = { 0 };
  cleanup_strv char **list = xzalloc (sizeof (char *));
  size_t n = 0;
  /* on v1 too: host_plan also finds controllers this host lacks */
  if (host_plan (r, mode, &p, err) < 0)
    {
      runcgo_cgroup_writes_free (p.w, p.n);
      return -1;
    }
  for (size_t i = 0; i < p.n; i++)
    {
      if (p.w[i].controller)
        continue;
      cleanup_free char *c = xstrndup (p.w[i].file, strcspn (p.w[i].file, "."));
      /* "cgroup." files belong to the core, which needs no enabling */
      if (strcmp (c, "cgroup") == 0 || runcgo_strv_contains (list, c))
        continue;
      list = xrealloc (list, (n + 2) * sizeof (char *));
      list[n++] = steal_ptr (&c);
      list[n] = NULL;
    }
  runcgo_cgroup_writes_free (p.w, p.n);
  *out = steal_ptr (&list);
  return 0;
}

/* ---------------------------------------------------------------- applying */

static const char *
write_hint (int e)
{
  switch (e)
    {
    case EBUSY:
      return "a limit below what the cgroup uses now, or a setting the kernel refuses while tasks run";
    case ENOENT:
      return "this kernel does not provide the file (controller not enabled or feature not built in)";
    case EINVAL:
    case ERANGE:
      return "the kernel rejected the value: check its range and the parent cgroup's limits";
    case EACCES:
    case EPERM:
    case EROFS:
      return "no permission to change this cgroup (rootless? use --systemd-cgroup or a delegated cgroup v2 subtree)";
    default:
      return NULL;
    }
}

static int
fail_write (const char *dir, const struct runcgo_cgroup_write *w, int e, runcgo_error_t *err)
{
  return runcgo_fail_hint (err, e, write_hint (e), "%s: write %s/%s = %s", w->field, dir, w->file, w->value);
}

/* One write with the weight-file fallbacks; returns 0 or an errno. */
static int
write_fallback (const char *dir, const struct runcgo_cgroup_write *w)
{
  int e = runcgo_cg_write_errno (dir, w->file, w->value);
  if (e != ENOENT)
    return e;
  if (strcmp (w->file, "blkio.weight") == 0)
    return runcgo_cg_write_errno (dir, "blkio.bfq.weight", w->value);
  if (strcmp (w->file, "blkio.weight_device") == 0)
    return runcgo_cg_write_errno (dir, "blkio.bfq.weight_device", w->value);
  if (strcmp (w->file, "io.bfq.weight") == 0)
    {
      /* no BFQ: io.weight takes "N" or "MAJ:MIN N" on the 1-10000 scale */
      const char *sp = strrchr (w->value, ' ');
      uint64_t v = 0;
      if (runcgo_parse_u64 (sp ? sp + 1 : w->value, &v) < 0)
        return EINVAL;
      cleanup_free char *val
          = xasprintf ("%.*s%" PRIu64, sp ? (int)(sp - w->value + 1) : 0, w->value, runcgo_cg_blkio_to_io_weight (v));
      return runcgo_cg_write_errno (dir, "io.weight", val);
    }
  return e;
}

/* v1 clamps cpu.shares silently: read it back and say so, as runc does. */
static int
check_shares (const char *dir, const struct runcgo_cgroup_write *w, runcgo_error_t *err)
{
  cleanup_free char *got = NULL;
  if (strcmp (w->file, "cpu.shares") != 0)
    return 0;
  if (runcgo_cg_read (dir, "cpu.shares", &got, err) < 0)
    return -1;
  got[strcspn (got, "\n")] = '\0';
  if (strcmp (got, w->value) != 0)
    return runcgo_fail_hint (err, ERANGE, "cpu.shares must be within 2-262144",
                             "%s: the kernel set cpu.shares to %s instead of %s", w->field, got, w->value);
  return 0;
}

/* checkBeforeUpdate on v2 (v1's kernel refuses by itself with EBUSY):
 * refuse a memory.max below memory.current instead of invoking the OOM killer. */
static int
check_usage (const struct runcgo_cgroup *cg, const struct runcgo_resources *r, runcgo_error_t *err)
{
  const struct runcgo_memory *m = r ? r->memory : NULL;
  if (cg->mode != RUNCGO_CGROUP_V2 || !m || !m->check_before_update.v || !mem_set (m->limit) || m->limit.v < 0)
    return 0;
  const struct runcgo_cg_dir *d = runcgo_cg_dir_for (cg, NULL);
  cleanup_free char *cur = NULL;
  uint64_t usage = 0;
  if (d == NULL || runcgo_cg_read (d->dir, "memory.current", &cur, err) < 0)
    return d ? -1 : 0;
  cur[strcspn (cur, "\n")] = '\0';
  if (runcgo_parse_u64 (cur, &usage) == 0 && usage > (uint64_t)m->limit.v)
    return runcgo_fail_hint (err, EBUSY, "raise the limit or free memory in the container first",
                             F_MEM "limit: rejecting %" PRId64 " below the current usage %" PRIu64
                                   " (checkBeforeUpdate)",
                             m->limit.v, usage);
  return 0;
}

static int
apply_writes (const struct runcgo_cgroup *cg, struct runcgo_cgroup_write *w, size_t n, runcgo_error_t *err)
{
  cleanup_free size_t *retry = xmalloc (n * sizeof (size_t));
  size_t n_retry = 0;
  for (size_t i = 0; i < n; i++)
    {
      const struct runcgo_cg_dir *d = runcgo_cg_dir_for (cg, w[i].controller);
      if (d == NULL)
        return runcgo_fail (err, ENOTSUP, "%s: %s: the container has no %s cgroup", w[i].field, w[i].file,
                            w[i].controller ? w[i].controller : "cgroup2");
      int e = write_fallback (d->dir, &w[i]);
      if (e == ENOENT && (w[i].flags & RUNCGO_CGROUP_WRITE_OPTIONAL))
        continue;
      if (e == EINVAL && (w[i].flags & RUNCGO_CGROUP_WRITE_RETRY))
        {
          retry[n_retry++] = i;
          continue;
        }
      if (e)
        return fail_write (d->dir, &w[i], e, err);
      if (check_shares (d->dir, &w[i], err) < 0)
        return -1;
    }
  for (size_t k = 0; k < n_retry; k++)
    {
      const struct runcgo_cg_dir *d = runcgo_cg_dir_for (cg, w[retry[k]].controller);
      int e = write_fallback (d->dir, &w[retry[k]]);
      if (e)
        return fail_write (d->dir, &w[retry[k]], e, err);
    }
  return 0;
}

/* An update of the period alone must keep the quota (runc keeps the old
 * value): the plan's "max PERIOD" would lift it.  v1 has separate files. */
static int
keep_cpu_quota (const struct runcgo_cgroup *cg, const struct runcgo_resources *r, struct plan *p,
                runcgo_error_t *err)
{
  const struct runcgo_cg_dir *d = runcgo_cg_dir_for (cg, NULL);
  if (cg->mode != RUNCGO_CGROUP_V2 || d == NULL || !r || !r->cpu || (r->cpu->quota.set && r->cpu->quota.v))
    return 0;
  for (size_t i = 0; i < p->n; i++)
    {
      if (strcmp (p->w[i].file, "cpu.max") != 0 || strncmp (p->w[i].value, "max ", 4) != 0)
        continue;
      cleanup_free char *cur = NULL;
      if (runcgo_cg_read (d->dir, "cpu.max", &cur, err) < 0)
        {
          if ((*err)->status != ENOENT)
            return -1;
          runcgo_error_release (err); /* no cpu controller: the write says so */
          return 0;
        }
      cur[strcspn (cur, " \n")] = '\0';
      char *v = xasprintf ("%s %s", cur, p->w[i].value + 4);
      free (p->w[i].value);
      p->w[i].value = v;
    }
  return 0;
}

/* v2 device rules: build the program first (a bad rule fails before any
 * write), attach it last.  *insns NULL = nothing to attach. */
static int
plan_device_filter (const struct runcgo_cgroup *cg, const struct runcgo_resources *r, bool devices,
                    struct bpf_insn **insns, size_t *n, runcgo_error_t *err)
{
  *insns = NULL;
  *n = 0;
  if (cg->mode != RUNCGO_CGROUP_V2 || !devices || runcgo_cg_dir_for (cg, NULL) == NULL)
    return 0;
  return runcgo_cg_devices_program (r, insns, n, err);
}

int
runcgo_cg_apply (struct runcgo_cgroup *cg, const struct runcgo_resources *r, bool update, runcgo_error_t *err)
{
  struct plan p = { 0 };
  cleanup_free struct bpf_insn *filter = NULL;
  size_t n_filter = 0;
  /* update without device rules keeps the current ones (see below) */
  bool devices = !cg->rootless && !(update && (r == NULL || r->n_devices == 0));
  if (host_plan (r, cg->mode, &p, err) < 0 || plan_device_filter (cg, r, devices, &filter, &n_filter, err) < 0)
    goto fail;
  if (update && keep_cpu_quota (cg, r, &p, err) < 0)
    goto fail;
  if (!devices)
    {
      /* update without device rules keeps the current list: re-writing
       * deny-all + defaults would briefly cut the running container off.
       * Rootless: no device node can be created anyway, and the devices
       * files are root's (runc ignores these errors rootless). */
      size_t k = 0;
      for (size_t i = 0; i < p.n; i++)
        if (p.w[i].controller && strcmp (p.w[i].controller, "devices") == 0)
          {
            free (p.w[i].file);
            free (p.w[i].value);
          }
        else
          p.w[k++] = p.w[i];
      p.n = k;
    }
  if (update && check_usage (cg, r, err) < 0)
    goto fail;
  if (apply_writes (cg, p.w, p.n, err) < 0)
    goto fail;
  if (filter && runcgo_cg_devices_attach (runcgo_cg_dir_for (cg, NULL)->dir, filter, n_filter, err) < 0)
    goto fail;
  runcgo_cgroup_writes_free (p.w, p.n);
  return 0;
fail:
  runcgo_cgroup_writes_free (p.w, p.n);
  return -1;
}
