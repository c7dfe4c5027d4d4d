/* exec.h -- `runcgo exec`: run a new process in a running container. */
#ifndef RUNCGO_EXEC_H
#define RUNCGO_EXEC_H

#include <stdbool.h>

#include "core/context.h"
#include "core/error.h"

struct runcgo_exec_opts
{
  const char *id;
  const char *process_file;  /* -p: a process.json replaces the config's process */
  char **args;               /* CMD ARGS (NULL-terminated) when no -p */
  bool tty;
  const char *console_socket;
  const char *pidfd_socket;  /* receives the process's pidfd */
  bool detach;
  const char *pid_file;
  char **env;                /* -e, appended/overriding */
  const char *user;          /* -u uid[:gid] */
  char **additional_gids;    /* -g */
  const char *cwd;
  char **caps;               /* --cap, added */
  bool no_new_privs;
  int preserve_fds;
  const char *apparmor;
  const char *process_label;
  char **cgroups;            /* --cgroup [CONTROLLERS:]PATH: existing sub-cgroups to join */
  bool ignore_paused;
};

int runcgo_container_exec (struct runcgo_context *ctx, const struct runcgo_exec_opts *o, int *exit_status,
                           runcgo_error_t *err);

#endif
