/* seccomp_plugins.h -- crun's annotation run.oci.seccomp.plugins: the
 * listener of a filter with SCMP_ACT_NOTIFY rules goes to the plugin helper
 * (helpers/runcgo-seccomp-plugins.c), which dlopens the plugins that answer
 * the notified syscalls (interface: include/runcgo/seccomp_notify_plugin.h).
 *
 * runcgo is static and cannot dlopen: one helper process per listener (the
 * init's, and each exec's) is started by create, run or exec after the state
 * dir exists and before the process that loads the filter is cloned; that
 * process sends it the listener over a socketpair as it would to a
 * listenerPath agent (seccomp_notify.c).  A plugin that does not load fails
 * the command.  The helpers are recorded in the state dir; they exit when no
 * process uses their filter any more, and delete stops what is left. */
#ifndef RUNCGO_SECCOMP_PLUGINS_H
#define RUNCGO_SECCOMP_PLUGINS_H

#include <stdbool.h>

#include "core/error.h"
#include "core/helper_proc.h"
#include "security/security.h"
#include "spec/spec.h"

/* Does this filter's listener go to plugins (S names them, F notifies)? */
bool runcgo_seccomp_plugins_wanted (const struct runcgo_seccomp *s, const struct runcgo_seccomp_filter *f);

/* The helper program: $RUNCGO_SECCOMP_PLUGINS_HELPER, else
 * PKGLIBEXECDIR/runcgo-seccomp-plugins, else ../helpers/ beside our binary
 * (the build tree).  Found once, before the exe shield. */
char *runcgo_seccomp_plugins_helper_path (void);

/* Before any side effect: when wanted, the helper program is there. */
int runcgo_seccomp_plugins_check (const struct runcgo_seccomp *s, const struct runcgo_seccomp_filter *f,
                                  runcgo_error_t *err);

/* What the plugins' start gets (the conf of the plugin interface). */
struct runcgo_seccomp_plugins_conf
{
  const char *state_root; /* the runtime's --root: the state dir is STATE_ROOT/ID */
  const char *id;
  const char *bundle;     /* absolute */
  const char *config;     /* --config (absolute), NULL = BUNDLE/config.json */
};

/* When wanted: start the helper (log: DIR_FD/seccomp-plugins.log), wait
 * until every plugin is loaded and started, record it in DIR_FD, and set
 * *SOCK to our end of its socket: pass it on as the process's
 * seccomp_notify_fd.  H is the helper; a failure leaves none behind.
 * Nothing happens (and *SOCK is left alone) when not wanted. */
int runcgo_seccomp_plugins_start (const struct runcgo_seccomp *s, const struct runcgo_seccomp_filter *f,
                                  const struct runcgo_seccomp_plugins_conf *conf, int dir_fd, int *sock,
                                  struct runcgo_helper_proc *h, runcgo_error_t *err);

/* delete: stop every helper recorded in DIR_FD and wait until it is gone. */
void runcgo_seccomp_plugins_stop (int dir_fd);

#endif
