/* spawn.h -- create the container init: one clone3, no re-exec.
 *
 * The parent side (spawn.c) plans the namespaces, clones, writes ID maps,
 * joins the cgroup, runs prestart/createRuntime hooks when the init asks and
 * returns once the init is READY.  The child side (init.c) is library code
 * running in the clone: namespaces, rootfs, hooks, identity, seccomp, execve. */
#ifndef RUNCGO_SPAWN_H
#define RUNCGO_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "core/error.h"
#include "security/security.h"
#include "spec/spec.h"
#include "userns/idmap.h"

struct runcgo_spawn_config
{
  const struct runcgo_spec *spec;
  const char *id;
  const char *bundle;  /* absolute */
  const char *rootfs;  /* absolute */
  const struct runcgo_seccomp_filter *seccomp; /* NULL = none */
  struct runcgo_cgroup *cgroup;                /* NULL = none */
  int exec_fifo_fd;    /* O_PATH fd of ROOT/ID/exec.fifo; -1: wait for START on the channel */
  int console_socket_fd; /* -1 = none */
  int seccomp_notify_fd; /* connected to linux.seccomp.listenerPath; -1 = none */
  int preserve_fds;
  bool wasm;           /* the wasm handler: wasm_fd is the sealed engine (linux/wasm.c) */
  int wasm_fd;
  bool listen_fds;     /* the preserved fds include socket-activation fds */
  bool no_pivot;
  bool no_new_keyring;
  bool rootless;
  bool exe_shield;     /* raise the exe shield before the clone (runcgo_exe_shield_needed) */
  /* Optional host-side networking (net/slirp.c).  net_begin runs once the
   * init's namespaces exist and, in the fast path, while the init is still
   * dumpable (an unprivileged runtime can open its /proc/PID/ns files only
   * then); net_finish before any prestart/createRuntime hook, else before
   * READY returns. */
  int (*net_begin) (void *opaque, pid_t pid, int pidfd, runcgo_error_t *err);
  int (*net_finish) (void *opaque, runcgo_error_t *err);
  void *net_opaque;
  bool userns_root;    /* root of a nested user namespace: devices are bound, not made */
  struct runcgo_userns_early *early; /* NULL or empty: the init makes its own user namespace */
};

/* Pure: what clone3 creates and what the init must join/unshare itself. */
struct runcgo_ns_plan
{
  int clone_flags;        /* CLONE_NEW* passed to clone3 */
  int unshare_flags;      /* CLONE_NEW* the child unshares (slow path, cgroup ns) */
  bool slow;              /* a namespace is joined by path */
  bool new_user, new_pid, new_time, new_cgroup, new_mount;
  bool fork_for_pid;      /* pid ns unshared or joined: the init is a grandchild */
};
void runcgo_ns_plan_compute (const struct runcgo_spec *spec, struct runcgo_ns_plan *plan);

struct runcgo_spawn_result
{
  pid_t pid;              /* host pid of the init */
  int pidfd;
  int sync_fd;            /* kept open for START in run mode */
  uint64_t start_time;
};

int runcgo_spawn (const struct runcgo_spawn_config *cfg, struct runcgo_spawn_result *res, runcgo_error_t *err);

/* The clone of the init (clone3, else clone); 0 in the child. */
pid_t runcgo_spawn_clone_init (uint64_t flags, int cgroup_fd, int *pidfd, bool *into_cgroup);

/* early.c: a rootless container's user namespace made right after the
 * config is loaded, so that newuidmap/newgidmap run while the runtime makes
 * the state and the cgroup.  A zeroed struct is "none". */
struct runcgo_early_clone
{
  uint64_t flags;      /* CLONE_NEW* but CLONE_NEWUSER */
  int cgroup_fd;
  const struct runcgo_spawn_config *cfg;
  const struct runcgo_ns_plan *plan;
  const int *ns_fds;
  struct runcgo_cgroup_self_join *join;
  int sync_fd;         /* the init's end of the channel */
  int runtime_fd;      /* ours: closed in the init */
  pid_t pid;           /* answers */
  int pidfd;
  bool into_cgroup;
  int clone_errno;
};
struct runcgo_userns_early
{
  pid_t holder;        /* > 0: a holder is alive */
  pid_t runtime;
  int holder_pidfd;
  int chan[2];         /* [0] ours, [1] the holder's (one shared fd table) */
  void *stack;         /* non-NULL: chan and holder_pidfd are set */
  size_t stack_size;
  struct runcgo_idmap_job maps;
  struct runcgo_early_clone req;
};
/* Makes the holder and starts the helpers if the config needs them (else
 * leaves E empty); the maps are planned and checked first. */
int runcgo_userns_early_begin (const struct runcgo_spec *spec, bool rootless, struct runcgo_userns_early *e,
                               runcgo_error_t *err);
/* Has the holder clone the init into its user namespace (as clone_init). */
pid_t runcgo_userns_early_clone (struct runcgo_userns_early *e, const struct runcgo_early_clone *req, int *pidfd,
                                 bool *into_cgroup);
/* Waits for the helpers, then kills the holder (reaped by release). */
int runcgo_userns_early_maps_done (struct runcgo_userns_early *e, runcgo_error_t *err);
/* Kills the holder, reaps the helpers, frees. */
void runcgo_userns_early_release (struct runcgo_userns_early *e);

/* init.c: the clone's entry; never returns. */
__attribute__((noreturn)) void runcgo_init_main (const struct runcgo_spawn_config *cfg, const struct runcgo_ns_plan *plan,
                                                 const int *ns_fds, struct runcgo_cgroup_self_join *join,
                                                 int sync_fd);

#endif
