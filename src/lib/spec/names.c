/* names.c -- the spec's name tables and small lookups.
 *
 * Hook kinds, namespace kinds (spec name, /proc/PID/ns name, CLONE_NEW* flag)
 * and RLIMIT_* names live here once, so the loader, the validator and the
 * appliers agree on spelling.  Pure data: no allocation, no I/O. */
#include "config.h"

#include <sched.h>
#include <string.h>
#include <sys/resource.h>

#include "core/util.h"
#include "spec/spec.h"

/* glibc < 2.31 lacks CLONE_NEWTIME; the value is ABI (linux/sched.h). */
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

const char *const runcgo_hook_kind_names[RUNCGO_HOOK_KINDS] = {
  [RUNCGO_HOOK_PRESTART] = "prestart",
  [RUNCGO_HOOK_CREATE_RUNTIME] = "createRuntime",
  [RUNCGO_HOOK_CREATE_CONTAINER] = "createContainer",
  [RUNCGO_HOOK_START_CONTAINER] = "startContainer",
  [RUNCGO_HOOK_POSTSTART] = "poststart",
  [RUNCGO_HOOK_POSTSTOP] = "poststop",
};

const char *const runcgo_ns_spec_names[RUNCGO_NS_KINDS] = {
  [RUNCGO_NS_PID] = "pid", [RUNCGO_NS_NETWORK] = "network", [RUNCGO_NS_MOUNT] = "mount",   [RUNCGO_NS_IPC] = "ipc",
  [RUNCGO_NS_UTS] = "uts", [RUNCGO_NS_USER] = "user",       [RUNCGO_NS_CGROUP] = "cgroup", [RUNCGO_NS_TIME] = "time",
};

const char *const runcgo_ns_proc_names[RUNCGO_NS_KINDS] = {
  [RUNCGO_NS_PID] = "pid", [RUNCGO_NS_NETWORK] = "net", [RUNCGO_NS_MOUNT] = "mnt",     [RUNCGO_NS_IPC] = "ipc",
  [RUNCGO_NS_UTS] = "uts", [RUNCGO_NS_USER] = "user",   [RUNCGO_NS_CGROUP] = "cgroup", [RUNCGO_NS_TIME] = "time",
};

const int runcgo_ns_clone_flags[RUNCGO_NS_KINDS] = {
  [RUNCGO_NS_PID] = CLONE_NEWPID,       [RUNCGO_NS_NETWORK] = CLONE_NEWNET, [RUNCGO_NS_MOUNT] = CLONE_NEWNS,
  [RUNCGO_NS_IPC] = CLONE_NEWIPC,       [RUNCGO_NS_UTS] = CLONE_NEWUTS,     [RUNCGO_NS_USER] = CLONE_NEWUSER,
  [RUNCGO_NS_CGROUP] = CLONE_NEWCGROUP, [RUNCGO_NS_TIME] = CLONE_NEWTIME,
};

struct rlimit_name
{
  const char *name;
  int resource;
};

/* Every resource getrlimit(2) documents for Linux. */
static const struct rlimit_name rlimit_names[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

int
runcgo_rlimit_from_name (const char *name)
{
  if (name == NULL)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE (rlimit_names); i++)
    if (strcmp (rlimit_names[i].name, name) == 0)
      return rlimit_names[i].resource;
  return -1;
}

const struct runcgo_namespace *
runcgo_spec_namespace (const struct runcgo_spec *spec, enum runcgo_ns_kind kind)
{
  if (spec == NULL || spec->linux_ == NULL)
    return NULL;
  for (size_t i = 0; i < spec->linux_->n_namespaces; i++)
    if (spec->linux_->namespaces[i].kind == kind)
      return &spec->linux_->namespaces[i];
  return NULL;
}

const char *
runcgo_kv_get (const struct runcgo_kv *kv, size_t n, const char *key)
{
  for (size_t i = 0; key && i < n; i++)
    if (strcmp (kv[i].key, key) == 0)
      return kv[i].value;
  return NULL;
}

bool
runcgo_spec_keeps_groups (const struct runcgo_spec *spec)
{
  const char *v = runcgo_spec_annotation (spec, RUNCGO_ANN_KEEP_GROUPS);
  return v && strcmp (v, "0") != 0;
}

const char *
runcgo_spec_annotation (const struct runcgo_spec *spec, const char *key)
{
  if (spec == NULL)
    return NULL;
  return runcgo_kv_get (spec->annotations, spec->n_annotations, key);
}
