/* process.c -- the last steps before execve, shared by the container init
 * and by `exec`.  Order matters and is commented where it does. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "core/util.h"
#include "linux/linux.h"
#include "process.h"
#include "security/seccomp_notify.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *
env_get (char **env, const char *name)
{
  size_t n = strlen (name);
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp (env[i], name, n) == 0 && env[i][n] == '=')
      return env[i] + n + 1;
  return NULL;
}

/* Resolve args[0] against the container's PATH now, so a missing binary
 * fails `create` (as runc does) instead of the later start. */
static int
resolve_executable (struct runcgo_exec_process *x, runcgo_error_t *err)
{
  const char *arg0 = x->p->args[0];
  if (strchr (arg0, '/'))
    {
      if (access (arg0, X_OK) < 0)
        return runcgo_fail (err, errno, "exec: \"%s\"", arg0);
      x->exe = xstrdup (arg0);
      return 0;
    }
  const char *path = env_get (x->p->env, "PATH");
  cleanup_free char *dirs = xstrdup (path ? path : DEFAULT_PATH);
  char *save = NULL;
  for (char *d = strtok_r (dirs, ":", &save); d; d = strtok_r (NULL, ":", &save))
    {
      cleanup_free char *cand = xasprintf ("%s/%s", *d ? d : ".", arg0);
      struct stat st;
      if (stat (cand, &st) == 0 && S_ISREG (st.st_mode) && access (cand, X_OK) == 0)
        {
          x->exe = steal_ptr (&cand);
          return 0;
        }
    }
  return runcgo_fail_hint (err, 0, "check process.args[0] and the PATH in process.env",
                           "exec: \"%s\": executable file not found in $PATH", arg0);
}

/* HOME from the container's /etc/passwd when process.env lacks it (runc). */
static char *
home_of (uint32_t uid)
{
  const char *home = "/";
  cleanup_file FILE *f = fopen ("/etc/passwd", "re");
  char line[1024];
  while (f && fgets (line, sizeof (line), f))
    {
      char *fields[7] = { 0 }, *s = line;
      for (int i = 0; i < 7 && s; i++)
        fields[i] = strsep (&s, ":");
      if (fields[2] && fields[5] && (uint32_t) strtoul (fields[2], NULL, 10) == uid && *fields[5])
        return xasprintf ("HOME=%s", fields[5]);
    }
  return xasprintf ("HOME=%s", home);
}

/* Socket activation: the fds keep their numbers, LISTEN_PID names the
 * process as it sees itself (1 in a new pid namespace). */
static void
build_env (struct runcgo_exec_process *x)
{
  const struct runcgo_process *p = x->p;
  size_t n = runcgo_strv_len (p->env), k = 0;
  x->env = xzalloc ((n + 3) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    if (!(x->listen_fds && strncmp (p->env[i], "LISTEN_PID=", 11) == 0))
      x->env[k++] = p->env[i];
  if (x->listen_fds)
    x->env[k++] = xasprintf ("LISTEN_PID=%d", (int) getpid ());
  if (env_get (p->env, "HOME") == NULL)
    x->env[k++] = home_of (p->user.uid);
}

int
runcgo_process_prepare (struct runcgo_exec_process *x, runcgo_error_t *err)
{
  /* the wasm handler's args[0] is a module, not an executable */
  if (x->wasm)
    {
      if (runcgo_wasm_check_module (x->p, err) < 0)
        return -1;
      x->exe = xstrdup (x->p->args[0]);
    }
  else if (resolve_executable (x, err) < 0)
    return -1;
  build_env (x);
  return 0;
}

static int
enter_cwd (const char *cwd, bool retry_ok, bool *done, runcgo_error_t *err)
{
  if (*done)
    return 0;
  /* a missing cwd is created, as runc does; we are inside the new root by
   * now, so no path can lead out of it */
  if (chdir (cwd) < 0 && errno == ENOENT && retry_ok)
    {
      runcgo_error_t ignored = NULL;
      if (runcgo_mkdir_p (cwd, 0755, &ignored) < 0)
        runcgo_error_release (&ignored);
    }
  if (chdir (cwd) < 0)
    {
      if (retry_ok && errno == EACCES)
        return 0; /* maybe only the container user may enter it: retry after setuid */
      return runcgo_fail (err, errno, "process.cwd: chdir to `%s`", cwd);
    }
  /* a cwd outside the container's root reads as "(unreachable)": refuse */
  char buf[PATH_MAX];
  if (getcwd (buf, sizeof (buf)) == NULL || buf[0] != '/')
    return runcgo_fail (err, errno ? errno : EPERM, "process.cwd: `%s` is outside the container", cwd);
  *done = true;
  return 0;
}

int
runcgo_process_finalize (struct runcgo_exec_process *x, runcgo_error_t *err)
{
  const struct runcgo_process *p = x->p;
  const struct runcgo_seccomp_filter *sc = x->seccomp;
  bool cwd_done = false;
  if (enter_cwd (p->cwd, true, &cwd_done, err) < 0)
    return -1;
  /* labels apply at execve; written while we may still write our attrs */
  if (runcgo_lsm_apply_exec_labels (p, err) < 0)
    return -1;
  /* a realtime policy or a raised I/O class needs privileges that the
   * identity change may drop: set them first */
  if (runcgo_process_attrs_apply (p, x->linux_, err) < 0)
    return -1;
  /* without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it while
   * we still hold it (runc does the same) */
  if (sc && !p->no_new_privileges
      && runcgo_seccomp_load_and_notify (sc, x->seccomp_notify_fd, x->seccomp_notify_state, err) < 0)
    return -1;
  if (runcgo_identity_apply (&p->user, p->capabilities, err) < 0)
    return -1;
  if (enter_cwd (p->cwd, false, &cwd_done, err) < 0)
    return -1;
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return runcgo_fail (err, errno, "process.noNewPrivileges: prctl");
  /* last: the filter now constrains only execve and what follows */
  if (sc && p->no_new_privileges
      && runcgo_seccomp_load_and_notify (sc, x->seccomp_notify_fd, x->seccomp_notify_state, err) < 0)
    return -1;
  for (int fd = 3; fd < 3 + x->preserve_fds; fd++)
    fcntl (fd, F_SETFD, 0);
  runcgo_set_cloexec_from (3 + x->preserve_fds);
  return 0;
}

int
runcgo_process_exec (struct runcgo_exec_process *x, runcgo_error_t *err)
{
  /* PDEATHSIG survives execve: the process must outlive the runtime that
   * started it (exec -d, a killed run) */
  prctl (PR_SET_PDEATHSIG, 0);
  if (x->wasm)
    return runcgo_wasm_exec (x->wasm_fd, x->p->args, x->env, err);
  execve (x->exe, x->p->args, x->env);
  return runcgo_fail (err, errno, "exec `%s`", x->exe);
}

int
runcgo_process_hand_over_terminal (int console_sock, int master, int slave, const struct runcgo_process *p,
                                   runcgo_error_t *err)
{
  int r = runcgo_console_send (console_sock, master, err);
  close (master);
  if (r < 0)
    return -1;
  close (console_sock);
  return runcgo_terminal_make_controlling (slave, p, err);
}

/* A config without process: the init never executes anything (`start`
 * refuses it) and only waits to be exec'd into or deleted.  It waits with
 * nothing to lose: root of the container without a single capability
 * (bounding set included, so nothing it could exec would regain one),
 * no_new_privs, in "/" (crun drops to the same). */
int
runcgo_hold_without_process (runcgo_error_t *err)
{
  static const struct runcgo_caps none;
  static const struct runcgo_user root;
  if (chdir ("/") < 0)
    return runcgo_fail (err, errno, "no process: chdir to the container's root");
  if (runcgo_identity_apply (&root, &none, err) < 0)
    return runcgo_error_wrap (err, "no process: drop every capability of the waiting init");
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return runcgo_fail (err, errno, "no process: prctl no_new_privs");
  return 0;
}
