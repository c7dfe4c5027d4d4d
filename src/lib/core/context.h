/* context.h -- what every command needs: the state root, rootless or not,
 * and the container ID rules.  Built once in main from the global flags. */
#ifndef RUNCGO_CONTEXT_H
#define RUNCGO_CONTEXT_H

#include <stdbool.h>

#include "error.h"

struct runcgo_context
{
  char *state_root;    /* absolute */
  int root_fd;         /* O_DIRECTORY fd of state_root, -1 until opened */
  bool rootless;
  bool userns_root;    /* euid 0, but in a user namespace that is not the initial one (rootless
                          Podman runs the runtime so): cgroups, devices and the state root are
                          handled as for a rootless caller, the config needs no user namespace */
  bool systemd_cgroup;
  bool no_cgroup;      /* --cgroup-manager disabled: the container gets no cgroup at all */
  bool debug;
  bool strict_devices; /* --device-policy strict */
};

/* rootless_opt: "auto" (NULL), "true", "false".  root: --root or NULL. */
int runcgo_context_init (struct runcgo_context *ctx, const char *root, const char *rootless_opt, bool systemd_cgroup,
                         runcgo_error_t *err);
/* Open (create = mkdir -p 0700 if missing) the state root. */
int runcgo_context_open_root (struct runcgo_context *ctx, bool create, runcgo_error_t *err);
/* Close the state root's fd (reopened on demand): before a process is cloned
 * into a container, nothing of the host's state may be inherited. */
void runcgo_context_close_root (struct runcgo_context *ctx);
void runcgo_context_release (struct runcgo_context *ctx);

/* Letters, digits, "_.+-", not starting with "." or "-", 1..1024 bytes: a
 * name that can never reach outside the state root. */
int runcgo_container_id_validate (const char *id, runcgo_error_t *err);

#endif
