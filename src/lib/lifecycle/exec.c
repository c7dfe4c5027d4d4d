/* exec.c -- `exec`: build the process (the container's own process as the
 * template, as runc does, or a process.json), check the container can take
 * it, clone it in (spawn/join.c), then wait or detach. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup/cgroup.h"
#include "container.h"
#include "core/log.h"
#include "core/state.h"
#include "core/util.h"
#include "security/security.h"
#include "exec.h"
#include "linux/linux.h"
#include "spawn/join.h"
#include "security/seccomp_notify.h"
#include "security/seccomp_plugins.h"

struct execution
{
  const struct runcgo_exec_opts *o;
  struct runcgo_loaded l;
  struct runcgo_spec *spec;
  struct runcgo_process *from_file;   /* -p */
  struct runcgo_process proc;         /* the process run (points into spec or from_file) */
  char **env, **caps[4];              /* owned copies when flags changed them */
  uint32_t *gids;
  struct runcgo_caps capset;
  struct runcgo_seccomp_filter *seccomp;
  struct runcgo_cgroup *cgroup;
  int init_pidfd, console_fd, tty_sock, tty_master;
  int wasm_fd;              /* the wasm handler's engine, sealed (linux/wasm.c), or -1 */
  int seccomp_notify_fd;    /* connected to linux.seccomp.listenerPath, or the plugin helper's */
  struct runcgo_helper_proc plugins_helper; /* run.oci.seccomp.plugins */
  char *seccomp_notify_state;
  struct runcgo_join_result res;
};

static int
check_status (struct execution *x, runcgo_error_t *err)
{
  int s = x->l.status;
  if (s == RUNCGO_STATUS_STOPPED)
    return runcgo_fail (err, 0, "cannot exec into a stopped container");
  if (s == RUNCGO_STATUS_PAUSED && !x->o->ignore_paused)
    return runcgo_fail_hint (err, 0, "resume it first, or pass --ignore-paused",
                             "cannot exec into a paused container");
  /* a `run` whose init is not shielded: nothing may join before its exec */
  if (x->l.st->unshielded_exe && runcgo_exe_wait_init_exec (x->l.st->pid, x->l.st->unshielded_exe, err) < 0)
    return -1;
  x->init_pidfd = (int) syscall (SYS_pidfd_open, x->l.st->pid, 0);
  /* the pidfd pins the process: check it is still our init (not a reuse) */
  if (x->init_pidfd < 0 || !runcgo_pid_is_alive (x->l.st->pid, x->l.st->start_time))
    return runcgo_fail (err, 0, "cannot exec into a stopped container");
  return 0;
}

/* "-e K=V" replaces K or is appended. */
static char **
merge_env (char **base, char **extra)
{
  size_t nb = runcgo_strv_len (base), ne = runcgo_strv_len (extra), n = 0;
  char **env = xzalloc ((nb + ne + 1) * sizeof (char *));
  for (size_t i = 0; i < nb; i++)
    {
      const char *eq = strchr (base[i], '=');
      size_t klen = eq ? (size_t) (eq - base[i]) : strlen (base[i]);
      bool replaced = false;
      for (size_t j = 0; j < ne && !replaced; j++)
        replaced = strncmp (extra[j], base[i], klen) == 0 && extra[j][klen] == '=';
      if (!replaced)
        env[n++] = xstrdup (base[i]);
    }
  for (size_t j = 0; j < ne; j++)
    env[n++] = xstrdup (extra[j]);
  return env;
}

static int
parse_user (const char *s, struct runcgo_user *u, runcgo_error_t *err)
{
  uint64_t uid, gid = 0;
  cleanup_free char *copy = xstrdup (s);
  char *colon = strchr (copy, ':');
  if (colon)
    *colon = '\0';
  if (runcgo_parse_u64 (copy, &uid) < 0 || uid > UINT32_MAX || (colon && (runcgo_parse_u64 (colon + 1, &gid) < 0 || gid > UINT32_MAX)))
    return runcgo_fail_hint (err, 0, "use numeric IDs: -u 1000 or -u 1000:1000", "--user: invalid value \"%s\"", s);
  u->uid = (uint32_t) uid;
  if (colon)
    u->gid = (uint32_t) gid;
  return 0;
}

static int
parse_gids (struct execution *x, runcgo_error_t *err)
{
  size_t n = runcgo_strv_len (x->o->additional_gids);
  if (n == 0)
    return 0;
  x->gids = xzalloc (n * sizeof (uint32_t));
  for (size_t i = 0; i < n; i++)
    {
      uint64_t g;
      if (runcgo_parse_u64 (x->o->additional_gids[i], &g) < 0 || g > UINT32_MAX)
        return runcgo_fail (err, 0, "--additional-gids: invalid group ID \"%s\"", x->o->additional_gids[i]);
      x->gids[i] = (uint32_t) g;
    }
  x->proc.user.additional_gids = x->gids;
  x->proc.user.n_additional_gids = n;
  return 0;
}

/* --cap adds to bounding, effective and permitted; to ambient only when the
 * template has inheritable capabilities (runc). */
static void
add_caps (struct execution *x)
{
  char **extra = x->o->caps;
  if (runcgo_strv_len (extra) == 0)
    return;
  struct runcgo_caps *base = x->proc.capabilities;
  static const struct runcgo_caps empty;
  if (base == NULL)
    base = (struct runcgo_caps *) &empty;
  x->capset = *base;
  char **sets[] = { base->bounding, base->effective, base->permitted, base->ambient };
  char ***dst[] = { &x->capset.bounding, &x->capset.effective, &x->capset.permitted, &x->capset.ambient };
  for (int i = 0; i < 4; i++)
    {
      if (i == 3 && base->inheritable == NULL)
        break;
      x->caps[i] = merge_env (sets[i], extra);
      *dst[i] = x->caps[i];
    }
  x->proc.capabilities = &x->capset;
}

/* A container created without process has no template: start from what
 * crun's exec does then, and no more: uid 0 of the container in "/", no
 * environment, no capability unless --cap adds it, and no_new_privs (the
 * flag can only turn it on) so nothing can be gained by exec. */
static void
template_without_process (struct execution *x)
{
  static char root[] = "/";
  static const struct runcgo_caps none;
  x->capset = none;
  x->proc = (struct runcgo_process){ .cwd = root, .capabilities = &x->capset, .no_new_privileges = true };
}

static int
build_process (struct execution *x, runcgo_error_t *err)
{
  const struct runcgo_exec_opts *o = x->o;
  if (o->process_file)
    {
      cleanup_free char *buf = NULL;
      size_t len;
      if (runcgo_read_file_at (AT_FDCWD, o->process_file, 4 << 20, &buf, &len, err) < 0)
        return runcgo_error_wrap (err, "--process");
      if (runcgo_process_parse (buf, len, &x->from_file, err) < 0)
        return runcgo_error_wrap (err, "--process `%s`", o->process_file);
      x->proc = *x->from_file;
    }
  else
    {
      if (x->spec->process)
        x->proc = *x->spec->process;
      else
        template_without_process (x);
      x->proc.args = o->args;
      x->proc.terminal = o->tty;
    }
  if (o->env)
    x->proc.env = x->env = merge_env (x->proc.env, o->env);
  if (o->cwd)
    x->proc.cwd = (char *) o->cwd;
  if (o->user && parse_user (o->user, &x->proc.user, err) < 0)
    return -1;
  if (parse_gids (x, err) < 0)
    return -1;
  if (o->no_new_privs)
    x->proc.no_new_privileges = true;
  if (o->apparmor)
    x->proc.apparmor_profile = (char *) o->apparmor;
  if (o->process_label)
    x->proc.selinux_label = (char *) o->process_label;
  add_caps (x);
  x->proc.user.keep_groups = runcgo_spec_keeps_groups (x->spec);
  return runcgo_process_validate (&x->proc, o->process_file ? "process" : "exec", err);
}

static int
prepare_terminal (struct execution *x, runcgo_error_t *err)
{
  if (!x->proc.terminal)
    return x->o->console_socket ? runcgo_fail_hint (err, 0, "add --tty", "--console-socket needs a terminal") : 0;
  if (x->o->console_socket)
    return (x->console_fd = runcgo_console_socket_connect (x->o->console_socket, err)) < 0 ? -1 : 0;
  if (x->o->detach)
    return runcgo_fail_hint (err, 0, "pass --console-socket", "cannot allocate a terminal for a detached exec");
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return runcgo_fail (err, errno, "socketpair for the terminal");
  x->tty_sock = sv[0];
  x->console_fd = sv[1];
  return 0;
}

static int
ns_flags_of (const struct runcgo_spec *spec)
{
  int flags = 0;
  for (int k = 0; k < RUNCGO_NS_KINDS; k++)
    if (runcgo_spec_namespace (spec, (enum runcgo_ns_kind) k))
      flags |= runcgo_ns_clone_flags[k];
  return flags;
}

static int
spawn_process (struct execution *x, runcgo_error_t *err)
{
  struct runcgo_join_config cfg = {
    .init_pidfd = x->init_pidfd,
    .ns_flags = ns_flags_of (x->spec),
    .cgroup = x->cgroup,
    .proc = { .p = &x->proc,
              .linux_ = x->spec->linux_,
              .seccomp = x->seccomp,
              .preserve_fds = x->o->preserve_fds,
              .seccomp_notify_fd = x->seccomp_notify_fd,
              .seccomp_notify_state = x->seccomp_notify_state,
              .wasm = x->wasm_fd >= 0,
              .wasm_fd = x->wasm_fd },
    .console_socket_fd = x->console_fd,
  };
  /* --ignore-paused: the process freezes as it enters the frozen cgroup,
   * before its exec; this returns once the container is resumed */
  int r = runcgo_join_spawn (&cfg, &x->res, err);
  /* the process sent the state and its listener with its own copy: close
   * ours so that the agent sees the end of the connection */
  if (x->seccomp_notify_fd >= 0)
    {
      close (x->seccomp_notify_fd);
      x->seccomp_notify_fd = -1;
    }
  if (r < 0)
    return -1;
  if (x->tty_sock >= 0 && runcgo_console_recv (x->tty_sock, &x->tty_master, err) < 0)
    return -1;
  return 0;
}

/* exec --cgroup: the process goes to the named sub-cgroups instead; with
 * run.oci.delegate-cgroup, by default to the init's (the container's own
 * cgroup holds no process then: cgroup v2 refuses one in a cgroup that
 * gives controllers to its children). */
static int
join_sub_cgroup (struct execution *x, runcgo_error_t *err)
{
  char *delegated[] = { (char *) runcgo_spec_annotation (x->spec, RUNCGO_ANN_DELEGATE_CGROUP), NULL };
  char *const *subs = x->o->cgroups ? x->o->cgroups : delegated[0] ? delegated : NULL;
  if (subs == NULL)
    return 0;
  struct runcgo_cgroup *sub;
  if (x->cgroup == NULL)
    return runcgo_fail (err, ENOENT, "exec --cgroup: the container has no cgroup");
  if (runcgo_cgroup_open_sub (x->cgroup, subs, &sub, err) < 0)
    return -1;
  runcgo_cgroup_free (x->cgroup);
  x->cgroup = sub;
  return 0;
}

static int
load_everything (struct runcgo_context *ctx, struct execution *x, runcgo_error_t *err)
{
  if (runcgo_container_load (ctx, x->o->id, false, &x->l, err) < 0 || check_status (x, err) < 0)
    return -1;
  if (runcgo_state_load_spec (x->l.st, &x->spec, err) < 0)
    return runcgo_error_wrap (err, "exec: the container's config");
  if (build_process (x, err) < 0 || prepare_terminal (x, err) < 0)
    return -1;
  /* a module run in a wasm container goes through the engine, as the
   * container's own process does; opened now, while /proc/self/exe still
   * leads to our helpers (join.c raises the exe shield) */
  if (runcgo_wasm_wanted_for (x->spec, x->proc.args) && runcgo_wasm_open_helper (&x->wasm_fd, err) < 0)
    return -1;
  const struct runcgo_linux *l = x->spec->linux_;
  if (l && runcgo_seccomp_prepare (x->spec, ctx->root_fd, &x->seccomp, err) < 0)
    return -1;
  if (x->seccomp && runcgo_seccomp_notify_connect (l->seccomp, x->seccomp, &x->seccomp_notify_fd, err) < 0)
    return -1;
  struct runcgo_seccomp_plugins_conf conf
      = { .state_root = ctx->state_root, .id = x->o->id, .bundle = x->l.st->bundle, .config = x->l.st->config };
  if (x->seccomp
      && runcgo_seccomp_plugins_start (l->seccomp, x->seccomp, &conf, x->l.dir_fd, &x->seccomp_notify_fd,
                                       &x->plugins_helper, err) < 0)
    return -1;
  if (x->seccomp_notify_fd >= 0)
    x->seccomp_notify_state = runcgo_seccomp_notify_state (x->spec, x->o->id, x->l.st->bundle, RUNCGO_STATUS_RUNNING,
                                                           x->l.st->pid);
  if (runcgo_container_open_cgroup (x->l.st, &x->cgroup, err) < 0)
    return -1;
  return join_sub_cgroup (x, err);
}

static void
execution_release (struct execution *x)
{
  runcgo_loaded_release (&x->l);
  runcgo_spec_free (x->spec);
  runcgo_process_free (x->from_file);
  runcgo_strv_free (x->env);
  for (int i = 0; i < 4; i++)
    runcgo_strv_free (x->caps[i]);
  free (x->gids);
  runcgo_seccomp_filter_free (x->seccomp);
  if (x->cgroup)
    runcgo_cgroup_free (x->cgroup);
  free (x->seccomp_notify_state);
  int fds[]
      = { x->init_pidfd, x->console_fd, x->tty_sock, x->tty_master, x->res.pidfd, x->seccomp_notify_fd, x->wasm_fd };
  for (size_t i = 0; i < ARRAY_SIZE (fds); i++)
    if (fds[i] >= 0)
      close (fds[i]);
}

int
runcgo_container_exec (struct runcgo_context *ctx, const struct runcgo_exec_opts *o, int *exit_status,
                       runcgo_error_t *err)
{
  struct execution x = { .o = o, .l = { .dir_fd = -1 } };
  x.init_pidfd = x.console_fd = x.tty_sock = x.tty_master = x.res.pidfd = x.seccomp_notify_fd = x.wasm_fd = -1;
  runcgo_helper_proc_init (&x.plugins_helper);
  sigset_t fwd;
  runcgo_forwarded_signals (&fwd);
  if (!o->detach)
    sigprocmask (SIG_BLOCK, &fwd, NULL);
  int r = load_everything (ctx, &x, err);
  /* directories of the host must not be inherited by the process cloned
   * into the container: /proc/PID/fd/N would lead there (CVE-2016-9962) */
  runcgo_context_close_root (ctx);
  if (x.l.dir_fd >= 0)
    close (x.l.dir_fd);
  x.l.dir_fd = -1;
  if (r == 0)
    r = spawn_process (&x, err);
  bool spawned = r == 0;
  if (r == 0 && o->pid_file)
    r = runcgo_write_pid_file (o->pid_file, x.res.pid, err);
  if (r == 0 && o->pidfd_socket)
    r = runcgo_pidfd_socket_send (o->pidfd_socket, x.res.pidfd, err);
  if (r < 0 && spawned)
    {
      /* a failed exec leaves no process behind (runc terminates it too) */
      syscall (SYS_pidfd_send_signal, x.res.pidfd, SIGKILL, NULL, 0);
      waitpid (x.res.pid, NULL, 0);
    }
  if (r < 0)
    runcgo_helper_proc_abort (&x.plugins_helper);
  *exit_status = 0;
  if (r == 0 && !o->detach)
    r = runcgo_wait_foreground (x.res.pidfd, x.res.pid, x.tty_master, &fwd, exit_status, err);
  execution_release (&x);
  return r;
}
