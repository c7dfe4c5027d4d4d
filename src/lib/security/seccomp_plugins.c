/* seccomp_plugins.c -- the runtime's side of run.oci.seccomp.plugins (see
 * seccomp_plugins.h): finding the plugin helper before any side effect,
 * starting it with its end of the listener's socketpair and the plugins'
 * conf, turning its error line into the command's error, and stopping the
 * helpers recorded in the state dir at delete. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/util.h"
#include "security/seccomp_plugins.h"

#define PLUGINS_HELPER "runcgo-seccomp-plugins"
#define PLUGINS_RECORD "seccomp-plugins.pid"
#define PLUGINS_LOG "seccomp-plugins.log"
/* dlopen and the plugins' start take milliseconds; a loaded CI machine more */
#define READY_TIMEOUT_MS 20000

bool
runcgo_seccomp_plugins_wanted (const struct runcgo_seccomp *s, const struct runcgo_seccomp_filter *f)
{
  return s && s->plugins && f && f->notify;
}

char *
runcgo_seccomp_plugins_helper_path (void)
{
  static char *found;
  if (found == NULL)
    found = runcgo_helper_path (PLUGINS_HELPER, "RUNCGO_SECCOMP_PLUGINS_HELPER");
  return xstrdup (found);
}

int
runcgo_seccomp_plugins_check (const struct runcgo_seccomp *s, const struct runcgo_seccomp_filter *f,
                              runcgo_error_t *err)
{
  if (!runcgo_seccomp_plugins_wanted (s, f))
    return 0;
  cleanup_free char *helper = runcgo_seccomp_plugins_helper_path ();
  if (access (helper, X_OK) < 0)
    return runcgo_fail_hint (err, errno,
                             "install runcgo with its helpers, or point RUNCGO_SECCOMP_PLUGINS_HELPER at "
                             PLUGINS_HELPER,
                             RUNCGO_ANN_SECCOMP_PLUGINS ": the plugin helper `%s`", helper);
  return 0;
}

static char **
helper_argv (const char *plugins, const struct runcgo_seccomp_plugins_conf *c)
{
  char **argv = xzalloc (7 * sizeof (char *));
  argv[0] = xstrdup (PLUGINS_HELPER);
  argv[1] = xasprintf ("--plugins=%s", plugins);
  argv[2] = xasprintf ("--state-dir=%s/%s", c->state_root, c->id);
  argv[3] = xasprintf ("--id=%s", c->id);
  argv[4] = xasprintf ("--bundle=%s", c->bundle);
  argv[5] = c->config ? xasprintf ("--config=%s", c->config) : xasprintf ("--config=%s/config.json", c->bundle);
  return argv;
}

/* Its answer: "ok" once every plugin started, else the line that says
 * which plugin failed and why (or nothing: it died). */
static int
wait_ready (struct runcgo_helper_proc *h, runcgo_error_t *err)
{
  char answer[2048];
  if (runcgo_helper_proc_answer (h, READY_TIMEOUT_MS, RUNCGO_ANN_SECCOMP_PLUGINS ": the plugin helper", PLUGINS_LOG,
                                 answer, sizeof (answer), err) < 0)
    return -1;
  if (strcmp (answer, "ok") == 0)
    return 0;
  if (*answer == '\0')
    return runcgo_fail_hint (err, 0, "see " PLUGINS_LOG " in the container's state directory",
                             RUNCGO_ANN_SECCOMP_PLUGINS ": the plugin helper exited before it was ready");
  return runcgo_fail (err, 0, RUNCGO_ANN_SECCOMP_PLUGINS ": %s", answer);
}

int
runcgo_seccomp_plugins_start (const struct runcgo_seccomp *s, const struct runcgo_seccomp_filter *f,
                              const struct runcgo_seccomp_plugins_conf *conf, int dir_fd, int *sock,
                              struct runcgo_helper_proc *h, runcgo_error_t *err)
{
  if (!runcgo_seccomp_plugins_wanted (s, f))
    return 0;
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return runcgo_fail (err, errno, RUNCGO_ANN_SECCOMP_PLUGINS ": socketpair");
  cleanup_close int ours = sv[0], theirs = sv[1];
  cleanup_close int log_fd = openat (dir_fd, PLUGINS_LOG, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (log_fd < 0)
    return runcgo_fail (err, errno, RUNCGO_ANN_SECCOMP_PLUGINS ": open the helper's log %s", PLUGINS_LOG);
  cleanup_free char *path = runcgo_seccomp_plugins_helper_path ();
  cleanup_strv char **argv = helper_argv (s->plugins, conf);
  if (runcgo_helper_proc_spawn (path, argv, &theirs, 1, log_fd, RUNCGO_ANN_SECCOMP_PLUGINS ": the plugin helper", h,
                                err)
      < 0)
    return -1;
  /* only the helper holds its end: it sees EOF when the process that should
   * send the listener dies first */
  close (steal_fd (&theirs));
  if (wait_ready (h, err) < 0 || runcgo_helper_proc_record (h, dir_fd, PLUGINS_RECORD, true, err) < 0)
    {
      runcgo_helper_proc_abort (h);
      return -1;
    }
  *sock = steal_fd (&ours);
  return 0;
}

void
runcgo_seccomp_plugins_stop (int dir_fd)
{
  runcgo_helper_proc_stop_all (dir_fd, PLUGINS_RECORD);
}
