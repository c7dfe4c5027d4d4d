/* update.c -- `runcgo update [OPTIONS] ID`: new resource limits for a
 * running container, from a linux.resources JSON (-r FILE, or - for stdin)
 * or runc's individual flags (ignored when -r is given, as in runc). */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "core/log.h"
#include "core/util.h"
#include "lifecycle/ops.h"

enum
{
  OPT_BLKIO_WEIGHT = 256,
  OPT_CPU_PERIOD,
  OPT_CPU_QUOTA,
  OPT_CPU_BURST,
  OPT_CPU_SHARE,
  OPT_CPU_RT_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPU_IDLE,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_KERNEL_MEMORY,
  OPT_KERNEL_MEMORY_TCP,
  OPT_MEMORY,
  OPT_MEMORY_RESERVATION,
  OPT_MEMORY_SWAP,
  OPT_PIDS_LIMIT,
  OPT_L3_CACHE_SCHEMA,
  OPT_MEM_BW_SCHEMA,
};

static const struct option update_options[] = {
  { "resources", required_argument, NULL, 'r' },
  { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
  { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
  { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
  { "cpu-burst", required_argument, NULL, OPT_CPU_BURST },
  { "cpu-share", required_argument, NULL, OPT_CPU_SHARE },
  { "cpu-shares", required_argument, NULL, OPT_CPU_SHARE },
  { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
  { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
  { "cpu-idle", required_argument, NULL, OPT_CPU_IDLE },
  { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
  { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
  { "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
  { "kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP },
  { "memory", required_argument, NULL, OPT_MEMORY },
  { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
  { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
  { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
  { "l3-cache-schema", required_argument, NULL, OPT_L3_CACHE_SCHEMA },
  { "mem-bw-schema", required_argument, NULL, OPT_MEM_BW_SCHEMA },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static int
bad_value (const char *opt, const char *val, runcgo_error_t *err)
{
  return runcgo_fail (err, 0, "update: invalid value for --%s: \"%s\"", opt, val);
}

static int
set_u64 (runcgo_opt_u64 *o, const char *opt, const char *val, runcgo_error_t *err)
{
  if (runcgo_parse_u64 (val, &o->v) < 0)
    return bad_value (opt, val, err);
  o->set = true;
  return 0;
}

static int
set_i64 (runcgo_opt_i64 *o, const char *opt, const char *val, runcgo_error_t *err)
{
  if (runcgo_parse_i64 (val, &o->v) < 0)
    return bad_value (opt, val, err);
  o->set = true;
  return 0;
}

static int
set_size (runcgo_opt_i64 *o, const char *opt, const char *val, runcgo_error_t *err)
{
  if (runcgo_parse_memory_size (val, &o->v) < 0)
    return runcgo_fail_hint (err, 0, "a size in bytes with an optional k, m, g suffix (1024-based), or -1",
                             "update: invalid value for --%s: \"%s\"", opt, val);
  o->set = true;
  return 0;
}

/* One of runc's flags into r (everything allocated by the caller). */
static int
apply_flag (int c, const char *val, struct runcgo_resources *r, runcgo_error_t *err)
{
  struct runcgo_memory *m = r->memory;
  struct runcgo_cpu *cpu = r->cpu;
  const char *opt = NULL;
  for (const struct option *o = update_options; o->name && opt == NULL; o++)
    if (o->val == c)
      opt = o->name;
  switch (c)
    {
    case OPT_BLKIO_WEIGHT:
      return set_u64 (&r->block_io->weight, opt, val, err);
    case OPT_CPU_PERIOD:
      return set_u64 (&cpu->period, opt, val, err);
    case OPT_CPU_QUOTA:
      return set_i64 (&cpu->quota, opt, val, err);
    case OPT_CPU_BURST:
      return set_u64 (&cpu->burst, opt, val, err);
    case OPT_CPU_SHARE:
      return set_u64 (&cpu->shares, opt, val, err);
    case OPT_CPU_RT_PERIOD:
      return set_u64 (&cpu->realtime_period, opt, val, err);
    case OPT_CPU_RT_RUNTIME:
      return set_i64 (&cpu->realtime_runtime, opt, val, err);
    case OPT_CPU_IDLE:
      return set_i64 (&cpu->idle, opt, val, err);
    case OPT_MEMORY:
      return set_size (&m->limit, opt, val, err);
    case OPT_MEMORY_RESERVATION:
      return set_size (&m->reservation, opt, val, err);
    case OPT_MEMORY_SWAP:
      return set_size (&m->swap, opt, val, err);
    case OPT_PIDS_LIMIT:
      return set_i64 (&r->pids_limit, opt, val, err);
    case OPT_CPUSET_CPUS:
      free (cpu->cpus);
      cpu->cpus = xstrdup (val);
      return 0;
    case OPT_CPUSET_MEMS:
      free (cpu->mems);
      cpu->mems = xstrdup (val);
      return 0;
    case OPT_KERNEL_MEMORY:
    case OPT_KERNEL_MEMORY_TCP:
      runcgo_warn ("Kernel memory settings are ignored and will be removed");
      return 0;
    default:
      return runcgo_fail_hint (err, 0, "see 'runcgo update --help'", "update: invalid option");
    }
}

/* -r FILE|-: the whole text, parsed by the spec loader. */
static int
read_resources (const char *path, struct runcgo_resources **out, runcgo_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  const char *name = strcmp (path, "-") == 0 ? "/dev/stdin" : path;
  if (runcgo_read_file_at (AT_FDCWD, name, 4 << 20, &text, &len, err) < 0)
    return runcgo_error_wrap (err, "update: --resources");
  if (runcgo_resources_parse (text, len, out, err) < 0)
    return runcgo_error_wrap (err, "update: --resources %s", path);
  return 0;
}

static struct runcgo_resources *
resources_new (void)
{
  struct runcgo_resources *r = xzalloc (sizeof (*r));
  r->memory = xzalloc (sizeof (*r->memory));
  r->cpu = xzalloc (sizeof (*r->cpu));
  r->block_io = xzalloc (sizeof (*r->block_io));
  return r;
}

static void
resources_freep (struct runcgo_resources **r)
{
  runcgo_resources_free (*r);
}

RUNCGO_CMD (update)
{
  __attribute__ ((cleanup (resources_freep))) struct runcgo_resources *flags = resources_new (), *file = NULL;
  const char *resources_path = NULL, *l3 = NULL, *mem_bw = NULL;
  bool cgroup_flags = false;
  struct runcgo_context *ctx;
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "r:h", update_options, NULL)) != -1)
    {
      if (c == 'r')
        resources_path = optarg;
      else if (c == 'h')
        {
          runcgo_cli_usage ("update");
          return 0;
        }
      else if (c == OPT_L3_CACHE_SCHEMA)
        l3 = optarg;
      else if (c == OPT_MEM_BW_SCHEMA)
        mem_bw = optarg;
      else if (apply_flag (c, optarg, flags, err) < 0)
        return -1;
      else
        cgroup_flags = true;
    }
  if (runcgo_cli_args ("update", argc - optind, argv + optind, 1, 1, err) < 0)
    return -1;
  if (resources_path && read_resources (resources_path, &file, err) < 0)
    return -1;
  if (runcgo_cli_context (g, &ctx, err) < 0)
    return -1;
  /* runc: with -r, every other option is ignored */
  bool rdt = !file && (l3 || mem_bw);
  if ((file || cgroup_flags || !rdt) && runcgo_container_update (ctx, argv[optind], file ? file : flags, err) < 0)
    return -1;
  return rdt && runcgo_container_update_rdt (ctx, argv[optind], l3, mem_bw, err) < 0 ? -1 : 0;
}
