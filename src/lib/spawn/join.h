/* join.h -- clone a process into a running container (`exec`).
 *
 * The runtime joins the container's pid namespace for its children only
 * (setns of a pid namespace never moves the caller), so the one clone3 lands
 * in it directly: no intermediate fork.  A rootless runtime may not do that
 * (joining a pid namespace needs CAP_SYS_ADMIN in the caller's own user
 * namespace too): there the child joins the user namespace and the pid
 * namespace with the rest, and forks the process that stays.  The child joins every other
 * namespace of the init at once through the init's pidfd (setns with a
 * pidfd and several flags is atomic), is non-dumpable until it execs, and
 * then runs the same pre-exec steps as the init (process.c). */
#ifndef RUNCGO_JOIN_H
#define RUNCGO_JOIN_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "core/error.h"
#include "process.h"

struct runcgo_join_config
{
  int init_pidfd;
  int ns_flags;                 /* CLONE_NEW* of the container's namespaces */
  struct runcgo_cgroup *cgroup; /* NULL = none */
  struct runcgo_exec_process proc;
  int console_socket_fd;        /* where the pty master goes when proc.p->terminal */
  bool pid_ns_in_child;         /* set by runcgo_join_spawn: the slow path above */
};

struct runcgo_join_result
{
  pid_t pid;
  int pidfd;
};

/* Returns once the process exec'd (or with the error that stopped it). */
int runcgo_join_spawn (struct runcgo_join_config *cfg, struct runcgo_join_result *res, runcgo_error_t *err);

#endif
