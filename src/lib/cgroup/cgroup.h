/* cgroup.h -- the container's cgroup, whatever the host has.
 *
 * A manager is created once per container before the init is cloned (so
 * resources are in place before the first instruction of the container runs
 * and, on a v2 host, the init can be cloned straight into it with
 * CLONE_INTO_CGROUP), and re-opened from state.json by later commands.
 *
 * Drivers: cgroupfs v2 (unified), cgroupfs v1 (one hierarchy per controller,
 * plus named ones like name=systemd), hybrid (v1 controllers + a cgroup2
 * mount, as on this project's CI host), systemd (sd-bus; later), disabled.
 * OCI resources are translated ONCE into a list of file writes by a pure
 * function (runcgo_cgroup_plan_writes) that unit tests check for v1 and v2. */
#ifndef RUNCGO_CGROUP_H
#define RUNCGO_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "spec/spec.h"

enum runcgo_cgroup_mode
{
  RUNCGO_CGROUP_V1,      /* every controller on its own v1 hierarchy */
  RUNCGO_CGROUP_HYBRID,  /* v1 controllers + cgroup2 at /sys/fs/cgroup/unified */
  RUNCGO_CGROUP_V2,      /* unified only */
};
/* Detected once per process (statfs of /sys/fs/cgroup and .../unified). */
enum runcgo_cgroup_mode runcgo_cgroup_mode (void);

enum runcgo_cgroup_driver
{
  RUNCGO_CGROUP_DRIVER_FS,
  RUNCGO_CGROUP_DRIVER_SYSTEMD,
  RUNCGO_CGROUP_DRIVER_DISABLED,
};

/* The driver the global flags chose: --cgroup-manager disabled, --systemd-cgroup, or cgroupfs. */
struct runcgo_context;
enum runcgo_cgroup_driver runcgo_cgroup_driver_of (const struct runcgo_context *ctx);

struct runcgo_cgroup_config
{
  const char *id;
  const char *cgroups_path;     /* linux.cgroupsPath; NULL/empty = "<id>" relative to the
                                   caller's cgroup, as runc does (see manager.c) */
  const struct runcgo_resources *resources; /* may be NULL */
  enum runcgo_cgroup_driver driver;
  bool rootless;                /* permission errors on create are not fatal: run without cgroup, warn once */
  bool enforce;                 /* ...unless resources were asked for and this is set (annotation
                                 * run.oci.runcgo.cgroups=required) */
  /* fs driver: called with the path state.json will record once it is
   * known, before the first directory is made (create writes its early
   * state there, so that a create killed while making the cgroup leaves a
   * state naming it for `delete -f`).  Optional; an error aborts. */
  int (*before_mkdir) (const char *path, void *arg, runcgo_error_t *err);
  void *before_mkdir_arg;
  /* crun's annotations: run.oci.systemd.subgroup (systemd driver: the init
   * and the limits go to this sub-cgroup of the unit) and
   * run.oci.delegate-cgroup (cgroup v2: the init is moved on into this
   * sub-cgroup of the container's, which gets no limit and belongs to the
   * container's root, uid/gid below).  NULL = none. */
  const char *subgroup;
  const char *delegate;
  uid_t delegate_uid;
  gid_t delegate_gid;
};
#define RUNCGO_ANN_SYSTEMD_SUBGROUP "run.oci.systemd.subgroup"
#define RUNCGO_ANN_DELEGATE_CGROUP "run.oci.delegate-cgroup"

/* One file write of the resource plan. */
struct runcgo_cgroup_write
{
  const char *controller;  /* v1 hierarchy name ("memory", "cpu", ...); NULL = the cgroup2
                              hierarchy (v2, or the unified mount of a hybrid host) */
  char *file;              /* owned: "memory.limit_in_bytes", "hugetlb.2MB.max", ... */
  char *value;             /* owned */
  const char *field;       /* OCI field named in errors: "linux.resources.memory.limit" */
  unsigned flags;          /* RUNCGO_CGROUP_WRITE_* */
};
enum
{
  RUNCGO_CGROUP_WRITE_OPTIONAL = 1 << 0, /* skip when the kernel has no such file */
  RUNCGO_CGROUP_WRITE_RETRY = 1 << 1,    /* EINVAL: retry once after the other writes
                                            (limits checked against each other) */
};
/* Pure: OCI resources -> ordered writes for the given mode (v1/hybrid -> v1
 * files; v2 -> v2 files, with the OCI->v2 conversions of runc/crun: shares ->
 * weight, blkio weight -> io.bfq.weight/io.weight, swap -> memory.swap.max
 * as swap-limit, ...).  Errors name the field ("linux.resources.memory.swap:
 * must be >= memory.limit"). */
int runcgo_cgroup_plan_writes (const struct runcgo_resources *r, enum runcgo_cgroup_mode mode,
                               struct runcgo_cgroup_write **out, size_t *n, runcgo_error_t *err);
void runcgo_cgroup_writes_free (struct runcgo_cgroup_write *w, size_t n);

struct runcgo_cgroup;

/* Create the cgroup (every hierarchy), apply resources.  On failure nothing is
 * left behind (directories created so far are removed). */
int runcgo_cgroup_create (const struct runcgo_cgroup_config *cfg, struct runcgo_cgroup **out, runcgo_error_t *err);
/* v2 directory fd for clone3(CLONE_INTO_CGROUP), or -1 when not possible
 * (v1, hybrid, disabled).  Owned by the manager: do not close it. */
int runcgo_cgroup_clone_fd (const struct runcgo_cgroup *cg);
/* Move pid into the cgroup (every hierarchy); a no-op for a process cloned
 * into it already (cloned_into = true) except on the v1 hierarchies, and for
 * the v1 hierarchies the init joins itself (runcgo_cgroup_self_join_open). */
int runcgo_cgroup_enter (struct runcgo_cgroup *cg, pid_t pid, bool cloned_into, runcgo_error_t *err);

/* The v1 hierarchies' `tasks` files, opened by the runtime before the clone
 * for the init to join them itself (see manager.c).  A zeroed struct is
 * "none": systemd driver, pure v2, no cgroup. */
struct runcgo_cgroup_self_join
{
  int *fds;
  const char **dirs;
  size_t n;
};
int runcgo_cgroup_self_join_open (struct runcgo_cgroup *cg, struct runcgo_cgroup_self_join *j,
                                  runcgo_error_t *err);
/* In the init: move the calling thread (the whole single-threaded init) into
 * every hierarchy of j, closing the fds. */
int runcgo_cgroup_self_join (struct runcgo_cgroup_self_join *j, runcgo_error_t *err);
/* Close the fds and free j (the runtime's copy, after the clone). */
void runcgo_cgroup_self_join_release (struct runcgo_cgroup_self_join *j);
/* run.oci.delegate-cgroup: once the init is ready (its cgroup namespace,
 * if any, made: rooted at the container's cgroup, above the sub-cgroup, as
 * crun), move it on into the sub-cgroup (made here, owned by the
 * container's root with the files delegation hands over).  The container's
 * cgroup then holds no process and gives its controllers to it; the limits
 * stay where they are.  No-op without the annotation. */
int runcgo_cgroup_delegate (struct runcgo_cgroup *cg, pid_t pid, runcgo_error_t *err);
/* What state.json records ("/runcgo-test/abc"), and how to open it again. */
const char *runcgo_cgroup_path (const struct runcgo_cgroup *cg);
enum runcgo_cgroup_driver runcgo_cgroup_get_driver (const struct runcgo_cgroup *cg);
/* false when the container runs without a cgroup: driver disabled, or the
 * rootless fallback of create (no permission, no resources asked for); the
 * caller warns once.  runcgo_cgroup_path() is "" then. */
bool runcgo_cgroup_is_active (const struct runcgo_cgroup *cg);
int runcgo_cgroup_open (const char *path, enum runcgo_cgroup_driver driver, struct runcgo_cgroup **out,
                        runcgo_error_t *err);
/* exec --cgroup: a manager for existing sub-cgroups of CG, one spec per flag
 * ("[CONTROLLER[,CONTROLLER]:]PATH", PATH relative to the container's cgroup;
 * hierarchies no spec names keep the container's cgroup). */
int runcgo_cgroup_open_sub (const struct runcgo_cgroup *cg, char *const *subs, struct runcgo_cgroup **out,
                            runcgo_error_t *err);
/* Every pid in the cgroup (cgroup.procs of the pids, memory or unified hierarchy). */
int runcgo_cgroup_pids (const struct runcgo_cgroup *cg, pid_t **pids, size_t *n, runcgo_error_t *err);
/* Signal every process (cgroup.kill on v2 for SIGKILL when present; else freeze, signal each, thaw). */
int runcgo_cgroup_kill_all (const struct runcgo_cgroup *cg, int sig, runcgo_error_t *err);
int runcgo_cgroup_freeze (const struct runcgo_cgroup *cg, bool frozen, runcgo_error_t *err);
/* "paused" when frozen (freezer.state FROZEN / cgroup.freeze 1). */
bool runcgo_cgroup_is_frozen (const struct runcgo_cgroup *cg);
/* Apply new resources (runcgo update). */
int runcgo_cgroup_update (struct runcgo_cgroup *cg, const struct runcgo_resources *r, runcgo_error_t *err);
/* Remove every directory (retrying briefly on EBUSY while the last tasks exit). */
int runcgo_cgroup_destroy (struct runcgo_cgroup *cg, runcgo_error_t *err);
void runcgo_cgroup_free (struct runcgo_cgroup *cg);
/* Rootless and no cgroup could be made: the requested resources were not applied. */
bool runcgo_cgroup_resources_dropped (const struct runcgo_cgroup *cg);

/* ---------------------------------------------------------------- stats.c */
/* What `events` reports, in runc's units and meanings (bytes, nanoseconds;
 * "max" = UINT64_MAX; swap is memory+swap as v1 counts it, on v2 too). */
struct runcgo_cgroup_mem_entry
{
  uint64_t limit, usage, max, failcnt;
};
struct runcgo_cgroup_blkio_entry
{
  uint64_t major, minor;
  char op[16]; /* "Read", "Write", "Sync", "Async", "Discard", "Total" or "" */
  uint64_t value;
};
struct runcgo_cgroup_blkio_list
{
  struct runcgo_cgroup_blkio_entry *e;
  size_t n;
};
enum
{
  RUNCGO_BLKIO_SERVICE_BYTES, /* runc's ioServiceBytesRecursive */
  RUNCGO_BLKIO_SERVICED,      /* ioServicedRecursive */
  RUNCGO_BLKIO_KINDS
};
struct runcgo_cgroup_hugetlb
{
  char *page_size; /* "2MB" */
  uint64_t usage, max, failcnt;
};
struct runcgo_cgroup_stat_kv
{
  char *key;
  uint64_t value;
};
struct runcgo_cgroup_stats
{
  struct
  {
    uint64_t total, kernel, user;
    uint64_t *percpu, *percpu_kernel, *percpu_user;
    size_t n_percpu, n_percpu_modes; /* percpu; percpu_kernel and percpu_user */
    uint64_t periods, throttled_periods, throttled_time;
  } cpu;
  struct
  {
    uint64_t cache;
    struct runcgo_cgroup_mem_entry usage, swap, kernel, kernel_tcp;
    struct runcgo_cgroup_stat_kv *raw; /* memory.stat, in file order */
    size_t n_raw;
  } memory;
  struct
  {
    uint64_t current, limit; /* limit 0 = none (runc) */
  } pids;
  struct runcgo_cgroup_blkio_list blkio[RUNCGO_BLKIO_KINDS];
  struct runcgo_cgroup_hugetlb *hugetlb;
  size_t n_hugetlb;
};
/* Read every controller the container has (missing ones stay zero). */
int runcgo_cgroup_stats (const struct runcgo_cgroup *cg, struct runcgo_cgroup_stats *s, runcgo_error_t *err);
void runcgo_cgroup_stats_clear (struct runcgo_cgroup_stats *s);

/* OOM notifications: the fd polls readable when something happened;
 * runcgo_cgroup_oom_read then returns the number of OOM kills (>= 0) and
 * sets *gone once the cgroup was removed. */
struct runcgo_cgroup_oom;
int runcgo_cgroup_oom_open (const struct runcgo_cgroup *cg, struct runcgo_cgroup_oom **out, runcgo_error_t *err);
int runcgo_cgroup_oom_fd (const struct runcgo_cgroup_oom *o);
int runcgo_cgroup_oom_read (struct runcgo_cgroup_oom *o, bool *gone, runcgo_error_t *err);
void runcgo_cgroup_oom_close (struct runcgo_cgroup_oom *o);

#endif
