/* load_linux.c -- the "linux" object of config.json into struct runcgo_linux.
 *
 * Types and required fields only, read with the runcgo_jr_* helpers of
 * load.c.  Where the struct cannot represent a value (an unknown namespace
 * type, a clock other than monotonic/boottime, a device type that is not one
 * letter) the error is raised here; every other semantic check is validate.c. */
#include "config.h"

#include <string.h>

#include "core/util.h"
#include "spec/spec.h"
#include "spec/spec_internal.h"

static int
jr_required (struct runcgo_jr *jr, json_object *o, const char *key)
{
  json_object *v = NULL;
  return runcgo_jr_field (jr, o, key, true, &v);
}

/* ---------------------------------------------------------------- namespaces, ids, time */

static int
namespace_item (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_namespace *ns = item;
  cleanup_free char *type = NULL;
  if (runcgo_jr_string (jr, o, "type", true, &type) < 0 || runcgo_jr_string (jr, o, "path", false, &ns->path) < 0)
    return -1;
  for (int k = 0; k < RUNCGO_NS_KINDS; k++)
    if (strcmp (type, runcgo_ns_spec_names[k]) == 0)
      {
        ns->kind = (enum runcgo_ns_kind)k;
        return 1;
      }
  size_t mark = runcgo_jr_push (jr, "type");
  runcgo_jr_fail_hint (jr, "valid types: pid, network, mount, ipc, uts, user, cgroup, time", "unknown namespace \"%s\"",
                       type);
  runcgo_jr_pop (jr, mark);
  return -1;
}

static int
time_offset_parse (struct runcgo_jr *jr, json_object *o, struct runcgo_time_offset *t)
{
  if (!json_object_is_type (o, json_type_object))
    return runcgo_jr_fail (jr, "expected an object with \"secs\" and \"nanosecs\"");
  int64_t secs = 0;
  uint32_t nsecs = 0;
  if (runcgo_jr_i64 (jr, o, "secs", false, INT64_MIN, INT64_MAX, &secs) < 0
      || runcgo_jr_u32 (jr, o, "nanosecs", false, &nsecs) < 0)
    return -1;
  t->set = true;
  t->secs = secs;
  t->nanosecs = nsecs;
  return 1;
}

static int
time_offsets_parse (struct runcgo_jr *jr, json_object *lo, struct runcgo_linux *l)
{
  json_object *o = NULL;
  int r = runcgo_jr_object (jr, lo, "timeOffsets", false, &o);
  if (r <= 0)
    return r;
  size_t mark = runcgo_jr_push (jr, "timeOffsets");
  json_object_object_foreach (o, clock, v)
  {
    size_t m = runcgo_jr_push (jr, clock);
    struct runcgo_time_offset *t = NULL;
    if (strcmp (clock, "monotonic") == 0)
      t = &l->time_monotonic;
    else if (strcmp (clock, "boottime") == 0)
      t = &l->time_boottime;
    else
      return runcgo_jr_fail_hint (jr, "time namespaces offset only \"monotonic\" and \"boottime\"", "unknown clock");
    if (v != NULL && time_offset_parse (jr, v, t) < 0)
      return -1;
    runcgo_jr_pop (jr, m);
  }
  runcgo_jr_pop (jr, mark);
  return 1;
}

/* ---------------------------------------------------------------- devices */

static int
device_item (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_device *d = item;
  cleanup_free char *type = NULL;
  if (runcgo_jr_string (jr, o, "type", true, &type) < 0 || runcgo_jr_string (jr, o, "path", true, &d->path) < 0)
    return -1;
  if (strlen (type) != 1)
    {
      runcgo_jr_push (jr, "type");
      return runcgo_jr_fail (jr, "expected one of \"c\", \"b\", \"u\", \"p\", got \"%s\"", type);
    }
  d->type = type[0];
  /* major and minor are REQUIRED unless the type is p (a FIFO) */
  bool need = d->type != 'p';
  if (runcgo_jr_i64 (jr, o, "major", need, INT64_MIN, INT64_MAX, &d->major) < 0
      || runcgo_jr_i64 (jr, o, "minor", need, INT64_MIN, INT64_MAX, &d->minor) < 0
      || runcgo_jr_opt_u64 (jr, o, "fileMode", UINT32_MAX, &d->file_mode) < 0
      || runcgo_jr_opt_u64 (jr, o, "uid", UINT32_MAX, &d->uid) < 0
      || runcgo_jr_opt_u64 (jr, o, "gid", UINT32_MAX, &d->gid) < 0)
    return -1;
  return 1;
}

static int
net_device_item (struct runcgo_jr *jr, const char *name, json_object *o, void *item)
{
  struct runcgo_net_device *nd = item;
  nd->host_name = xstrdup (name);
  return runcgo_jr_string (jr, o, "name", false, &nd->name) < 0 ? -1 : 1;
}

/* ---------------------------------------------------------------- resources */

static int
device_cgroup_item (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_device_cgroup *d = item;
  if (jr_required (jr, o, "allow") < 0 || runcgo_jr_bool (jr, o, "allow", &d->allow) < 0
      || runcgo_jr_string (jr, o, "type", false, &d->type) < 0 || runcgo_jr_opt_i64 (jr, o, "major", &d->major) < 0
      || runcgo_jr_opt_i64 (jr, o, "minor", &d->minor) < 0 || runcgo_jr_string (jr, o, "access", false, &d->access) < 0)
    return -1;
  return 1;
}

static int
memory_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_memory *m = item;
  if (runcgo_jr_opt_i64 (jr, o, "limit", &m->limit) < 0 || runcgo_jr_opt_i64 (jr, o, "reservation", &m->reservation) < 0
      || runcgo_jr_opt_i64 (jr, o, "swap", &m->swap) < 0 || runcgo_jr_opt_i64 (jr, o, "kernel", &m->kernel) < 0
      || runcgo_jr_opt_i64 (jr, o, "kernelTCP", &m->kernel_tcp) < 0
      || runcgo_jr_opt_u64 (jr, o, "swappiness", UINT64_MAX, &m->swappiness) < 0
      || runcgo_jr_opt_bool (jr, o, "disableOOMKiller", &m->disable_oom_killer) < 0
      || runcgo_jr_opt_bool (jr, o, "useHierarchy", &m->use_hierarchy) < 0
      || runcgo_jr_opt_bool (jr, o, "checkBeforeUpdate", &m->check_before_update) < 0)
    return -1;
  return 1;
}

static int
cpu_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_cpu *c = item;
  if (runcgo_jr_opt_u64 (jr, o, "shares", UINT64_MAX, &c->shares) < 0
      || runcgo_jr_opt_u64 (jr, o, "period", UINT64_MAX, &c->period) < 0
      || runcgo_jr_opt_u64 (jr, o, "burst", UINT64_MAX, &c->burst) < 0
      || runcgo_jr_opt_u64 (jr, o, "realtimePeriod", UINT64_MAX, &c->realtime_period) < 0
      || runcgo_jr_opt_i64 (jr, o, "quota", &c->quota) < 0
      || runcgo_jr_opt_i64 (jr, o, "realtimeRuntime", &c->realtime_runtime) < 0
      || runcgo_jr_opt_i64 (jr, o, "idle", &c->idle) < 0 || runcgo_jr_string (jr, o, "cpus", false, &c->cpus) < 0
      || runcgo_jr_string (jr, o, "mems", false, &c->mems) < 0)
    return -1;
  return 1;
}

static int
weight_device_item (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_block_weight_device *w = item;
  if (runcgo_jr_i64 (jr, o, "major", true, INT64_MIN, INT64_MAX, &w->major) < 0
      || runcgo_jr_i64 (jr, o, "minor", true, INT64_MIN, INT64_MAX, &w->minor) < 0
      || runcgo_jr_opt_u64 (jr, o, "weight", UINT16_MAX, &w->weight) < 0
      || runcgo_jr_opt_u64 (jr, o, "leafWeight", UINT16_MAX, &w->leaf_weight) < 0)
    return -1;
  return 1;
}

static int
throttle_item (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_block_throttle_device *t = item;
  if (runcgo_jr_i64 (jr, o, "major", true, INT64_MIN, INT64_MAX, &t->major) < 0
      || runcgo_jr_i64 (jr, o, "minor", true, INT64_MIN, INT64_MAX, &t->minor) < 0
      || runcgo_jr_u64 (jr, o, "rate", true, UINT64_MAX, &t->rate) < 0)
    return -1;
  return 1;
}

/* Index order of runcgo_block_io.throttle[]. */
static const char *const throttle_keys[4] = {
  "throttleReadBpsDevice",
  "throttleWriteBpsDevice",
  "throttleReadIOPSDevice",
  "throttleWriteIOPSDevice",
};

static int
block_io_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_block_io *b = item;
  if (runcgo_jr_opt_u64 (jr, o, "weight", UINT16_MAX, &b->weight) < 0
      || runcgo_jr_opt_u64 (jr, o, "leafWeight", UINT16_MAX, &b->leaf_weight) < 0
      || runcgo_jr_array_of (jr, o, "weightDevice", sizeof (*b->weight_device), weight_device_item, &b->weight_device,
                             &b->n_weight_device)
             < 0)
    return -1;
  for (int i = 0; i < 4; i++)
    if (runcgo_jr_array_of (jr, o, throttle_keys[i], sizeof (*b->throttle[i]), throttle_item, &b->throttle[i],
                            &b->n_throttle[i])
        < 0)
      return -1;
  return 1;
}

static int
hugepage_item (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_hugepage_limit *h = item;
  if (runcgo_jr_string (jr, o, "pageSize", true, &h->page_size) < 0
      || runcgo_jr_u64 (jr, o, "limit", true, UINT64_MAX, &h->limit) < 0)
    return -1;
  return 1;
}

static int
net_priority_item (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_net_priority *p = item;
  if (runcgo_jr_string (jr, o, "name", true, &p->name) < 0 || runcgo_jr_u32 (jr, o, "priority", true, &p->priority) < 0)
    return -1;
  return 1;
}

static int
network_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_resources *r = item;
  if (runcgo_jr_opt_u64 (jr, o, "classID", UINT32_MAX, &r->net_class_id) < 0
      || runcgo_jr_array_of (jr, o, "priorities", sizeof (*r->net_priorities), net_priority_item, &r->net_priorities,
                             &r->n_net_priorities)
             < 0)
    return -1;
  return 1;
}

static int
rdma_item (struct runcgo_jr *jr, const char *name, json_object *o, void *item)
{
  struct runcgo_rdma *d = item;
  d->device = xstrdup (name);
  if (runcgo_jr_opt_u64 (jr, o, "hcaHandles", UINT32_MAX, &d->hca_handles) < 0
      || runcgo_jr_opt_u64 (jr, o, "hcaObjects", UINT32_MAX, &d->hca_objects) < 0)
    return -1;
  return 1;
}

static int
pids_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_resources *r = item;
  return runcgo_jr_opt_i64 (jr, o, "limit", &r->pids_limit) < 0 ? -1 : 1;
}

static int
resources_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_resources *r = item;
  if (runcgo_jr_array_of (jr, o, "devices", sizeof (*r->devices), device_cgroup_item, &r->devices, &r->n_devices) < 0
      || runcgo_jr_sub_new (jr, o, "memory", sizeof (*r->memory), memory_fill, &r->memory) < 0
      || runcgo_jr_sub_new (jr, o, "cpu", sizeof (*r->cpu), cpu_fill, &r->cpu) < 0
      || runcgo_jr_sub (jr, o, "pids", pids_fill, r) < 0
      || runcgo_jr_sub_new (jr, o, "blockIO", sizeof (*r->block_io), block_io_fill, &r->block_io) < 0
      || runcgo_jr_array_of (jr, o, "hugepageLimits", sizeof (*r->hugepage_limits), hugepage_item, &r->hugepage_limits,
                             &r->n_hugepage_limits)
             < 0
      || runcgo_jr_sub (jr, o, "network", network_fill, r) < 0
      || runcgo_jr_map_of (jr, o, "rdma", sizeof (*r->rdma), rdma_item, &r->rdma, &r->n_rdma) < 0
      || runcgo_jr_kv (jr, o, "unified", &r->unified, &r->n_unified) < 0)
    return -1;
  return 1;
}

/* ---------------------------------------------------------------- seccomp */

static int
seccomp_arg_item (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_seccomp_arg *a = item;
  if (runcgo_jr_u32 (jr, o, "index", true, &a->index) < 0
      || runcgo_jr_u64 (jr, o, "value", true, UINT64_MAX, &a->value) < 0
      || runcgo_jr_opt_u64 (jr, o, "valueTwo", UINT64_MAX, &a->value_two) < 0
      || runcgo_jr_string (jr, o, "op", true, &a->op) < 0)
    return -1;
  return 1;
}

static int
syscall_item (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_seccomp_syscall *s = item;
  if (jr_required (jr, o, "names") < 0 || runcgo_jr_strv (jr, o, "names", &s->names) < 0
      || runcgo_jr_string (jr, o, "action", true, &s->action) < 0
      || runcgo_jr_opt_u64 (jr, o, "errnoRet", UINT32_MAX, &s->errno_ret) < 0
      || runcgo_jr_array_of (jr, o, "args", sizeof (*s->args), seccomp_arg_item, &s->args, &s->n_args) < 0)
    return -1;
  return 1;
}

static int
seccomp_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_seccomp *s = item;
  if (runcgo_jr_string (jr, o, "defaultAction", true, &s->default_action) < 0
      || runcgo_jr_opt_u64 (jr, o, "defaultErrnoRet", UINT32_MAX, &s->default_errno_ret) < 0
      || runcgo_jr_strv (jr, o, "architectures", &s->architectures) < 0
      || runcgo_jr_strv (jr, o, "flags", &s->flags) < 0
      || runcgo_jr_string (jr, o, "listenerPath", false, &s->listener_path) < 0
      || runcgo_jr_string (jr, o, "listenerMetadata", false, &s->listener_metadata) < 0
      || runcgo_jr_array_of (jr, o, "syscalls", sizeof (*s->syscalls), syscall_item, &s->syscalls, &s->n_syscalls) < 0)
    return -1;
  return 1;
}

/* ---------------------------------------------------------------- small objects */

static int
intel_rdt_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_intel_rdt *rdt = item;
  if (runcgo_jr_string (jr, o, "closID", false, &rdt->clos_id) < 0
      || runcgo_jr_strv (jr, o, "schemata", &rdt->schemata) < 0
      || runcgo_jr_string (jr, o, "l3CacheSchema", false, &rdt->l3_cache_schema) < 0
      || runcgo_jr_string (jr, o, "memBwSchema", false, &rdt->mem_bw_schema) < 0
      || runcgo_jr_bool (jr, o, "enableMonitoring", &rdt->enable_monitoring) < 0)
    return -1;
  return 1;
}

static int
memory_policy_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_memory_policy *mp = item;
  if (runcgo_jr_string (jr, o, "mode", true, &mp->mode) < 0 || runcgo_jr_string (jr, o, "nodes", false, &mp->nodes) < 0
      || runcgo_jr_strv (jr, o, "flags", &mp->flags) < 0)
    return -1;
  return 1;
}

static int
personality_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_personality *p = item;
  if (runcgo_jr_string (jr, o, "domain", true, &p->domain) < 0 || runcgo_jr_strv (jr, o, "flags", &p->flags) < 0)
    return -1;
  return 1;
}

/* The path of JR names the linux object when this runs. */
int
runcgo_jr_linux_fill (struct runcgo_jr *jr, const char *name UNUSED, json_object *o, void *item)
{
  struct runcgo_linux *l = item;
  if (runcgo_jr_array_of (jr, o, "namespaces", sizeof (*l->namespaces), namespace_item, &l->namespaces,
                          &l->n_namespaces)
          < 0
      || runcgo_jr_idmaps (jr, o, "uidMappings", &l->uid_mappings, &l->n_uid_mappings) < 0
      || runcgo_jr_idmaps (jr, o, "gidMappings", &l->gid_mappings, &l->n_gid_mappings) < 0
      || time_offsets_parse (jr, o, l) < 0
      || runcgo_jr_array_of (jr, o, "devices", sizeof (*l->devices), device_item, &l->devices, &l->n_devices) < 0
      || runcgo_jr_map_of (jr, o, "netDevices", sizeof (*l->net_devices), net_device_item, &l->net_devices,
                           &l->n_net_devices)
             < 0
      || runcgo_jr_string (jr, o, "cgroupsPath", false, &l->cgroups_path) < 0
      || runcgo_jr_sub_new (jr, o, "resources", sizeof (*l->resources), resources_fill, &l->resources) < 0
      || runcgo_jr_string (jr, o, "rootfsPropagation", false, &l->rootfs_propagation) < 0
      || runcgo_jr_sub_new (jr, o, "seccomp", sizeof (*l->seccomp), seccomp_fill, &l->seccomp) < 0
      || runcgo_jr_kv (jr, o, "sysctl", &l->sysctl, &l->n_sysctl) < 0
      || runcgo_jr_strv (jr, o, "maskedPaths", &l->masked_paths) < 0
      || runcgo_jr_strv (jr, o, "readonlyPaths", &l->readonly_paths) < 0
      || runcgo_jr_string (jr, o, "mountLabel", false, &l->mount_label) < 0
      || runcgo_jr_sub_new (jr, o, "intelRdt", sizeof (*l->intel_rdt), intel_rdt_fill, &l->intel_rdt) < 0
      || runcgo_jr_sub_new (jr, o, "memoryPolicy", sizeof (*l->memory_policy), memory_policy_fill, &l->memory_policy)
             < 0
      || runcgo_jr_sub_new (jr, o, "personality", sizeof (*l->personality), personality_fill, &l->personality) < 0)
    return -1;
  return 1;
}

int
runcgo_resources_parse (const char *json, size_t len, struct runcgo_resources **out, runcgo_error_t *err)
{
  json_object *obj = NULL;
  if (runcgo_jr_parse_text (json, len, &obj, err) < 0)
    return -1;
  struct runcgo_jr jr = { .err = err };
  runcgo_jr_push (&jr, "linux");
  runcgo_jr_push (&jr, "resources");
  struct runcgo_resources *r = xzalloc (sizeof (*r));
  int ret = json_object_is_type (obj, json_type_object) ? resources_fill (&jr, NULL, obj, r)
                                                        : runcgo_jr_fail (&jr, "expected an object");
  json_object_put (obj);
  if (ret < 0)
    {
      runcgo_resources_free (r);
      return -1;
    }
  *out = r;
  return 0;
}
