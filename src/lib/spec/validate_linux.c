/* validate_linux.c -- semantic checks of the "linux" object (except namespaces
 * and ID maps, which validate.c owns with the rest of the isolation rules).
 *
 * sysctl follows runc: only namespaced keys, and only with the namespace that
 * makes them safe.  Enums are those of the OCI schema (defs-linux.json), so a
 * typo fails here instead of deep inside the container init. */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "spec/spec.h"
#include "spec/spec_internal.h"

/* ---------------------------------------------------------------- sysctl */

/* IPC-namespaced kernel.* keys (ipc_sysctls in the kernel's ipc/ipc_sysctl.c). */
static const char *const ipc_sysctls[]
    = { "kernel.msgmax", "kernel.msgmnb",          "kernel.msgmni", "kernel.sem", "kernel.shmall",
        "kernel.shmmax", "kernel.shm_rmid_forced", "kernel.shmmni", NULL };

static bool
sysctl_key_ok (const char *k)
{
  if (*k == '\0' || *k == '.' || strchr (k, '/') || strstr (k, "..") || k[strlen (k) - 1] == '.')
    return false;
  for (; *k; k++)
    if (isspace ((unsigned char)*k))
      return false;
  return true;
}

static int
sysctl_need (const struct runcgo_spec *spec, const char *key, enum runcgo_ns_kind kind, runcgo_error_t *err)
{
  if (runcgo_vhas_ns (spec, kind, NULL))
    return 0;
  return runcgo_fail_hint (err, 0, "add the namespace to linux.namespaces, or drop the sysctl",
                           "linux.sysctl[\"%s\"]: needs a %s namespace, or it would change the host", key,
                           runcgo_ns_spec_names[kind]);
}

static int
validate_sysctl (const struct runcgo_spec *spec, runcgo_error_t *err)
{
  const struct runcgo_linux *l = spec->linux_;
  for (size_t i = 0; i < l->n_sysctl; i++)
    {
      const char *k = l->sysctl[i].key;
      if (!sysctl_key_ok (k))
        return runcgo_fail_hint (err, 0, "write keys with dots, e.g. \"net.ipv4.ip_forward\"",
                                 "linux.sysctl[\"%s\"]: invalid key", k);
      if (runcgo_vin_list (k, ipc_sysctls) || strncmp (k, "fs.mqueue.", 10) == 0)
        {
          if (sysctl_need (spec, k, RUNCGO_NS_IPC, err) < 0)
            return -1;
        }
      else if (strncmp (k, "net.", 4) == 0)
        {
          if (sysctl_need (spec, k, RUNCGO_NS_NETWORK, err) < 0)
            return -1;
        }
      else if (strcmp (k, "kernel.domainname") == 0 || strcmp (k, "kernel.hostname") == 0)
        {
          if (sysctl_need (spec, k, RUNCGO_NS_UTS, err) < 0)
            return -1;
          if (strcmp (k, "kernel.hostname") == 0 && spec->hostname && *spec->hostname)
            return runcgo_fail (err, 0, "linux.sysctl[\"%s\"]: conflicts with \"hostname\"; set only one", k);
        }
      else
        return runcgo_fail_hint (err, 0,
                                 "only IPC (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*), net.* and "
                                 "kernel.hostname/domainname are namespaced",
                                 "linux.sysctl[\"%s\"]: not namespaced, it would change the host", k);
    }
  return 0;
}

/* ---------------------------------------------------------------- devices */

/* The strict device policy judges a node by what it opens (type and
 * numbers), never by its path: "/dev/null" as b 8:0 is a disk.  FIFOs open
 * nothing of the host and pass. */
static bool
device_is_safe (const struct runcgo_device *d)
{
  static const struct { int64_t major, minor; } safe[] = {
    { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 }, /* null zero full random urandom */
    { 5, 0 }, { 5, 1 }, { 5, 2 },                     /* tty console ptmx */
  };
  if (d->type == 'p')
    return true;
  if (d->type != 'c' && d->type != 'u')
    return false;
  if (d->major >= 136 && d->major <= 143) /* UNIX98 pty slaves (/dev/pts/N) */
    return true;
  for (size_t i = 0; i < ARRAY_SIZE (safe); i++)
    if (d->major == safe[i].major && d->minor == safe[i].minor)
      return true;
  return false;
}

static int
validate_device_policy (const struct runcgo_spec *spec, unsigned flags, runcgo_error_t *err)
{
  const char *a = runcgo_spec_annotation (spec, RUNCGO_ANNOTATION_DEVICE_POLICY);
  if (a && strcmp (a, "strict") != 0 && strcmp (a, "default") != 0)
    return runcgo_fail (err, 0, "annotations[\"%s\"]: expected \"default\" or \"strict\", got \"%s\"",
                        RUNCGO_ANNOTATION_DEVICE_POLICY, a);
  if (!(flags & RUNCGO_VALIDATE_STRICT_DEVICES) && !(a && strcmp (a, "strict") == 0))
    return 0;
  const struct runcgo_linux *l = spec->linux_;
  for (size_t i = 0; l && i < l->n_devices; i++)
    if (!device_is_safe (&l->devices[i]))
      return runcgo_fail_hint (err, EPERM,
                               "the strict device policy allows only null, zero, full, random, urandom, tty, "
                               "console, ptmx and pty slaves; drop the device or use --device-policy default",
                               "linux.devices[%zu]: `%s` (%c %" PRId64 ":%" PRId64 ") is refused by the strict device "
                               "policy (%s)",
                               i, l->devices[i].path, l->devices[i].type, l->devices[i].major, l->devices[i].minor,
                               (flags & RUNCGO_VALIDATE_STRICT_DEVICES) ? "--device-policy strict"
                                                                       : "annotation " RUNCGO_ANNOTATION_DEVICE_POLICY);
  return 0;
}

static int
validate_devices (const struct runcgo_linux *l, runcgo_error_t *err)
{
  char field[64];
  for (size_t i = 0; i < l->n_devices; i++)
    {
      const struct runcgo_device *d = &l->devices[i];
      snprintf (field, sizeof (field), "linux.devices[%zu].path", i);
      if (runcgo_vcheck_abs_path (field, d->path, err) < 0)
        return -1;
      if (d->type == '\0' || strchr ("cbup", d->type) == NULL)
        return runcgo_fail (err, 0, "linux.devices[%zu].type: expected one of \"c\", \"b\", \"u\", \"p\", got \"%c\"",
                            i, d->type ? d->type : '?');
      /* dev_t holds a 12-bit major and a 20-bit minor: larger values would
       * silently alias another device */
      if (d->type != 'p' && (d->major < 0 || d->major > 0xfff || d->minor < 0 || d->minor > 0xfffff))
        return runcgo_fail (err, 0,
                            "linux.devices[%zu]: major %" PRId64 " / minor %" PRId64 " out of range "
                            "(major 0..4095, minor 0..1048575)",
                            i, d->major, d->minor);
      if (d->file_mode.set && d->file_mode.v > 07777)
        return runcgo_fail (err, 0, "linux.devices[%zu].fileMode: %" PRIu64 " is not a permission mode (max 07777)", i,
                            d->file_mode.v);
      for (size_t j = 0; j < i; j++)
        if (strcmp (l->devices[j].path, d->path) == 0)
          return runcgo_fail (err, 0, "linux.devices[%zu].path: \"%s\" is already linux.devices[%zu]", i, d->path, j);
    }
  return 0;
}

/* dev_valid_name() of net/core/dev.c */
static bool
ifname_ok (const char *n)
{
  size_t len = strlen (n);
  if (len == 0 || len >= 16 || strcmp (n, ".") == 0 || strcmp (n, "..") == 0)
    return false;
  for (; *n; n++)
    if (*n == '/' || *n == ':' || isspace ((unsigned char)*n))
      return false;
  return true;
}

static int
validate_net_devices (const struct runcgo_linux *l, unsigned flags, runcgo_error_t *err)
{
  static const char hint[] = "interface names have 1-15 characters, without '/', ':' or spaces";
  if (l->n_net_devices && (flags & RUNCGO_VALIDATE_ROOTLESS))
    return runcgo_fail_hint (err, 0, "run as root, or connect the container another way (slirp)",
                             "linux.netDevices: moving host interfaces needs CAP_NET_ADMIN on the host");
  for (size_t i = 0; i < l->n_net_devices; i++)
    {
      const struct runcgo_net_device *nd = &l->net_devices[i];
      const char *target = nd->name && *nd->name ? nd->name : nd->host_name;
      if (!ifname_ok (nd->host_name))
        return runcgo_fail_hint (err, 0, hint, "linux.netDevices[\"%s\"]: invalid interface name", nd->host_name);
      if (!ifname_ok (target))
        return runcgo_fail_hint (err, 0, hint, "linux.netDevices[\"%s\"].name: invalid interface name \"%s\"",
                                 nd->host_name, target);
      for (size_t j = 0; j < i; j++)
        {
          const struct runcgo_net_device *o = &l->net_devices[j];
          if (strcmp (target, o->name && *o->name ? o->name : o->host_name) == 0)
            return runcgo_fail (err, 0, "linux.netDevices[\"%s\"]: name \"%s\" is also the target of \"%s\"",
                                nd->host_name, target, o->host_name);
        }
    }
  return 0;
}

/* ---------------------------------------------------------------- resources */

static int
validate_device_cgroup (const struct runcgo_resources *r, runcgo_error_t *err)
{
  for (size_t i = 0; i < r->n_devices; i++)
    {
      const struct runcgo_device_cgroup *d = &r->devices[i];
      if (d->type && strcmp (d->type, "a") && strcmp (d->type, "c") && strcmp (d->type, "b"))
        return runcgo_fail (err, 0, "linux.resources.devices[%zu].type: expected \"a\", \"c\" or \"b\", got \"%s\"", i,
                            d->type);
      if (d->access && (d->access[0] == '\0' || strspn (d->access, "rwm") != strlen (d->access)))
        return runcgo_fail (err, 0, "linux.resources.devices[%zu].access: \"%s\" is not a combination of r, w, m", i,
                            d->access);
      if ((d->major.set && d->major.v < -1) || (d->minor.set && d->minor.v < -1))
        return runcgo_fail (err, 0, "linux.resources.devices[%zu]: major/minor must be >= 0 (or -1 for any)", i);
    }
  return 0;
}

static int
validate_memory (const struct runcgo_memory *m, runcgo_error_t *err)
{
  const runcgo_opt_i64 *v[] = { &m->limit, &m->reservation, &m->swap, &m->kernel, &m->kernel_tcp };
  const char *names[] = { "limit", "reservation", "swap", "kernel", "kernelTCP" };
  for (size_t i = 0; i < ARRAY_SIZE (v); i++)
    if (v[i]->set && v[i]->v < -1)
      return runcgo_fail (err, 0, "linux.resources.memory.%s: %" PRId64 " is invalid (bytes, or -1 for unlimited)",
                          names[i], v[i]->v);
  /* OCI swap is memory+swap: below the memory limit it cannot be honoured */
  if (m->limit.set && m->swap.set && m->limit.v > 0 && m->swap.v > 0 && m->swap.v < m->limit.v)
    return runcgo_fail_hint (err, 0, "swap is the memory+swap total, so it must be >= limit (or -1)",
                             "linux.resources.memory.swap: %" PRId64 " is below limit %" PRId64, m->swap.v, m->limit.v);
  if (m->swappiness.set && m->swappiness.v > 100)
    return runcgo_fail (err, 0, "linux.resources.memory.swappiness: %" PRIu64 " is outside 0..100", m->swappiness.v);
  return 0;
}

static bool
cpu_list_ok (const char *s)
{
  return s == NULL || strspn (s, "0123456789,-") == strlen (s);
}

/* Kernel limits of cpu.cfs_period_us / cpu.max: 1ms .. 1s, quota >= 1ms. */
static int
validate_cpu (const struct runcgo_cpu *c, runcgo_error_t *err)
{
  if (c->period.set && c->period.v != 0 && (c->period.v < 1000 || c->period.v > 1000000))
    return runcgo_fail (err, 0, "linux.resources.cpu.period: %" PRIu64 " is outside 1000..1000000 (microseconds)",
                        c->period.v);
  if (c->quota.set && (c->quota.v < -1 || (c->quota.v > 0 && c->quota.v < 1000)))
    return runcgo_fail (err, 0, "linux.resources.cpu.quota: %" PRId64 " is invalid (-1, or at least 1000 microseconds)",
                        c->quota.v);
  if (c->burst.set && c->quota.set && c->quota.v > 0 && c->burst.v > (uint64_t)c->quota.v)
    return runcgo_fail (err, 0, "linux.resources.cpu.burst: must not exceed quota");
  if (c->realtime_runtime.set && c->realtime_runtime.v < -1)
    return runcgo_fail (err, 0, "linux.resources.cpu.realtimeRuntime: %" PRId64 " is invalid", c->realtime_runtime.v);
  if (c->realtime_runtime.set && c->realtime_period.set && c->realtime_runtime.v > 0 && c->realtime_period.v > 0
      && (uint64_t)c->realtime_runtime.v > c->realtime_period.v)
    return runcgo_fail (err, 0, "linux.resources.cpu.realtimeRuntime: must not exceed realtimePeriod");
  if (c->idle.set && c->idle.v != 0 && c->idle.v != 1)
    return runcgo_fail (err, 0, "linux.resources.cpu.idle: must be 0 or 1");
  if (!cpu_list_ok (c->cpus) || !cpu_list_ok (c->mems))
    return runcgo_fail_hint (err, 0, "lists look like \"0-3,7\"", "linux.resources.cpu.%s: invalid list \"%s\"",
                             cpu_list_ok (c->cpus) ? "mems" : "cpus", cpu_list_ok (c->cpus) ? c->mems : c->cpus);
  return 0;
}

static int
validate_block_io (const struct runcgo_block_io *b, runcgo_error_t *err)
{
  static const char *const throttle[4]
      = { "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice", "throttleWriteIOPSDevice" };
  for (size_t i = 0; i < b->n_weight_device; i++)
    {
      const struct runcgo_block_weight_device *w = &b->weight_device[i];
      if (!w->weight.set && !w->leaf_weight.set)
        return runcgo_fail (err, 0, "linux.resources.blockIO.weightDevice[%zu]: needs weight or leafWeight", i);
      if (w->major < 0 || w->minor < 0)
        return runcgo_fail (err, 0, "linux.resources.blockIO.weightDevice[%zu]: major/minor must be >= 0", i);
    }
  for (int k = 0; k < 4; k++)
    for (size_t i = 0; i < b->n_throttle[k]; i++)
      if (b->throttle[k][i].major < 0 || b->throttle[k][i].minor < 0)
        return runcgo_fail (err, 0, "linux.resources.blockIO.%s[%zu]: major/minor must be >= 0", throttle[k], i);
  return 0;
}

/* ^[1-9][0-9]*[KMG]B$ */
static bool
page_size_ok (const char *s)
{
  if (s == NULL || *s < '1' || *s > '9')
    return false;
  while (isdigit ((unsigned char)*s))
    s++;
  return (s[0] == 'K' || s[0] == 'M' || s[0] == 'G') && s[1] == 'B' && s[2] == '\0';
}

static int
validate_resources_misc (const struct runcgo_resources *r, runcgo_error_t *err)
{
  if (r->pids_limit.set && r->pids_limit.v < -1)
    return runcgo_fail (err, 0, "linux.resources.pids.limit: %" PRId64 " is invalid (-1 for no limit)",
                        r->pids_limit.v);
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    if (!page_size_ok (r->hugepage_limits[i].page_size))
      return runcgo_fail_hint (err, 0, "write sizes with an upper-case unit: \"64KB\", \"2MB\", \"1GB\"",
                               "linux.resources.hugepageLimits[%zu].pageSize: invalid size \"%s\"", i,
                               r->hugepage_limits[i].page_size);
  for (size_t i = 0; i < r->n_net_priorities; i++)
    if (r->net_priorities[i].name[0] == '\0')
      return runcgo_fail (err, 0, "linux.resources.network.priorities[%zu].name: must not be empty", i);
  for (size_t i = 0; i < r->n_rdma; i++)
    if (!r->rdma[i].hca_handles.set && !r->rdma[i].hca_objects.set)
      return runcgo_fail (err, 0, "linux.resources.rdma[\"%s\"]: needs hcaHandles or hcaObjects", r->rdma[i].device);
  for (size_t i = 0; i < r->n_unified; i++)
    {
      const char *k = r->unified[i].key;
      if (*k == '\0' || strchr (k, '/') || strcmp (k, ".") == 0 || strcmp (k, "..") == 0)
        return runcgo_fail_hint (err, 0, "keys are cgroup file names such as \"memory.max\"",
                                 "linux.resources.unified[\"%s\"]: not a cgroup file name", k);
    }
  return 0;
}

static int
validate_resources (const struct runcgo_resources *r, runcgo_error_t *err)
{
  if (validate_device_cgroup (r, err) < 0 || (r->memory && validate_memory (r->memory, err) < 0)
      || (r->cpu && validate_cpu (r->cpu, err) < 0) || (r->block_io && validate_block_io (r->block_io, err) < 0)
      || validate_resources_misc (r, err) < 0)
    return -1;
  return 0;
}

int
runcgo_resources_validate (const struct runcgo_resources *r, runcgo_error_t *err)
{
  return validate_resources (r, err);
}

/* ---------------------------------------------------------------- seccomp */

static const char *const seccomp_actions[]
    = { "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",   "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY", NULL };
static const char *const seccomp_archs[]
    = { "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",     "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64",     "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",    "SCMP_ARCH_MIPS",
        "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
        "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",         "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",
        "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",       "SCMP_ARCH_SH",      "SCMP_ARCH_SHEB",
        "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",    "SCMP_ARCH_RISCV64", NULL };
static const char *const seccomp_flags[]
    = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL };
static const char *const seccomp_ops[] = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
                                           "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL };

static bool
action_takes_errno (const char *action)
{
  return strcmp (action, "SCMP_ACT_ERRNO") == 0 || strcmp (action, "SCMP_ACT_TRACE") == 0;
}

static int
validate_syscall (const struct runcgo_seccomp *s, size_t i, runcgo_error_t *err)
{
  const struct runcgo_seccomp_syscall *sc = &s->syscalls[i];
  if (runcgo_strv_len (sc->names) == 0)
    return runcgo_fail (err, 0, "linux.seccomp.syscalls[%zu].names: must contain at least one name", i);
  for (size_t j = 0; sc->names[j]; j++)
    if (sc->names[j][0] == '\0')
      return runcgo_fail (err, 0, "linux.seccomp.syscalls[%zu].names[%zu]: must not be empty", i, j);
  if (!runcgo_vin_list (sc->action, seccomp_actions))
    return runcgo_fail_hint (err, 0, runcgo_vlist_text (seccomp_actions),
                             "linux.seccomp.syscalls[%zu].action: unknown action \"%s\"", i, sc->action);
  if (sc->errno_ret.set && !action_takes_errno (sc->action))
    return runcgo_fail (err, 0,
                        "linux.seccomp.syscalls[%zu].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE "
                        "return an errno, not %s",
                        i, sc->action);
  if (strcmp (sc->action, "SCMP_ACT_NOTIFY") == 0 && s->listener_path == NULL && s->plugins == NULL)
    return runcgo_fail_hint (err, 0,
                             "set linux.seccomp.listenerPath to the agent's socket, or name plugins in the "
                             "annotation " RUNCGO_ANN_SECCOMP_PLUGINS,
                             "linux.seccomp.syscalls[%zu].action: SCMP_ACT_NOTIFY needs a listener", i);
  for (size_t j = 0; j < sc->n_args; j++)
    {
      if (sc->args[j].index >= 6)
        return runcgo_fail (err, 0,
                            "linux.seccomp.syscalls[%zu].args[%zu].index: %u is above 5 (syscalls take 6 "
                            "arguments)",
                            i, j, sc->args[j].index);
      if (!runcgo_vin_list (sc->args[j].op, seccomp_ops))
        return runcgo_fail_hint (err, 0, runcgo_vlist_text (seccomp_ops),
                                 "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator \"%s\"", i, j,
                                 sc->args[j].op);
    }
  return 0;
}

static int
validate_seccomp (const struct runcgo_seccomp *s, runcgo_error_t *err)
{
  if (!runcgo_vin_list (s->default_action, seccomp_actions))
    return runcgo_fail_hint (err, 0, runcgo_vlist_text (seccomp_actions),
                             "linux.seccomp.defaultAction: unknown action \"%s\"", s->default_action);
  /* the runtime itself runs under the filter until execve: a notify default
   * would block it on its first syscall */
  if (strcmp (s->default_action, "SCMP_ACT_NOTIFY") == 0)
    return runcgo_fail (err, 0, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
  if (s->default_errno_ret.set && !action_takes_errno (s->default_action))
    return runcgo_fail (err, 0,
                        "linux.seccomp.defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return an "
                        "errno, not %s",
                        s->default_action);
  for (size_t i = 0; s->architectures && s->architectures[i]; i++)
    if (!runcgo_vin_list (s->architectures[i], seccomp_archs))
      return runcgo_fail_hint (err, 0, runcgo_vlist_text (seccomp_archs),
                               "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i, s->architectures[i]);
  for (size_t i = 0; s->flags && s->flags[i]; i++)
    if (!runcgo_vin_list (s->flags[i], seccomp_flags))
      return runcgo_fail_hint (err, 0, runcgo_vlist_text (seccomp_flags),
                               "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, s->flags[i]);
  if (s->listener_metadata && s->listener_path == NULL)
    return runcgo_fail (err, 0, "linux.seccomp.listenerMetadata: set without listenerPath");
  if (s->listener_path && s->listener_path[0] == '\0')
    return runcgo_fail (err, 0, "linux.seccomp.listenerPath: must not be empty");
  for (size_t i = 0; i < s->n_syscalls; i++)
    if (validate_syscall (s, i, err) < 0)
      return -1;
  return 0;
}

/* ---------------------------------------------------------------- rdt, NUMA, personality */

static int
validate_intel_rdt (const struct runcgo_intel_rdt *r, runcgo_error_t *err)
{
  const char *c = r->clos_id;
  /* closID names a directory under /sys/fs/resctrl; "/" is the default group */
  if (c && strcmp (c, "/") != 0
      && (*c == '\0' || strchr (c, '/') || strchr (c, '\n') || strcmp (c, ".") == 0 || strcmp (c, "..") == 0))
    return runcgo_fail (err, 0, "linux.intelRdt.closID: \"%s\" is not a valid resctrl group name", c);
  if (r->l3_cache_schema && strchr (r->l3_cache_schema, '\n'))
    return runcgo_fail (err, 0, "linux.intelRdt.l3CacheSchema: must not contain newlines");
  if (r->mem_bw_schema && (strncmp (r->mem_bw_schema, "MB:", 3) != 0 || strchr (r->mem_bw_schema, '\n')))
    return runcgo_fail_hint (err, 0, "e.g. \"MB:0=20;1=70\"",
                             "linux.intelRdt.memBwSchema: must start with \"MB:\" and be one line");
  for (size_t i = 0; r->schemata && r->schemata[i]; i++)
    if (strchr (r->schemata[i], '\n'))
      return runcgo_fail (err, 0, "linux.intelRdt.schemata[%zu]: must not contain newlines", i);
  return 0;
}

static const char *const mpol_modes[]
    = { "MPOL_DEFAULT",   "MPOL_BIND",           "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
        "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL",      NULL };
static const char *const mpol_flags[]
    = { "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES", NULL };
static const char *const mpol_no_nodes[] = { "MPOL_DEFAULT", "MPOL_LOCAL", NULL };
static const char *const mpol_need_nodes[]
    = { "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED_MANY", NULL };

/* The rules of set_mempolicy(2). */
static int
validate_memory_policy (const struct runcgo_memory_policy *m, runcgo_error_t *err)
{
  bool has_nodes = m->nodes && *m->nodes;
  if (!runcgo_vin_list (m->mode, mpol_modes))
    return runcgo_fail_hint (err, 0, runcgo_vlist_text (mpol_modes), "linux.memoryPolicy.mode: unknown mode \"%s\"",
                             m->mode ? m->mode : "");
  for (size_t i = 0; m->flags && m->flags[i]; i++)
    if (!runcgo_vin_list (m->flags[i], mpol_flags))
      return runcgo_fail_hint (err, 0, runcgo_vlist_text (mpol_flags),
                               "linux.memoryPolicy.flags[%zu]: unknown flag \"%s\"", i, m->flags[i]);
  if (runcgo_strv_contains (m->flags, "MPOL_F_RELATIVE_NODES")
      && runcgo_strv_contains (m->flags, "MPOL_F_STATIC_NODES"))
    return runcgo_fail (err, 0,
                        "linux.memoryPolicy.flags: MPOL_F_RELATIVE_NODES and MPOL_F_STATIC_NODES exclude each "
                        "other");
  if (!cpu_list_ok (m->nodes))
    return runcgo_fail_hint (err, 0, "lists look like \"0-3,7\"", "linux.memoryPolicy.nodes: invalid list \"%s\"",
                             m->nodes);
  if (has_nodes && runcgo_vin_list (m->mode, mpol_no_nodes))
    return runcgo_fail (err, 0, "linux.memoryPolicy.nodes: %s takes no nodes", m->mode);
  if (!has_nodes && runcgo_vin_list (m->mode, mpol_need_nodes))
    return runcgo_fail (err, 0, "linux.memoryPolicy.nodes: %s needs at least one node", m->mode);
  return 0;
}

static int
validate_personality (const struct runcgo_personality *p, runcgo_error_t *err)
{
  if (p->domain == NULL || (strcmp (p->domain, "LINUX") != 0 && strcmp (p->domain, "LINUX32") != 0))
    return runcgo_fail_hint (err, 0, "LINUX or LINUX32", "linux.personality.domain: unknown domain \"%s\"",
                             p->domain ? p->domain : "");
  if (runcgo_strv_len (p->flags))
    return runcgo_fail (err, 0, "linux.personality.flags: \"%s\" is not supported (the spec defines no flags)",
                        p->flags[0]);
  return 0;
}

/* ---------------------------------------------------------------- entry */

static const char *const propagations[]
    = { "shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable", NULL };

static int
validate_paths (const struct runcgo_linux *l, runcgo_error_t *err)
{
  char field[64];
  for (size_t i = 0; l->masked_paths && l->masked_paths[i]; i++)
    {
      snprintf (field, sizeof (field), "linux.maskedPaths[%zu]", i);
      if (runcgo_vcheck_abs_path (field, l->masked_paths[i], err) < 0)
        return -1;
    }
  for (size_t i = 0; l->readonly_paths && l->readonly_paths[i]; i++)
    {
      snprintf (field, sizeof (field), "linux.readonlyPaths[%zu]", i);
      if (runcgo_vcheck_abs_path (field, l->readonly_paths[i], err) < 0)
        return -1;
    }
  if (l->rootfs_propagation && !runcgo_vin_list (l->rootfs_propagation, propagations))
    return runcgo_fail_hint (err, 0, runcgo_vlist_text (propagations),
                             "linux.rootfsPropagation: unknown propagation \"%s\"", l->rootfs_propagation);
  if (l->cgroups_path && runcgo_vpath_escapes (l->cgroups_path))
    return runcgo_fail (err, 0, "linux.cgroupsPath: \"%s\" climbs out of the cgroup root through \"..\"",
                        l->cgroups_path);
  return 0;
}

/* linux.mountLabel goes double-quoted into mount options (fs/mount_opts.c):
 * a quote or a control character would end or split it.  No SELinux
 * context holds either. */
static int
validate_mount_label (const char *label, runcgo_error_t *err)
{
  for (const char *c = label; c && *c; c++)
    if (*c == '"' || (unsigned char)*c < 0x20 || *c == 0x7f)
      return runcgo_fail_hint (err, 0, "write an SELinux context such as system_u:object_r:container_file_t:s0:c1,c2",
                               "linux.mountLabel: \"%s\" holds a double quote or a control character", label);
  return 0;
}

int
runcgo_validate_linux (const struct runcgo_spec *spec, unsigned flags, runcgo_error_t *err)
{
  const struct runcgo_linux *l = spec->linux_;
  if (l == NULL)
    return 0;
  if (validate_sysctl (spec, err) < 0 || validate_devices (l, err) < 0 || validate_device_policy (spec, flags, err) < 0
      || validate_net_devices (l, flags, err) < 0 || validate_paths (l, err) < 0
      || (l->resources && validate_resources (l->resources, err) < 0)
      || (l->seccomp && validate_seccomp (l->seccomp, err) < 0)
      || (l->intel_rdt && validate_intel_rdt (l->intel_rdt, err) < 0)
      || (l->memory_policy && validate_memory_policy (l->memory_policy, err) < 0)
      || (l->personality && validate_personality (l->personality, err) < 0)
      || validate_mount_label (l->mount_label, err) < 0)
    return -1;
  return 0;
}
