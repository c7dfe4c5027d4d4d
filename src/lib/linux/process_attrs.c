/* process_attrs.c -- personality, NUMA memory policy, scheduler, I/O
 * priority and CPU lists: each a single syscall whose argument is built from
 * the spec's names.  The names were validated before any side effect. */
#include "config.h"

#include <sched.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>

#include "core/util.h"
#include "linux.h"

#ifndef SCHED_FLAG_RESET_ON_FORK
#define SCHED_FLAG_RESET_ON_FORK 0x01
#endif

struct sched_attr_v1
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

struct name_value
{
  const char *name;
  long value;
};

static long
lookup (const struct name_value *t, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (t[i].name, name) == 0)
      return t[i].value;
  return -1;
}

int
runcgo_parse_id_list (const char *list, unsigned long *bits, size_t nbits)
{
  const size_t word = 8 * sizeof (unsigned long);
  memset (bits, 0, (nbits + word - 1) / word * sizeof (unsigned long));
  cleanup_free char *copy = xstrdup (list);
  char *save = NULL;
  for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      uint64_t lo, hi;
      char *dash = strchr (tok, '-');
      if (dash)
        *dash = '\0';
      if (runcgo_parse_u64 (tok, &lo) < 0 || (dash && runcgo_parse_u64 (dash + 1, &hi) < 0))
        return -1;
      if (!dash)
        hi = lo;
      if (lo > hi || hi >= nbits)
        return -1;
      for (uint64_t b = lo; b <= hi; b++)
        bits[b / word] |= 1UL << (b % word);
    }
  return 0;
}

int
runcgo_cpu_list_apply (const char *list, const char *field, runcgo_error_t *err)
{
  cpu_set_t set;
  if (list == NULL || *list == '\0')
    return 0;
  if (runcgo_parse_id_list (list, (unsigned long *) &set, CPU_SETSIZE) < 0)
    return runcgo_fail (err, 0, "%s: invalid CPU list \"%s\"", field, list);
  if (sched_setaffinity (0, sizeof (set), &set) < 0)
    return runcgo_fail (err, errno, "%s: set CPU affinity to \"%s\"", field, list);
  return 0;
}

static int
apply_personality (const struct runcgo_personality *p, runcgo_error_t *err)
{
  if (p == NULL || p->domain == NULL)
    return 0;
  unsigned long persona = strcmp (p->domain, "LINUX32") == 0 ? PER_LINUX32 : PER_LINUX;
  if (personality (persona) < 0)
    return runcgo_fail (err, errno, "linux.personality: set domain %s", p->domain);
  return 0;
}

static int
apply_mempolicy (const struct runcgo_memory_policy *m, runcgo_error_t *err)
{
  static const struct name_value modes[] = { { "MPOL_DEFAULT", 0 },   { "MPOL_PREFERRED", 1 },
                                             { "MPOL_BIND", 2 },      { "MPOL_INTERLEAVE", 3 },
                                             { "MPOL_LOCAL", 4 },     { "MPOL_PREFERRED_MANY", 5 },
                                             { "MPOL_WEIGHTED_INTERLEAVE", 6 } };
  static const struct name_value flags[] = { { "MPOL_F_STATIC_NODES", 1 << 15 },
                                             { "MPOL_F_RELATIVE_NODES", 1 << 14 },
                                             { "MPOL_F_NUMA_BALANCING", 1 << 13 } };
  if (m == NULL || m->mode == NULL)
    return 0;
  long mode = lookup (modes, ARRAY_SIZE (modes), m->mode);
  for (size_t i = 0; m->flags && m->flags[i]; i++)
    mode |= lookup (flags, ARRAY_SIZE (flags), m->flags[i]);
  unsigned long nodes[16] = { 0 };
  const size_t maxnode = 8 * sizeof (nodes);
  if (m->nodes && *m->nodes && runcgo_parse_id_list (m->nodes, nodes, maxnode) < 0)
    return runcgo_fail (err, 0, "linux.memoryPolicy.nodes: invalid node list \"%s\"", m->nodes);
  bool has_nodes = m->nodes && *m->nodes;
  if (syscall (SYS_set_mempolicy, mode, has_nodes ? nodes : NULL, has_nodes ? maxnode + 1 : 0) < 0)
    return runcgo_fail (err, errno, "linux.memoryPolicy: set_mempolicy %s", m->mode);
  return 0;
}

static int
apply_scheduler (const struct runcgo_scheduler *s, runcgo_error_t *err)
{
  static const struct name_value policies[] = { { "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 },  { "SCHED_RR", 2 },
                                                { "SCHED_BATCH", 3 }, { "SCHED_ISO", 4 },   { "SCHED_IDLE", 5 },
                                                { "SCHED_DEADLINE", 6 } };
  static const struct name_value flags[] = { { "SCHED_FLAG_RESET_ON_FORK", 0x01 }, { "SCHED_FLAG_RECLAIM", 0x02 },
                                             { "SCHED_FLAG_DL_OVERRUN", 0x04 },    { "SCHED_FLAG_KEEP_POLICY", 0x08 },
                                             { "SCHED_FLAG_KEEP_PARAMS", 0x10 },   { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
                                             { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 } };
  if (s == NULL || s->policy == NULL)
    return 0;
  struct sched_attr_v1 a = { .size = sizeof (a), .sched_nice = s->nice, .sched_priority = (uint32_t) s->priority,
                             .sched_runtime = s->runtime, .sched_deadline = s->deadline, .sched_period = s->period };
  a.sched_policy = (uint32_t) lookup (policies, ARRAY_SIZE (policies), s->policy);
  for (size_t i = 0; s->flags && s->flags[i]; i++)
    a.sched_flags |= (uint64_t) lookup (flags, ARRAY_SIZE (flags), s->flags[i]);
  if (syscall (SYS_sched_setattr, 0, &a, 0) < 0)
    return runcgo_fail (err, errno, "process.scheduler: sched_setattr %s", s->policy);
  return 0;
}

static int
apply_ioprio (const struct runcgo_io_priority *io, runcgo_error_t *err)
{
  static const struct name_value classes[] = { { "IOPRIO_CLASS_RT", 1 }, { "IOPRIO_CLASS_BE", 2 },
                                               { "IOPRIO_CLASS_IDLE", 3 } };
  if (io == NULL || io->klass == NULL)
    return 0;
  long klass = lookup (classes, ARRAY_SIZE (classes), io->klass);
  long value = (klass << 13) | io->priority; /* IOPRIO_PRIO_VALUE */
  if (syscall (SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, value) < 0)
    return runcgo_fail (err, errno, "process.ioPriority: ioprio_set %s %d", io->klass, io->priority);
  return 0;
}

int
runcgo_process_attrs_apply (const struct runcgo_process *p, const struct runcgo_linux *l, runcgo_error_t *err)
{
  if (l && (apply_personality (l->personality, err) < 0 || apply_mempolicy (l->memory_policy, err) < 0))
    return -1;
  if (apply_scheduler (p->scheduler, err) < 0 || apply_ioprio (p->io_priority, err) < 0)
    return -1;
  return 0;
}
